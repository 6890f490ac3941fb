"""recovery_time: from heal to a streak of healthy operations, and from inject to first error."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xmux_sim.checkers import UNKNOWN, fault_recoveries, recovery_time
from xmux_sim.history import History, Operation, Outcome
from xmux_sim.timeline import FaultWindow

OK, FAIL, UNK = Outcome.ok, Outcome.fail, Outcome.unknown


def call(t: float, outcome: Outcome = OK, store: str = "postgres") -> Operation:
    return Operation("p0", "call", None, None, t, None if outcome is UNK else t + 0.05, outcome, store)


def outage(down_from: float, up_at: float, end: float = 60.0, step: float = 0.5) -> History:
    """Ops every ``step`` seconds, failing in [down_from, up_at)."""
    n = int(end / step)
    return History(call(i * step, FAIL if down_from <= i * step < up_at else OK) for i in range(n))


def test_quick_recovery_is_valid() -> None:
    v = recovery_time(outage(10.0, 22.0), [("kill primary", 10.0, 20.0)], limit_s=5.0)
    assert v.valid is True
    assert v.figures["max_recovery_s"] == 2.0
    assert v.figures["max_time_to_impact_s"] == pytest.approx(0.05)
    (fault,) = v.evidence["faults"]
    assert fault["recovered_t"] == 22.0 and fault["first_error_t"] == pytest.approx(10.05)
    json.dumps(v.to_dict())


def test_slow_recovery_is_invalid() -> None:
    v = recovery_time(outage(10.0, 40.0), [FaultWindow("partition", 10.0, 20.0)], limit_s=5.0)
    assert v.valid is False
    assert v.figures["max_recovery_s"] == 20.0
    assert "partition: recovered after 20.00 s > 5 s" in v.message


def test_never_recovered_is_invalid_with_a_clear_message() -> None:
    v = recovery_time(outage(10.0, 1e9), [("drop node", 10.0, 20.0)], limit_s=30.0)
    assert v.valid is False
    assert v.figures["not_recovered"] == 1 and v.figures["max_recovery_s"] is None
    assert "drop node: no 5 healthy ops in a row after heal at 20 s" in v.message


def test_a_lone_success_does_not_end_the_outage() -> None:
    ops = [call(t, OK if t in (21, 24) else FAIL) for t in range(20, 30)] + [call(t) for t in range(30, 40)]
    (r,) = fault_recoveries(ops, [("f", 10.0, 20.0)], streak=3)
    assert r.recovered_t == 30.0 and r.recovery_s == 10.0


def test_no_visible_impact_still_recovers_at_once() -> None:
    (r,) = fault_recoveries(outage(0, 0), [("pause replica", 10.0, 20.0)])
    assert r.first_error_t is None and r.time_to_impact_s is None
    assert r.recovery_s == 0.0


def test_timeouts_count_as_unhealthy_and_pending_uses_invoke_time() -> None:
    pending = Operation("p1", "call", None, None, 10.2, None, UNK, "postgres")
    ops = [call(9.0), pending, call(11.0, UNK), *(call(t) for t in range(20, 30))]
    (r,) = fault_recoveries(ops, [("f", 10.0, 15.0)])
    assert r.first_error_t == 10.2 and r.time_to_impact_s == pytest.approx(0.2)
    assert r.recovered_t == 20.0


def test_recovery_must_happen_before_the_next_fault() -> None:
    # Down from 10 s until 45 s; a second fault at 30 s. The first never recovered in between.
    v = recovery_time(outage(10.0, 45.0), [("a", 10.0, 20.0), ("b", 30.0, 40.0)], limit_s=100.0)
    assert v.valid is False
    first, second = v.evidence["faults"]
    assert first["recovered_t"] is None and first["ops_after_heal"] == 20
    assert second["recovered_t"] == 45.0


def test_custom_health_predicate_and_filter() -> None:
    slow = [
        Operation("p0", "call", None, None, t, t + (3.0 if t < 25 else 0.1), OK, "nginx") for t in range(30)
    ]
    noise = [call(t, FAIL, store="nats") for t in range(30)]
    v = recovery_time(
        slow + noise,
        [("latency", 5.0, 15.0)],
        limit_s=20.0,
        store="nginx",
        healthy=lambda o: o.outcome is OK and (o.latency or 0) < 1.0,
    )
    assert v.valid is True and v.figures["max_recovery_s"] == 10.0
    assert v.figures["max_time_to_impact_s"] == 3.0


def test_unhealed_fault_is_unknown() -> None:
    v = recovery_time(outage(10, 20), [("left broken", 10.0, None)], limit_s=5.0)
    assert v.valid == UNKNOWN and "never healed: left broken" in v.message


def test_no_faults_and_empty_history() -> None:
    assert recovery_time(outage(0, 0), [], limit_s=1.0).valid == UNKNOWN
    v = recovery_time(History(), [("f", 1.0, 2.0)], limit_s=1.0)
    assert v.valid is False and v.figures["not_recovered"] == 1


def test_streak_must_be_positive() -> None:
    with pytest.raises(ValueError):
        recovery_time(History(), [], limit_s=1.0, streak=0)


@given(
    st.floats(1, 20),
    st.floats(0, 20),
    st.floats(0, 10),
    st.randoms(use_true_random=False),
)
def test_recovery_found_and_independent_of_order(
    inject: float, duration: float, extra_down: float, rnd: random.Random
) -> None:
    heal = inject + duration
    ops = list(outage(inject, heal + extra_down, end=60.0, step=0.25))
    expected = next(o.invoke_t for o in ops if o.invoke_t >= heal and o.outcome is OK) - heal
    v = recovery_time(ops, [("f", inject, heal)], limit_s=30.0)
    assert v.figures["max_recovery_s"] == pytest.approx(expected)
    rnd.shuffle(ops)
    assert recovery_time(ops, [("f", inject, heal)], limit_s=30.0) == v
