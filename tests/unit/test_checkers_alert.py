"""The alert checker on recorded timelines: in time, late, never, never resolved, false alarms, silence."""

from __future__ import annotations

import pytest

from xmux_sim.checkers import CHECKERS, UNKNOWN, RunEvidence
from xmux_sim.checkers.alert import Selector, alert_invariant, episodes, listen_until
from xmux_sim.errors import ScenarioFileError
from xmux_sim.faults.spec import FaultSpec
from xmux_sim.history import History
from xmux_sim.scenario import parse_scenario
from xmux_sim.timeline import AlertEvent, AlertStatus, FaultEvent

DROP = FaultSpec.parse("drop-node", {"node": "node-2", "mode": "link"})
LATENCY = FaultSpec.parse("latency", {"service": "postgres", "ms": 200})
NODE2 = {"alertname": "NodePodsUnreachable", "node": "node-2", "severity": "critical"}
WATCH = (5.0, 60.0)


def fired(t: float, labels: dict[str, str] = NODE2, fp: str = "a1") -> AlertEvent:
    return AlertEvent(t, labels["alertname"], AlertStatus.firing, labels, fingerprint=fp)


def resolved(t: float, labels: dict[str, str] = NODE2, fp: str = "a1") -> AlertEvent:
    return AlertEvent(t, labels["alertname"], AlertStatus.resolved, labels, fingerprint=fp)


def drop(inject: float = 10.0, heal: float | None = 25.0) -> FaultEvent:
    return FaultEvent("f1", DROP, inject, heal)


def judge(alerts: list[AlertEvent], faults: list[FaultEvent], **kwargs: object):  # type: ignore[no-untyped-def]
    args: dict[str, object] = {"alert": 'NodePodsUnreachable{node="node-2"}', "fires_within_s": 8.0}
    args.update(kwargs)
    return alert_invariant(alerts, faults, WATCH, **args)  # type: ignore[arg-type]


def test_fired_and_resolved_in_time_holds_with_the_delays() -> None:
    v = judge([fired(16.5), resolved(30.0)], [drop()], resolves_within_s=10.0)
    assert v.valid is True, v.message
    assert v.figures["max_detection_delay_s"] == 6.5
    assert v.figures["max_clear_delay_s"] == 5.0
    (fault,) = v.evidence["faults"]
    assert fault["fired_t"] == 16.5 and fault["resolved_t"] == 30.0
    assert fault["labels"] == NODE2, "the notification's labels are the evidence"


def test_an_alert_that_fires_late_is_violated() -> None:
    v = judge([fired(19.5), resolved(30.0)], [drop()])
    assert v.valid is False
    assert "fired 9.5 s after the injection > 8 s" in v.message
    assert v.evidence["faults"][0]["detection_delay_s"] == 9.5


def test_an_alert_that_never_fires_is_violated() -> None:
    other = {**NODE2, "node": "node-3"}
    v = judge([fired(15.0, other, "b"), resolved(28.0, other, "b")], [drop()])
    assert v.valid is False
    assert "never fired within 8 s of the injection" in v.message
    assert v.evidence["faults"][0]["fired_t"] is None


def test_an_alert_that_never_resolves_is_violated() -> None:
    v = judge([fired(15.0)], [drop()], resolves_within_s=10.0)
    assert v.valid is False
    assert "never resolved" in v.message


def test_an_alert_that_resolves_late_is_violated() -> None:
    v = judge([fired(15.0), resolved(40.0)], [drop()], resolves_within_s=10.0)
    assert v.valid is False
    assert "resolved 15.0 s after the heal > 10 s" in v.message


def test_an_alert_that_fires_without_a_fault_is_a_false_alarm() -> None:
    # In time for the fault, but it also fired well before it: nothing to attribute that to.
    v = judge([fired(6.0, fp="x"), resolved(7.0, fp="x"), fired(15.0), resolved(30.0)], [drop()])
    assert v.valid is False
    assert "fired without a fault at 6.0 s" in v.message
    assert v.figures["false_alarms"] == 1


def test_firing_before_listening_began_is_no_false_alarm_but_an_alert_still_active_is() -> None:
    startup = [fired(1.0, fp="s"), resolved(3.0, fp="s")]  # start-up noise, before the watch
    assert judge([*startup, fired(15.0), resolved(30.0)], [drop()]).valid is True
    active = AlertEvent(5.0, "NodePodsUnreachable", AlertStatus.firing, NODE2, "a1", active_at_start=True)
    v = judge([active, resolved(20.0)], [drop()])
    assert v.valid is False and "already firing at the injection" in v.message


def test_stay_silent_catches_any_matching_firing() -> None:
    faults = [FaultEvent("f2", LATENCY, 10.0, 20.0)]
    down = {"alertname": "ServiceDown", "service": "postgres", "node": "node-1"}
    v = alert_invariant([fired(14.0, down, "d")], faults, WATCH, alert="ServiceDown", must="stay-silent")
    assert v.valid is False
    assert (
        "not silent: 1 firing(s), first ServiceDown{node=node-1, service=postgres} fired at 14.0 s"
        in v.message
    )
    quiet = alert_invariant([fired(14.0)], faults, WATCH, alert="ServiceDown", must="stay-silent")
    assert quiet.valid is True, "another alert does not break ServiceDown's silence"


