"""`xmux-sim suite`: a set of scenarios run one after another, judged together.

Every file is loaded and checked against its stack before anything starts, so a typo in
the tenth file does not surface an hour in. Then each scenario runs as `xmux-sim run`
would (its own stack brought up and down, or the one stack given with ``--attach``),
``--repeat`` times, and its report folder lands inside the suite folder
(``reports/suite-<UTC time>/``), beside the suite's junit.xml, summary.json and index.html
(:mod:`xmux_sim.report.suite`).

Seeds: with ``--seed N``, repeat k of every scenario runs with seed N + k - 1, so the
whole suite replays. Without it, the first run takes the scenario's own choice (its
``seed:`` or a fresh one) and every further repeat a fresh seed: a verdict that depends
on the seed then shows as flaky. Each run's seed is in summary.json.

A run that cannot be carried out (a stack that does not come up) is recorded as an error
and the suite goes on; Ctrl-C writes the suite files for what ran, then stops.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from xmux_sim.errors import XmuxSimError
from xmux_sim.experiment.expectation import expected
from xmux_sim.experiment.runner import LiveView, RunOptions, ScenarioRunner
from xmux_sim.providers import DEFAULT
from xmux_sim.report import ExitStatus
from xmux_sim.report.formatting import fmt_duration
from xmux_sim.report.suite import SuitePaths, SuiteResult, SuiteRun, write_suite
from xmux_sim.scenario import load_scenario
from xmux_sim.scenario.loader import resolve_stack
from xmux_sim.scenario.model import Scenario
from xmux_sim.scenario.shipped import shipped_scenarios

__all__ = ["SuiteOptions", "SuiteRunner", "collect"]

Say = Callable[[str], None]


@dataclass
class SuiteOptions:
    paths: Sequence[Path] = ()
    """Scenario files and folders (searched for *.yaml); none: the shipped scenarios."""
    provider: str = DEFAULT
    repeat: int = 1
    seed: int | None = None
    report_dir: Path = Path("reports")
    attach: str | None = None
    """Run every scenario on this running stack ("" = the only one)."""
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))


def collect(paths: Sequence[Path]) -> list[Path]:
    """Files as given, folders searched (sorted, recursively) for *.yaml; each file once."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(path.rglob("*.yaml"))
            if not found:
                raise XmuxSimError(f"{path}: no scenario files (*.yaml) in this folder")
            files += found
        elif path.is_file():
            files.append(path)
        else:
            raise XmuxSimError(f"{path}: no such scenario file or folder")
    return list(dict.fromkeys(files))


def _load(files: Sequence[Path], attach: str | None) -> list[Scenario]:
    """Every file parsed and resolved against its stack; all problems reported at once."""
    scenarios, problems, stacks = [], [], {}
    for file in files:
        try:
            scenario = load_scenario(file)
            stacks[scenario.name] = resolve_stack(scenario).name
            scenarios.append(scenario)
        except XmuxSimError as exc:
            problems.append(str(exc))
    names = [s.name for s in scenarios]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        problems.append(f"scenario name(s) used by more than one file: {', '.join(twice)}")
    if attach is not None and len(set(stacks.values())) > 1:
        used = ", ".join(f"{name} ({stack})" for name, stack in stacks.items())
        problems.append(f"--attach runs every scenario on one stack, but these use different stacks: {used}")
    if problems:
        raise XmuxSimError("\n".join(problems))
    return scenarios


class SuiteRunner:
    def __init__(self, options: SuiteOptions, say: Say | None = None, live: LiveView | None = None) -> None:
        if options.repeat < 1:
            raise XmuxSimError(f"--repeat: expected 1 or more, got {options.repeat}")
        self.options = options
        self.say: Say = say or (lambda _line: None)
        self.live = live
        self.scenarios = _load(
            collect(options.paths) if options.paths else shipped_scenarios(), options.attach
        )
        stamp = options.started_at.strftime("%Y%m%d-%H%M%S")
        self.folder = options.report_dir / f"suite-{stamp}"
        n = 2
        while self.folder.exists():
            self.folder = options.report_dir / f"suite-{stamp}-{n}"
            n += 1
        self.folder.mkdir(parents=True)
        self._random = random.SystemRandom()

    def seed(self, repeat: int) -> int | None:
        if self.options.seed is not None:
            return self.options.seed + repeat - 1
        return None if repeat == 1 else self._random.randrange(2**32)

    def run(self) -> tuple[SuiteResult, SuitePaths]:
        runs: list[SuiteRun] = []
        t0 = time.monotonic()
        total = len(self.scenarios) * self.options.repeat
        try:
            for i, (scenario, repeat) in enumerate(
                ((s, k) for s in self.scenarios for k in range(1, self.options.repeat + 1)), 1
            ):
                label = f"[{i}/{total}] {scenario.name}" + (
                    f" (run {repeat} of {self.options.repeat})" if self.options.repeat > 1 else ""
                )
                self.say(f"{label}: {scenario.description or scenario.source}")
                run = self._one(scenario, repeat)
                runs.append(run)
                self.say(f"{label}: {run.outcome} in {fmt_duration(run.wall_s)}: {run.reason}")
        finally:
            # Also when interrupted: the suite files cover what ran.
            result = SuiteResult(
                name=self.folder.name,
                started_at=self.options.started_at,
                duration_s=time.monotonic() - t0,
                runs=runs,
                repeat=self.options.repeat,
                seed=self.options.seed,
                provider=self.options.provider,
                attached=self.options.attach is not None,
            )
            paths = write_suite(result, self.folder)
        return result, paths

    def _one(self, scenario: Scenario, repeat: int) -> SuiteRun:
        options = RunOptions(
            seed=self.seed(repeat),
            report_dir=self.folder,
            attach=self.options.attach,
            provider=self.options.provider,
        )
        started = time.monotonic()
        record = partial(
            SuiteRun,
            scenario=scenario.name,
            scenario_path=None if scenario.source == "<scenario>" else scenario.source,
            expect=str(scenario.expect),
            description=scenario.description,
            repeat=repeat,
        )
        try:
            outcome = ScenarioRunner(scenario, options, say=self.say).run(status=self.live)
        except XmuxSimError as exc:
            # The run could not be carried out (a stack that did not come up): the suite goes on.
            reason = f"the run could not be carried out: {exc}"
            return record(
                seed=options.seed,
                status=ExitStatus.ERROR,
                met=False,
                reason=reason,
                wall_s=time.monotonic() - started,
                error=str(exc),
            )
        verdict = expected(scenario, outcome.status, outcome.report, outcome.error)
        return record(
            seed=outcome.seed,
            status=outcome.status,
            met=verdict.met,
            reason=verdict.reason,
            wall_s=time.monotonic() - started,
            report=outcome.report,
            folder=outcome.paths.folder if outcome.paths else None,
            error=outcome.error,
        )
