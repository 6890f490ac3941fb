"""Request counters, server errors and a latency histogram per method, as a Prometheus text page.

``xmus_request_errors_total`` counts the calls that failed on the server's side (a
Kratos code >= 500: a backing service that did not answer), which the alert rules set
against all calls; client errors (a wrong password, a missing item) are the caller's.
"""

from __future__ import annotations

from collections import defaultdict

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

_requests: dict[tuple[str, str], int] = defaultdict(int)
_errors: dict[str, int] = defaultdict(int)
_seconds: dict[str, float] = defaultdict(float)
_calls: dict[str, int] = defaultdict(int)
_buckets: dict[str, list[int]] = defaultdict(lambda: [0] * len(BUCKETS))


def observe(method: str, code: str, seconds: float, *, server_error: bool = False) -> None:
    _requests[(method, code)] += 1
    _seconds[method] += seconds
    _calls[method] += 1
    if server_error:
        _errors[method] += 1
    counts = _buckets[method]
    for i, bound in enumerate(BUCKETS):
        if seconds <= bound:
            counts[i] += 1


def render(service: str, pod: str, ready: bool) -> str:
    lines = [
        "# TYPE xmus_ready gauge",
        f'xmus_ready{{service="{service}",pod="{pod}"}} {int(ready)}',
        "# TYPE xmus_requests_total counter",
    ]
    for (method, code), n in sorted(_requests.items()):
        lines.append(f'xmus_requests_total{{service="{service}",method="{method}",code="{code}"}} {n}')
    lines.append("# TYPE xmus_request_errors_total counter")
    for method in sorted(_calls):
        lines.append(f'xmus_request_errors_total{{service="{service}",method="{method}"}} {_errors[method]}')
    lines.append("# TYPE xmus_request_seconds histogram")
    for method in sorted(_calls):
        labels = f'service="{service}",method="{method}"'
        for bound, n in zip(BUCKETS, _buckets[method], strict=True):
            lines.append(f'xmus_request_seconds_bucket{{{labels},le="{bound}"}} {n}')
        lines.append(f'xmus_request_seconds_bucket{{{labels},le="+Inf"}} {_calls[method]}')
        lines.append(f"xmus_request_seconds_sum{{{labels}}} {_seconds[method]:.6f}")
        lines.append(f"xmus_request_seconds_count{{{labels}}} {_calls[method]}")
    return "\n".join(lines) + "\n"
