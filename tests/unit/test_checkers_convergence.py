"""convergence: time until every router reached its expected routes and stayed there."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xmux_sim.checkers import UNKNOWN, RouteTarget, convergence
from xmux_sim.timeline import RouteSample

NODE2 = "198.18.2.0/24"
NODE3 = "198.18.3.0/24"
BOTH = frozenset({NODE2, NODE3})
ONLY3 = frozenset({NODE3})


def sampled(
    router: str, until: float, change_at: float, before: frozenset[str], after: frozenset[str]
) -> list[RouteSample]:
    """A router polled every 0.5 s whose table changes at ``change_at``."""
    return [
        RouteSample(i * 0.5, router, before if i * 0.5 < change_at else after) for i in range(int(until * 2))
    ]


def test_withdrawal_within_limit() -> None:
    samples = sampled("r1", 20, 15.0, BOTH, ONLY3) + sampled("r3", 20, 14.0, BOTH, ONLY3)
    v = convergence(
        samples, 10.0, {"r1": RouteTarget.withdrawn(NODE2), "r3": RouteTarget.withdrawn(NODE2)}, limit_s=6
    )
    assert v.valid is True
    assert v.figures["convergence_s"] == 5.0
    assert v.figures["sampling_interval_s"] == 0.5
    r1, r3 = v.evidence["routers"]
    assert (r1["router"], r1["convergence_s"], r1["last_mismatch_t"]) == ("r1", 5.0, 14.5)
    assert r3["convergence_s"] == 4.0
    assert "sampled every 0.5 s" in v.message
    json.dumps(v.to_dict())


def test_slow_regain_violates_the_limit() -> None:
    # The 57 s BIRD error-wait case from the design notes.
    samples = sampled("r1", 80, 67.0, ONLY3, BOTH)
    v = convergence(samples, 10.0, {"r1": RouteTarget.regained(NODE2)}, limit_s=10)
    assert v.valid is False
    assert v.figures["convergence_s"] == 57.0
    assert "57.00 s > 10 s" in v.message


def test_flapping_counts_from_the_final_stable_run() -> None:
    tables = [BOTH, ONLY3, BOTH, ONLY3, ONLY3, ONLY3]
    samples = [RouteSample(10.0 + i, "r1", routes) for i, routes in enumerate(tables)]
    v = convergence(samples, 10.0, {"r1": RouteTarget.withdrawn(NODE2)}, limit_s=10)
    assert v.valid is True and v.figures["convergence_s"] == 3.0


def test_router_that_never_reaches_the_target_is_invalid() -> None:
    samples = sampled("r1", 20, 15.0, BOTH, ONLY3) + sampled("r3", 20, 99.0, BOTH, ONLY3)
    v = convergence(
        samples, 10.0, {"r1": RouteTarget.withdrawn(NODE2), "r3": RouteTarget.withdrawn(NODE2)}, limit_s=60
    )
    assert v.valid is False
    assert v.figures["not_converged"] == 1 and v.figures["convergence_s"] is None
    assert v.figures["slowest_converged_s"] == 5.0
    assert "r3" in v.message


def test_exact_target_from_a_plain_set() -> None:
    samples = [RouteSample(1.0, "r1", BOTH | {"10.0.0.0/8"}), RouteSample(2.0, "r1", BOTH)]
    v = convergence(samples, 0.0, {"r1": {NODE2, NODE3}}, limit_s=5)
    assert v.valid is True and v.figures["convergence_s"] == 2.0
    assert v.evidence["expected"]["r1"] == f"exactly {{{NODE2}, {NODE3}}}"


def test_router_already_in_the_target_state_took_no_time() -> None:
    samples = sampled("r2", 20, 99.0, ONLY3, ONLY3)
    v = convergence(samples, 10.0, {"r2": RouteTarget.withdrawn(NODE2)}, limit_s=1)
    assert v.valid is True and v.figures["convergence_s"] == 0.0


def test_router_without_samples_after_the_event_is_unknown() -> None:
    samples = [*sampled("r1", 20, 12.0, BOTH, ONLY3), RouteSample(1.0, "r2", BOTH)]
    v = convergence(
        samples, 10.0, {"r1": RouteTarget.withdrawn(NODE2), "r2": RouteTarget.withdrawn(NODE2)}, limit_s=5
    )
    assert v.valid == UNKNOWN and "r2" in v.message


def test_nothing_expected_is_unknown() -> None:
    assert convergence([], 0.0, {}, limit_s=1).valid == UNKNOWN


def test_plain_tuples_are_accepted_and_unsorted_input_is_fine() -> None:
    samples = [(3.0, "r1", ONLY3), (1.0, "r1", BOTH), (2.0, "r1", ONLY3)]
    v = convergence(samples, 0.5, {"r1": RouteTarget.withdrawn(NODE2)}, limit_s=5)
    assert v.figures["convergence_s"] == 1.5 and v.figures["sampling_interval_s"] == 1.0


def test_target_matching() -> None:
    t = RouteTarget(present=frozenset({NODE3}), absent=frozenset({NODE2}))
    assert t.matches({NODE3}) and not t.matches(BOTH) and not t.matches(set())
    assert RouteTarget().describe() == "anything"


@given(st.floats(0, 30), st.floats(0.1, 2.0), st.integers(1, 4), st.randoms(use_true_random=False))
def test_convergence_is_bounded_by_the_sampling_and_order_free(
    change_after: float, interval: float, routers: int, rnd: random.Random
) -> None:
    event = 10.0
    samples = [
        RouteSample(i * interval, f"r{r}", ONLY3 if i * interval >= event + change_after + r else BOTH)
        for r in range(routers)
        for i in range(int((event + change_after + routers + 5) / interval) + 1)
    ]
    expected = {f"r{r}": RouteTarget.withdrawn(NODE2) for r in range(routers)}
    v = convergence(samples, event, expected, limit_s=100)
    assert v.valid is True
    true_time = change_after + routers - 1
    measured = v.figures["convergence_s"]
    assert isinstance(measured, float)
    assert true_time - 1e-9 <= measured <= true_time + interval + 1e-9
    assert v.figures["sampling_interval_s"] == pytest.approx(interval)
    rnd.shuffle(samples)
    assert convergence(samples, event, expected, limit_s=100) == v
