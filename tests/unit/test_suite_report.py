"""The suite folder from recorded runs: junit.xml valid against the JUnit schema, summary.json,
index.html whose links resolve, and flakiness found between repeats."""

from __future__ import annotations

import json
from datetime import timedelta
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import pytest
from lxml import etree

from tests.unit.test_report import STARTED, lossy_history, make_report
from xmux_sim.checkers import Verdict, availability
from xmux_sim.report import ExitStatus, Invariant, RunReport, write_report
from xmux_sim.report.suite import Outcome, SuiteResult, SuiteRun, write_suite

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "xmux_sim" / "report" / "junit.xsd"


@cache
def junit_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_FILE)))


def held(name: str) -> Invariant:
    return Invariant(name, "availability", "ok ratio >= 0.5", availability(lossy_history(), min_ratio=0.5))


def broken(name: str) -> Invariant:
    return Invariant(name, "availability", "ok ratio >= 0.99", availability(lossy_history(), min_ratio=0.99))


def recorded(
    tmp: Path, scenario: str, invariants: list[Invariant], status: ExitStatus, n: int = 0
) -> RunReport:
    return make_report(
        run_id=f"run-{scenario}-{n}",
        scenario=scenario,
        invariants=invariants,
        exit_status=status,
        started_at=STARTED + timedelta(minutes=n),
    )


def suite_run(tmp: Path, report: RunReport, expect: str, met: bool, repeat: int = 1) -> SuiteRun:
    folder = write_report(report, tmp / f"{report.scenario}-{report.run_id}").folder
    return SuiteRun(
        scenario=report.scenario,
        scenario_path=f"scenarios/{report.scenario}.yaml",
        expect=expect,
        repeat=repeat,
        seed=report.seed,
        status=report.exit_status,
        met=met,
        reason="as expected" if met else "not as expected",
        wall_s=30.0,
        description=f"{report.scenario} in a line",
        report=report,
        folder=folder,
    )


def three(tmp: Path) -> SuiteResult:
    runs = [
        suite_run(tmp, recorded(tmp, "steady", [held("available")], ExitStatus.OK), "hold", True),
        suite_run(tmp, recorded(tmp, "broken", [held("a"), broken("b")], ExitStatus.VIOLATED), "hold", False),
        suite_run(tmp, recorded(tmp, "unsafe", [broken("lossy")], ExitStatus.VIOLATED), "violated", True),
        SuiteRun(
            scenario="no-stack",
            scenario_path="scenarios/no-stack.yaml",
            expect="hold",
            repeat=1,
            seed=None,
            status=ExitStatus.ERROR,
            met=False,
            reason="the run could not be carried out: image(s) not built: postgres",
            wall_s=1.0,
            error="image(s) not built: postgres",
        ),
    ]
    return SuiteResult("suite-20240501-120000", STARTED, 95.0, runs)


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.hrefs += [v for k, v in attrs if k == "href" and v]


def test_the_schema_accepts_a_run_junit_and_rejects_a_broken_one(tmp_path: Path) -> None:
    paths = write_report(make_report(exit_status=ExitStatus.ERROR, error="\x1b[31mboom\x00"), tmp_path / "r")
    junit_schema().assertValid(etree.parse(str(paths.junit)))
    tree = etree.parse(str(paths.junit))
    case = next(tree.iter("testcase"))
    del case.attrib["name"]  # every CI names a test case
    assert not junit_schema().validate(tree)
    tree = etree.parse(str(paths.junit))
    next(tree.iter("testsuite")).set("timestamp", "2024-05-01T12:00:00+00:00")  # Jenkins: no zone
    assert not junit_schema().validate(tree)


