"""latency: nearest-rank quantiles over ok operations, with limits."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xmux_sim.checkers import UNKNOWN, latency, quantile
from xmux_sim.history import History, Operation, Outcome

OK, FAIL, UNK = Outcome.ok, Outcome.fail, Outcome.unknown


def call(t: float, d: float, outcome: Outcome = OK, store: str = "nginx") -> Operation:
    return Operation("p0", "call", None, None, t, None if outcome is UNK else t + d, outcome, store)


def test_nearest_rank_quantile() -> None:
    values = [float(i) for i in range(1, 101)]
    assert quantile(values, 0.5) == 50.0
    assert quantile(values, 0.99) == 99.0
    assert quantile(values, 1.0) == 100.0
    assert quantile([3.0], 0.01) == 3.0
    with pytest.raises(ValueError):
        quantile([], 0.5)


def test_fast_service_meets_its_limit() -> None:
    h = History(call(i * 0.01, 0.010 + (i % 10) / 1000) for i in range(1000))
    v = latency(h, limits={0.99: 0.05})
    assert v.valid is True
    assert v.figures["p50"] == pytest.approx(0.014) and v.figures["p99"] == pytest.approx(0.019)
    assert v.figures["limit_p99"] == 0.05 and v.figures["count"] == 1000
    assert "within limits" in v.message


def test_slow_tail_violates_the_limit_and_says_so() -> None:
    h = History(call(i * 0.01, 2.0 if i % 50 == 0 else 0.01) for i in range(1000))
    v = latency(h, limits={0.99: 0.5})
    assert v.valid is False
    assert v.figures["p99"] == 2.0
    assert "p99 2000.0 ms > 500.0 ms" in v.message


def test_limit_on_a_quantile_not_listed_is_still_computed() -> None:
    v = latency(History(call(i, 0.1) for i in range(10)), quantiles=(0.5,), limits={0.999: 0.05})
    assert v.valid is False and v.figures["p99.9"] == pytest.approx(0.1)


def test_failed_and_unknown_ops_are_excluded_but_counted() -> None:
    h = History([call(0, 0.01), call(1, 0.001, FAIL), call(2, 30.0, UNK), call(3, 0.02)])
    v = latency(h, limits={0.99: 0.05})
    assert v.valid is True
    assert (v.figures["count"], v.figures["fail"], v.figures["unknown"]) == (2, 1, 1)
    assert v.figures["max"] == pytest.approx(0.02)


def test_no_successful_ops_is_unknown() -> None:
    assert latency(History()).valid == UNKNOWN
    v = latency(History([call(0, 1.0, UNK), call(1, 1.0, FAIL)]), limits={0.5: 1.0})
    assert v.valid == UNKNOWN and "1 failed, 1 unknown" in v.message


def test_without_limits_a_measurement_holds() -> None:
    v = latency(History([call(0, 5.0)]))
    assert v.valid is True and v.figures["p50"] == 5.0


def test_windows_over_limit_show_when_latency_spiked() -> None:
    # 100 s at 10 ops/s; between 40 s and 45 s every op takes 1 s.
    h = History(call(i / 10, 1.0 if 400 <= i < 450 else 0.01) for i in range(1000))
    v = latency(h, limits={0.99: 2.0}, window_s=1.0)
    assert v.valid is True  # overall p99 is 1 s
    v = latency(h, limits={0.5: 0.5}, window_s=1.0)
    assert v.valid is True and v.figures["windows_over_limit"] == 5
    assert [w["t"] for w in v.evidence["over_limit"]] == [40.0, 41.0, 42.0, 43.0, 44.0]
    assert len(v.evidence["series"]) == 50 and v.evidence["series_window_s"] == 2.0
    assert sum(p["count"] for p in v.evidence["series"]) == 1000
    json.dumps(v.to_dict())


def test_windowing_can_be_switched_off() -> None:
    v = latency(History([call(0, 0.1)]), window_s=None)
    assert "series" not in v.evidence and "windows" not in v.figures


def test_bad_quantile_is_rejected() -> None:
    with pytest.raises(ValueError):
        latency(History(), quantiles=(1.5,))


samples = st.lists(
    st.tuples(
        st.floats(0, 100, allow_nan=False), st.floats(0, 5, allow_nan=False), st.sampled_from([OK, FAIL, UNK])
    ),
    max_size=60,
)


@given(samples, st.randoms(use_true_random=False))
def test_permuting_operations_does_not_change_the_verdict(
    items: list[tuple[float, float, Outcome]], rnd: random.Random
) -> None:
    ops = [call(t, d, o) for t, d, o in items]
    shuffled = list(ops)
    rnd.shuffle(shuffled)
    limits = {0.95: 2.5}
    assert latency(shuffled, limits=limits) == latency(ops, limits=limits)


@given(samples)
def test_quantiles_are_ordered_and_observed(items: list[tuple[float, float, Outcome]]) -> None:
    ops = [call(t, d, o) for t, d, o in items]
    v = latency(ops, quantiles=(0.5, 0.9, 0.99))
    observed = {o.latency for o in ops if o.outcome is OK}
    if not observed:
        assert v.valid == UNKNOWN
        return
    p50, p90, p99, top = (v.figures[k] for k in ("p50", "p90", "p99", "max"))
    assert isinstance(p50, float) and isinstance(p90, float) and isinstance(p99, float)
    assert isinstance(top, float)
    assert p50 <= p90 <= p99 <= top
    assert {p50, p90, p99} <= observed
