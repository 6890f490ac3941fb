"""A fault is an object with inject() and heal(), recorded on the run's timeline.

Providers implement the effect (`_apply` / `_revert`); this base keeps the bookkeeping
every fault shares: an id, the spec, the timeline entry with run-clock and wall times,
and use as a context manager. `_revert` must be idempotent and must tolerate a
half-applied fault, because `heal --all` may run after a harness died mid-inject.
"""

from __future__ import annotations

import secrets
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any

from xmux_sim.checkers.recovery import FaultWindow
from xmux_sim.errors import XmuxSimError
from xmux_sim.faults.spec import FaultSpec
from xmux_sim.history import RunClock

State = dict[str, Any]


class FaultError(XmuxSimError):
    """A fault could not be injected or healed; the message says why and what to do."""


def new_fault_id() -> str:
    return secrets.token_hex(4)


@dataclass
class FaultEvent:
    """One fault on the timeline. Times are run-clock seconds; heal_t is None while active."""

    id: str
    kind: str
    description: str
    inject_t: float
    inject_wall: datetime
    heal_t: float | None = None
    heal_wall: datetime | None = None

    def window(self) -> FaultWindow:
        return FaultWindow(f"{self.description} [{self.id}]", self.inject_t, self.heal_t)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "description": self.description,
            "inject_t": round(self.inject_t, 4),
            "heal_t": None if self.heal_t is None else round(self.heal_t, 4),
            "inject_wall": self.inject_wall.isoformat(),
            "heal_wall": None if self.heal_wall is None else self.heal_wall.isoformat(),
        }


class Timeline:
    """Fault events on a run clock; shared by the faults of a run, safe across threads."""

    def __init__(self, clock: RunClock | None = None) -> None:
        self.clock = clock or RunClock()
        self._lock = threading.Lock()
        self.events: list[FaultEvent] = []

    def injected(self, fault: Fault, t: float | None = None) -> FaultEvent:
        t = self.clock.now() if t is None else t
        event = FaultEvent(fault.id, fault.spec.kind, fault.spec.describe(), t, self.clock.wall(t))
        with self._lock:
            self.events.append(event)
        return event

    def healed(self, fault: Fault, t: float | None = None) -> None:
        t = self.clock.now() if t is None else t
        with self._lock:
            for event in reversed(self.events):
                if event.id == fault.id and event.heal_t is None:
                    event.heal_t, event.heal_wall = t, self.clock.wall(t)
                    return

    def windows(self) -> list[FaultWindow]:
        with self._lock:
            return [e.window() for e in self.events]


class Fault(ABC):
    """Inject once, heal once; heal of a fault that is not active does nothing."""

    def __init__(self, spec: FaultSpec, fault_id: str | None = None, timeline: Timeline | None = None):
        self.spec = spec
        self.id = fault_id or new_fault_id()
        self.timeline = timeline
        self.state: State | None = None

    @property
    def active(self) -> bool:
        return self.state is not None

    def inject(self) -> Fault:
        if self.active:
            raise FaultError(f"fault {self.id} ({self.spec.describe()}) is already injected")
        state = self._prepare()
        self._record(state)
        self.state = state
        # The window opens when the effect starts, not when it is complete: a power-off that
        # takes seconds to kill a node's containers is felt from its first kill.
        started = self.timeline.clock.now() if self.timeline is not None else None
        try:
            self._apply(state)
        except BaseException:
            # Nothing half-applied may stay: undo what went in, then report.
            self.heal()
            raise
        if self.timeline is not None:
            self.timeline.injected(self, started)
        return self

    def heal(self) -> None:
        if self.state is None:
            return
        started = self.timeline.clock.now() if self.timeline is not None else None
        self._revert(self.state)
        self._forget()
        self.state = None
        if self.timeline is not None:
            self.timeline.healed(self, started)

    def describe(self) -> str:
        return f"{self.spec.describe()} [{self.id}]"

    def __enter__(self) -> Fault:
        # `with faults.inject(spec):` enters a fault that is already in.
        return self if self.active else self.inject()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.heal()

    @abstractmethod
    def _prepare(self) -> State:
        """Everything `_revert` needs, worked out before the effect (kept in the ledger)."""

    @abstractmethod
    def _apply(self, state: State) -> None: ...

    @abstractmethod
    def _revert(self, state: State) -> None:
        """Undo the effect; idempotent, and safe on a half-applied fault."""

    @abstractmethod
    def _record(self, state: State) -> None:
        """Write the fault to a ledger another process can read."""

    @abstractmethod
    def _forget(self) -> None:
        """Remove the fault from the ledger."""
