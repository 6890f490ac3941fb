"""The report folder: results.json, junit.xml, report.html and the verdict table."""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path

import pytest
from rich.console import Console

from xmux_sim.checkers import UNKNOWN, Verdict, availability, lost_writes
from xmux_sim.faults.spec import FaultSpec
from xmux_sim.history import FinalRead, History, Operation, Outcome
from xmux_sim.report import (
    ExitStatus,
    Invariant,
    RunReport,
    routes_by_router,
    verdict_table,
    write_report,
)
from xmux_sim.timeline import FaultEvent, Phase, ProbeResult

OK, FAIL, UNK = Outcome.ok, Outcome.fail, Outcome.unknown
STARTED = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


def write(t: float, key: str, outcome: Outcome = OK) -> Operation:
    complete = None if outcome is UNK else t + 0.02
    return Operation(
        "w0", "write", key, None, t, complete, outcome, "postgres", None if outcome is OK else "boom"
    )


def lossy_history() -> History:
    """20 s of writes, the ones during a 5-8 s outage failing; k3 acknowledged but lost."""
    ops = [write(i * 0.5, f"k{i}", FAIL if 10 <= i < 16 else OK) for i in range(40)]
    return History(ops)


def make_report(**overrides: object) -> RunReport:
    history = lossy_history()
    present = [o.key for o in history if o.outcome is OK and o.key != "k3" and o.key is not None]
    fields: dict[str, object] = {
        "run_id": "20240501-120000-abcd",
        "scenario": "kill-postgres",
        "scenario_path": Path("scenarios/kill-postgres.yaml"),
        "seed": 1234,
        "stack": "default",
        "flavours": {"postgres": "debian", "api": "xmux/api:dev"},
        "started_at": STARTED,
        "duration_s": 20.0,
        "history": history,
        "faults": [FaultEvent("kill-pg", FaultSpec("kill", {"pod": "postgres-0"}), 5.0, 8.0)],
        "invariants": [
            Invariant(
                "no lost writes",
                "lost_writes",
                "0 acknowledged writes lost",
                lost_writes(history, FinalRead.of(postgres=present), "postgres"),
            ),
            Invariant("available", "availability", "ok ratio >= 0.5", availability(history, min_ratio=0.5)),
        ],
        "probes": [
            ProbeResult(-1.0, "select 1", Phase.before, True),
            ProbeResult(6.0, "select 1", Phase.during, False, "connection refused"),
            ProbeResult(21.0, "select 1", Phase.after, True),
        ],
        "exit_status": ExitStatus.VIOLATED,
    }
    fields.update(overrides)
    return RunReport(**fields)  # type: ignore[arg-type]


def test_results_json_holds_verdicts_figures_and_run_facts(tmp_path: Path) -> None:
    paths = write_report(make_report(), tmp_path / "run")
    data = json.loads(paths.results.read_text())

    assert data["schema"] == "xmux-sim.results/1"
    assert (data["run_id"], data["seed"], data["stack"]) == ("20240501-120000-abcd", 1234, "default")
    assert data["scenario"] == {"name": "kill-postgres", "path": "scenarios/kill-postgres.yaml"}
    assert data["flavours"] == {"postgres": "debian", "api": "xmux/api:dev"}
    assert data["started_at"] == "2024-05-01T12:00:00Z" and data["duration_s"] == 20.0
    assert (data["exit_status"], data["status"], data["error"]) == (1, "violated", None)

    lost, available = data["verdicts"]
    assert lost["name"] == "no lost writes" and lost["checker"] == "lost_writes"
    assert lost["valid"] is False and lost["threshold"] == "0 acknowledged writes lost"
    assert lost["figures"]["lost"] == 1 and "k3" in json.dumps(lost["evidence"])
    assert available["valid"] is True
    assert data["verdict_counts"] == {"holds": 1, "violated": 1, "unknown": 0}

    summary = data["summary"]
    assert (summary["ops"], summary["ok"], summary["fail"], summary["unknown"]) == (40, 34, 6, 0)
    assert summary["ok_per_s"] == pytest.approx(34 / 20) and summary["ops_per_s"] == pytest.approx(2.0)
    assert summary["latency_ok_s"]["p50"] == pytest.approx(0.02)

    timeline = data["timeline"]
    assert timeline["window_s"] == 1.0 and len(timeline["windows"]) == 20
    assert timeline["windows"][5] == {
        "t": 5.0,
        "ok": 0,
        "fail": 2,
        "unknown": 0,
        "p50_s": None,
        "p99_s": None,
    }
    assert data["faults"] == [
        {
            "id": "kill-pg",
            "kind": "kill",
            "description": "kill pod=postgres-0",
            "aimed": {},
            "spread_ms": None,
            "unsynced_lost": {},
            "inject_t": 5.0,
            "heal_t": 8.0,
            "duration_s": 3.0,
        }
    ]
    assert [p["phase"] for p in data["probes"]] == ["before", "during", "after"]
    assert data["routes"] is None


