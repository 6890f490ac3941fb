"""`xmux-sim load` through the real command line, against the load stack (198.18.210-212, 198.19.210).

One stack for the module; each test attaches to it. The smoke run is shared by the tests
that read its files; the node-drop run plays a scenario's fault timeline meanwhile.
"""

from __future__ import annotations

import csv
import json
import subprocess
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.stack.test_scenarios import xmux
from xmux_sim.api import open_stack
from xmux_sim.load.records import read_records
from xmux_sim.topology import load_stack

ROOT = Path(__file__).resolve().parents[2]
STACK = ROOT / "xmux_sim" / "stacks" / "load.yaml"
SCENARIO = ROOT / "loadtests" / "during" / "drop-node-2.yaml"

# What the XMUX app calls (DESIGN.md section 1) and the smoke profile's tour makes every user call.
EVERY_CALL = {
    "grpc User/Login",
    "grpc User/GetProfile",
    "grpc AAOS/GetTimetable",
    "grpc AAOS/GetExams",
    "grpc AAOS/GetTranscript",
    "grpc AAOS/GetCourses",
    "grpc Forum/GetForums",
    "grpc Forum/GetThreads",
    "grpc Forum/GetPosts",
    "grpc Forum/CreatePost",
    "grpc Forum/LikeThread",
    "grpc LostAndFound/GetBriefs",
    "grpc LostAndFound/GetDetail",
    "grpc LostAndFound/AddItem",
    "grpc LostAndFound/DeleteItem",
    "grpc Xia/ChatStream",
    "GET /v4/oss/{biz}/{name}",
    "GET /v2/homepage/news",
    "GET /test",
}


@pytest.fixture(scope="module")
def run() -> Iterator[Any]:
    with open_stack(load_stack(STACK)) as r:
        yield r


def only_folder(parent: Path) -> Path:
    folders = [p for p in parent.iterdir() if p.is_dir()]
    assert len(folders) == 1, folders
    return folders[0]


@pytest.fixture(scope="module")
def smoke(
    run: Any, tmp_path_factory: pytest.TempPathFactory
) -> tuple[subprocess.CompletedProcess[str], Path]:
    reports = tmp_path_factory.mktemp("smoke")
    done = xmux("load", "--profile", "smoke", "--attach", run.run_id, "--report-dir", str(reports))
    return done, only_folder(reports)


def test_smoke_run_finishes_with_every_call_and_no_error(smoke: tuple[Any, Path]) -> None:
    done, folder = smoke
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads((folder / "summary.json").read_text())
    assert set(summary["calls"]) == EVERY_CALL
    assert summary["total"]["error_rate"] == 0.0, summary["total"].get("errors")
    assert all(c["failures"] == 0 for c in summary["calls"].values())
    # At a fixed arrival rate the summary has the coordinated-omission-corrected quantiles.
    corrected = summary["total"]["corrected"]
    assert corrected["p99_ms"] >= summary["total"]["p99_ms"]
    for name in (
        "locust.html",
        "locust_stats.csv",
        "locust_stats_history.csv",
        "locust_failures.csv",
        "load.html",
    ):
        assert (folder / name).is_file(), name
    assert "all calls" in done.stdout


def test_smoke_html_csv_and_summary_agree(smoke: tuple[Any, Path]) -> None:
    _, folder = smoke
    summary = json.loads((folder / "summary.json").read_text())
    with (folder / "locust_stats.csv").open(newline="") as f:
        rows = {f"{r['Type']} {r['Name']}".strip(): r for r in csv.DictReader(f)}
    for key, call in summary["calls"].items():
        assert int(rows[key]["Request Count"]) == call["requests"], key
        assert int(rows[key]["Failure Count"]) == call["failures"], key
    assert int(rows["Aggregated"]["Request Count"]) == summary["total"]["requests"]
    # Every request in the records is one the summary counted.
    assert sum(1 for _ in read_records(folder / "requests")) == summary["total"]["requests"]
    # Locust's HTML report embeds its statistics: the same total.
    html = (folder / "locust.html").read_text()
    assert f'"num_requests": {summary["total"]["requests"]}, ' in html
    page = (folder / "load.html").read_text()
    assert "<svg" in page and "grpc AAOS/GetTimetable" in page


def test_compare_passes_on_an_equal_baseline_and_fails_on_a_clearly_better_one(
    smoke: tuple[Any, Path], tmp_path: Path
) -> None:
    _, folder = smoke
    current = folder / "summary.json"
    equal = xmux("load", "--summary", str(current), "--compare", str(current))
    assert equal.returncode == 0, equal.stdout + equal.stderr

    better = json.loads(current.read_text())
    better["total"]["rps"] *= 3
    for call in better["calls"].values():
        if call["p95_ms"] is not None:
            call["p95_ms"] /= 10
    baseline = tmp_path / "better.json"
    baseline.write_text(json.dumps(better))
    worse = xmux("load", "--summary", str(current), "--compare", str(baseline))
    assert worse.returncode == 1, worse.stdout + worse.stderr
    assert "against the baseline" in worse.stdout and "worse" in worse.stdout
    assert "requests/s" in worse.stderr  # the regressions are named


def test_a_load_run_compared_with_a_clearly_better_baseline_exits_1(run: Any, tmp_path: Path) -> None:
    baseline = {
        "total": {"rps": 1e6, "error_rate": 0.0},
        "calls": {"grpc User/GetProfile": {"requests": 1000, "p95_ms": 0.01}},
    }
    path = tmp_path / "baseline.json"
    path.write_text(json.dumps(baseline))
    done = xmux(
        "load",
        "--attach",
        run.run_id,
        "--duration",
        "4",
        "--compare",
        str(path),
        "--report-dir",
        str(tmp_path),
    )
    assert done.returncode == 1, done.stdout + done.stderr
    summary = json.loads((only_folder(tmp_path) / "summary.json").read_text())
    assert summary["comparison"]["ok"] is False


def test_node_drop_during_load_errors_inside_the_window_and_none_well_after(run: Any, tmp_path: Path) -> None:
    done = xmux(
        "load",
        "--attach",
        run.run_id,
        "--during",
        str(SCENARIO),
        "--duration",
        "24",
        "--report-dir",
        str(tmp_path),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    folder = only_folder(tmp_path)
    summary = json.loads((folder / "summary.json").read_text())
    [fault] = summary["faults"]
    assert fault["kind"] == "drop-node" and fault["heal_t"] is not None
    t0 = datetime.fromisoformat(summary["started_at"]).timestamp()
    failed = [r.start - t0 for r in read_records(folder / "requests") if not r.ok]
    assert failed, "no request failed while node-2 was off the fabric"
    # A request that started just before the inject was recorded can still hit the cut link.
    assert all(t >= fault["inject_t"] - 1.0 for t in failed), failed
    assert any(fault["inject_t"] - 1.0 <= t <= fault["heal_t"] for t in failed)
    # Routes return within seconds of the heal; from 8 s after it nothing may fail.
    assert not [t for t in failed if t > fault["heal_t"] + 8], failed
    late = [r for r in read_records(folder / "requests") if r.start - t0 > fault["heal_t"] + 8]
    assert len(late) > 20, "the run went on after the fault"
    # The plots shade the fault window.
    assert "#fde2b3" in (folder / "load.html").read_text()
