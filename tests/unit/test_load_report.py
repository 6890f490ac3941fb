"""The load run's page, terminal tables, locust's command line, progress and the exit judgement."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.console import Console

from xmux_sim.faults.spec import FaultSpec
from xmux_sim.load.command import LoadOptions, judge, run_load
from xmux_sim.load.compare import compare
from xmux_sim.load.config import LoadConfig, Target
from xmux_sim.load.page import render_load_html
from xmux_sim.load.profile import Compare, load_profile, parse_profile
from xmux_sim.load.records import Record
from xmux_sim.load.runner import locust_command, read_progress
from xmux_sim.load.summary import build_summary
from xmux_sim.load.terminal import comparison_table, summary_table
from xmux_sim.report.svg import FAULT_FILL
from xmux_sim.timeline import FaultEvent

T0 = 2_000_000.0
DROP = FaultEvent("f1", FaultSpec("drop-node", {"node": "node-2"}), 2.0, 5.0)
TARGET = Target(h2c="127.0.0.1:1", http="http://127.0.0.1:2", seed=1, size="small")


def a_summary(failures: int = 0, faults: tuple[FaultEvent, ...] = ()) -> dict[str, Any]:
    profile = load_profile("smoke")
    records = [Record(T0 + i * 0.1, "grpc", "AAOS/GetExams", 10.0 + i % 7, 0.0, True, "") for i in range(80)]
    records += [Record(T0 + 5, "grpc", "AAOS/GetExams", 1.0, 0.0, False, "UNAVAILABLE X")] * failures
    return build_summary(records, profile=profile, t0=T0, duration_s=10, faults=faults, meta={"run": "r1"})


def test_page_shades_fault_windows_and_lists_failures_by_reason() -> None:
    page = render_load_html(a_summary(failures=2, faults=(DROP,)))
    assert page.count(f'fill="{FAULT_FILL}"') == 2  # throughput and latency charts
    assert "UNAVAILABLE X" in page and "grpc AAOS/GetExams" in page
    assert "Content-Security-Policy" in page and "<script" not in page


def test_page_without_faults_has_no_band() -> None:
    assert FAULT_FILL not in render_load_html(a_summary()).split("<style>")[1].split("</style>")[1]


def test_terminal_tables_render() -> None:
    console = Console(record=True, width=200)
    console.print(summary_table(a_summary()))
    summary = a_summary()
    console.print(comparison_table(compare(summary, summary, Compare())))
    text = console.export_text()
    assert "grpc AAOS/GetExams" in text and "all calls" in text and "against the baseline" in text


def test_judge_fails_on_the_error_limit_unless_faults_ran() -> None:
    thresholds = load_profile("smoke").compare
    assert judge(a_summary(), thresholds, None)[1] == []
    assert "error rate" in judge(a_summary(failures=1), thresholds, None)[1][0]
    assert judge(a_summary(failures=1, faults=(DROP,)), thresholds, None)[1] == []


def test_judging_a_summary_file_against_itself_and_a_better_one(tmp_path: Path) -> None:
    current = tmp_path / "current.json"
    current.write_text(json.dumps(a_summary()))
    assert run_load(LoadOptions(summary=str(current), compare=str(current))).status == 0
    better = a_summary()
    better["total"]["rps"] *= 3
    (tmp_path / "better.json").write_text(json.dumps(better))
    outcome = run_load(LoadOptions(summary=str(current), compare=str(tmp_path / "better.json")))
    assert outcome.status == 1 and outcome.problems and outcome.comparison is not None


def test_locust_command_lines(tmp_path: Path) -> None:
    flat = LoadConfig(TARGET, load_profile("smoke"), str(tmp_path / "r"))
    cmd = locust_command(flat, tmp_path, Path("lf.py"))
    assert cmd[cmd.index("-u") + 1] == "6" and cmd[cmd.index("-t") + 1] == "10s"
    assert "--headless" in cmd and cmd[cmd.index("--host") + 1] == TARGET.http
    staged = LoadConfig(TARGET, load_profile("ramp"), str(tmp_path / "r"))
    master = locust_command(staged, tmp_path, Path("lf.py"), "master", 5599, 2)
    assert "-u" not in master and "-t" not in master  # the load shape drives users and the end
    assert master[master.index("--expect-workers") + 1] == "2"
    assert master[master.index("--master-bind-host") + 1] == "127.0.0.1"
    worker = locust_command(staged, tmp_path, Path("lf.py"), "worker", 5599)
    assert worker[-4:] == ["--master-host", "127.0.0.1", "--master-port", "5599"]
    assert "--csv" not in worker


def test_progress_is_the_last_aggregated_row(tmp_path: Path) -> None:
    history = tmp_path / "h.csv"
    assert read_progress(history).users == 0
    history.write_text(
        "Timestamp,User Count,Type,Name,Requests/s,Failures/s,50%,95%,"
        "Total Request Count,Total Failure Count\n"
        "1,3,,Aggregated,10.0,0.0,N/A,N/A,5,0\n"
        "2,6,,Aggregated,20.5,1.5,12,80,30,2\n"
    )
    p = read_progress(history)
    got = (p.users, p.rps, p.failures_per_s, p.p50_ms, p.p95_ms, p.requests, p.failures)
    assert got == (6, 20.5, 1.5, 12.0, 80.0, 30, 2)


def test_profile_thresholds_go_into_the_summary() -> None:
    profile = parse_profile("name: x\ncompare: {p95_increase: 0.3}\nlimits: {error_rate: 0.01}\n")
    s = build_summary([], profile=profile, t0=T0, duration_s=5)
    assert s["thresholds"]["compare"]["p95_increase"] == 0.3
    assert s["thresholds"]["limits"]["error_rate"] == 0.01
    assert s["total"]["requests"] == 0


def test_table_caption_names_cpu_knee_and_ceiling() -> None:
    summary = a_summary()
    summary["cpu"] = {"loadgen_cores": 0.2, "stack_cores": 1.3}
    summary["knee"] = {"max_rps_within_limit": 268.0, "p99_limit_ms": 300.0, "at_users": 24}
    summary["ceiling"] = {"rps": 320.0, "locust_over_ceiling": 0.5}
    console = Console(record=True, width=300)
    console.print(summary_table(summary))
    text = console.export_text()
    assert "locust 0.2 cores, stack 1.3 cores" in text
    assert "knee: 268.0 req/s with p99 <= 300 ms (24 users)" in text
    assert "h2load 320.0 req/s" in text and "50%" in text
