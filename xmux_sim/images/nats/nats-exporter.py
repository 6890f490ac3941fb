#!/usr/bin/env python3
"""Prometheus exporter for nats-server's monitoring endpoints (/varz, /jsz).

The usual exporter (prometheus-nats-exporter) is neither in Debian nor served by the Go
module proxy here, so this small stand-in reads the same endpoints and serves the
gauges Prometheus needs on :7777/metrics. Besides the server's counters:

    nats_stream_replicas{stream}            replicas the stream is configured with   } from the stream's
    nats_stream_replicas_current{stream}    the leader + followers current and online } leader only
    nats_stream_has_leader{stream}          0 while the stream's replicas have elected no leader
    nats_jetstream_storage_bytes, nats_jetstream_max_storage_bytes   JetStream's file store, used and allowed
    xmux_volume_free_bytes, xmux_volume_size_bytes{path}             the store's file system
"""

import json
import os
import urllib.request

MONITOR = "http://127.0.0.1:8222"
STORE = "/var/lib/xmux/nats"
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
        jsz = fetch("/jsz?streams=true&config=true")
        lines.append("nats_jetstream_enabled 1")
        for key in JSZ:
            if isinstance(jsz.get(key), (int, float)):
                lines.append(f"nats_jetstream_{key} {jsz[key]}")
    except OSError:
        lines.append("nats_jetstream_enabled 0")
        jsz = None
    if jsz is not None:
        lines += jetstream_lines(varz.get("server_name", ""), jsz)
    lines += volume_lines(STORE)
    return "\n".join(lines) + "\n"


def jetstream_lines(server, jsz):
    """Storage and, per stream, its replicas in sync as its leader sees them (the only authority)."""
    lines = [
        f"nats_jetstream_storage_bytes {jsz.get('storage', 0)}",
        f"nats_jetstream_max_storage_bytes {(jsz.get('config') or {}).get('max_storage', 0)}",
    ]
    for account in jsz.get("account_details") or ():
        for stream in account.get("stream_detail") or ():
            name = stream.get("name", "")
            cluster = stream.get("cluster") or {}
            leader = cluster.get("leader")
            lines.append(f'nats_stream_has_leader{{stream="{name}"}} {int(bool(leader) or not cluster)}')
            if cluster and leader != server:
                continue
            followers = cluster.get("replicas") or ()
            current = 1 + sum(1 for r in followers if r.get("current") and not r.get("offline"))
            configured = (stream.get("config") or {}).get("num_replicas", 1)
            lines.append(f'nats_stream_replicas{{stream="{name}"}} {configured}')
            lines.append(f'nats_stream_replicas_current{{stream="{name}"}} {current}')
    return lines


def volume_lines(path):
    try:
        fs = os.statvfs(path)
    except OSError:
        return []
    return [
        f'xmux_volume_free_bytes{{path="{path}"}} {fs.f_bavail * fs.f_frsize}',
        f'xmux_volume_size_bytes{{path="{path}"}} {fs.f_blocks * fs.f_frsize}',
    ]


if __name__ == "__main__":
    from metrics_http import serve

    serve(render, 7777)
