#!/usr/bin/env python3
"""Prometheus exporter for nats-server's monitoring endpoints (/varz, /jsz).

The usual exporter (prometheus-nats-exporter) is neither in Debian nor served by the Go
module proxy here, so this small stand-in reads the same endpoints and serves the
gauges Prometheus needs on :7777/metrics.
"""

import json
import urllib.request

from metrics_http import serve

MONITOR = "http://127.0.0.1:8222"
VARZ = (
    "connections",
    "total_connections",
    "in_msgs",
    "out_msgs",
    "in_bytes",
    "out_bytes",
    "slow_consumers",
    "subscriptions",
    "mem",
    "routes",
)
JSZ = ("streams", "consumers", "messages", "bytes")


def fetch(path):
    with urllib.request.urlopen(MONITOR + path, timeout=2) as resp:
        return json.load(resp)


def render():
    lines = []
    try:
        varz = fetch("/varz")
        up = 1
    except OSError:
        varz, up = {}, 0
    lines.append(f"nats_up {up}")
    for key in VARZ:
        if isinstance(varz.get(key), (int, float)):
            lines.append(f"nats_varz_{key} {varz[key]}")
    try:
        jsz = fetch("/jsz")
        lines.append("nats_jetstream_enabled 1")
        for key in JSZ:
            if isinstance(jsz.get(key), (int, float)):
                lines.append(f"nats_jetstream_{key} {jsz[key]}")
    except OSError:
        lines.append("nats_jetstream_enabled 0")
    return "\n".join(lines) + "\n"


serve(render, 7777)
