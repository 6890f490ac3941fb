#!/usr/bin/env python3
"""Prometheus exporter for nats-server's monitoring endpoints (/varz, /jsz).

The usual exporter (prometheus-nats-exporter) is neither in Debian nor served by the Go
module proxy here, so this small stand-in reads the same endpoints and serves the
gauges Prometheus needs on :7777/metrics.
"""

import json
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

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


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path.split("?")[0] != "/metrics":
            self.send_error(404)
            return
        body = render().encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("0.0.0.0", 7777), Handler).serve_forever()
