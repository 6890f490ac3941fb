"""A fault is an object with inject() and heal(), recorded on the run's timeline.

Providers implement the effect (`_apply` / `_revert`); this base keeps the bookkeeping
every fault shares: an id, the spec, the timeline entry with run-clock and wall times,
and use as a context manager. `_revert` must be idempotent and must tolerate a
half-applied fault, because `heal --all` may run after a harness died mid-inject.
"""

from __future__ import annotations

import secrets
from abc import ABC, abstractmethod
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

from xmux_sim.errors import XmuxSimError
from xmux_sim.faults.spec import FaultSpec
from xmux_sim.timeline import Timeline

State = dict[str, Any]


class FaultError(XmuxSimError):
    """A fault could not be injected or healed; the message says why and what to do."""


def new_fault_id() -> str:
    return secrets.token_hex(4)


@dataclass(frozen=True)
class ActiveFault:
    """A fault in a provider's ledger: what any process needs to list or heal it."""

    id: str
    spec: FaultSpec
    state: State
    injected_at: str
    """Wall-clock time of the inject, ISO 8601."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.spec.kind,
            "description": self.spec.describe(),
            "params": {k: list(v) if isinstance(v, tuple) else v for k, v in self.spec.params.items()},
            "injected_at": self.injected_at,
        }


class Fault(ABC):
    """Inject once, heal once; heal of a fault that is not active does nothing."""

    def __init__(self, spec: FaultSpec, fault_id: str | None = None, timeline: Timeline | None = None):
        self.spec = spec
        self.id = fault_id or new_fault_id()
        self.timeline = timeline
        self.state: State | None = None
        self.aimed: dict[str, str] = {}
        """Pod -> the role target that picked it (set by whoever resolved the roles), for the timeline."""
        self.spread_ms: float | None = None
        """Set by ``_apply`` of a fault on several targets: how far apart their cuts landed."""
        self.unsynced: dict[str, int | None] = {}
        """Set by ``_apply`` of a power cut: pod -> bytes of unsynced writes its volume lost
        (None: a plain volume, whose writes the host's page cache kept)."""

    @property
    def active(self) -> bool:
        return self.state is not None

    def inject(self) -> Self:
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
            self.timeline.injected(self.id, self.spec, started, self.aimed, self.spread_ms, self.unsynced)
        return self

    def heal(self) -> None:
        if self.state is None:
            return
        started = self.timeline.clock.now() if self.timeline is not None else None
        self._revert(self.state)
        self._forget()
        self.state = None
        if self.timeline is not None:
            self.timeline.healed(self.id, started)

    def describe(self) -> str:
        return f"{self.spec.describe(self.aimed)} [{self.id}]"

    def __enter__(self) -> Self:
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
