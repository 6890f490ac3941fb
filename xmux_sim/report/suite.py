"""The folder of one `xmux-sim suite`: junit.xml, summary.json and index.html over its runs.

Each scenario run keeps its own report folder (inside the suite folder); this module
writes what spans them. Pure: it reads `SuiteResult` and writes files.

How a suite judges (the same words everywhere: terminal, summary, index, JUnit):

- a run **passed** when it came out as its scenario file expects (`expect: hold`: every
  invariant holds; `expect: violated`: a checker caught the violation), **failed** when
  not, and is an **error** when it could not be carried out;
- with ``--repeat N``, a scenario whose runs disagree (one passed and one failed, or an
  invariant that held in one run and not in another) is **flaky**: a finding of its own,
  naming what differed and the seeds that replay each run;
- the exit status is 2 when any run could not be carried out, else 1 when any scenario
  failed or is flaky, else 0 (as `xmux-sim run`).

summary.json (schema ``xmux-sim.suite/1``; keys are only ever added):
``{"schema", "name", "started_at", "duration_s", "exit_status", "status", "provider",
"attached", "seed", "repeat", "counts": {"passed", "failed", "error", "flaky"},
"scenarios": [{"name", "path", "expect", "description", "outcome",
"runs": [{"repeat", "seed", "run_id", "exit_status", "outcome", "reason", "wall_s",
"verdicts": {invariant: "holds" | "violated" | "unknown"}, "folder", "report", "results",
"error"}]}], "findings": [{"scenario", "kind": "flaky", "subject", "values", "seeds",
"message"}]}``. Paths are relative to the suite folder.
"""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

from xmux_sim.report.formatting import STATUS_WORDS, esc, fmt_duration, verdict_word
from xmux_sim.report.junit import add_case, add_testsuite, serialize, set_counts
from xmux_sim.report.model import ExitStatus, RunReport
from xmux_sim.report.page import CSP, CSS
from xmux_sim.report.writer import write_atomic

__all__ = [
    "OUTCOME_COLOURS",
    "SCHEMA",
    "Finding",
    "Outcome",
    "SuitePaths",
    "SuiteResult",
    "SuiteRun",
    "suite_index_html",
    "suite_junit_xml",
    "suite_summary",
    "write_suite",
]

SCHEMA: Final = "xmux-sim.suite/1"


class Outcome(StrEnum):
    passed = "passed"
    failed = "failed"
    error = "error"
    flaky = "flaky"


OUTCOME_COLOURS: Final = {
    Outcome.passed: "#1a7f37",
    Outcome.failed: "#cf222e",
    Outcome.error: "#82071e",
    Outcome.flaky: "#8250df",
}


@dataclass(frozen=True)
class SuiteRun:
    """One run of one scenario in a suite."""

    scenario: str
    scenario_path: str | None
    expect: str
    """``hold`` or ``violated`` (the scenario file's ``expect``)."""
    repeat: int
    """1-based."""
    seed: int | None
    status: ExitStatus
    met: bool
    """Came out as the scenario file expects."""
    reason: str
    wall_s: float
    description: str = ""
    report: RunReport | None = None
    folder: Path | None = None
    """The run's report folder (None: the run ended before it wrote one)."""
    error: str | None = None

    @property
    def outcome(self) -> Outcome:
        if self.status == ExitStatus.ERROR:
            return Outcome.error
        return Outcome.passed if self.met else Outcome.failed

    def verdicts(self) -> dict[str, str]:
        if self.report is None:
            return {}
        return {inv.name: verdict_word(inv.verdict.valid) for inv in self.report.invariants}


@dataclass(frozen=True)
class Finding:
    """Repeats of a scenario that disagree: on the outcome, or on one invariant."""

    scenario: str
    subject: str
    """``outcome``, or the invariant's name."""
    values: tuple[str, ...]
    """Per repeat, in order ("-" where the repeat has no such verdict)."""
    seeds: tuple[int | None, ...]
    kind: str = "flaky"

    def message(self) -> str:
        runs = ", ".join(
            f"run {i} (seed {seed}): {value}"
            for i, (value, seed) in enumerate(zip(self.values, self.seeds, strict=True), 1)
        )
        what = "the outcome" if self.subject == "outcome" else f"invariant {self.subject}"
        return f"{self.scenario}: {what} differs between repeats: {runs}"


