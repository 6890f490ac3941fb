"""Request counters and latency sums per method, as a Prometheus text page."""

from __future__ import annotations

from collections import defaultdict

_requests: dict[tuple[str, str], int] = defaultdict(int)
_seconds: dict[str, float] = defaultdict(float)
_calls: dict[str, int] = defaultdict(int)


def observe(method: str, code: str, seconds: float) -> None:
    _requests[(method, code)] += 1
    _seconds[method] += seconds
    _calls[method] += 1


def render(service: str, pod: str, ready: bool) -> str:
    lines = [
        "# TYPE xmus_ready gauge",
        f'xmus_ready{{service="{service}",pod="{pod}"}} {int(ready)}',
        "# TYPE xmus_requests_total counter",
    ]
    for (method, code), n in sorted(_requests.items()):
        lines.append(f'xmus_requests_total{{service="{service}",method="{method}",code="{code}"}} {n}')
    lines.append("# TYPE xmus_request_seconds summary")
    for method in sorted(_calls):
        lines.append(
            f'xmus_request_seconds_sum{{service="{service}",method="{method}"}} {_seconds[method]:.6f}'
        )
        lines.append(f'xmus_request_seconds_count{{service="{service}",method="{method}"}} {_calls[method]}')
    return "\n".join(lines) + "\n"
