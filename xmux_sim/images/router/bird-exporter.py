#!/usr/bin/env python3
"""Prometheus exporter for this router's BIRD: BGP sessions and the pod CIDRs learned.

No BIRD exporter is packaged in Debian, so this small one asks birdc on every scrape
and serves on :9324/metrics (bird_exporter's port):

    bird_up                                       1 when birdc answers
    bird_bgp_session_up{peer, cidr}               1 when the session to the peer is Established
    bird_bgp_routes_imported{peer, cidr}          routes the session imported
    bird_bgp_cidr_learned{peer, cidr}             1 when the peer's pod CIDR is in the table, learned from it

``peer`` is the peer node (the BGP protocol is named after it) and ``cidr`` its pod CIDR,
read from the protocol's description, which the harness writes as "iBGP to NODE (CIDR)".
"""

import re
import subprocess

PORT = 9324
SOCKET = "/run/bird/bird.ctl"
_PROTOCOL = re.compile(r"^(?P<name>\S+)\s+(?P<proto>\S+)\s+\S+\s+(?P<state>\S+)\s+\S+(?:\s+(?P<info>\S+))?")
_DESCRIPTION = re.compile(r"^\s+Description:\s+iBGP to \S+ \((?P<cidr>[0-9./]+)\)")
_IMPORTED = re.compile(r"^\s+Routes:\s+(?P<n>\d+) imported")
_ROUTE = re.compile(r"^(?P<prefix>[0-9./]+)?\s+\S+\s+\[(?P<source>\S+)\s")


def parse_protocols(text):
    """BGP peer -> {"up": bool, "cidr": str, "imported": int}, from `birdc show protocols all`."""
    peers, current = {}, None
    for line in text.splitlines():
        m = _PROTOCOL.match(line)
        if m and not line.startswith(("BIRD ", "Name ")):
            current = None
            if m["proto"] == "BGP":
                current = peers[m["name"]] = {"up": m["info"] == "Established", "cidr": "", "imported": 0}
            continue
        if current is None:
            continue
        if d := _DESCRIPTION.match(line):
            current["cidr"] = d["cidr"]
        elif r := _IMPORTED.match(line):
            current["imported"] = int(r["n"])
    return peers


def parse_routes(text):
    """(prefix, source protocol) of every route in `birdc show route` (alternatives included)."""
    routes, prefix = set(), None
    for line in text.splitlines():
        m = _ROUTE.match(line)
        if not m:
            continue
        prefix = m["prefix"] or prefix
        if prefix:
            routes.add((prefix, m["source"]))
    return routes


def render_page(protocols, routes):
    lines = ["# TYPE bird_up gauge", "bird_up 1"]
    for name in ("bird_bgp_session_up", "bird_bgp_routes_imported", "bird_bgp_cidr_learned"):
        lines.append(f"# TYPE {name} gauge")
        for peer, p in sorted(protocols.items()):
            value = {
                "bird_bgp_session_up": int(p["up"]),
                "bird_bgp_routes_imported": p["imported"],
                "bird_bgp_cidr_learned": int((p["cidr"], peer) in routes),
            }[name]
            lines.append(f'{name}{{peer="{peer}",cidr="{p["cidr"]}"}} {value}')
    return "\n".join(lines) + "\n"


def birdc(*args):
    return subprocess.run(
        ["birdc", "-s", SOCKET, *args], capture_output=True, text=True, timeout=5, check=True
    ).stdout


def render():
    try:
        protocols, routes = (
            parse_protocols(birdc("show", "protocols", "all")),
            parse_routes(birdc("show", "route")),
        )
    except (OSError, subprocess.SubprocessError):
        return "# TYPE bird_up gauge\nbird_up 0\n"
    return render_page(protocols, routes)


if __name__ == "__main__":
    from metrics_http import serve

    serve(render, PORT)