def test_a_fault_free_run_must_stay_silent_for_every_alert() -> None:
    v = alert_invariant([fired(30.0)], [], WATCH, alert='{severity=~".+"}', must="stay-silent")
    assert v.valid is False and "not silent" in v.message
    assert alert_invariant([], [], WATCH, alert='{severity=~".+"}', must="stay-silent").valid is True


def test_what_could_not_be_shown_is_unknown() -> None:
    assert (
        alert_invariant([], [drop()], None, alert="X", fires_within_s=5).valid == UNKNOWN
    )  # no Alertmanager
    assert judge([], []).valid == UNKNOWN  # no fault to fire for
    assert judge([fired(15.0)], [drop(heal=None)], resolves_within_s=5.0).valid == UNKNOWN  # never healed
    short = alert_invariant([], [drop(inject=58.0)], WATCH, alert="X", fires_within_s=8.0)
    assert short.valid == UNKNOWN and "not listened" in short.message


def test_a_missing_rule_is_named_as_a_monitoring_gap() -> None:
    v = alert_invariant(
        [],
        [drop()],
        WATCH,
        alert="NodePodsUnreachable",
        fires_within_s=8.0,
        alert_rules=frozenset({"ServiceDown"}),
    )
    assert v.valid is False and "no loaded rule file defines NodePodsUnreachable" in v.message


def test_only_faults_of_the_named_kind_are_judged() -> None:
    faults = [FaultEvent("f2", LATENCY, 2.0, 4.0), drop()]
    v = judge([fired(15.0)], faults, fault="drop-node")
    assert v.valid is True and v.figures["faults"] == 1


def test_repeated_notifications_fold_into_one_episode() -> None:
    spans = episodes([fired(15.0), fired(16.0), resolved(30.0), resolved(31.0), fired(40.0)])
    assert [(e.fired_t, e.resolved_t) for e in spans] == [(15.0, 30.0), (40.0, None)]


def test_selectors_read_like_promql() -> None:
    s = Selector.parse('ServiceDown{service="postgres", node=~"node-[12]", replica!="0"}')
    assert s.matches({"alertname": "ServiceDown", "service": "postgres", "node": "node-2", "replica": "1"})
    assert not s.matches(
        {"alertname": "ServiceDown", "service": "postgres", "node": "node-3", "replica": "1"}
    )
    assert not s.matches(
        {"alertname": "ServiceDown", "service": "postgres", "node": "node-1", "replica": "0"}
    )
    for bad in ("", "{}", "Foo{a=b}", 'Foo{a=~"("}', "Foo bar"):
        with pytest.raises(ValueError):
            Selector.parse(bad)


def test_listening_lasts_until_the_bounds_have_passed() -> None:
    faults = [drop(10.0, 25.0)]
    assert listen_until({"fires_within_s": 8.0}, faults, 40.0) == 18.0
    assert listen_until({"fires_within_s": 8.0, "resolves_within_s": 12.0}, faults, 40.0) == 52.0
    assert listen_until({"must": "stay-silent", "quiet_s": 5.0}, faults, 40.0) == 45.0


SCENARIO = """\
name: alerts
workload: {{duration: 20}}
invariants:
  - {{name: node-alert, checker: alert, {args}}}
"""


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (
            "alert: 'Foo{a=b}', fires_within_s: 5",
            r"alerts.yaml:4: invariants\[0\].alert: cannot read the label",
        ),
        ("alert: Foo, must: maybe, fires_within_s: 5", r"invariants\[0\].must: 'maybe' is not one of: fire"),
        ("alert: Foo", r"invariants\[0\].must: fire needs fires_within_s"),
        ("alert: Foo, must: stay-silent, fires_within_s: 3", r"stay-silent takes no fires_within_s"),
        (
            "alert: Foo, fault: drop-nod, fires_within_s: 5",
            r"invariants\[0\].fault: unknown fault kind 'drop-nod'",
        ),
    ],
)
def test_a_bad_alert_invariant_is_reported_at_its_line(args: str, error: str) -> None:
    with pytest.raises(ScenarioFileError, match=error):
        parse_scenario(SCENARIO.format(args=args), "alerts.yaml")


def test_the_declared_checker_judges_from_the_run_evidence() -> None:
    evidence = RunEvidence(
        history=History([]),
        faults=[drop()],
        alerts=[fired(15.0), resolved(29.0)],
        alert_watch=WATCH,
        alert_rules=frozenset({"NodePodsUnreachable"}),
    )
    kwargs = {"alert": "NodePodsUnreachable", "fires_within_s": 8.0, "resolves_within_s": 10.0}
    verdict = CHECKERS["alert"].run(evidence, "node-alert", kwargs)
    assert verdict.valid is True and verdict.name == "node-alert"