@dataclass(frozen=True)
class SuiteResult:
    name: str
    started_at: datetime
    duration_s: float
    runs: Sequence[SuiteRun]
    repeat: int = 1
    seed: int | None = None
    provider: str = "docker"
    attached: bool = False
    _order: tuple[str, ...] = field(init=False, repr=False, compare=False, default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "runs", tuple(self.runs))
        object.__setattr__(self, "_order", tuple(dict.fromkeys(r.scenario for r in self.runs)))

    def scenarios(self) -> dict[str, list[SuiteRun]]:
        """Scenario name -> its runs in repeat order, scenarios in the order they ran."""
        return {
            name: sorted((r for r in self.runs if r.scenario == name), key=lambda r: r.repeat)
            for name in self._order
        }

    def findings(self) -> list[Finding]:
        found: list[Finding] = []
        for name, runs in self.scenarios().items():
            judged = [r for r in runs if r.outcome != Outcome.error]
            if len(judged) < 2:
                continue
            seeds = tuple(r.seed for r in judged)
            outcomes = tuple(str(r.outcome) for r in judged)
            if len(set(outcomes)) > 1:
                found.append(Finding(name, "outcome", outcomes, seeds))
            verdicts = [r.verdicts() for r in judged]
            for invariant in dict.fromkeys(k for v in verdicts for k in v):
                values = tuple(v.get(invariant, "-") for v in verdicts)
                if len(set(values)) > 1:
                    found.append(Finding(name, invariant, values, seeds))
        return found

    def outcome(self, scenario: str) -> Outcome:
        runs = self.scenarios()[scenario]
        if any(r.outcome == Outcome.error for r in runs):
            return Outcome.error
        if any(f.scenario == scenario for f in self.findings()):
            return Outcome.flaky
        return Outcome.passed if all(r.met for r in runs) else Outcome.failed

    def counts(self) -> dict[str, int]:
        outcomes = [self.outcome(name) for name in self.scenarios()]
        return {str(o): outcomes.count(o) for o in Outcome}

    @property
    def exit_status(self) -> ExitStatus:
        counts = self.counts()
        if counts[Outcome.error]:
            return ExitStatus.ERROR
        if counts[Outcome.failed] or counts[Outcome.flaky]:
            return ExitStatus.VIOLATED
        return ExitStatus.OK


@dataclass(frozen=True)
class SuitePaths:
    folder: Path
    junit: Path
    summary: Path
    index: Path


def _relative(path: Path | None, folder: Path) -> str | None:
    return None if path is None else Path(os.path.relpath(path, folder)).as_posix()


def _suite_name(run: SuiteRun, repeats: int) -> str:
    return f"xmux-sim.{run.scenario}" + (f".run{run.repeat}" if repeats > 1 else "")


def suite_junit_xml(result: SuiteResult) -> str:
    """One ``<testsuite>`` per run (a test case per invariant), and one per repeated scenario
    whose single case fails when its repeats disagree."""
    root = ET.Element(
        "testsuites",
        name=f"xmux-sim suite {result.name}",
        time=f"{result.duration_s:.3f}",
        timestamp=result.started_at.replace(tzinfo=None).isoformat(timespec="seconds"),
    )
    for name, runs in result.scenarios().items():
        for run in runs:
            suite_name = _suite_name(run, result.repeat)
            if run.report is None:
                suite = ET.SubElement(root, "testsuite", name=suite_name, time=f"{run.wall_s:.3f}")
                add_case(suite, suite_name, "run", f"{run.wall_s:.3f}", "error", "run-error", run.reason)
                set_counts(suite)
                continue
            suite = add_testsuite(
                root, run.report, name=suite_name, expect_violation=run.expect == "violated"
            )
            if run.expect == "violated" and not run.met and run.status != ExitStatus.ERROR:
                add_case(suite, suite_name, "expected violation", "0", "failure", "not-caught", run.reason)
                set_counts(suite)
        if len(runs) > 1:
            suite_name = f"xmux-sim.{name}.repeats"
            suite = ET.SubElement(root, "testsuite", name=suite_name)
            flaky = [f.message() for f in result.findings() if f.scenario == name]
            if flaky:
                add_case(suite, suite_name, "repeats agree", "0", "failure", "flaky", "\n".join(flaky))
            else:
                case = ET.SubElement(suite, "testcase", classname=suite_name, name="repeats agree", time="0")
                ET.SubElement(case, "system-out").text = f"{len(runs)} runs agree"
            set_counts(suite)
    set_counts(root)
    return serialize(root)


