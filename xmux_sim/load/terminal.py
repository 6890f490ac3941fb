"""The tables `xmux-sim load` prints: every call of the summary, and the comparison with a baseline."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from xmux_sim.load.compare import Comparison

__all__ = ["comparison_table", "summary_table"]

_VERDICT_STYLE = {"worse": "red", "better": "green", "ok": "green"}


def _n(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}" if value >= 100 else f"{value:.2f}"
    return f"{value:,}"


def summary_table(summary: dict[str, Any]) -> Table:
    corrected = summary.get("arrival_rate") is not None
    total = summary["total"]
    title = (
        f"load {summary['profile']}: {_n(total['requests'])} requests in {summary['duration_s']:.0f}s, "
        f"{_n(total['rps'])} req/s, error rate {total['error_rate']:.2%}"
    )
    cols = ["call", "requests", "fail", "req/s", "p50 ms", "p95 ms", "p99 ms"]
    if corrected:
        cols.append("p99 corrected")
    table = Table(*cols, title=title, caption=_caption(summary))
    for key, c in [*summary["calls"].items(), ("all calls", total)]:
        row = [key, _n(c["requests"]), _n(c["failures"]), _n(c["rps"]), _n(c["p50_ms"]), _n(c["p95_ms"])]
        row.append(_n(c["p99_ms"]))
        if corrected:
            row.append(_n(c.get("corrected", {}).get("p99_ms")))
        style = "red" if c["failures"] else None
        table.add_row(
            *row, style=style, end_section=key == list(summary["calls"])[-1] if summary["calls"] else False
        )
    return table


def _caption(summary: dict[str, Any]) -> str:
    parts = []
    cpu = summary.get("cpu")
    if cpu:
        parts.append(f"CPU: locust {cpu['loadgen_cores']} cores, stack {cpu['stack_cores']} cores")
    knee = summary.get("knee")
    if knee:
        within = knee["max_rps_within_limit"]
        parts.append(
            f"knee: {within} req/s with p99 <= {knee['p99_limit_ms']:g} ms ({knee['at_users']} users)"
            if within is not None
            else f"knee: p99 above {knee['p99_limit_ms']:g} ms from the first stage"
        )
    ceiling = summary.get("ceiling")
    if ceiling:
        parts.append(
            f"ceiling: h2load {ceiling['rps']} req/s on the app-start path "
            f"(locust reached {ceiling['locust_over_ceiling']:.0%} of it)"
        )
    return "; ".join(parts)


def comparison_table(comparison: Comparison) -> Table:
    table = Table(
        "what", "metric", "baseline", "this run", "change", "limit", "verdict", title="against the baseline"
    )
    for r in comparison.rows:
        change = "-" if r.change is None else f"{r.change:+.0%}"
        style = _VERDICT_STYLE.get(r.verdict, "dim")
        table.add_row(
            r.what, r.metric, _n(r.baseline), _n(r.current), change, r.limit, f"[{style}]{r.verdict}[/]"
        )
    return table
