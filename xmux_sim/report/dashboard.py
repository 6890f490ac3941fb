"""dashboard.html: every suite and run under a reports folder, per scenario over time.

Found by walking the folder: each ``results.json`` (schema ``xmux-sim.results/1``) is a
run, each ``summary.json`` of schema ``xmux-sim.suite/1`` a suite. Per scenario the page
shows its verdicts run by run (each linking to the run's report), a chart per followed
figure (:mod:`xmux_sim.report.trends`), a table of the same figures, and every regression
marked where it happened. Self-contained like the report: inline SVG, no script, and a
Content-Security-Policy that forbids fetching anything; links to the reports are relative,
so the folder can be copied or published as a CI artifact as a whole.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from xmux_sim.errors import InputError
from xmux_sim.inputfile import read_text
from xmux_sim.report.formatting import VERDICT_COLOURS, esc, fmt_number, verdict_word
from xmux_sim.report.page import CSP, CSS
from xmux_sim.report.results import SCHEMA as RESULTS_SCHEMA
from xmux_sim.report.suite import OUTCOME_COLOURS, Outcome, chip
from xmux_sim.report.suite import SCHEMA as SUITE_SCHEMA
from xmux_sim.report.trend_chart import REGRESSION_COLOUR, TrendPoint, trend_chart
from xmux_sim.report.trends import Metric, Regression, figures_of, regressions
from xmux_sim.report.writer import write_atomic

__all__ = ["Found", "RunRecord", "SuiteRecord", "render_dashboard", "scan", "write_dashboard"]

STATUS_COLOURS: Final = {
    "passed": OUTCOME_COLOURS[Outcome.passed],
    "violated": OUTCOME_COLOURS[Outcome.failed],
    "error": OUTCOME_COLOURS[Outcome.error],
}
_EXTRA_CSS: Final = """
.grid-wrap{overflow-x:auto}
table.verdicts td.cell{text-align:center;padding:2px}
table.verdicts .sq{display:inline-block;width:16px;height:16px;border-radius:3px}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:10px 18px}
.charts h3{margin:6px 0 0}
td.regressed{background:#ffebe9;color:#cf222e;font-weight:600}
.reg{color:#cf222e}
"""


@dataclass(frozen=True)
class RunRecord:
    results: Path
    scenario: str
    run_id: str
    started_at: datetime
    seed: Any
    status: str
    verdicts: dict[str, str] | None
    """Invariant -> holds / violated / unknown; None: the run could not be carried out."""
    figures: dict[Metric, float | None]


@dataclass(frozen=True)
class SuiteRecord:
    summary: Path
    name: str
    started_at: datetime
    status: str
    counts: dict[str, int]
    findings: list[str]


REPORT_BYTES = 64 << 20
"""A report's results.json holds verdicts and figures, not the history: far below this."""


@dataclass
class Found:
    runs: int = 0
    scenarios: int = 0
    suites: int = 0
    regressions: int = 0
    unreadable: list[str] = field(default_factory=list)


def _time(text: Any) -> datetime:
    return datetime.fromisoformat(str(text).replace("Z", "+00:00")).astimezone(UTC)


def _read(path: Path) -> dict[str, Any] | None:
    # Read as any input is (a FIFO or a directory named results.json must not stop the scan).
    try:
        data = json.loads(read_text(path, max_bytes=REPORT_BYTES))
    except (InputError, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def scan(folder: Path) -> tuple[list[RunRecord], list[SuiteRecord], list[str]]:
    """Runs and suites under ``folder`` (oldest first), and the files that could not be read."""
    runs: list[RunRecord] = []
    suites: list[SuiteRecord] = []
    unreadable: list[str] = []
    for path in sorted(folder.rglob("*.json")):
        if path.name not in ("results.json", "summary.json"):
            continue
        data = _read(path)
        schema = data.get("schema") if data else None
        if schema not in (RESULTS_SCHEMA, SUITE_SCHEMA):
            if path.name == "results.json" or data is None:
                unreadable.append(f"{path}: not an xmux-sim results or suite file")
            continue  # a load test's summary.json: not ours to show here
        assert data is not None
        try:
            if schema == RESULTS_SCHEMA:
                status = str(data["status"])
                verdicts = {str(v["name"]): verdict_word(v["valid"]) for v in data["verdicts"]}
                runs.append(
                    RunRecord(
                        results=path,
                        scenario=str(data["scenario"]["name"]),
                        run_id=str(data["run_id"]),
                        started_at=_time(data["started_at"]),
                        seed=data.get("seed"),
                        status=status,
                        verdicts=None if status == "error" else verdicts,
                        figures={} if status == "error" else figures_of(data),
                    )
                )
            else:
                suites.append(
                    SuiteRecord(
                        summary=path,
                        name=str(data["name"]),
                        started_at=_time(data["started_at"]),
                        status=str(data["status"]),
                        counts={str(k): int(v) for k, v in data["counts"].items()},
                        findings=[str(f["message"]) for f in data.get("findings", ())],
                    )
                )
        except (KeyError, TypeError, ValueError) as exc:
            unreadable.append(f"{path}: {type(exc).__name__}: {exc}")
    runs.sort(key=lambda r: (r.started_at, r.run_id))
    suites.sort(key=lambda s: s.started_at)
    return runs, suites, unreadable


def _link(target: Path, page: Path) -> str:
    return Path(os.path.relpath(target, page.parent)).as_posix()


def _short(t: datetime) -> str:
    return t.strftime("%m-%d %H:%M")


def _verdict_grid(runs: list[RunRecord], page: Path, marked: set[tuple[int, str]]) -> str:
    names = list(dict.fromkeys(n for r in runs for n in (r.verdicts or {})))
    head = "".join(
        f"<th class='cell'><a href='{esc(_link(r.results.with_name('report.html'), page))}' "
        f"title='{esc(r.run_id)} · seed {esc(r.seed)}'>{esc(_short(r.started_at))}</a></th>"
        for r in runs
    )
    rows = [
        "<tr><th>run</th>"
        + "".join(
            f"<td class='cell'>{chip(r.status, STATUS_COLOURS.get(r.status, '#6e7781'))}</td>" for r in runs
        )
        + "</tr>"
    ]
    for name in names:
        cells = []
        for i, r in enumerate(runs):
            word = (r.verdicts or {}).get(name)
            if word is None:
                cells.append("<td class='cell'>-</td>")
                continue
            ring = f";outline:3px solid {REGRESSION_COLOUR}" if (i, f"verdict:{name}") in marked else ""
            cells.append(
                f"<td class='cell'><span class='sq' data-invariant='{esc(name)}' data-run='{esc(r.run_id)}' "
                f"data-verdict='{word}' title='{esc(name)}: {word}' "
                f"style='background:{VERDICT_COLOURS[word]}{ring}'></span></td>"
            )
        rows.append(f"<tr><td>{esc(name)}</td>{''.join(cells)}</tr>")
    table = f"<table class='verdicts'><tr><th></th>{head}</tr>{''.join(rows)}</table>"
    return f"<div class='grid-wrap'>{table}</div>"


def _figure_table(
    runs: list[RunRecord], metrics: list[Metric], page: Path, marked: set[tuple[int, str]]
) -> str:
    head = (
        "<tr><th>run</th>"
        + "".join(f"<th class='num'>{esc(m.label)} ({esc(m.unit)})</th>" for m in metrics)
        + "</tr>"
    )
    rows = []
    for i, r in enumerate(runs):
        cells = "".join(
            f"<td class='num{' regressed' if (i, m.key) in marked else ''}' data-metric='{esc(m.key)}' "
            f"data-run='{esc(r.run_id)}'>{esc(fmt_number(r.figures.get(m)))}</td>"
            for m in metrics
        )
        link = _link(r.results.with_name("report.html"), page)
        rows.append(
            f"<tr><td><a href='{esc(link)}'>{esc(_short(r.started_at))}</a> "
            f"<span class='note'>{esc(r.run_id)}</span></td>{cells}</tr>"
        )
    return f"<details><summary>figures run by run</summary><table>{head}{''.join(rows)}</table></details>"


def _scenario(name: str, runs: list[RunRecord], page: Path) -> tuple[str, list[tuple[RunRecord, Regression]]]:
    found = regressions([r.figures for r in runs], [r.verdicts for r in runs])
    marked = {(g.index, g.subject) for g in found}
    metrics = [
        m
        for m in dict.fromkeys(m for r in runs for m in r.figures)
        if any(r.figures.get(m) is not None for r in runs)
    ]
    charts = []
    for m in metrics:
        points = [
            TrendPoint(
                r.run_id,
                _short(r.started_at),
                r.figures.get(m),
                (i, m.key) in marked,
                next((g.message for g in found if g.index == i and g.subject == m.key), ""),
            )
            for i, r in enumerate(runs)
        ]
        charts.append(f"<div><h3>{esc(m.label)}</h3>{trend_chart(m.key, m.unit, points)}</div>")
    latest = runs[-1]
    own = [g for g in found if g.index == len(runs) - 1]
    flag = f" <span class='reg'>· {len(own)} regression(s) in the latest run</span>" if own else ""
    html = (
        f"<section id='scenario-{esc(name)}' data-scenario='{esc(name)}'><h2>{esc(name)} "
        f"{chip(latest.status, STATUS_COLOURS.get(latest.status, '#6e7781'))}</h2>"
        f"<p class='note'>{len(runs)} run(s), latest "
        f"{esc(latest.started_at.strftime('%Y-%m-%d %H:%M'))} UTC{flag}</p>"
        f"<h3>Verdicts over time</h3>{_verdict_grid(runs, page, marked)}"
        f"<div class='charts'>{''.join(charts)}</div>"
        f"{_figure_table(runs, metrics, page, marked)}</section>"
    )
    return html, [(runs[g.index], g) for g in found]


def _suites(suites: list[SuiteRecord], page: Path) -> str:
    if not suites:
        return "<section><h2>Suites</h2><p class='note'>no suite found</p></section>"
    rows = "".join(
        f"<tr><td><a href='{esc(_link(s.summary.with_name('index.html'), page))}'>{esc(s.name)}</a></td>"
        f"<td>{esc(s.started_at.strftime('%Y-%m-%d %H:%M'))}</td>"
        f"<td>{chip(s.status, STATUS_COLOURS.get(s.status, '#6e7781'))}</td>"
        f"<td>{esc(', '.join(f'{n} {w}' for w, n in s.counts.items() if n))}</td>"
        f"<td>{'<br>'.join(esc(f) for f in s.findings) or '-'}</td></tr>"
        for s in reversed(suites)
    )
    head = "<tr><th>suite</th><th>started (UTC)</th><th>status</th><th>scenarios</th><th>flaky</th></tr>"
    return f"<section><h2>Suites</h2><table>{head}{rows}</table></section>"


def _regressions(found: list[tuple[RunRecord, Regression]], page: Path) -> str:
    if not found:
        return "<section id='regressions'><h2>Regressions</h2><p class='note'>none</p></section>"
    rows = "".join(
        f"<tr class='regression' data-scenario='{esc(r.scenario)}' data-run='{esc(r.run_id)}' "
        f"data-subject='{esc(g.subject)}'><td>{esc(r.started_at.strftime('%Y-%m-%d %H:%M'))}</td>"
        f"<td><a href='#scenario-{esc(r.scenario)}'>{esc(r.scenario)}</a></td>"
        f"<td><a href='{esc(_link(r.results.with_name('report.html'), page))}'>{esc(r.run_id)}</a></td>"
        f"<td class='reg'>{esc(g.message)}</td></tr>"
        for r, g in sorted(found, key=lambda f: f[0].started_at, reverse=True)
    )
    head = "<tr><th>when (UTC)</th><th>scenario</th><th>run</th><th>what got worse</th></tr>"
    return f"<section id='regressions'><h2>Regressions</h2><table>{head}{rows}</table></section>"


RULE: Final = (
    "A figure regresses when it is worse than the median of the scenario's previous 5 runs by more than "
    "its margin (times 25 % and 0.5 s, latency 25 % and 2 ms / 5 ms for p99, throughput 20 % lower, lost "
    "writes any increase); a verdict regresses when an invariant that held in the run before does not. "
    "Regressions are ringed in red."
)


def render_dashboard(folder: Path, page: Path) -> tuple[str, Found]:
    runs, suites, unreadable = scan(folder)
    by_scenario: dict[str, list[RunRecord]] = {}
    for r in runs:
        by_scenario.setdefault(r.scenario, []).append(r)
    sections, marked = [], []
    for name in sorted(by_scenario):
        html, found = _scenario(name, by_scenario[name], page)
        sections.append(html)
        marked += found
    summary = Found(len(runs), len(by_scenario), len(suites), len(marked), unreadable)
    problems = (
        "<section><h2>Unreadable files</h2><ul>"
        + "".join(f"<li>{esc(u)}</li>" for u in unreadable)
        + "</ul></section>"
        if unreadable
        else ""
    )
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M")
    header = (
        f"<header class='banner {'violated' if marked else 'passed'}'><h1>xmux-sim dashboard</h1>"
        f"<p>{len(runs)} run(s) of {len(by_scenario)} scenario(s), {len(suites)} suite(s) · "
        f"{len(marked)} regression(s) · written {now} UTC</p></header>"
        f"<p class='note'>{esc(RULE)}</p>"
    )
    body = header + _regressions(marked, page) + _suites(suites, page) + "".join(sections) + problems
    if not runs and not suites:
        body += f"<section><p class='note'>no results.json or suite summary.json under {esc(folder)}</p>"
        body += "</section>"
    html = (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>xmux-sim dashboard</title><style>{CSS}{_EXTRA_CSS}</style></head>"
        f"<body><main>{body}</main></body></html>\n"
    )
    return html, summary


def write_dashboard(folder: Path, page: Path | None = None) -> tuple[Path, Found]:
    page = page or folder / "dashboard.html"
    page.parent.mkdir(parents=True, exist_ok=True)
    html, found = render_dashboard(folder, page)
    write_atomic(page, html)
    return page, found