def suite_summary(result: SuiteResult, folder: Path) -> dict[str, Any]:
    scenarios = []
    for name, runs in result.scenarios().items():
        first = runs[0]
        scenarios.append(
            {
                "name": name,
                "path": first.scenario_path,
                "expect": first.expect,
                "description": first.description,
                "outcome": str(result.outcome(name)),
                "runs": [
                    {
                        "repeat": r.repeat,
                        "seed": r.seed,
                        "run_id": r.report.run_id if r.report else None,
                        "exit_status": int(r.status),
                        "outcome": str(r.outcome),
                        "reason": r.reason,
                        "wall_s": round(r.wall_s, 1),
                        "verdicts": r.verdicts(),
                        "folder": _relative(r.folder, folder),
                        "report": _relative(r.folder / "report.html", folder) if r.folder else None,
                        "results": _relative(r.folder / "results.json", folder) if r.folder else None,
                        "error": r.error,
                    }
                    for r in runs
                ],
            }
        )
    return {
        "schema": SCHEMA,
        "name": result.name,
        "started_at": result.started_at.isoformat().replace("+00:00", "Z"),
        "duration_s": round(result.duration_s, 1),
        "exit_status": int(result.exit_status),
        "status": STATUS_WORDS[result.exit_status],
        "provider": result.provider,
        "attached": result.attached,
        "seed": result.seed,
        "repeat": result.repeat,
        "counts": result.counts(),
        "scenarios": scenarios,
        "findings": [
            {
                "scenario": f.scenario,
                "kind": f.kind,
                "subject": f.subject,
                "values": list(f.values),
                "seeds": list(f.seeds),
                "message": f.message(),
            }
            for f in result.findings()
        ],
    }


def chip(word: str, colour: str, href: str | None = None, title: str = "") -> str:
    """A coloured word, a link when ``href`` is given (relative paths only, escaped)."""
    tip = f' title="{esc(title)}"' if title else ""
    inner = f'<span class="chip" style="background:{colour}"{tip}>{esc(word)}</span>'
    return f'<a href="{esc(href)}">{inner}</a>' if href else inner


def suite_index_html(result: SuiteResult, folder: Path) -> str:
    status = STATUS_WORDS[result.exit_status]
    counts = result.counts()
    said = ", ".join(f"{n} {word}" for word, n in counts.items() if n)
    rows = []
    for name, runs in result.scenarios().items():
        outcome = result.outcome(name)
        links = " ".join(
            chip(
                f"run {r.repeat}" if result.repeat > 1 else str(r.outcome),
                OUTCOME_COLOURS[r.outcome],
                _relative(r.folder / "report.html", folder) if r.folder else None,
                f"{r.outcome}: {r.reason} (seed {r.seed})",
            )
            for r in runs
        )
        reasons = "<br>".join(
            esc(f"run {r.repeat}: {r.reason}") if len(runs) > 1 else esc(r.reason) for r in runs
        )
        rows.append(
            f"<tr><td><b>{esc(name)}</b><div class='note'>{esc(runs[0].description)}</div></td>"
            f"<td>{esc(runs[0].expect)}</td><td>{chip(str(outcome), OUTCOME_COLOURS[outcome])}</td>"
            f"<td>{links}</td><td class='num'>{esc(fmt_duration(sum(r.wall_s for r in runs)))}</td>"
            f"<td>{reasons}</td></tr>"
        )
    head = (
        "<tr><th>scenario</th><th>expect</th><th>outcome</th><th>runs (reports)</th>"
        "<th class='num'>time</th><th>why</th></tr>"
    )
    findings = "".join(f"<li>{esc(f.message())}</li>" for f in result.findings())
    findings_html = f"<section><h2>Flaky</h2><ul>{findings}</ul></section>" if findings else ""
    banner = (
        f'<header class="banner {status}"><h1>xmux-sim suite {esc(result.name)}</h1>'
        f"<p><b>{esc(status)}</b> (exit {int(result.exit_status)}) · {esc(said or 'no scenarios')} · "
        f"{esc(result.started_at.strftime('%Y-%m-%d %H:%M'))} UTC · {esc(fmt_duration(result.duration_s))}"
        f"{' · seed ' + esc(result.seed) if result.seed is not None else ''}</p></header>"
    )
    files = "<p class='note'><a href='junit.xml'>junit.xml</a> · <a href='summary.json'>summary.json</a></p>"
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>xmux-sim suite {esc(result.name)} · {esc(status)}</title><style>{CSS}</style></head>"
        f"<body><main>{banner}{findings_html}"
        f"<section><h2>Scenarios</h2><table>{head}{''.join(rows)}</table>{files}</section>"
        "</main></body></html>\n"
    )


def write_suite(result: SuiteResult, folder: Path) -> SuitePaths:
    folder.mkdir(parents=True, exist_ok=True)
    paths = SuitePaths(folder, folder / "junit.xml", folder / "summary.json", folder / "index.html")
    write_atomic(paths.junit, suite_junit_xml(result))
    write_atomic(paths.summary, json.dumps(suite_summary(result, folder), indent=2) + "\n")
    write_atomic(paths.index, suite_index_html(result, folder))
    return paths
