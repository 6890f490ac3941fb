"""Hypothesis strategies for fault schedules (needs the dev extra: hypothesis).

A test can search for a schedule that breaks an invariant; hypothesis then shrinks
it towards fewer, shorter, earlier faults on the first candidate targets, and
:func:`~xmux_sim.scenario.dump.to_yaml` prints the small schedule as a scenario file::

    @given(fault_schedules(["kill", "pause"], {"pod": ["postgres-0"]}, horizon=30))
    def test_no_lost_writes(faults): ...

The schedules come from the same placement as seeded ones
(:func:`~xmux_sim.scenario.schedule.generate`), only the choices are hypothesis draws.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, TypeVar

from hypothesis import strategies as st

from xmux_sim.scenario.model import GeneratedSchedule, TimedFault
from xmux_sim.scenario.schedule import candidate_specs, generate, max_fitting
from xmux_sim.topology.model import Stack

__all__ = ["fault_schedules", "from_schedule"]

T = TypeVar("T")
SOURCE = "fault_schedules"


class _Draws:
    """A Chooser backed by hypothesis draws."""

    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw

    def integer(self, low: int, high: int) -> int:
        return self.draw(st.integers(low, high))

    def pick(self, options: Sequence[T]) -> T:
        return self.draw(st.sampled_from(options))


def fault_schedules(
    kinds: Sequence[str],
    targets: Mapping[str, Sequence[Any]],
    horizon: float,
    *,
    max_concurrent: int = 1,
    min_gap: float = 0.0,
    durations: tuple[float, float] = (1.0, 10.0),
    window: tuple[float, float] | None = None,
    min_faults: int = 1,
    max_faults: int = 5,
    stack: Stack | None = None,
) -> st.SearchStrategy[list[TimedFault]]:
    """Schedules of ``min_faults``..``max_faults`` faults within the limits, as ``generate:`` takes them.

    ``max_faults`` is lowered to what fits the window; with ``stack`` the targets are checked against it.
    """
    schedule = GeneratedSchedule(
        count=max_faults,
        kinds=tuple(kinds),
        targets={k: tuple(tuple(v) if isinstance(v, list) else v for v in vs) for k, vs in targets.items()},
        duration=durations,
        window=window or (0.0, horizon),
        max_concurrent=max_concurrent,
        min_gap=min_gap,
        path="generate",
    )
    return from_schedule(schedule, stack, min_faults=min_faults)


def from_schedule(
    schedule: GeneratedSchedule, stack: Stack | None = None, *, min_faults: int = 1
) -> st.SearchStrategy[list[TimedFault]]:
    """Schedules a scenario's ``generate`` entry could produce, with 1..``count`` faults (as many as fit)."""
    specs = candidate_specs(schedule, SOURCE, stack)
    most = max_fitting(schedule)
    if most < min_faults:
        raise ValueError(f"not even {min_faults} fault(s) fit the window {schedule.window}; {most} do")

    @st.composite
    def schedules(draw: st.DrawFn) -> list[TimedFault]:
        count = draw(st.integers(min_faults, most))
        return generate(replace(schedule, count=count), specs, _Draws(draw), source=SOURCE)

    return schedules()
