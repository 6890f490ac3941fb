"""The pacer: intended start times at a fixed rate, and the lag of a late action."""

from __future__ import annotations

import pytest

from xmux_sim.load.pacing import Pacer


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_on_time_actions_have_no_lag_and_wait_for_the_next_slot() -> None:
    clock = Clock()
    pacer = Pacer(0.5, clock=clock)
    assert pacer.start() == 0.0
    clock.t += 0.1
    assert pacer.wait() == pytest.approx(0.4)
    clock.t += 0.4
    assert pacer.start() == 0.0


def test_a_stall_shows_as_lag_in_every_action_it_delayed() -> None:
    clock = Clock()
    pacer = Pacer(1.0, clock=clock)
    pacer.start()
    clock.t += 3.5  # the first action took 3.5 s: three intended starts went by
    lags = []
    for _ in range(3):
        assert pacer.wait() == 0.0
        lags.append(pacer.start())
        clock.t += 0.1
    # Intended at 101, 102, 103; started at 103.5, 103.6, 103.7.
    assert lags == pytest.approx([2.5, 1.6, 0.7])
    assert pacer.wait() == pytest.approx(104 - clock.t)


def test_the_phase_spreads_the_first_start_within_a_period() -> None:
    clock = Clock()
    pacer = Pacer(2.0, phase_s=5.0, clock=clock)
    assert pacer.wait() == pytest.approx(1.0)


def test_period_must_be_positive() -> None:
    with pytest.raises(ValueError):
        Pacer(0.0)
