"""`xmux-sim suite` end to end on one attached stack (its own CIDRs, 198.18.171.0/24).

Three short scenarios (one passes, one fails, one unsafe variant whose violation is
caught) give a suite folder whose junit.xml validates against the JUnit schema, whose
summary says what happened and whose index links resolve; a scenario whose verdict
depends on its seed, run with ``--repeat 2``, is reported flaky.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from tests.unit.test_suite_report import Links, junit_schema
from xmux_sim.providers.docker.provider import DockerProvider, DockerRun
from xmux_sim.scenario import load_scenario
from xmux_sim.scenario.loader import resolve_stack
from xmux_sim.scenario.schedule import expand
from xmux_sim.topology import load_stack

STACK = """\
name: suite
nodes:
  - {name: node-1, cidr: 198.18.171.0/24}
network: {underlay: 198.19.171.0/24}
services:
  postgres: {kind: postgres}
  nats: {kind: nats}
"""

PASSES = """\
name: inserts-hold
description: inserts with no fault; nothing lost
stack: stack.yaml
workload:
  duration: 4
  clients:
    - {kind: sql-insert, rate: 20}
invariants:
  - {name: no-lost-writes, checker: lost-writes, store: postgres}
"""

FAILS = """\
name: kill-breaks-availability
description: postgres killed for 2 s; an availability of 100 % cannot hold
stack: stack.yaml
workload:
  duration: 6
  clients:
    - {kind: sql-insert, rate: 20, timeout: 1}
faults:
  - {at: 2, duration: 2, kind: kill, pod: postgres-0}
invariants:
  - {name: no-lost-writes, checker: lost-writes, store: postgres}
  - {name: always-available, checker: availability, store: postgres, min_ratio: 1.0}
"""

CAUGHT = """\
name: one-replica-wiped
description: an R1 stream loses its disk; the lost-writes checker must say so
stack: stack.yaml
workload:
  duration: 6
  clients:
    - kind: jetstream-publish
      rate: 40
      params: {stream: SUITE, subject: suite.writes, replicas: 1}
faults:
  - {at: 3, duration: 1, kind: wipe-volume, pod: nats-0}
invariants:
  - {name: no-lost-messages, checker: lost-writes, store: nats, allow_duplicates: true}
expect: violated
"""

# Which pod the generated fault kills depends on the seed: postgres-0 breaks the invariant,
# nats-0 does not touch it.
FLAKY = """\
name: seed-decides
description: a seeded kill of postgres-0 or nats-0; availability of postgres inserts at 100 %
stack: stack.yaml
workload:
  duration: 6
  clients:
    - {kind: sql-insert, rate: 20, timeout: 1}
faults:
  - generate:
      count: 1
      kinds: [kill]
      targets: {pod: [postgres-0, nats-0]}
      duration: [2, 2]
      window: [1, 5]
invariants:
  - {name: always-available, checker: availability, store: postgres, min_ratio: 1.0}
