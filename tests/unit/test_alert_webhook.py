"""The harness's webhook receiver, fed Alertmanager 0.25's own notifications (recorded from the
alertmanager image), over a real HTTP connection."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from xmux_sim.services.alert_webhook import AlertReceiver, alert_event, free_port
from xmux_sim.timeline import AlertEvent, AlertStatus, Timeline

DATA = Path(__file__).parent / "data"
TOKEN = "per-run-token"


@pytest.fixture
def timeline() -> Timeline:
    return Timeline()


@pytest.fixture
def receiver(timeline: Timeline) -> Iterator[AlertReceiver]:
    r = AlertReceiver("127.0.0.1", free_port(), TOKEN, timeline.alerted, timeline.clock.now).start()
    yield r
    r.stop()


def post(receiver: AlertReceiver, body: bytes, token: str = TOKEN, path: str = "/alerts") -> int:
    request = urllib.request.Request(
        receiver.url.replace("/alerts", path),
        data=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def test_a_firing_and_a_resolved_notification_become_alert_events(
    receiver: AlertReceiver, timeline: Timeline
) -> None:
    assert post(receiver, (DATA / "alertmanager-webhook-firing.json").read_bytes()) == 200
    assert post(receiver, (DATA / "alertmanager-webhook-resolved.json").read_bytes()) == 200
    fired, resolved = timeline.alerts
    assert fired.alert == resolved.alert == "NodePodsUnreachable"
    assert fired.status is AlertStatus.firing and resolved.status is AlertStatus.resolved
    assert fired.labels == {"alertname": "NodePodsUnreachable", "node": "node-2", "severity": "critical"}
    assert fired.fingerprint == resolved.fingerprint == "ecc8ee406523a3d5"
    assert fired.summary == "no pod on node-2 answers"
    assert fired.starts_at == datetime(2026, 12, 3, 18, 48, 2, tzinfo=UTC)
    assert fired.ends_at is None, "Alertmanager's zero time means not set"
    assert resolved.ends_at is not None and resolved.ends_at > fired.starts_at
    assert 0 <= fired.t <= resolved.t <= timeline.clock.now(), "stamped on the run clock when received"
    assert fired.title == "NodePodsUnreachable{node=node-2}"


def test_posts_without_the_runs_token_or_not_from_alertmanager_are_refused(
    receiver: AlertReceiver, timeline: Timeline
) -> None:
    firing = (DATA / "alertmanager-webhook-firing.json").read_bytes()
    assert post(receiver, firing, token="guessed") == 401
    assert post(receiver, firing, path="/other") == 404
    assert post(receiver, b"{not json") == 400
    assert post(receiver, b'{"alerts": "many"}') == 400
    assert timeline.alerts == []
    assert post(receiver, json.dumps({"alerts": []}).encode()) == 200
    assert receiver.pings == 1 and timeline.alerts == [], "the reachability check records no alert"


def test_alertmanagers_list_of_active_alerts_reads_as_active_at_start() -> None:
    (raw,) = json.loads((DATA / "alertmanager-api-alerts.json").read_text())
    event = alert_event(raw, 3.0, active_at_start=True)
    assert event == AlertEvent(
        t=3.0,
        alert="NodePodsUnreachable",
        status=AlertStatus.firing,
        labels={"alertname": "NodePodsUnreachable", "node": "node-2", "severity": "critical"},
        fingerprint="ecc8ee406523a3d5",
        starts_at=datetime(2026, 12, 3, 18, 48, 2, tzinfo=UTC),
        ends_at=datetime(2026, 12, 3, 18, 53, 2, 163000, tzinfo=UTC),
        summary="no pod on node-2 answers",
        active_at_start=True,
    )


def test_a_port_in_use_is_a_clear_error(receiver: AlertReceiver, timeline: Timeline) -> None:
    with pytest.raises(OSError, match=rf"cannot listen for Alertmanager on 127.0.0.1:{receiver.port}"):
        AlertReceiver("127.0.0.1", receiver.port, TOKEN, timeline.alerted, timeline.clock.now)