def test_suite_folder_junit_summary_and_index(tmp_path: Path) -> None:
    result = three(tmp_path)
    paths = write_suite(result, tmp_path)

    tree = etree.parse(str(paths.junit))
    junit_schema().assertValid(tree)
    cases = {(c.get("classname"), c.get("name")): c for c in tree.iter("testcase")}
    assert cases[("xmux-sim.steady", "available")].find("failure") is None
    assert cases[("xmux-sim.broken", "b")].find("failure").get("type") == "violated"
    assert cases[("xmux-sim.broken", "a")].find("failure") is None
    # The unsafe variant's violation is what it set out to show.
    assert cases[("xmux-sim.unsafe", "lossy")].find("failure") is None
    error = cases[("xmux-sim.no-stack", "run")].find("error")
    assert error is not None and "image(s) not built" in (error.get("message") or "")
    root = tree.getroot()
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("5", "1", "1")

    summary = json.loads(paths.summary.read_text())
    assert summary["exit_status"] == 2 and summary["status"] == "error"
    assert summary["counts"] == {"passed": 2, "failed": 1, "error": 1, "flaky": 0}
    outcomes = {s["name"]: s["outcome"] for s in summary["scenarios"]}
    assert outcomes == {"steady": "passed", "broken": "failed", "unsafe": "passed", "no-stack": "error"}
    broken_run = summary["scenarios"][1]["runs"][0]
    assert broken_run["verdicts"] == {"a": "holds", "b": "violated"}
    assert json.loads((tmp_path / broken_run["results"]).read_text())["run_id"] == "run-broken-0"

    links = Links()
    links.feed(paths.index.read_text())
    assert sum(h.endswith("report.html") for h in links.hrefs) == 3
    for href in links.hrefs:
        assert (tmp_path / href).is_file(), href


def test_an_unsafe_variant_whose_violation_was_not_caught_fails_in_junit(tmp_path: Path) -> None:
    report = recorded(tmp_path, "unsafe", [held("lossy")], ExitStatus.OK)
    result = SuiteResult("s", STARTED, 1.0, [suite_run(tmp_path, report, "violated", False)])
    tree = etree.parse(str(write_suite(result, tmp_path).junit))
    junit_schema().assertValid(tree)
    (case,) = [c for c in tree.iter("testcase") if c.get("name") == "expected violation"]
    assert case.find("failure") is not None
    assert result.exit_status == ExitStatus.VIOLATED


@pytest.mark.parametrize("second", [ExitStatus.OK, ExitStatus.VIOLATED])
def test_repeats_that_disagree_are_flaky(tmp_path: Path, second: ExitStatus) -> None:
    first = recorded(tmp_path, "seeded", [held("available")], ExitStatus.OK, 0)
    again = recorded(
        tmp_path, "seeded", [held("available") if second == ExitStatus.OK else broken("available")], second, 1
    )
    runs = [
        suite_run(tmp_path, first, "hold", True, repeat=1),
        suite_run(tmp_path, again, "hold", second == ExitStatus.OK, repeat=2),
    ]
    result = SuiteResult("s", STARTED, 2.0, runs, repeat=2)
    findings = result.findings()
    if second == ExitStatus.OK:
        assert findings == [] and result.outcome("seeded") == Outcome.passed
        assert result.exit_status == ExitStatus.OK
        return
    assert [(f.subject, f.values) for f in findings] == [
        ("outcome", ("passed", "failed")),
        ("available", ("holds", "violated")),
    ]
    assert result.outcome("seeded") == Outcome.flaky and result.exit_status == ExitStatus.VIOLATED
    assert "run 1 (seed 1234): holds, run 2 (seed 1234): violated" in findings[1].message()
    tree = etree.parse(str(write_suite(result, tmp_path).junit))
    junit_schema().assertValid(tree)
    suites = [s.get("name") for s in tree.iter("testsuite")]
    assert suites == ["xmux-sim.seeded.run1", "xmux-sim.seeded.run2", "xmux-sim.seeded.repeats"]
    (repeats,) = [c for c in tree.iter("testcase") if c.get("name") == "repeats agree"]
    assert repeats.find("failure").get("type") == "flaky"


def test_verdict_words_of_a_run(tmp_path: Path) -> None:
    unknown = Invariant("x", "availability", "-", Verdict("x", "unknown", message="no operations"))
    run = suite_run(tmp_path, recorded(tmp_path, "u", [unknown], ExitStatus.VIOLATED), "hold", False)
    assert run.verdicts() == {"x": "unknown"} and run.outcome == Outcome.failed