"""


def xmux(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    # Not a terminal: the run's output is what a CI log shows.
    return subprocess.run(
        [sys.executable, "-m", "xmux_sim.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={k: v for k, v in os.environ.items() if k != "COLUMNS"},
        check=False,
    )


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("suite")
    (root / "stack.yaml").write_text(STACK)
    for name, text in {"passes": PASSES, "fails": FAILS, "caught": CAUGHT, "flaky": FLAKY}.items():
        (root / f"{name}.yaml").write_text(text)
    return root


@pytest.fixture(scope="module")
def attached(folder: Path) -> Iterator[DockerRun]:
    with DockerProvider().up(load_stack(folder / "stack.yaml")) as run:
        yield run


def only_suite(report_dir: Path) -> Path:
    (suite,) = [p for p in report_dir.iterdir() if p.name.startswith("suite-")]
    return suite


def test_suite_of_three_scenarios(folder: Path, attached: DockerRun, tmp_path: Path) -> None:
    files = [str(folder / f"{name}.yaml") for name in ("passes", "fails", "caught")]
    result = xmux("suite", *files, "--attach", attached.run_id, "--report-dir", str(tmp_path))
    assert result.returncode == 1, result.stdout + result.stderr[-3000:]
    suite = only_suite(tmp_path)

    # The terminal (not a TTY): one step line per scenario, the table with whole names.
    assert "[1/3] inserts-hold" in result.stderr and "[3/3] one-replica-wiped" in result.stderr
    assert "kill-breaks-availability" in result.stdout and "…" not in result.stdout

    summary: dict[str, Any] = json.loads((suite / "summary.json").read_text())
    assert summary["schema"] == "xmux-sim.suite/1"
    assert summary["exit_status"] == 1
    assert summary["counts"] == {"passed": 2, "failed": 1, "error": 0, "flaky": 0}
    by_name = {s["name"]: s for s in summary["scenarios"]}
    assert [s["name"] for s in summary["scenarios"]] == [
        "inserts-hold",
        "kill-breaks-availability",
        "one-replica-wiped",
    ]
    assert by_name["kill-breaks-availability"]["runs"][0]["verdicts"] == {
        "no-lost-writes": "holds",
        "always-available": "violated",
    }
    assert by_name["one-replica-wiped"]["outcome"] == "passed"
    assert by_name["one-replica-wiped"]["runs"][0]["verdicts"]["no-lost-messages"] == "violated"

    # junit.xml: valid against the JUnit schema, one case per invariant with the right outcome.
    tree = etree.parse(str(suite / "junit.xml"))
    junit_schema().assertValid(tree)
    cases = {(c.get("classname"), c.get("name")): c for c in tree.iter("testcase")}
    assert cases[("xmux-sim.kill-breaks-availability", "always-available")].find("failure") is not None
    assert cases[("xmux-sim.kill-breaks-availability", "no-lost-writes")].find("failure") is None
    caught = cases[("xmux-sim.one-replica-wiped", "no-lost-messages")]
    assert caught.find("failure") is None and "as this unsafe variant expects" in caught.findtext(
        "system-out", ""
    )
    root = tree.getroot()
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("4", "1", "0")

    # index.html links every run's report and the suite files, and every link resolves.
    links = Links()
    links.feed((suite / "index.html").read_text())
    reports = [h for h in links.hrefs if h.endswith("report.html")]
    assert len(reports) == 3
    assert {"junit.xml", "summary.json"} <= set(links.hrefs)
    for href in links.hrefs:
        assert (suite / href).is_file(), href
    for scenario in summary["scenarios"]:
        run = scenario["runs"][0]
        assert (suite / run["results"]).is_file() and (suite / run["report"]).is_file()
        assert json.loads((suite / run["results"]).read_text())["run_id"] == run["run_id"]


def test_repeat_reports_a_seed_dependent_verdict_as_flaky(
    folder: Path, attached: DockerRun, tmp_path: Path
) -> None:
    scenario = load_scenario(folder / "flaky.yaml")
    stack = resolve_stack(scenario)

    def target(seed: int) -> str:
        (fault,) = expand(scenario, stack, seed)
        return str(fault.spec.params["pod"])

    # A seed whose first run kills postgres-0 and whose second (seed + 1) kills nats-0.
    seed = next(s for s in range(1000) if target(s) == "postgres-0" and target(s + 1) == "nats-0")
    result = xmux(
        "suite", str(folder / "flaky.yaml"), "--repeat", "2", "--seed", str(seed),
        "--attach", attached.run_id, "--report-dir", str(tmp_path),
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr[-3000:]
    assert "flaky: seed-decides: invariant always-available differs between repeats" in result.stderr
    suite = only_suite(tmp_path)
    summary = json.loads((suite / "summary.json").read_text())
    (scenario_entry,) = summary["scenarios"]
    assert scenario_entry["outcome"] == "flaky"
    assert [r["seed"] for r in scenario_entry["runs"]] == [seed, seed + 1]
    assert [r["verdicts"]["always-available"] for r in scenario_entry["runs"]] == ["violated", "holds"]
    findings = {(f["scenario"], f["subject"]): f for f in summary["findings"]}
    assert findings[("seed-decides", "always-available")]["values"] == ["violated", "holds"]
    assert findings[("seed-decides", "outcome")]["values"] == ["failed", "passed"]
    tree = etree.parse(str(suite / "junit.xml"))
    junit_schema().assertValid(tree)
    (repeats,) = [c for c in tree.iter("testcase") if c.get("classname") == "xmux-sim.seed-decides.repeats"]
    assert repeats.find("failure") is not None and repeats.find("failure").get("type") == "flaky"


LONG_NAMES = """\
name: long-names
stack: stack.yaml
workload:
  duration: 3
  clients:
    - {kind: sql-insert, rate: 10}
invariants:
  - name: no-acknowledged-insert-lost-from-postgres-after-the-run
    checker: lost-writes
    store: postgres
"""


def test_run_output_off_a_tty_cuts_no_invariant_name(
    folder: Path, attached: DockerRun, tmp_path: Path
) -> None:
    path = folder / "long.yaml"
    path.write_text(LONG_NAMES)
    result = xmux("run", str(path), "--attach", attached.run_id, "--report-dir", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert "no-acknowledged-insert-lost-from-postgres-after-the-run" in result.stdout, result.stdout
    assert "…" not in result.stdout and "\x1b[" not in result.stdout
    for line in result.stderr.splitlines():
        # Step lines: a time, the message, and no source-location tag such as `cli.py:25`.
        assert not re.search(r"\w+\.py:\d+", line), line
    assert re.search(r"^\d\d:\d\d:\d\d scenario long-names: seed \d+", result.stderr, re.M), result.stderr
