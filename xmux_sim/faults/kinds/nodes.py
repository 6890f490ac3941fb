"""Faults of one node: it drops out of the cluster, or its link gets slow."""

from __future__ import annotations

from xmux_sim.faults.kind import FaultKind
from xmux_sim.params import NODE, NODES, RATE, Param, choice

DROP_NODE = FaultKind(
    "drop-node",
    "take a node out: link = router loses the underlay, bgp = BGP daemon frozen while the data "
    "path stays up, power = every container of the node stops",
    (
        Param("node", NODE, "the node"),
        # A shared power feed or switch fails for several nodes at the same instant.
        Param("nodes", NODES, "several nodes, dropped together (within milliseconds) and healed together"),
        Param("mode", choice("link", "bgp", "power"), "link | bgp | power", default="link"),
    ),
    one_of=("node", "nodes"),
    each=(("nodes", "node"),),
)
BANDWIDTH = FaultKind(
    "bandwidth",
    "limit a node's link (tbf on its router, both directions)",
    (
        Param("node", NODE, "the node", required=True),
        Param("rate", RATE, "tc rate: 1mbit, 500kbit, ...", required=True),
    ),
)
