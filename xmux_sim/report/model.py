"""What a finished run hands to the report writer.

Everything here is plain data: the runner fills a `RunReport` once, after the
checkers ran, and the writers only read it. Loose inputs (tuples, recovery
checker `FaultWindow`s, a list instead of a `History`) are normalised on
construction so every writer can rely on one shape.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import IntEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, Literal, NamedTuple, cast, get_args

from xmux_sim.checkers.convergence import RouteSample
from xmux_sim.checkers.recovery import FaultWindow
from xmux_sim.checkers.verdict import Verdict
from xmux_sim.history import History, Operation

__all__ = [
    "PHASES",
    "ExitStatus",
    "FaultMark",
    "Invariant",
    "Phase",
    "ProbeResult",
    "RouteSeries",
    "RunReport",
    "routes_by_router",
]


class ExitStatus(IntEnum):
    """The exit code of ``xmux-sim run`` (DESIGN.md section 3)."""

    OK = 0  # every invariant holds
    VIOLATED = 1  # at least one invariant is violated
    ERROR = 2  # the run itself could not be carried out


Phase = Literal["before", "during", "after"]
PHASES: Final[tuple[Phase, ...]] = get_args(Phase)


class FaultMark(NamedTuple):
    """A fault on the run clock, with what a reader needs to recognise it."""

    id: str
    kind: str
    description: str
    inject_t: float
    heal_t: float | None  # None: never healed during the run

    @classmethod
    def from_window(cls, window: FaultWindow, kind: str = "", description: str = "") -> FaultMark:
        return cls(window.name, kind, description, window.inject_t, window.heal_t)

    def window(self) -> FaultWindow:
        """The same fault as the recovery checker takes it."""
        return FaultWindow(self.id, self.inject_t, self.heal_t)

    @property
    def duration_s(self) -> float | None:
        return None if self.heal_t is None else self.heal_t - self.inject_t


class Invariant(NamedTuple):
    """One invariant of the scenario and the verdict its checker returned."""

    name: str
    checker: str
    threshold: str  # as a person reads it, e.g. "p99 <= 250 ms"
    verdict: Verdict


class ProbeResult(NamedTuple):
    """One steady-state probe check."""

    t: float
    probe: str
    phase: Phase
    ok: bool
    detail: str = ""


# Per router, (t, routes it held at t), sorted by t.
RouteSeries = Mapping[str, Sequence[tuple[float, Collection[str]]]]


def routes_by_router(samples: Iterable[RouteSample | tuple[float, str, Collection[str]]]) -> RouteSeries:
    """Regroup the convergence checker's samples into the per-router series the report takes."""
    grouped: dict[str, list[tuple[float, Collection[str]]]] = {}
    for raw in samples:
        t, router, routes = raw
        grouped.setdefault(router, []).append((t, routes))
    return {router: sorted(series, key=lambda s: s[0]) for router, series in grouped.items()}


def _fault(raw: FaultMark | FaultWindow | tuple[object, ...]) -> FaultMark:
    if isinstance(raw, FaultMark):
        return raw
    fields = cast("tuple[Any, ...]", raw)
    # Three fields: the recovery checker's (name, inject_t, heal_t).
    return FaultMark.from_window(FaultWindow(*fields)) if len(fields) == 3 else FaultMark(*fields)


def _probe(raw: ProbeResult | tuple[object, ...]) -> ProbeResult:
    probe = raw if isinstance(raw, ProbeResult) else ProbeResult(*cast("tuple[Any, ...]", raw))
    if probe.phase not in PHASES:
        raise ValueError(f"probe {probe.probe!r}: phase must be one of {PHASES}, got {probe.phase!r}")
    return probe


@dataclass(frozen=True)
class RunReport:
    """Everything a report shows about one scenario run.

    ``faults`` also accepts the recovery checker's ``FaultWindow``s (kind and
    description left empty); ``history`` also accepts any sequence of operations.
    """

    run_id: str
    scenario: str
    scenario_path: Path | None
    seed: int
    stack: str
    flavours: Mapping[str, str]  # service -> image flavour or image reference
    started_at: datetime  # UTC
    duration_s: float
    history: History
    faults: Sequence[FaultMark] = ()
    invariants: Sequence[Invariant] = ()
    routes: RouteSeries | None = None
    probes: Sequence[ProbeResult] = ()
    exit_status: ExitStatus = ExitStatus.OK
    error: str | None = None

    def __post_init__(self) -> None:
        if self.started_at.tzinfo is None:
            # A naive time would be read as local time by some and UTC by others.
            raise ValueError("started_at must be timezone-aware (UTC)")
        hist: Sequence[Operation] = self.history
        fixes: dict[str, object] = {
            "started_at": self.started_at.astimezone(UTC),
            "exit_status": ExitStatus(int(self.exit_status)),
            "history": hist if isinstance(hist, History) else History(hist),
            "flavours": MappingProxyType(dict(self.flavours)),
            "faults": tuple(_fault(f) for f in self.faults),
            "invariants": tuple(i if isinstance(i, Invariant) else Invariant(*i) for i in self.invariants),
            "probes": tuple(_probe(p) for p in self.probes),
            "scenario_path": None if self.scenario_path is None else Path(self.scenario_path),
        }
        if self.routes is not None:
            fixes["routes"] = MappingProxyType(
                {router: tuple(sorted(s, key=lambda p: p[0])) for router, s in self.routes.items()}
            )
        for name, value in fixes.items():
            object.__setattr__(self, name, value)
