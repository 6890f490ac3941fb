"""report.html: one self-contained page a person reads after a run.

Self-contained means: no script, no external stylesheet, font or image; the
charts are inline SVG from `svg`, and a Content-Security-Policy forbids the
browser to fetch anything, so the page opens the same from a CI artifact, a
mail attachment or an air-gapped laptop. Every piece of text that came from
outside (scenario, names, messages, evidence) goes through `esc`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Final

from xmux_sim.checkers.verdict import UNKNOWN
from xmux_sim.report.alerts import AlertRow, alert_rows
from xmux_sim.report.formatting import (
    STATUS_WORDS,
    VERDICT_COLOURS,
    esc,
    fmt_duration,
    fmt_number,
    fmt_t,
    verdict_word,
)
from xmux_sim.report.model import PHASES, ExitStatus, Invariant, RunReport
from xmux_sim.report.results import jsonable
from xmux_sim.report.series import RunSeries
from xmux_sim.report.svg import (
    ALERT_FIRED,
    ALERT_RESOLVED,
    FAULT_FILL,
    PALETTE,
    Band,
    Line,
    Mark,
    lane_chart,
    line_chart,
    span_chart,
)
from xmux_sim.timeline import AlertStatus, ProbeResult

__all__ = ["CSP", "CSS", "render_html"]

# Nothing may be fetched: no script, font, image or stylesheet from anywhere (the load page too).
CSP: Final = "default-src 'none'; style-src 'unsafe-inline'"
_EVIDENCE_CHARS: Final = 20_000  # per verdict; results.json has all of it
_FAILED_PROBES_SHOWN: Final = 200
FAIL_COLOUR: Final = "#cf222e"
UNKNOWN_COLOUR: Final = "#8250df"

CSS: Final = """
*{box-sizing:border-box}
body{margin:0;background:#f6f8fa;color:#1f2328;
 font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif}
