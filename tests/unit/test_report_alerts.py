"""Alerts in the report: marks on the time plots, a lane and a table per alert, and results.json."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from xmux_sim.faults.spec import FaultSpec
from xmux_sim.history import History, Operation, Outcome
from xmux_sim.report import RunReport, write_report
from xmux_sim.report.alerts import alert_rows
from xmux_sim.report.svg import ALERT_FIRED, ALERT_RESOLVED
from xmux_sim.timeline import AlertEvent, AlertStatus, FaultEvent

NODE2 = {"alertname": "NodePodsUnreachable", "node": "node-2", "severity": "critical"}
DOWN = {"alertname": "ServiceDown", "service": "pg", "replica": "1", "node": "node-2", "severity": "critical"}
DROP = FaultEvent("f1", FaultSpec.parse("drop-node", {"node": "node-2", "mode": "link"}), 5.0, 15.0)
ALERTS = [
    AlertEvent(0.5, "ServiceDown", AlertStatus.firing, {**DOWN, "replica": "0"}, "s0", active_at_start=True),
    AlertEvent(
        10.5, "NodePodsUnreachable", AlertStatus.firing, NODE2, "n", summary="no pod on node-2 answers"
    ),
    AlertEvent(11.0, "ServiceDown", AlertStatus.firing, DOWN, "s1"),
    AlertEvent(17.5, "NodePodsUnreachable", AlertStatus.resolved, NODE2, "n"),
]


def report() -> RunReport:
    ops = [
        Operation("w", "write", f"k{i}", None, i * 0.5, i * 0.5 + 0.01, Outcome.ok, "pg") for i in range(40)
    ]
    return RunReport(
        run_id="r1",
        scenario="node-drop",
        scenario_path=None,
        seed=1,
        stack="s",
        flavours={},
        started_at=datetime(2026, 1, 1, tzinfo=UTC),
        duration_s=20.0,
        history=History(ops),
        faults=[DROP],
        alerts=ALERTS,
    )


def test_rows_give_each_firing_its_delay_from_the_fault_and_from_the_heal() -> None:
    node, earlier, down = sorted(
        alert_rows(ALERTS, [DROP]), key=lambda r: (r.alert != "NodePodsUnreachable", r.fired_t)
    )
    assert (node.title, node.fired_t, node.resolved_t, node.fault) == (
        "NodePodsUnreachable{node=node-2}",
        10.5,
        17.5,
        "f1",
    )
    assert (node.from_fault_s, node.from_heal_s) == (5.5, 2.5)
    assert (down.from_fault_s, down.resolved_t, down.from_heal_s) == (6.0, None, None)
    assert earlier.active_at_start and earlier.fault is None and earlier.from_fault_s is None


def test_the_page_marks_alerts_on_the_plots_and_tabulates_them(tmp_path: Path) -> None:
    paths = write_report(report(), tmp_path / "run")
    html = paths.html.read_text()
    # One fired and one resolved mark per chart (throughput, errors, latency); none for the
    # alert that was active before listening began.
    assert html.count(f'stroke="{ALERT_FIRED}"') == 3 * 2
    assert html.count(f'stroke="{ALERT_RESOLVED}"') == 3
    assert "<title>NodePodsUnreachable{node=node-2} fired at 10.5s: no pod on node-2 answers</title>" in html
    assert (
        "<h2>Alerts</h2>" in html
        and "<h3>NodePodsUnreachable</h3>" in html
        and "<h3>ServiceDown</h3>" in html
    )
    assert "active at start" in html and "still firing" in html
    data = json.loads(paths.results.read_text())
    assert [a["status"] for a in data["alerts"]] == ["firing", "firing", "firing", "resolved"]
    node = next(r for r in data["alert_table"] if r["alert"] == "NodePodsUnreachable")
    assert node["detection_delay_s"] == 5.5 and node["clear_delay_s"] == 2.5 and node["fault"] == "f1"
    assert node["labels"] == NODE2