def test_history_jsonl_round_trips(tmp_path: Path) -> None:
    report = make_report()
    paths = write_report(report, tmp_path)
    assert History.read_jsonl(paths.history) == report.history
    assert {p.name for p in tmp_path.iterdir()} == {
        "results.json",
        "history.jsonl",
        "junit.xml",
        "report.html",
    }


def test_junit_has_one_case_per_invariant_and_a_failure_for_the_violated_one(tmp_path: Path) -> None:
    root = ET.parse(write_report(make_report(), tmp_path).junit).getroot()
    suite = root.find("testsuite")
    assert suite is not None
    assert suite.get("name") == "xmux-sim.kill-postgres"
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors"), suite.get("skipped")) == (
        "2",
        "1",
        "0",
        "0",
    )
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props["seed"] == "1234" and props["flavour.postgres"] == "debian"

    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert set(cases) == {"no lost writes", "available"}
    failure = cases["no lost writes"].find("failure")
    assert failure is not None and failure.get("type") == "violated"
    assert "1 of 34 acknowledged writes lost" in (failure.get("message") or "")
    assert "k3" in (failure.text or "") and "threshold: 0 acknowledged writes lost" in (failure.text or "")
    assert cases["available"].find("failure") is None and cases["available"].find("error") is None


def test_junit_reports_unknown_as_error_and_a_run_that_could_not_run(tmp_path: Path) -> None:
    blind = Verdict("recovery_time", UNKNOWN, message="no fault windows, recovery time not measured")
    report = make_report(
        invariants=[Invariant("recovers", "recovery_time", "<= 10 s", blind)],
        exit_status=ExitStatus.ERROR,
        error="stack did not come up: postgres health check timed out",
    )
    suite = ET.parse(write_report(report, tmp_path).junit).getroot().find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("2", "0", "2")
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    unknown = cases["recovers"].find("error")
    assert unknown is not None and unknown.get("type") == "unknown"
    run_error = cases["run"].find("error")
    assert run_error is not None and "health check timed out" in (run_error.get("message") or "")
    assert json.loads((tmp_path / "results.json").read_text())["status"] == "error"


def test_junit_is_never_greener_than_the_exit_status(tmp_path: Path) -> None:
    held = Verdict("availability", True, message="fine")
    report = make_report(invariants=[Invariant("a", "availability", "x", held)], exit_status=1)
    suite = ET.parse(write_report(report, tmp_path).junit).getroot().find("testsuite")
    assert suite is not None and suite.get("failures") == "1"


HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>&amp;'


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attrs.extend(attrs)


def hostile_report() -> RunReport:
    history = History([write(0.5, HOSTILE), write(1.5, "k2", FAIL)])
    verdict = Verdict(
        HOSTILE, False, figures={HOSTILE: 1}, evidence={"lost": [HOSTILE]}, message=f"lost {HOSTILE}"
    )
    return make_report(
        scenario=HOSTILE,
        run_id=HOSTILE,
        stack=HOSTILE,
        history=history,
        flavours={HOSTILE: HOSTILE},
        faults=[FaultEvent(HOSTILE, FaultSpec(HOSTILE, {"pod": HOSTILE}), 0.2, 1.0)],
        invariants=[Invariant(HOSTILE, HOSTILE, HOSTILE, verdict)],
        probes=[ProbeResult(1.0, HOSTILE, Phase.during, False, HOSTILE + "\x00\x1b[31m")],
        routes={HOSTILE: [(0.0, {HOSTILE}), (1.0, set())]},
        error=HOSTILE + "\x07",
        exit_status=ExitStatus.ERROR,
    )


def test_html_escapes_every_string_from_outside(tmp_path: Path) -> None:
    page = write_report(hostile_report(), tmp_path).html.read_text()
    assert "<script" not in page and "<img" not in page and "\x00" not in page and "\x1b" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "&amp;amp;" in page  # already-escaped text is escaped again, shown as typed

    parser = _Elements()
    parser.feed(page)
    assert not parser.tags & {"script", "img", "iframe", "object", "embed", "link"}
    assert not [name for name, _ in parser.attrs if name.startswith("on") or name in ("src", "href")]


