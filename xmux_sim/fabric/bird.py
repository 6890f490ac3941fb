"""BIRD 2 configuration for a node's router: Kube-Router's routing model in BIRD's words.

Every node's router speaks iBGP (one AS) to every other node's router over the underlay,
advertises its own node's pod CIDR and installs what it learns into its kernel table, so
the kernel forwards pod traffic between nodes. That is what Kube-Router does with GoBGP;
BIRD is used here because Debian ships it and its timers are all configurable.
"""

from __future__ import annotations

import math
from typing import Literal, cast, get_args

from xmux_sim.fabric.addressing import underlay_ip
from xmux_sim.topology.model import BgpSettings, Node, Stack

# Non-BGP protocols carry an underscore: node names cannot (lower-case letters, digits, '-'),
# so a node called "kernel" or "device" can never clash with them.
DEVICE_PROTOCOL = "device_scan"
DIRECT_PROTOCOL = "pod_cidr"
KERNEL_PROTOCOL = "kernel_table"
STATIC_PROTOCOL = "pod_fallback"
# Below BGP's 100 (and static's own default of 200), so a learned route always wins.
FALLBACK_PREFERENCE = 10

UnknownPods = Literal["blackhole", "unreachable", "default-route"]
"""What a router does with traffic for a pod CIDR it has no route to (a withdrawn node).

``blackhole`` drops it silently (clients time out, as when a production node's default
gateway has no route for the pod range); ``unreachable`` answers ICMP host unreachable
(clients fail at once); ``default-route`` installs nothing, so the traffic follows the
container's default route to the Docker host, and what happens then depends on the
host's firewall (Docker's bridge isolation drops it; a host without it would deliver it
straight to the pod and hide the fault). Only the other nodes' CIDRs get a fallback.
"""


def protocol_name(node: Node) -> str:
    """The BGP protocol towards ``node`` is named after it, so `show protocols` names peers by node."""
    return node.name


def protocol_symbol(node: Node) -> str:
    """`protocol_name` as BIRD's config and birdc must spell it: quoted, since node names hold '-'.

    For example ``birdc "disable 'node-2'"``; unquoted, birdc answers with a syntax error.
    """
    return f"'{protocol_name(node)}'"


def _whole_seconds(label: str, value: float, *, minimum: int = 0) -> int:
    # BIRD's timers are integers: refuse a fraction rather than silently round a timer the
    # scenario's bounds are computed from.
    if not math.isfinite(value) or value != int(value) or value < minimum:
        raise ValueError(f"BGP {label} must be whole seconds >= {minimum} for BIRD, got {value:g}")
    return int(value)


def _timers(bgp: BgpSettings) -> list[str]:
    hold = _whole_seconds("hold time", bgp.hold)
    if hold != 0 and not 3 <= hold <= 65535:
        # RFC 4271 allows 0 (no keepalives) or at least 3 s; BIRD enforces it.
        raise ValueError(f"BGP hold time must be 0 or 3..65535 s, got {hold}")
    keepalive = _whole_seconds("keepalive time", bgp.keepalive, minimum=1)
    if hold and keepalive >= hold:
        raise ValueError(f"BGP keepalive time ({keepalive} s) must be shorter than the hold time ({hold} s)")
    retry = _whole_seconds("connect retry time", bgp.connect_retry, minimum=1)
    wait_min = _whole_seconds("error wait time (min)", bgp.error_wait[0], minimum=1)
    wait_max = _whole_seconds("error wait time (max)", bgp.error_wait[1], minimum=1)
    if wait_min > wait_max:
        raise ValueError(f"BGP error wait time: min {wait_min} s > max {wait_max} s")
    return [
        f"hold time {hold};",
        # BIRD only uses the configured hold time if the peer proposes no smaller one; both
        # ends get the same settings, so the negotiated value is the configured one.
        f"keepalive time {keepalive};",
        f"connect retry time {retry};",
        # BIRD's default (60, 300) keeps a healed node out of the mesh for about a minute.
        f"error wait time {wait_min}, {wait_max};",
    ]


