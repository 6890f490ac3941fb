"""Scenario files as pytest items: `pytest scenarios/` runs each through the runner."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from xmux_sim.errors import XmuxSimError
from xmux_sim.experiment.expectation import expected
from xmux_sim.report import ExitStatus, verdict_table
from xmux_sim.scenario.loader import load_scenario
from xmux_sim.scenario.model import Scenario


class ScenarioFailed(Exception):
    """The scenario's verdict differs from what the file expects; the text says how."""


class ScenarioFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        try:
            scenario = load_scenario(self.path)
        except XmuxSimError as exc:
            # A bad file is a collection error naming file, line and field.
            raise self.CollectError(str(exc)) from None
        item = ScenarioItem.from_parent(self, name=scenario.name, scenario=scenario)
        item.add_marker(pytest.mark.stack)
        item.add_marker(pytest.mark.scenario)
        yield item


class ScenarioItem(pytest.Item):
    def __init__(self, *, scenario: Scenario, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario

    def runtest(self) -> None:
        from xmux_sim.experiment.runner import RunOptions, ScenarioRunner

        options = RunOptions(
            seed=self.config.getoption("--xmux-seed"),
            report_dir=Path(self.config.getoption("--xmux-report-dir")),
        )
        lines: list[str] = []
        outcome = ScenarioRunner(self.scenario, options, say=lines.append).run()
        table = ""
        if outcome.report is not None:
            console = Console(width=120, record=True, file=io.StringIO())
            console.print(verdict_table(outcome.report))
            table = console.export_text()
        where = f"seed {outcome.seed}; report: {outcome.paths.html if outcome.paths else '-'}"
        verdict = expected(self.scenario, outcome.status, outcome.report, outcome.error)
        if not verdict.met:
            detail = "" if outcome.status == ExitStatus.ERROR else f":\n{table}"
            raise ScenarioFailed(f"{verdict.reason}{detail}\n{where}")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ScenarioFailed | XmuxSimError):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"scenario {self.scenario.name}"
