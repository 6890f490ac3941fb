"""The dashboard over report folders written by our own report writer from recorded runs.

Six nightly runs of one scenario (writes into PostgreSQL, a 4 s fault, recovery measured
by the recovery-time checker, lost writes by lost-writes) and three of another. In the
fifth run of the first the service takes 6 s instead of about 1 s to recover: that run's
recovery time and its recovery verdict are the planted regression, and nothing else may
be marked. The page is checked as text, and in headless Chromium (screenshot, and the
figures of the DOM Chromium built compared with each results.json).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import threading
import urllib.request
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from tests.unit.test_report import STARTED
from tests.unit.test_report_browser import png_pixels
from tests.unit.test_suite_report import suite_run
from xmux_sim.checkers import lost_writes, recovery_time
from xmux_sim.cli import main
from xmux_sim.faults.spec import FaultSpec
from xmux_sim.history import FinalRead, History, Operation, Outcome
from xmux_sim.report import ExitStatus, Invariant, RunReport, write_report
from xmux_sim.report.dashboard import write_dashboard
from xmux_sim.report.suite import SuiteResult, write_suite
from xmux_sim.report.trend_chart import REGRESSION_COLOUR
from xmux_sim.report.trends import Metric, figures_of, regressions
from xmux_sim.suite.serve import dashboard_server
from xmux_sim.timeline import FaultEvent

RECOVERY_DELAYS = [1.0, 1.2, 0.9, 1.1, 6.0, 1.0]  # run 5 (index 4) is the planted regression
PLANTED = {(4, "max_recovery_s:postgres-recovers"), (4, "verdict:postgres-recovers")}


def history(delay: float, latency: float) -> History:
    """30 s of writes every 0.1 s; they fail from the fault at 8 s until ``delay`` after its heal at 12 s."""
    ops = []
    for i in range(300):
        t = i * 0.1
        down = 8.0 <= t < 12.0 + delay
        outcome = Outcome.fail if down else Outcome.ok
        ops.append(Operation("w0", "write", f"k{i}", None, t, t + latency, outcome, "postgres"))
    return History(ops)


def nightly(scenario: str, n: int, delay: float, latency: float = 0.01) -> RunReport:
    hist = history(delay, latency)
    present = [o.key for o in hist if o.outcome is Outcome.ok and o.key is not None]
    invariants = [
        Invariant(
            "no-lost-writes",
            "lost-writes",
            "store=postgres",
            lost_writes(hist, FinalRead.of(postgres=present), "postgres", name="no-lost-writes"),
        ),
        Invariant(
            "postgres-recovers",
            "recovery-time",
            "store=postgres, limit_s=3",
            recovery_time(
                hist, [("kill", 8.0, 12.0)], limit_s=3.0, store="postgres", name="postgres-recovers"
            ),
        ),
    ]
    held = all(inv.verdict.valid is True for inv in invariants)
    return RunReport(
        run_id=f"{scenario}-night{n}",
        scenario=scenario,
        scenario_path=Path(f"scenarios/{scenario}.yaml"),
        seed=100 + n,
        stack="default",
        flavours={"postgres": "postgres"},
        started_at=STARTED + timedelta(days=n),
        duration_s=30.0,
        history=hist,
        faults=[FaultEvent("kill", FaultSpec("kill", {"pod": "postgres-0"}), 8.0, 12.0)],
        invariants=invariants,
        exit_status=ExitStatus.OK if held else ExitStatus.VIOLATED,
    )


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    root = tmp_path / "reports"
    for n, delay in enumerate(RECOVERY_DELAYS):
        write_report(nightly("kill-postgres", n, delay), root / f"kill-postgres-night{n}")
    runs = [nightly("partition", n, 1.0, latency=0.02) for n in range(3)]
    suite = root / "suite-20240501"
    write_suite(
        SuiteResult(
            "suite-20240501",
            STARTED,
            90.0,
            [suite_run(suite, r, "hold", True, i + 1) for i, r in enumerate(runs)],
            repeat=3,
        ),
        suite,
    )
    (root / "load-smoke-x").mkdir()
    (root / "load-smoke-x" / "summary.json").write_text('{"total": {}}')  # a load test's: not shown
    return root


class Page(HTMLParser):
    """The figures the page shows: chart points, table cells, verdict squares, regression rows."""

    def __init__(self) -> None:
        super().__init__()
        self.points: dict[tuple[str, str], float] = {}
        self.rings: set[tuple[str, str]] = set()
        self.cells: dict[tuple[str, str], str] = {}
        self.verdicts: dict[tuple[str, str], str] = {}
        self.regressions: set[tuple[str, str]] = set()
        self.hrefs: list[str] = []
        self._point: tuple[str, str] | None = None
        self._cell: tuple[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "href" in a:
            self.hrefs.append(a["href"])
        if tag == "g" and "point" in a.get("class", ""):
            self._point = (a["data-metric"], a["data-run"])
            self.points[self._point] = float(a["data-value"])
        elif tag == "circle" and "regression" in a.get("class", "") and self._point:
            self.rings.add(self._point)
        elif tag == "td" and "data-metric" in a:
            self._cell = (a["data-metric"], a["data-run"])
            self.cells[self._cell] = ""
        elif tag == "span" and "data-verdict" in a:
            self.verdicts[(a["data-invariant"], a["data-run"])] = a["data-verdict"]
        elif tag == "tr" and "regression" in a.get("class", ""):
            self.regressions.add((a["data-run"], a["data-subject"]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "g":
            self._point = None
        if tag == "td":
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self.cells[self._cell] += data


def results(root: Path) -> dict[str, dict[str, Any]]:
    return {(data := json.loads(p.read_text()))["run_id"]: data for p in root.rglob("results.json")}


def check_page(page: Page, root: Path) -> None:
    runs = results(root)
    assert len(runs) == 9
    for run_id, data in runs.items():
        for metric, value in figures_of(data).items():
            if value is None:
                continue
            assert page.points[(metric.key, run_id)] == pytest.approx(value), (metric.key, run_id)
            assert float(page.cells[(metric.key, run_id)]) == pytest.approx(value, rel=1e-3), (
                metric.key,
                run_id,
            )
        for verdict in data["verdicts"]:
            word = {True: "holds", False: "violated"}.get(verdict["valid"], "unknown")
            assert page.verdicts[(verdict["name"], run_id)] == word
    # The trend itself: recovery times in the order the runs happened.
    series = [page.points[("max_recovery_s:postgres-recovers", f"kill-postgres-night{n}")] for n in range(6)]
    assert series == pytest.approx(
        [runs[f"kill-postgres-night{n}"]["verdicts"][1]["figures"]["max_recovery_s"] for n in range(6)]
    )
    assert series[4] > 4 * max(series[:4])
    planted = {(f"kill-postgres-night{i}", subject) for i, subject in PLANTED}
    assert page.regressions == planted
    assert page.rings == {(s, r) for r, s in planted if not s.startswith("verdict:")}


def test_dashboard_shows_the_trends_and_marks_the_planted_regression(reports: Path) -> None:
    page_path, found = write_dashboard(reports)
    assert (found.runs, found.scenarios, found.suites, found.regressions) == (9, 2, 1, 2)
    assert found.unreadable == []
    page = Page()
    page.feed(page_path.read_text())
    check_page(page, reports)
    for href in page.hrefs:
        if not href.startswith("#"):
            assert (reports / href).is_file(), href
    assert "suite-20240501/index.html" in page.hrefs


def test_dashboard_in_headless_chromium(reports: Path, tmp_path: Path) -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("chromium is not installed; run scripts/setup (it installs Debian's chromium)")
    page_path, _ = write_dashboard(reports)
    base = [
        chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--hide-scrollbars", f"--user-data-dir={tmp_path / 'profile'}",
    ]  # fmt: skip
    shot = tmp_path / "dashboard.png"
    done = subprocess.run(
        [*base, "--window-size=1200,2400", f"--screenshot={shot}", page_path.resolve().as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0 and shot.exists(), done.stderr[-3000:]
    width, height, colours = png_pixels(shot)
    assert (width, height) == (1200, 2400)
    assert len(colours) >= 20 and colours.most_common(1)[0][1] < 0.9 * width * height, "the page looks blank"
    red = tuple(int(REGRESSION_COLOUR[i : i + 2], 16) for i in (1, 3, 5))
    assert colours[red] > 100, "no regression mark in the screenshot"

    dom = subprocess.run(
        [*base, "--dump-dom", page_path.resolve().as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert dom.returncode == 0, dom.stderr[-3000:]
    page = Page()
    page.feed(dom.stdout)
    check_page(page, reports)


def test_dashboard_command_and_serving_on_loopback(reports: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dashboard", str(reports)]) == 0
    err = capsys.readouterr().err
    assert re.search(r"dashboard over 9 run\(s\) of 2 scenario\(s\) and 1 suite\(s\)", err), err
    assert "2 regression(s) marked" in err
    server = dashboard_server(reports, 0)
    assert server.server_address[0] == "127.0.0.1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/dashboard.html", timeout=10) as reply:
            assert reply.read() == (reports / "dashboard.html").read_bytes()
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/kill-postgres-night0/report.html", timeout=10
        ) as r:
            assert b"kill-postgres" in r.read()
    finally:
        server.shutdown()
        server.server_close()


def test_the_regression_rule() -> None:
    p99 = Metric("p99_ms", "latency p99", "ms", slack=5.0)
    lost = Metric("lost:x", "lost writes: x", "writes", ratio=0.0, slack=0.0)
    tput = Metric("ok_per_s", "throughput", "ok ops/s", higher_is_better=True, ratio=0.2, slack=1.0)
    ok = {"x": "holds"}
    runs = [
        {p99: 100.0, lost: 0.0, tput: 50.0},
        {p99: 104.0, lost: 0.0, tput: 45.0},  # within the margins: noise
        {p99: 135.0, lost: 1.0, tput: 37.0},  # all three worse beyond their margins
        {p99: 6.0, lost: 0.0, tput: 60.0},  # better is never a regression
    ]
    found = regressions(runs, [ok, ok, {"x": "violated"}, {"x": "holds"}])
    assert {(r.index, r.subject) for r in found} == {
        (2, "p99_ms"),
        (2, "lost:x"),
        (2, "ok_per_s"),
        (2, "verdict:x"),
    }
    # A run that could not be carried out is neither judged nor a baseline.
    found = regressions([{p99: 10.0}, {p99: 900.0}, {p99: 11.0}], [ok, None, ok])
    assert found == []
    # Small numbers: 3 ms -> 6 ms doubles but stays within the 5 ms slack.
    assert regressions([{p99: 3.0}, {p99: 6.0}], [ok, ok]) == []