def bird_config(stack: Stack, node: Node, *, unknown_pods: UnknownPods | None = None) -> str:
    """The complete /etc/bird/bird.conf for ``node``'s router.

    The router's two legs are matched by address, not by interface name: Docker does not
    promise which network becomes eth0 when a container joins several, so the direct
    protocol watches whichever interface carries an address in the node's pod CIDR.
    """
    if node not in stack.nodes:
        raise ValueError(f"node {node.name} is not part of stack {stack.name}")
    bgp = stack.network.bgp
    if not 1 <= bgp.asn <= 4294967295:
        raise ValueError(f"BGP AS number must be 1..4294967295, got {bgp.asn}")
    if unknown_pods is None:
        unknown_pods = cast(UnknownPods, stack.network.unknown_pods)
    if unknown_pods not in get_args(UnknownPods):
        choices = ", ".join(get_args(UnknownPods))
        raise ValueError(f"unknown_pods must be one of {choices}, got {unknown_pods!r}")
    me = underlay_ip(stack, node)
    cidr = node.cidr
    timers = _timers(bgp)
    retry = _whole_seconds("connect retry time", bgp.connect_retry, minimum=1)

    lines = [
        f"# BIRD 2 configuration of {node.name}'s router in stack {stack.name}; generated by xmux-sim.",
        "log stderr all;",
        f"router id {me};",
        "",
        "# Interfaces come and go with link faults (docker network disconnect): notice quickly.",
        f"protocol device {DEVICE_PROTOCOL} {{",
        "  scan time 2;",
        "}",
        "",
        "# The node's pod CIDR, directly connected on the node-network leg, is what this router originates.",
        f"protocol direct {DIRECT_PROTOCOL} {{",
        f"  ipv4 {{ import where net = {cidr}; }};",
        f"  interface {cidr};",
        "}",
    ]
    if unknown_pods != "default-route":
        # One fallback per peer CIDR rather than one for the supernet: the default supernet
        # (198.18.0.0/15) contains the underlay (198.19.0.0/24), and Docker refuses to
        # reconnect a container to a network whose subnet overlaps one of its routes, which
        # would make a healed link fault fail.
        lines += [
            "",
            "# Fallbacks for the other nodes' pod CIDRs, beaten by any BGP route (preference 100):",
            "# traffic for a withdrawn node must not leak through the default route to the Docker host.",
            f"protocol static {STATIC_PROTOCOL} {{",
            f"  ipv4 {{ preference {FALLBACK_PREFERENCE}; }};",
            *(f"  route {peer.cidr} {unknown_pods};" for peer in stack.nodes if peer != node),
            "}",
        ]
    exported = "source = RTS_BGP" + (" || source = RTS_STATIC" if unknown_pods != "default-route" else "")
    lines += [
        "",
        "# Learned pod CIDRs go into the kernel so it forwards; nothing is read back from it.",
        f"protocol kernel {KERNEL_PROTOCOL} {{",
        "  scan time 2;",
        "  ipv4 {",
        "    import none;",
        f"    export where {exported};",
        "  };",
        "}",
    ]
    for peer in stack.nodes:
        if peer == node:
            continue
        lines += [
            "",
            f"protocol bgp {protocol_symbol(peer)} {{",
            f'  description "iBGP to {peer.name} ({peer.cidr})";',
            f"  local {me} as {bgp.asn};",
            f"  neighbor {underlay_ip(stack, peer)} as {bgp.asn};",
            # Peers share the underlay segment: a direct session needs no IGP to reach them.
            "  direct;",
            *(f"  {timer}" for timer in timers),
            # BIRD waits 5 s after start before its first connect; the retry time is the
            # stack's word for how soon to try again, so use it for the first try too.
            f"  connect delay time {retry};",
            "  ipv4 {",
            "    import all;",
            f"    export where net = {cidr};",
            # The originated route has no gateway of its own; peers must send to our underlay leg.
            "    next hop self;",
            # iBGP resolves next hops recursively by default, which would need the underlay
            # in the routing table; the peer is on-link, so use its address as the gateway.
            "    gateway direct;",
            "  };",
            "}",
        ]
    return "\n".join(lines) + "\n"
