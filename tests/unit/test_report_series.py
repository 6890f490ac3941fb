"""Per-window figures behind the report's charts, and the chart helpers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xmux_sim.checkers import availability_series, latency
from xmux_sim.history import History, Operation, Outcome
from xmux_sim.report import aggregate
from xmux_sim.report.series import pick_window
from xmux_sim.report.svg import Band, Line, line_chart, nice_ticks, time_ticks

OK, FAIL, UNK = Outcome.ok, Outcome.fail, Outcome.unknown


def op(t: float, outcome: Outcome = OK, latency_s: float = 0.01) -> Operation:
    return Operation("p", "call", None, None, t, None if outcome is UNK else t + latency_s, outcome)


def test_windows_count_outcomes_and_quantiles_by_invoke_time() -> None:
    history = History(
        [
            op(0.1, latency_s=0.01),
            op(0.2, latency_s=0.03),
            op(0.9, FAIL),
            op(2.5, UNK),
            op(2.6, latency_s=0.2),
        ]
    )
    series = aggregate(history, 4.0)
    assert series.window_s == 1.0
    assert [(w.t, w.ok, w.fail, w.unknown) for w in series.windows] == [
        (0.0, 2, 1, 0),
        (1.0, 0, 0, 0),
        (2.0, 1, 0, 1),
        (3.0, 0, 0, 0),
    ]
    first = series.windows[0]
    assert first.p50_s == pytest.approx(0.01) and first.p99_s == pytest.approx(0.03)
    assert series.windows[1].p50_s is None
    assert (series.ok, series.fail, series.unknown, series.ops) == (3, 1, 1, 5)
    assert series.p99_s == pytest.approx(0.2) and series.max_s == pytest.approx(0.2)


def test_pending_operations_count_as_unknown() -> None:
    pending = Operation("p", "call", None, None, 0.5, None, UNK)
    assert aggregate(History([pending]), 1.0).windows[0].unknown == 1


def test_window_grows_with_the_run_and_stays_bounded() -> None:
    assert pick_window(60) == 1.0
    assert pick_window(3600) == 10.0
    assert pick_window(10**6) == 3600.0
    long_run = aggregate(History([op(0.0), op(3599.0)]), 3600.0)
    assert long_run.window_s == 10.0 and len(long_run.windows) == 360


def test_operations_far_outside_the_run_are_merged_not_plotted_one_by_one() -> None:
    # A bad clock: one operation a day after a one-minute run.
    series = aggregate(History([op(1.0), op(86_400.0)]), 60.0)
    assert len(series.windows) <= 600 and series.ok == 2
    assert sum(w.ok for w in series.windows) == 2


@given(
    st.lists(
        st.tuples(st.floats(0, 120, allow_nan=False), st.sampled_from([OK, FAIL, UNK]), st.floats(0, 5)),
        max_size=200,
    )
)
def test_windows_agree_with_the_checkers(raw: list[tuple[float, Outcome, float]]) -> None:
    history = History(op(t, outcome, lat) for t, outcome, lat in raw)
    series = aggregate(history, 120.0, window_s=1.0)
    by_t = {w.t: w for w in series.windows}
    for w in availability_series(history, 1.0):
        mine = by_t[w.t]
        assert (mine.ok, mine.fail, mine.unknown) == (w.ok, w.fail, w.unknown)
    verdict = latency(history, quantiles=(0.5, 0.99), window_s=None)
    assert series.p50_s == verdict.figures.get("p50") and series.p99_s == verdict.figures.get("p99")


def test_ticks_are_round_and_cover_the_range() -> None:
    assert nice_ticks(0, 93) == [0, 20, 40, 60, 80, 100]
    assert nice_ticks(0, 0.8) == [0, 0.2, 0.4, 0.6, 0.8]
    assert time_ticks(0, 60) == [0, 10, 20, 30, 40, 50, 60]
    assert time_ticks(-5, 3600)[:2] == [0, 600]


def test_a_missing_value_breaks_the_line_and_a_lone_value_is_a_dot() -> None:
    line = Line("p99", "#000", [(0, 1.0), (1, 2.0), (2, None), (3, 4.0), (4, None)])
    svg = line_chart([line], x_range=(0, 5), bands=[Band("f1", "f1", 1.0, None)])
    assert svg.count("<polyline") == 1 and svg.count("<circle") == 1
    assert svg.count('fill="#fde2b3"') == 1 and ">f1<" in svg