def test_junit_stays_valid_xml_with_hostile_text(tmp_path: Path) -> None:
    root = ET.parse(write_report(hostile_report(), tmp_path).junit).getroot()
    case = next(root.iter("testcase"))
    assert case.get("name") == HOSTILE
    run_error = next(c for c in root.iter("testcase") if c.get("name") == "run").find("error")
    assert run_error is not None and (run_error.get("message") or "").endswith("\\x07")


def test_html_loads_nothing_from_the_network(tmp_path: Path) -> None:
    page = write_report(make_report(routes={"node-1": [(0.0, {"10.1.0.0/24"})]}), tmp_path).html.read_text()
    assert "http://" not in page and "https://" not in page and "//" not in page.replace("://", "")
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    parser = _Elements()
    parser.feed(page)
    assert not parser.tags & {"script", "link", "img", "iframe"}
    assert "@import" not in page and "url(" not in page

    # Text that merely mentions a URL is shown, never loaded.
    with_url = make_report(error="GET https://evil.example/x.js failed")
    page = write_report(with_url, tmp_path / "url").html.read_text()
    parser = _Elements()
    parser.feed(page)
    assert not [value for _, value in parser.attrs if value and "://" in value]


def test_html_shows_charts_faults_probes_routes_and_verdicts(tmp_path: Path) -> None:
    samples = [(t, "node-1", frozenset({"a", "b"} if not 5 <= t < 9 else {"a"})) for t in range(20)]
    page = write_report(make_report(routes=routes_by_router(samples)), tmp_path).html.read_text()
    for text in ("Throughput", "Errors", "Latency", "Route convergence", "Steady-state probes", "Verdicts"):
        assert f">{text}<" in page
    assert page.count("<svg") == 5  # throughput, errors, latency, routes, probe lanes
    assert "#fde2b3" in page and ">kill-pg<" in page  # a shaded, labelled fault window
    assert "connection refused" in page and "1234" in page and "xmux/api:dev" in page
    assert "violated</span>" in page and "holds</span>" in page


def test_verdict_table_shows_each_invariant_without_interpreting_markup() -> None:
    report = make_report(scenario="[bold red]x[/]")
    console = Console(width=200, record=True, color_system=None)
    console.print(verdict_table(report))
    text = console.export_text()
    assert "[bold red]x[/]" in text
    assert "no lost writes" in text and "VIOLATED" in text and "HOLDS" in text
    assert "exit 1 (violated)" in text


def test_run_report_normalises_loose_inputs() -> None:
    report = make_report(
        history=list(lossy_history()),
        probes=[(1.0, "api", "during", True, "")],
        exit_status=0,
        started_at=datetime(2024, 5, 1, 14, 0, tzinfo=timezone(timedelta(hours=2))),
    )
    assert isinstance(report.history, History)
    assert report.probes[0] == ProbeResult(1.0, "api", Phase.during, True, "")
    assert report.exit_status is ExitStatus.OK and report.started_at == STARTED

    with pytest.raises(ValueError, match="timezone-aware"):
        make_report(started_at=datetime(2024, 5, 1))
    with pytest.raises(ValueError, match="phase"):
        make_report(probes=[ProbeResult(1.0, "api", "sometime", True)])  # type: ignore[arg-type]


def test_results_json_is_strict_json_for_odd_figures_and_evidence(tmp_path: Path) -> None:
    odd = Verdict(
        "latency",
        True,
        figures={"max": math.inf, "nan": math.nan},
        evidence={"keys": {"b", "a"}, "obj": object()},
    )
    report = make_report(invariants=[Invariant("odd", "latency", "-", odd)], exit_status=0)
    text = write_report(report, tmp_path).results.read_text()
    data = json.loads(text, parse_constant=lambda c: pytest.fail(f"non-standard JSON constant {c}"))
    verdict = data["verdicts"][0]
    assert verdict["figures"] == {"max": "inf", "nan": "nan"}
    assert verdict["evidence"]["keys"] == ["a", "b"] and verdict["evidence"]["obj"].startswith("<object")


def test_an_empty_run_still_writes_a_readable_report(tmp_path: Path) -> None:
    report = make_report(
        history=History(), invariants=[], faults=[], probes=[], duration_s=0.0, exit_status=2
    )
    paths = write_report(report, tmp_path)
    data = json.loads(paths.results.read_text())
    assert data["summary"]["ops"] == 0 and data["summary"]["ok_per_s"] is None
    assert "no data" in paths.html.read_text()
    ET.parse(paths.junit)
