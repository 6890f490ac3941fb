"""availability: ok / all, overall and per window of invoke time."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xmux_sim.checkers import UNKNOWN, availability, availability_series
from xmux_sim.history import History, Operation, Outcome

OK, FAIL, UNK = Outcome.ok, Outcome.fail, Outcome.unknown


def call(t: float, outcome: Outcome = OK, store: str | None = "postgres", kind: str = "call") -> Operation:
    return Operation("p0", kind, None, None, t, None if outcome is UNK else t + 0.01, outcome, store)


def test_all_ok_is_fully_available() -> None:
    v = availability(History(call(i * 0.1) for i in range(50)), window_s=1.0, min_ratio=0.999)
    assert v.valid is True
    assert v.figures["overall_ratio"] == 1.0 and v.figures["windows_below"] == 0


def test_errors_during_an_outage_violate_the_ratio() -> None:
    # 10 s of traffic, 3 s of it failing or timing out.
    ops = [call(t / 10, FAIL if 30 <= t < 45 else UNK if 45 <= t < 60 else OK) for t in range(100)]
    v = availability(History(ops), window_s=1.0, min_ratio=0.9)
    assert v.valid is False
    assert v.figures["overall_ratio"] == pytest.approx(0.7)
    assert (v.figures["fail"], v.figures["unknown"]) == (15, 15)
    assert v.figures["worst_window_ratio"] == 0.0 and v.figures["worst_window_t"] == 3.0
    assert "0.7000 < 0.9" in v.message
    assert [w["t"] for w in v.evidence["below"]] == [3.0, 4.0, 5.0]


def test_window_minimum_catches_a_short_outage_the_overall_ratio_hides() -> None:
    ops = [call(t / 10, FAIL if 50 <= t < 55 else OK) for t in range(1000)]
    assert availability(History(ops), min_ratio=0.99).valid is True
    v = availability(History(ops), min_ratio=0.99, min_window_ratio=0.9)
    assert v.valid is False and v.figures["windows_below"] == 1
    assert "1 of 100 windows" in v.message


def test_series_counts_each_window_and_shows_gaps() -> None:
    series = availability_series(History([call(0.2), call(0.7, FAIL), call(2.5, UNK)]), window_s=1.0)
    assert [(w.t, w.ok, w.fail, w.unknown) for w in series] == [
        (0.0, 1, 1, 0),
        (1.0, 0, 0, 0),
        (2.0, 0, 0, 1),
    ]
    assert series[0].ratio == 0.5 and series[1].ratio is None


def test_pending_operations_count_as_unknown() -> None:
    pending = Operation("p0", "call", None, None, 0.5, None, UNK)
    v = availability(History([call(0.1), pending]), min_ratio=0.4)
    assert v.figures["unknown"] == 1 and v.figures["overall_ratio"] == 0.5 and v.valid is True


def test_all_unknown_is_unavailable() -> None:
    v = availability(History(call(i, UNK) for i in range(5)), min_ratio=0.5)
    assert v.valid is False and v.figures["overall_ratio"] == 0.0


def test_empty_history_is_unknown() -> None:
    v = availability(History())
    assert v.valid == UNKNOWN and v.figures["overall_ratio"] is None


def test_filters_select_the_stream() -> None:
    h = History([call(0.1, store="postgres"), call(0.2, FAIL, store="nats"), call(0.3, kind="read")])
    assert availability(h, store="postgres", min_ratio=1.0).valid is True
    assert availability(h, store="nats").valid is False
    assert availability(h, op="read", min_ratio=1.0).figures["ok"] == 1
    assert availability(h, process="nobody").valid == UNKNOWN


def test_series_evidence_is_coarsened_to_the_bound() -> None:
    ops = [call(t / 2, FAIL if t % 7 == 0 else OK) for t in range(2 * 600)]
    v = availability(History(ops), window_s=1.0, min_ratio=0.5, min_window_ratio=0.99)
    assert v.figures["windows"] == 600
    assert len(v.evidence["series"]) <= 50 and len(v.evidence["below"]) <= 50
    assert v.evidence["series_window_s"] == 12.0
    assert sum(w["ok"] + w["fail"] + w["unknown"] for w in v.evidence["series"]) == 1200
    json.dumps(v.to_dict())


def test_bad_window_is_rejected() -> None:
    with pytest.raises(ValueError):
        availability(History(), window_s=0)


timed_outcomes = st.lists(
    st.tuples(st.floats(0, 300, allow_nan=False), st.sampled_from([OK, FAIL, UNK])), max_size=60
)


@given(
    st.lists(st.floats(0, 1000, allow_nan=False), min_size=1, max_size=60), st.sampled_from([0.5, 1.0, 7.0])
)
def test_availability_of_an_all_ok_history_is_one(times: list[float], window_s: float) -> None:
    v = availability(History(call(t) for t in times), window_s=window_s, min_ratio=1.0, min_window_ratio=1.0)
    assert v.valid is True and v.figures["overall_ratio"] == 1.0 and v.figures["worst_window_ratio"] == 1.0


@given(timed_outcomes, st.randoms(use_true_random=False))
def test_permuting_operations_does_not_change_the_verdict(
    items: list[tuple[float, Outcome]], rnd: random.Random
) -> None:
    ops = [call(t, o) for t, o in items]
    shuffled = list(ops)
    rnd.shuffle(shuffled)
    assert availability(shuffled, min_window_ratio=0.5) == availability(ops, min_window_ratio=0.5)


@given(timed_outcomes)
def test_ratio_matches_a_direct_count(items: list[tuple[float, Outcome]]) -> None:
    v = availability(History(call(t, o) for t, o in items))
    if not items:
        assert v.valid == UNKNOWN
    else:
        assert v.figures["overall_ratio"] == sum(o is OK for _, o in items) / len(items)
