#!/usr/bin/env python3
"""Prometheus exporter for nginx: its stub status and what each request ended with, on :9113.

Debian's exporter reads only the stub status (connections, a request total), which says
nothing about errors or latency. nginx sends one access-log line per request to this
exporter over syslog (UDP on loopback, `log_format xmux_metrics` in xmux.conf):
``STATUS REQUEST_TIME GRPC_STATUS``, where GRPC_STATUS is the grpc-status trailer nginx
sent ("-" for plain HTTP). Served:

    nginx_up, nginx_connections_{active,accepted,handled,reading,writing,waiting},
    nginx_http_requests_total                      as Debian's exporter names them
    nginx_requests_by_status_total{status, grpc_status}
    nginx_request_duration_seconds{_bucket{le},_sum,_count}
"""

import re
import socket
import threading
import urllib.request
from collections import Counter

PORT = 9113
SYSLOG = ("127.0.0.1", 5514)
STUB = "http://127.0.0.1:8081/stub_status"
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_LINE = re.compile(r"(?P<status>\d{3}) (?P<seconds>\d+(?:\.\d+)?) (?P<grpc>\d+|-)\s*$")


class Requests:
    """Counts by (status, grpc status) and a latency histogram; fed by the syslog thread."""

    def __init__(self):
        self.lock = threading.Lock()
        self.by_status = Counter()
        self.buckets = [0] * len(BUCKETS)
        self.count = 0
        self.total_s = 0.0

    def observe(self, message):
        m = _LINE.search(message)
        if not m:
            return
        seconds = float(m["seconds"])
        grpc = "" if m["grpc"] == "-" else m["grpc"]
        with self.lock:
            self.by_status[(m["status"], grpc)] += 1
            self.count += 1
            self.total_s += seconds
            for i, bound in enumerate(BUCKETS):
                if seconds <= bound:
                    self.buckets[i] += 1

    def lines(self):
        with self.lock:
            out = ["# TYPE nginx_requests_by_status_total counter"]
            out += [
                f'nginx_requests_by_status_total{{status="{s}",grpc_status="{g}"}} {n}'
                for (s, g), n in sorted(self.by_status.items())
            ]
            out.append("# TYPE nginx_request_duration_seconds histogram")
            out += [
                f'nginx_request_duration_seconds_bucket{{le="{b}"}} {n}'
                for b, n in zip(BUCKETS, self.buckets, strict=True)
            ]
            out.append(f'nginx_request_duration_seconds_bucket{{le="+Inf"}} {self.count}')
            out.append(f"nginx_request_duration_seconds_sum {self.total_s:.6f}")
            out.append(f"nginx_request_duration_seconds_count {self.count}")
        return out


def stub_lines(text):
    """Debian's exporter's gauges and counters, from the stub status page."""
    numbers = [int(n) for n in re.findall(r"\d+", text)]
    if len(numbers) != 7:
        return ["nginx_up 0"]
    active, accepted, handled, requests, reading, writing, waiting = numbers
    return [
        "nginx_up 1",
        f"nginx_connections_active {active}",
        f"nginx_connections_accepted {accepted}",
        f"nginx_connections_handled {handled}",
        f"nginx_http_requests_total {requests}",
        f"nginx_connections_reading {reading}",
        f"nginx_connections_writing {writing}",
        f"nginx_connections_waiting {waiting}",
    ]


REQUESTS = Requests()


def listen():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(SYSLOG)
    while True:
        data, _ = sock.recvfrom(8192)
        REQUESTS.observe(data.decode(errors="replace"))


def render():
    try:
        with urllib.request.urlopen(STUB, timeout=2) as resp:
            stub = stub_lines(resp.read().decode())
    except OSError:
        stub = ["nginx_up 0"]
    return "\n".join(stub + REQUESTS.lines()) + "\n"


if __name__ == "__main__":
    from metrics_http import serve

    threading.Thread(target=listen, daemon=True).start()
    serve(render, PORT)