main{max-width:1160px;margin:0 auto;padding:16px 20px 40px}
h1{margin:0;font-size:22px}h2{margin:0 0 8px;font-size:17px}h3{margin:14px 0 4px;font-size:14px}
.banner{border-radius:8px;padding:14px 18px;color:#fff}
.banner p{margin:4px 0 0}
.banner.passed{background:#1a7f37}.banner.violated{background:#cf222e}.banner.error{background:#82071e}
section{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:12px 16px;margin-top:14px}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eaeef2;vertical-align:top;
 overflow-wrap:anywhere}
th{font-weight:600;color:#57606a}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.chip{display:inline-block;min-width:72px;text-align:center;padding:1px 8px;border-radius:10px;
 color:#fff;font-weight:600;font-size:12px;text-transform:uppercase}
.cols{display:grid;grid-template-columns:1fr 1fr;gap:16px}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:0}
dl.meta dt{color:#57606a}dl.meta dd{margin:0;overflow-wrap:anywhere}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(120px,1fr));gap:8px}
.card{border:1px solid #d0d7de;border-radius:6px;padding:6px 10px}
.card b{display:block;font-size:18px}.card span{color:#57606a;font-size:12px}
.legend{font-size:12px;color:#57606a;margin:2px 0}
.legend span{margin-right:16px;white-space:nowrap}
.legend i{display:inline-block;width:14px;height:4px;vertical-align:middle;margin-right:5px}
.legend i.band{height:10px}
.note{color:#57606a;font-size:12px}
pre{white-space:pre-wrap;overflow-wrap:anywhere;max-height:360px;overflow:auto;background:#f6f8fa;
 padding:8px;font-size:12px;margin:4px 0}
details summary{cursor:pointer;color:#57606a;font-size:12px}
svg{display:block}
svg text{font-size:11px;fill:#57606a}
svg .grid{stroke:#eaeef2}svg .axis{stroke:#8c959f}
svg text.band{fill:#8a4b00;font-weight:600}svg text.empty{font-size:13px;fill:#8c959f}
.err{color:#cf222e}
"""


def _x_range(report: RunReport, series: RunSeries) -> tuple[float, float]:
    """One x range for every chart, wide enough for operations, faults, probes and route samples."""
    starts = [0.0, *(f.inject_t for f in report.faults), *(p.t for p in report.probes)]
    ends = [report.duration_s, *(f.heal_t for f in report.faults if f.heal_t is not None)]
    ends += [p.t for p in report.probes]
    if series.windows:
        starts.append(series.windows[0].t)
        ends.append(series.windows[-1].t + series.window_s)
    for samples in (report.routes or {}).values():
        starts += [t for t, _ in samples[:1]]
        ends += [t for t, _ in samples[-1:]]
    ends += [a.t for a in report.alerts if not a.active_at_start]
    lo, hi = min(starts), max(ends)
    return (lo, hi if hi > lo else lo + 1.0)


def _bands(report: RunReport) -> list[Band]:
    bands = []
    for f in report.faults:
        healed = "never healed" if f.heal_t is None else f"healed at {fmt_t(f.heal_t)}"
        what = ": ".join(part for part in (f.kind, f.description) if part)
        tooltip = f"{f.id} ({what}), injected at {fmt_t(f.inject_t)}, {healed}" if what else f.id
        bands.append(Band(label=f.id, tooltip=tooltip, start=f.inject_t, end=f.heal_t))
    return bands


def _marks(report: RunReport) -> list[Mark]:
    """A mark per notification: an alert fired (red) or resolved (green)."""
    return [
        Mark(
            a.t,
            ALERT_FIRED if a.status is AlertStatus.firing else ALERT_RESOLVED,
            f"{a.title} {'fired' if a.status is AlertStatus.firing else 'resolved'} at {fmt_t(a.t)}"
            + (f": {a.summary}" if a.summary else ""),
        )
        for a in report.alerts
        if not a.active_at_start
    ]


def _window_line(series: RunSeries, label: str, colour: str, value: Iterable[float | None]) -> Line:
    points: list[tuple[float, float | None]] = [(w.t, v) for w, v in zip(series.windows, value, strict=True)]
    if points:
        # A window's value holds over the whole window: close the last step at its end.
        points.append((points[-1][0] + series.window_s, points[-1][1]))
    return Line(label, colour, points, step=True)


def _legend(lines: Sequence[Line], with_faults: bool, with_alerts: bool = False) -> str:
    items = [f'<span><i style="background:{line.colour}"></i>{esc(line.label)}</span>' for line in lines]
    if with_faults:
        items.append(f'<span><i class="band" style="background:{FAULT_FILL}"></i>fault injected</span>')
    if with_alerts:
        items.append(f'<span><i style="background:{ALERT_FIRED}"></i>alert fired</span>')
        items.append(f'<span><i style="background:{ALERT_RESOLVED}"></i>alert resolved</span>')
    return f'<div class="legend">{"".join(items)}</div>'


def _chart(
    title: str, note: str, lines: Sequence[Line], chart: str, with_faults: bool, with_alerts: bool = False
) -> str:
    legend = _legend(lines, with_faults, with_alerts)
    return f"<h3>{esc(title)}</h3>{legend}{chart}<div class='note'>{esc(note)}</div>"


def _timeline(
    report: RunReport, series: RunSeries, x_range: tuple[float, float], bands: list[Band], marks: list[Mark]
) -> str:
    w = series.window_s
    per_s = [
        _window_line(series, "ok ops/s", PALETTE[0], (win.ok / w for win in series.windows)),
    ]
    errors = [
        _window_line(series, "fail/s", FAIL_COLOUR, (win.fail / w for win in series.windows)),
        _window_line(
            series, "unknown/s (timed out)", UNKNOWN_COLOUR, (win.unknown / w for win in series.windows)
        ),
    ]
    latency = [
        _window_line(series, "p50", PALETTE[0], (_ms(win.p50_s) for win in series.windows)),
        _window_line(series, "p99", PALETTE[1], (_ms(win.p99_s) for win in series.windows)),
    ]
    note = f"windows of {fmt_t(w)} by invoke time"
    has_faults = bool(bands)
    parts = [
        "<section><h2>Over time</h2>",
        _chart(
            "Throughput",
            f"{note}; ok operations per second",
            per_s,
            line_chart(per_s, x_range=x_range, bands=bands, unit="ops/s", label="throughput", marks=marks),
            has_faults,
            bool(marks),
        ),
        _chart(
            "Errors",
            f"{note}; failed and timed-out operations per second",
            errors,
            line_chart(errors, x_range=x_range, bands=bands, unit="ops/s", label="errors", marks=marks),
            has_faults,
            bool(marks),
        ),
        _chart(
            "Latency",
            f"{note}; ok operations only, nearest-rank quantiles",
            latency,
            line_chart(latency, x_range=x_range, bands=bands, unit="ms", label="latency", marks=marks),
            has_faults,
            bool(marks),
        ),
        "</section>",
    ]
    return "".join(parts)


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else seconds * 1000


def _banner(report: RunReport) -> str:
    words = [verdict_word(inv.verdict.valid) for inv in report.invariants]
    n = len(words)
    counts = f"{words.count('holds')} of {n} invariants hold"
    if words.count("violated"):
        counts += f", {words.count('violated')} violated"
    if words.count(UNKNOWN):
        counts += f", {words.count(UNKNOWN)} unknown"
    headline = {
        ExitStatus.OK: "passed",
        ExitStatus.VIOLATED: "invariant violated",
        ExitStatus.ERROR: "the run could not be carried out",
    }[report.exit_status]
    error = f"<p>{esc(report.error)}</p>" if report.error else ""
    return (
        f'<header class="banner {STATUS_WORDS[report.exit_status]}">'
        f"<h1>{esc(report.scenario)}</h1>"
        f"<p><b>{esc(headline)}</b> (exit {int(report.exit_status)}) · {esc(counts)}</p>{error}</header>"
    )


def _meta(report: RunReport, series: RunSeries) -> str:
    rows = {
        "run id": report.run_id,
        "scenario file": report.scenario_path if report.scenario_path is not None else "-",
        "seed": report.seed,
        "stack": report.stack,
        "started (UTC)": report.started_at.strftime("%Y-%m-%d %H:%M:%S"),
        "duration": fmt_duration(report.duration_s),
        "exit status": f"{int(report.exit_status)} ({STATUS_WORDS[report.exit_status]})",
    }
    meta = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in rows.items())
    flavours = "".join(
        f"<tr><td>{esc(service)}</td><td>{esc(flavour)}</td></tr>"
        for service, flavour in sorted(report.flavours.items())
    )
    flavour_table = (
        f"<table><tr><th>service</th><th>image flavour</th></tr>{flavours}</table>"
        if flavours
        else "<p class='note'>no image flavours recorded</p>"
    )
    ratio = series.ok_ratio
    cards = {
        "operations": fmt_number(series.ops),
        "ok": fmt_number(series.ok),
        "fail": fmt_number(series.fail),
        "unknown": fmt_number(series.unknown),
        "ok ratio": "-" if ratio is None else f"{ratio * 100:.3g} %",
        "ok ops/s": fmt_number(series.ok / report.duration_s) if report.duration_s > 0 else "-",
        "latency p50": fmt_duration(series.p50_s),
        "latency p99": fmt_duration(series.p99_s),
    }
    card_html = "".join(
        f'<div class="card"><b>{esc(v)}</b><span>{esc(k)}</span></div>' for k, v in cards.items()
    )
    return (
        f'<section class="cols"><div><h2>Run</h2><dl class="meta">{meta}</dl></div>'
        f"<div><h2>Images</h2>{flavour_table}</div></section>"
        f'<section><h2>Figures</h2><div class="cards">{card_html}</div></section>'
    )


def _chip(word: str) -> str:
    return f'<span class="chip" style="background:{VERDICT_COLOURS[word]}">{esc(word)}</span>'


def _verdict_details(inv: Invariant) -> str:
    verdict = inv.verdict
    figures = "".join(
        f"<tr><td>{esc(k)}</td><td class='num'>{esc(fmt_number(v))}</td></tr>"
        for k, v in verdict.figures.items()
    )
    evidence = json.dumps(jsonable(verdict.evidence), indent=2, allow_nan=False)
    if len(evidence) > _EVIDENCE_CHARS:
        evidence = evidence[:_EVIDENCE_CHARS] + "\n... (cut here; results.json has all of it)"
    body = f"<table>{figures}</table>" if figures else ""
    if verdict.evidence:
        body += f"<pre>{esc(evidence)}</pre>"
    return f"<details><summary>figures and evidence</summary>{body}</details>" if body else ""


def _verdicts(report: RunReport) -> str:
    if not report.invariants:
        return "<section><h2>Verdicts</h2><p class='note'>no invariants were checked</p></section>"
    rows = []
    for inv in report.invariants:
        word = verdict_word(inv.verdict.valid)
        rows.append(
            f"<tr><td><b>{esc(inv.name)}</b></td><td>{esc(inv.checker)}</td><td>{esc(inv.threshold)}</td>"
            f"<td>{_chip(word)}</td><td>{esc(inv.verdict.message)}{_verdict_details(inv)}</td></tr>"
        )
    head = "<tr><th>invariant</th><th>checker</th><th>threshold</th><th>verdict</th><th>detail</th></tr>"
    return f"<section><h2>Verdicts</h2><table>{head}{''.join(rows)}</table></section>"


def _faults(report: RunReport) -> str:
    if not report.faults:
        return "<section><h2>Faults</h2><p class='note'>no faults were injected</p></section>"
    rows = "".join(
        f"<tr><td><b>{esc(f.id)}</b></td><td>{esc(f.kind)}</td><td>{esc(f.description)}</td>"
        f"<td class='num'>{esc(fmt_t(f.inject_t))}</td>"
        f"<td class='num'>{esc('never' if f.heal_t is None else fmt_t(f.heal_t))}</td>"
        f"<td class='num'>{esc(fmt_duration(f.duration_s))}</td></tr>"
        for f in report.faults
    )
    head = (
        "<tr><th>fault</th><th>kind</th><th>description</th><th class='num'>injected</th>"
        "<th class='num'>healed</th><th class='num'>duration</th></tr>"
    )
    return f"<section><h2>Faults</h2><table>{head}{rows}</table></section>"


def _routes(report: RunReport, x_range: tuple[float, float], bands: list[Band], marks: list[Mark]) -> str:
    if report.routes is None:
        return ""
    routers = sorted(report.routes)
    n = len(routers)
    widen = min(2.5, 8.0 / max(n - 1, 1))  # the widest line stays under 10 px
    # Routers often hold the same number of routes; lines drawn thick-to-thin stay visible when they overlap.
    lines = [
        Line(
            router,
            PALETTE[i % len(PALETTE)],
            [(t, float(len(routes))) for t, routes in report.routes[router]],
            step=True,
            width=1.6 + widen * (n - 1 - i),
        )
        for i, router in enumerate(routers)
    ]
    chart = line_chart(
        lines, x_range=x_range, bands=bands, unit="routes", label="route convergence", marks=marks
    )
    rows = "".join(
        f"<tr><td>{esc(router)}</td><td class='num'>{len(samples)}</td>"
        f"<td class='num'>{min((len(r) for _, r in samples), default=0)}</td>"
        f"<td class='num'>{len(samples[-1][1]) if samples else '-'}</td></tr>"
        for router, samples in ((r, report.routes[r]) for r in routers)
    )
    table = (
        "<table><tr><th>router</th><th class='num'>samples</th><th class='num'>fewest routes</th>"
        f"<th class='num'>routes at the end</th></tr>{rows}</table>"
    )
    return (
        "<section><h2>Route convergence</h2>"
        + _chart(
            "Routes held per router",
            "number of routes each router held, as sampled",
            lines,
            chart,
            bool(bands),
            bool(marks),
        )
        + table
        + "</section>"
    )


def _by_probe(probes: Sequence[ProbeResult]) -> dict[str, list[ProbeResult]]:
    grouped: dict[str, list[ProbeResult]] = {}
    for p in probes:
        grouped.setdefault(p.probe, []).append(p)
    return grouped


def _probes(report: RunReport, x_range: tuple[float, float], bands: list[Band], marks: list[Mark]) -> str:
    if not report.probes:
        return "<section><h2>Steady-state probes</h2><p class='note'>no probe results</p></section>"
    grouped = _by_probe(report.probes)
    lanes = [(name, [(p.t, p.ok) for p in results]) for name, results in grouped.items()]
    chart = lane_chart(lanes, x_range=x_range, bands=bands, label="steady-state probes", marks=marks)

    def cell(results: list[ProbeResult], phase: str) -> str:
        in_phase = [p for p in results if p.phase == phase]
        ok = sum(p.ok for p in in_phase)
        cls = " err" if ok < len(in_phase) else ""
        return f"<td class='num{cls}'>{ok}/{len(in_phase)}</td>" if in_phase else "<td class='num'>-</td>"

    rows = "".join(
        f"<tr><td>{esc(name)}</td>{''.join(cell(results, ph) for ph in PHASES)}</tr>"
        for name, results in grouped.items()
    )
    head = "<tr><th>probe</th>" + "".join(f"<th class='num'>{ph} ok</th>" for ph in PHASES) + "</tr>"
    failed = [p for p in report.probes if not p.ok]
    failed_rows = "".join(
        f"<tr><td class='num'>{esc(fmt_t(p.t))}</td><td>{esc(p.probe)}</td><td>{esc(p.phase)}</td>"
        f"<td>{esc(p.detail)}</td></tr>"
        for p in failed[:_FAILED_PROBES_SHOWN]
    )
    more = (
        f"<p class='note'>{len(failed) - _FAILED_PROBES_SHOWN} more failed checks in results.json</p>"
        if len(failed) > _FAILED_PROBES_SHOWN
        else ""
    )
    failed_html = (
        "<h3>Failed checks</h3><table>"
        "<tr><th class='num'>t</th><th>probe</th><th>phase</th><th>detail</th></tr>"
        f"{failed_rows}</table>{more}"
        if failed
        else "<p class='note'>every probe check passed</p>"
    )
    legend = (
        '<div class="legend"><span><i style="background:#2da44e"></i>ok</span>'
        '<span><i style="background:#cf222e"></i>failed</span></div>'
    )
    summary = f"<table>{head}{rows}</table>"
    return f"<section><h2>Steady-state probes</h2>{legend}{chart}{summary}{failed_html}</section>"


def _alerts(report: RunReport, x_range: tuple[float, float], bands: list[Band]) -> str:
    rows = alert_rows(report.alerts, report.faults)
    if not rows:
        heard = "no alert fired" if report.alerts else "no notification from Alertmanager"
        return f"<section><h2>Alerts</h2><p class='note'>{heard}</p></section>"
    lanes: dict[str, list[tuple[float, float | None, str]]] = {}
    for r in rows:
        until = "still firing at the end" if r.resolved_t is None else f"resolved at {fmt_t(r.resolved_t)}"
        lanes.setdefault(r.title, []).append(
            (r.fired_t, r.resolved_t, f"{r.title}: fired at {fmt_t(r.fired_t)}, {until}")
        )
    chart = span_chart(list(lanes.items()), x_range=x_range, bands=bands, label="alerts")
    tables = []
    for alert in dict.fromkeys(r.alert for r in rows):
        body = "".join(_alert_row(r) for r in rows if r.alert == alert)
        tables.append(
            f"<h3>{esc(alert)}</h3><table><tr><th>labels</th><th class='num'>fired at</th>"
            "<th class='num'>resolved at</th><th>fault</th><th class='num'>from injection</th>"
            f"<th class='num'>from heal</th><th>summary</th></tr>{body}</table>"
        )
    note = (
        "<p class='note'>each alert as Alertmanager notified the harness; delays from the fault "
        "injected last before the firing, and from its heal</p>"
    )
    return f"<section><h2>Alerts</h2>{chart}{note}{''.join(tables)}</section>"


def _alert_row(r: AlertRow) -> str:
    fired = "active at start" if r.active_at_start else fmt_t(r.fired_t)
    resolved = "still firing" if r.resolved_t is None else fmt_t(r.resolved_t)
    return (
        f"<tr><td>{esc(r.title.removeprefix(r.alert) or '-')}</td><td class='num'>{esc(fired)}</td>"
        f"<td class='num'>{esc(resolved)}</td><td>{esc(r.fault or '-')}</td>"
        f"<td class='num'>{esc(fmt_duration(r.from_fault_s))}</td>"
        f"<td class='num'>{esc(fmt_duration(r.from_heal_s))}</td><td>{esc(r.summary)}</td></tr>"
    )


def _sections(report: RunReport, series: RunSeries) -> Iterator[str]:
    x_range = _x_range(report, series)
    bands = _bands(report)
    marks = _marks(report)
    yield _banner(report)
    yield _meta(report, series)
    yield _verdicts(report)
    yield _timeline(report, series, x_range, bands, marks)
    yield _faults(report)
    if report.alerts:
        yield _alerts(report, x_range, bands)
    yield _routes(report, x_range, bands, marks)
    yield _probes(report, x_range, bands, marks)


def render_html(report: RunReport, series: RunSeries) -> str:
    title = f"xmux-sim · {report.scenario} · {STATUS_WORDS[report.exit_status]}"
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head>"
        f"<body><main>{''.join(_sections(report, series))}"
        f"<p class='note'>xmux-sim report · run {esc(report.run_id)} · seed {esc(report.seed)}</p>"
        "</main></body></html>\n"
    )
