"""Reading routers: `birdc show protocols` and `ip -4 route show`, parsed without Docker."""

from __future__ import annotations

import re
from ipaddress import IPv4Network

__all__ = ["ESTABLISHED", "parse_bird_protocols", "parse_kernel_routes"]

ESTABLISHED = "established"

# birdc -v prefixes replies with a four-digit code, or a space on continuation lines;
# plain output has neither.
_REPLY_CODE = re.compile(r"^(?:\d{4}[ -]| )")
# "Since" is one token (a time or a date) with BIRD's default time formats, two with
# `timeformat protocol iso long`; recognise both so Info starts at the right column.
_PROTOCOL_LINE = re.compile(
    r"^(?P<name>\S+)\s+(?P<proto>\S+)\s+(?P<table>\S+)\s+(?P<state>\S+)\s+"
    r"(?P<since>\d{4}-\d\d-\d\d(?:\s+\d\d:\d\d:\d\d(?:\.\d+)?)?|\d\d:\d\d:\d\d(?:\.\d+)?)"
    r"(?:\s+(?P<info>.*))?$"
)
_GATEWAY_FREE_TYPES = {"unreachable", "blackhole", "prohibit", "throw", "local", "broadcast", "multicast"}


def parse_bird_protocols(text: str) -> dict[str, str]:
    """BGP protocol name -> session state, from `birdc show protocols`.

    ``"established"`` when the session is up; otherwise the BGP state BIRD reports in the
    Info column (``"active"``, ``"connect"``, ``"opensent"``, ...), lower-cased, or the
    protocol state (``"down"``, ``"start"``) when Info is empty. Non-BGP protocols are left
    out: the caller asks about peers.
    """
    sessions: dict[str, str] = {}
    for raw in text.splitlines():
        line = _REPLY_CODE.sub("", raw).rstrip()
        if not line or line.startswith(("BIRD ", "Name ")):
            continue
        m = _PROTOCOL_LINE.match(line)
        if m:
            name, proto, state, info = m["name"], m["proto"], m["state"], m["info"] or ""
        else:
            fields = line.split(None, 5)
            if len(fields) < 4:
                continue
            name, proto, state = fields[0], fields[1], fields[3]
            info = fields[5] if len(fields) > 5 else ""
        if proto.lower() != "bgp":
            continue
        words = info.split()
        sessions[name] = words[0].lower() if words else state.lower()
    return sessions


def _network(token: str) -> IPv4Network | None:
    try:
        return IPv4Network(token, strict=False)
    except ValueError:  # "default", IPv6, or anything else that is not one IPv4 prefix
        return None


def parse_kernel_routes(text: str, supernet: IPv4Network | str) -> frozenset[str]:
    """Prefixes inside ``supernet`` that the table sends to a gateway, from `ip -4 route show`.

    Those are the routes a router learned from its peers; its own pod CIDR is directly
    connected (no ``via``) and so is left out. Multipath routes list their gateways on
    indented ``nexthop via`` lines, which count for the route above them.
    """
    outer = IPv4Network(supernet)
    learned: set[str] = set()
    current: IPv4Network | None = None
    for line in text.splitlines():
        if not line.strip():
            continue
        words = line.split()
        if line[0].isspace():
            if current is not None and words[:2] == ["nexthop", "via"]:
                learned.add(str(current))
            continue
        if words[0] in _GATEWAY_FREE_TYPES:
            current = None
            continue
        if words[0] == "unicast":
            words = words[1:]
        net = _network(words[0]) if words else None
        current = net if net is not None and net.subnet_of(outer) else None
        if current is not None and "via" in words[1:]:
            learned.add(str(current))
    return frozenset(learned)
