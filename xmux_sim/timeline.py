"""The run's timeline: one clock, the faults that happened on it, and their windows.

Faults write it, checkers, reports and load summaries read it; all of them use the
records defined here. Operations (:mod:`xmux_sim.history`), probe rounds, route samples
and alert notifications are stamped with the same clock, so "the fault was healed at
12.5 s", "this write was invoked at 12.7 s" and "Alertmanager said ServiceDown resolved
at 16.1 s" are comparable.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import NamedTuple

from xmux_sim.faults.spec import FaultSpec

__all__ = [
    "AlertEvent",
    "AlertStatus",
    "FaultEvent",
    "FaultWindow",
    "Phase",
    "ProbeResult",
    "RouteSample",
    "RunClock",
    "Timeline",
    "alert_title",
]


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
    aimed: Mapping[str, str] = field(default_factory=dict)
    """Pod -> the role target that picked it at injection (``nats-2`` -> ``leader-of(nats, stream=S)``)."""
    spread_ms: float | None = None
    """A fault on several targets at once: how far apart its cuts landed (last - first)."""
    unsynced: Mapping[str, int | None] = field(default_factory=dict)
    """A power cut: pod -> bytes of unsynced writes its lazy volume lost (None: a plain volume,
    the host's page cache kept them)."""

    @property
    def kind(self) -> str:
        return self.spec.kind

    @property
    def description(self) -> str:
        spread = f" (together within {self.spread_ms:.1f} ms)" if self.spread_ms is not None else ""
        return self.spec.describe(self.aimed) + spread + unsynced_text(self.unsynced)

    @property
    def duration_s(self) -> float | None:
        return None if self.heal_t is None else self.heal_t - self.inject_t

    def window(self) -> FaultWindow:
        return FaultWindow(f"{self.description} [{self.id}]", self.inject_t, self.heal_t)


def unsynced_text(unsynced: Mapping[str, int | None]) -> str:
    """`` [unsynced lost: nats-0 412.0 KiB, nats-1 0 B; page cache kept: minio-0]`` (empty: no power cut)."""
    if not unsynced:
        return ""
    lazy = [f"{pod} {_size(n)}" for pod, n in sorted(unsynced.items()) if n is not None]
    plain = sorted(pod for pod, n in unsynced.items() if n is None)
    parts = ([f"unsynced lost: {', '.join(lazy)}"] if lazy else []) + (
        [f"page cache kept: {', '.join(plain)}"] if plain else []
    )
    return f" [{'; '.join(parts)}]"


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    return f"{n / 1024:.1f} KiB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MiB"


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


_PLAIN_LABELS = ("alertname", "severity", "instance", "job", "kind")


def alert_title(alert: str, labels: Mapping[str, str]) -> str:
    """How a person names an alert: ``NodePodsUnreachable{node=node-2}`` (repeated labels left out)."""
    shown = {k: v for k, v in labels.items() if k not in _PLAIN_LABELS}
    return alert + ("{" + ", ".join(f"{k}={v}" for k, v in sorted(shown.items())) + "}" if shown else "")


class AlertStatus(StrEnum):
    firing = "firing"
    resolved = "resolved"


@dataclass(frozen=True)
class AlertEvent:
    """One alert as a notification (or Alertmanager's list of active alerts) told the harness."""

    t: float
    """Run time the harness received it."""
    alert: str
    status: AlertStatus
    labels: Mapping[str, str] = field(default_factory=dict)
    """Every label of the alert, ``alertname`` included."""
    fingerprint: str = ""
    """Alertmanager's identity of the alert (a hash of its labels): firing and resolved pair by it."""
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    summary: str = ""
    """The rule's ``summary`` annotation, as templated."""
    active_at_start: bool = False
    """Not a notification: the alert was already active when the harness started listening."""

    @property
    def title(self) -> str:
        return alert_title(self.alert, self.labels)

    @property
    def identity(self) -> str:
        return self.fingerprint or ",".join(f"{k}={v}" for k, v in sorted(self.labels.items()))

    def to_dict(self) -> dict[str, object]:
        return {
            "t": self.t,
            "alert": self.alert,
            "status": self.status.value,
            "labels": dict(self.labels),
            "fingerprint": self.fingerprint,
            "starts_at": None if self.starts_at is None else self.starts_at.isoformat(),
            "ends_at": None if self.ends_at is None else self.ends_at.isoformat(),
            "summary": self.summary,
            "active_at_start": self.active_at_start,
        }


class Timeline:
    """Fault events and alert notifications on a run clock; shared by a run's threads, safe across them."""

    def __init__(self, clock: RunClock | None = None) -> None:
        self.clock = clock or RunClock()
        self._lock = threading.Lock()
        self._events: list[FaultEvent] = []
        self._alerts: list[AlertEvent] = []

    @property
    def events(self) -> list[FaultEvent]:
        with self._lock:
            return list(self._events)

    @property
    def alerts(self) -> list[AlertEvent]:
        with self._lock:
            return list(self._alerts)

    def alerted(self, event: AlertEvent) -> None:
        with self._lock:
            self._alerts.append(event)

    def injected(
        self,
        fault_id: str,
        spec: FaultSpec,
        t: float | None = None,
        aimed: Mapping[str, str] | None = None,
        spread_ms: float | None = None,
        unsynced: Mapping[str, int | None] | None = None,
    ) -> FaultEvent:
        t = self.clock.now() if t is None else t
        event = FaultEvent(
            fault_id,
            spec,
            t,
            inject_wall=self.clock.wall(t),
            aimed=dict(aimed or {}),
            spread_ms=spread_ms,
            unsynced=dict(unsynced or {}),
        )
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
