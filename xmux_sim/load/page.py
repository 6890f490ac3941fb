"""load.html: our summary of a load run as one self-contained page, next to locust's own report.

Charts (requests and failures per second, latency p50/p99) share the run clock and shade
the fault windows of ``--during`` with the scenario report's SVG helpers, so a dip and the
fault that caused it line up. Tables: every call, the comparison with a baseline, stages.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from xmux_sim.report.formatting import esc, fmt_number, fmt_t
from xmux_sim.report.page import CSP, CSS
from xmux_sim.report.svg import FAULT_FILL, PALETTE, Band, Line, line_chart

__all__ = ["render_load_html"]

FAIL_COLOUR = "#cf222e"


def _bands(summary: dict[str, Any]) -> list[Band]:
    return [
        Band(
            label=f["id"],
            tooltip=f"{f['description']}: {fmt_t(f['inject_t'])} to "
            + ("the end" if f["heal_t"] is None else fmt_t(f["heal_t"])),
            start=f["inject_t"],
            end=f["heal_t"],
        )
        for f in summary.get("faults", [])
    ]


def _lines(summary: dict[str, Any]) -> tuple[list[Line], list[Line]]:
    series = summary["series"]
    w = float(series["window_s"])
    windows = series["windows"]

    def step(label: str, colour: str, values: list[float | None]) -> Line:
        points: list[tuple[float, float | None]] = [
            (win["t"], v) for win, v in zip(windows, values, strict=True)
        ]
        if points:
            points.append((points[-1][0] + w, points[-1][1]))
        return Line(label, colour, points, step=True)

    throughput = [
        step("requests/s", PALETTE[0], [(win["requests"] - win["failures"]) / w for win in windows]),
        step("failures/s", FAIL_COLOUR, [win["failures"] / w for win in windows]),
    ]
    latency = [
        step("p50", PALETTE[0], [win["p50_ms"] for win in windows]),
        step("p99", PALETTE[1], [win["p99_ms"] for win in windows]),
    ]
    return throughput, latency


def _legend(lines: list[Line], faults: bool) -> str:
    items = [f'<span><i style="background:{line.colour}"></i>{esc(line.label)}</span>' for line in lines]
    if faults:
        items.append(f'<span><i class="band" style="background:{FAULT_FILL}"></i>fault injected</span>')
    return f'<div class="legend">{"".join(items)}</div>'


def _num(value: Any) -> str:
    return "-" if value is None else esc(fmt_number(value))


def _calls(summary: dict[str, Any]) -> str:
    corrected = summary.get("arrival_rate") is not None
    head = ["call", "requests", "failures", "error rate", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms"]
    if corrected:
        head += ["p99 ms corrected"]
    rows = []
    for key, c in [*summary["calls"].items(), ("all calls", summary["total"])]:
        cells = [
            esc(key),
            _num(c["requests"]),
            _num(c["failures"]),
            f"{c['error_rate']:.2%}",
            _num(c["rps"]),
            _num(c["p50_ms"]),
            _num(c["p95_ms"]),
            _num(c["p99_ms"]),
            _num(c["max_ms"]),
        ]
        if corrected:
            cells.append(_num(c.get("corrected", {}).get("p99_ms")))
        cls = " class='err'" if c["failures"] else ""
        rows.append(f"<tr{cls}>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>")
    errors = [
        f"<tr><td>{esc(key)}</td><td>{esc(reason)}</td><td>{n}</td></tr>"
        for key, c in summary["calls"].items()
        for reason, n in c.get("errors", {}).items()
    ]
    error_table = (
        "<h3>Failures by reason</h3><table><tr><th>call</th><th>reason</th><th>count</th></tr>"
        + "".join(errors)
        + "</table>"
        if errors
        else "<p class='note'>no call failed</p>"
    )
    note = (
        "<p class='note'>corrected: latency plus how late the action started against the fixed arrival "
        "rate (coordinated omission)</p>"
        if corrected
        else ""
    )
    return (
        "<section><h2>Calls</h2><table><tr>"
        + "".join(f"<th>{esc(h)}</th>" for h in head)
        + "</tr>"
        + "".join(rows)
        + f"</table>{note}{error_table}</section>"
    )


def _table(title: str, rows: list[dict[str, Any]], keys: list[str]) -> str:
    body = "".join("<tr>" + "".join(f"<td>{_num(r.get(k))}</td>" for k in keys) + "</tr>" for r in rows)
    head = "".join(f"<th>{esc(k)}</th>" for k in keys)
    return f"<section><h2>{esc(title)}</h2><table><tr>{head}</tr>{body}</table></section>"


def _sections(summary: dict[str, Any]) -> Iterator[str]:
    total = summary["total"]
    ok = not total["failures"]
    yield (
        f'<header class="banner {"passed" if ok else "violated"}"><h1>load: {esc(summary["profile"])}</h1>'
        f"<p>{_num(total['requests'])} requests, {_num(total['rps'])} req/s, p95 {_num(total['p95_ms'])} ms, "
        f"error rate {total['error_rate']:.2%} · run {esc(summary.get('run', '-'))}</p></header>"
    )
    bands = _bands(summary)
    throughput, latency = _lines(summary)
    x_range = (0.0, max(float(summary["duration_s"]), 1.0))
    yield (
        "<section><h2>Over time</h2><h3>Throughput</h3>"
        + _legend(throughput, bool(bands))
        + line_chart(throughput, x_range=x_range, bands=bands, unit="req/s", label="throughput")
        + "<h3>Latency (successful calls)</h3>"
        + _legend(latency, bool(bands))
        + line_chart(latency, x_range=x_range, bands=bands, unit="ms", label="latency")
        + "</section>"
    )
    yield _calls(summary)
    if summary.get("faults"):
        yield _table("Faults", summary["faults"], ["id", "description", "inject_t", "heal_t"])
    if summary.get("stages"):
        yield _table(
            "Stages", summary["stages"], ["until", "users", "requests", "rps", "error_rate", "p99_ms"]
        )
    if summary.get("comparison"):
        yield _table(
            "Against the baseline",
            summary["comparison"]["rows"],
            ["what", "metric", "baseline", "current", "change", "limit", "verdict"],
        )
    if summary.get("ceiling"):
        c = summary["ceiling"]
        yield _table("Ceiling (a non-Python load tool on the app-start path)", [c], list(c))


def render_load_html(summary: dict[str, Any]) -> str:
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        f"<title>xmux-sim load · {esc(summary['profile'])}</title><style>{CSS}</style></head>"
        f"<body><main>{''.join(_sections(summary))}"
        "<p class='note'>locust's own report: locust.html; every request: requests/</p>"
        "</main></body></html>\n"
    )
