"""Where each node's router sits on the underlay."""

from __future__ import annotations

from ipaddress import IPv4Address

from xmux_sim.topology.model import ROUTER_OFFSET, Node, Stack


def underlay_ip(stack: Stack, node: Node) -> IPv4Address:
    """The router's fixed underlay address: peers name each other by it, so it must not move.

    Derived from the node's index rather than allocated by Docker, so a router that is
    disconnected and reconnected (a link fault) comes back at the address its peers expect.
    """
    underlay = stack.network.underlay
    address = underlay.network_address + ROUTER_OFFSET + node.index
    if address not in underlay or address == underlay.broadcast_address:
        raise ValueError(
            f"node {node.name} (index {node.index}) has no router address in the underlay {underlay}: "
            f"routers take offset {ROUTER_OFFSET} + node index; use a larger underlay network"
        )
    return address
