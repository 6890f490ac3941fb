"""The summary of a load run from its requests: quantiles, error rate, correction, stages, knee."""

from __future__ import annotations

from pathlib import Path

import pytest

from xmux_sim.faults.spec import FaultSpec
from xmux_sim.load.profile import parse_profile
from xmux_sim.load.records import COLUMNS, Record, RecordWriter, read_records
from xmux_sim.load.summary import build_summary, knee, locust_counts
from xmux_sim.timeline import FaultEvent

T0 = 1_000_000.0
FLAT = parse_profile("name: flat\nusers: 2\nduration: 10\n")
PACED = parse_profile("name: paced\nusers: 2\nduration: 10\narrival_rate: 4\n")


def rec(t: float, name: str, ms: float, ok: bool = True, lag_ms: float = 0.0, error: str = "") -> Record:
    return Record(T0 + t, "grpc", name, ms, lag_ms, ok, error)


def test_per_call_figures_use_successful_calls_for_latency() -> None:
    records = [rec(i * 0.1, "AAOS/GetExams", float(i + 1)) for i in range(100)]
    records.append(rec(5.0, "AAOS/GetExams", 0.1, ok=False, error="UNAVAILABLE DEPENDENCY_UNAVAILABLE"))
    s = build_summary(records, profile=FLAT, t0=T0, duration_s=10)
    call = s["calls"]["grpc AAOS/GetExams"]
    assert call["requests"] == 101 and call["failures"] == 1
    assert call["error_rate"] == pytest.approx(1 / 101, abs=1e-5)
    assert (call["p50_ms"], call["p95_ms"], call["p99_ms"], call["max_ms"]) == (50, 95, 99, 100)
    assert call["rps"] == pytest.approx(10.1)
    assert call["errors"] == {"UNAVAILABLE DEPENDENCY_UNAVAILABLE": 1}
    assert "corrected" not in call  # not paced: no intended start times to correct against


def test_correction_adds_the_lag_of_late_actions() -> None:
    records = [rec(i * 0.1, "User/GetProfile", 10.0) for i in range(90)]
    records += [rec(9 + i * 0.1, "User/GetProfile", 10.0, lag_ms=1000.0) for i in range(10)]
    s = build_summary(records, profile=PACED, t0=T0, duration_s=10)
    call = s["calls"]["grpc User/GetProfile"]
    assert call["p99_ms"] == 10.0
    assert call["corrected"]["p50_ms"] == 10.0
    assert call["corrected"]["p95_ms"] == 1010.0  # the stall hidden by coordinated omission


def test_series_counts_requests_and_failures_per_window() -> None:
    records = [rec(0.5, "a", 1), rec(1.5, "a", 1), rec(1.6, "a", 1, ok=False, error="x"), rec(9.9, "a", 1)]
    s = build_summary(records, profile=FLAT, t0=T0, duration_s=10)
    windows = s["series"]["windows"]
    assert len(windows) == 10
    assert [w["requests"] for w in windows[:2]] == [1, 2]
    assert windows[1]["failures"] == 1 and windows[9]["requests"] == 1


def test_faults_and_locust_counts_are_carried() -> None:
    span = FaultEvent("f1", FaultSpec("drop-node", {"node": "node-2"}), 2.0, 6.0)
    s = build_summary(
        [rec(1, "a", 1)], profile=FLAT, t0=T0, duration_s=10, faults=[span], locust={"grpc a": {}}
    )
    assert s["faults"][0]["inject_t"] == 2.0 and s["faults"][0]["heal_t"] == 6.0
    assert s["faults"][0]["description"] == "drop-node node=node-2"
    assert s["locust"] == {"grpc a": {}}


def test_stage_figures_and_the_knee() -> None:
    ramp = parse_profile(
        "name: r\nstages:\n  - {until: 10, users: 5}\n  - {until: 20, users: 10}\n"
        "  - {until: 30, users: 20}\nlimits: {p99_ms: 100}\n"
    )
    records = []
    for stage, (n, ms) in enumerate([(50, 20.0), (90, 60.0), (95, 400.0)]):
        start = stage * 10 + 3
        records += [rec(start + i * 7 / n, "a", ms) for i in range(n)]
    s = build_summary(records, profile=ramp, t0=T0, duration_s=30)
    assert [st["users"] for st in s["stages"]] == [5, 10, 20]
    assert s["stages"][1]["rps"] == pytest.approx(90 / 7, rel=0.01)
    assert s["knee"]["max_rps_within_limit"] == s["stages"][1]["rps"]
    assert s["knee"]["at_users"] == 10 and s["knee"]["crossed_at_users"] == 20


def test_knee_when_no_stage_stays_within_the_limit() -> None:
    stages = [{"users": 5, "rps": 10.0, "p99_ms": 900.0}]
    assert knee(stages, 100)["max_rps_within_limit"] is None
    assert knee(stages, 100)["crossed_at_users"] == 5


def test_records_round_trip_through_the_writer(tmp_path: Path) -> None:
    writer = RecordWriter(tmp_path)
    writer.on_request("grpc", "AAOS/GetExams", 12.5, 10, None, {"lag_ms": 3.0}, T0 + 1)
    writer.on_request("GET", "/test", 1.0, 2, RuntimeError("502 Bad\n Gateway"), {}, T0 + 2)
    writer.flush()
    rows = list(read_records(tmp_path))
    assert rows[0] == Record(T0 + 1, "grpc", "AAOS/GetExams", 12.5, 3.0, True, "")
    assert rows[0].corrected_ms == 15.5
    assert rows[1].error == "502 Bad Gateway" and not rows[1].ok
    assert (tmp_path / writer.path.name).read_text().splitlines()[0] == ",".join(COLUMNS)


def test_locust_counts_skip_the_aggregated_row(tmp_path: Path) -> None:
    stats = tmp_path / "locust_stats.csv"
    stats.write_text(
        "Type,Name,Request Count,Failure Count,Median Response Time\n"
        "grpc,AAOS/GetExams,14,1,20\n,Aggregated,14,1,20\n"
    )
    assert locust_counts(stats) == {"grpc AAOS/GetExams": {"requests": 14, "failures": 1}}
