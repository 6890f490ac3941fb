"""The run's timeline: one clock, the faults that happened on it, and their windows.

Faults write it, checkers, reports and load summaries read it; all of them use the
records defined here. Operations (:mod:`xmux_sim.history`), probe rounds and route
samples are stamped with the same clock, so "the fault was healed at 12.5 s" and "this
write was invoked at 12.7 s" are comparable.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import NamedTuple

from xmux_sim.faults.spec import FaultSpec

__all__ = ["FaultEvent", "FaultWindow", "Phase", "ProbeResult", "RouteSample", "RunClock", "Timeline"]


class RunClock:
    """Monotonic seconds since the run started, plus the wall time of that start."""

    __slots__ = ("_origin", "_source", "started_at")

    def __init__(
        self,
        *,
        source: Callable[[], float] = time.monotonic,
        started_at: datetime | None = None,
    ) -> None:
        self._source = source
        self._origin = source()
        self.started_at = started_at if started_at is not None else datetime.now(UTC)

    def now(self) -> float:
        return self._source() - self._origin

    def wall(self, t: float) -> datetime:
        """The wall-clock time of run time ``t`` (for reports and log correlation)."""
        return self.started_at + timedelta(seconds=t)


class FaultWindow(NamedTuple):
    """When a fault was in, as the checkers take it; ``heal_t`` None: never healed during the run."""

    name: str
    inject_t: float
    heal_t: float | None


@dataclass(frozen=True)
class FaultEvent:
    """One fault on the run clock: its spec, when it went in and (once healed) when it came out."""

    id: str
    spec: FaultSpec
    inject_t: float
    heal_t: float | None = None
    inject_wall: datetime | None = None
    heal_wall: datetime | None = None

    @property
    def kind(self) -> str:
        return self.spec.kind

    @property
    def description(self) -> str:
        return self.spec.describe()

    @property
    def duration_s(self) -> float | None:
        return None if self.heal_t is None else self.heal_t - self.inject_t

    def window(self) -> FaultWindow:
        return FaultWindow(f"{self.description} [{self.id}]", self.inject_t, self.heal_t)


class Phase(StrEnum):
    """When a steady-state probe runs: before the faults, while they happen, after healing."""

    before = "before"
    during = "during"
    after = "after"


class ProbeResult(NamedTuple):
    """One round of one steady-state probe."""

    t: float
    probe: str
    phase: Phase
    ok: bool
    detail: str = ""


class RouteSample(NamedTuple):
    """The routes one router had learned at run time ``t``."""

    t: float
    router: str
    routes: frozenset[str]


class Timeline:
    """Fault events on a run clock; shared by the faults of a run, safe across threads."""

    def __init__(self, clock: RunClock | None = None) -> None:
        self.clock = clock or RunClock()
        self._lock = threading.Lock()
        self._events: list[FaultEvent] = []

    @property
    def events(self) -> list[FaultEvent]:
        with self._lock:
            return list(self._events)

    def injected(self, fault_id: str, spec: FaultSpec, t: float | None = None) -> FaultEvent:
        t = self.clock.now() if t is None else t
        event = FaultEvent(fault_id, spec, t, inject_wall=self.clock.wall(t))
        with self._lock:
            self._events.append(event)
        return event

    def healed(self, fault_id: str, t: float | None = None) -> None:
        t = self.clock.now() if t is None else t
        with self._lock:
            for i in reversed(range(len(self._events))):
                event = self._events[i]
                if event.id == fault_id and event.heal_t is None:
                    self._events[i] = replace(event, heal_t=t, heal_wall=self.clock.wall(t))
                    return

    def windows(self) -> list[FaultWindow]:
        return [e.window() for e in self.events]
