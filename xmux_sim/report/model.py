"""What a finished run hands to the report writer.

Everything here is plain data: the runner fills a `RunReport` once, after the
checkers ran, and the writers only read it. Faults, probe rounds and route samples
are the timeline's own records (:mod:`xmux_sim.timeline`). Loose inputs (tuples,
a list instead of a `History`) are normalised on construction so every writer can
rely on one shape.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import IntEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, NamedTuple, cast

from xmux_sim.checkers.verdict import Verdict
from xmux_sim.history import History, Operation
from xmux_sim.timeline import AlertEvent, FaultEvent, Phase, ProbeResult, RouteSample

__all__ = [
    "PHASES",
    "ExitStatus",
    "Invariant",
    "RouteSeries",
    "RunReport",
    "routes_by_router",
]


class ExitStatus(IntEnum):
    """The exit code of ``xmux-sim run`` (DESIGN.md section 3)."""

    OK = 0  # every invariant holds
    VIOLATED = 1  # at least one invariant is violated
    ERROR = 2  # the run itself could not be carried out


PHASES: Final[tuple[Phase, ...]] = tuple(Phase)


class Invariant(NamedTuple):
    """One invariant of the scenario and the verdict its checker returned."""

    name: str
    checker: str
    threshold: str  # as a person reads it, e.g. "p99 <= 250 ms"
    verdict: Verdict


# Per router, (t, routes it held at t), sorted by t.
RouteSeries = Mapping[str, Sequence[tuple[float, Collection[str]]]]


def routes_by_router(samples: Iterable[RouteSample | tuple[float, str, Collection[str]]]) -> RouteSeries:
    """Regroup route samples into the per-router series the report takes."""
    grouped: dict[str, list[tuple[float, Collection[str]]]] = {}
    for raw in samples:
        t, router, routes = raw
        grouped.setdefault(router, []).append((t, routes))
    return {router: sorted(series, key=lambda s: s[0]) for router, series in grouped.items()}


def _probe(raw: ProbeResult | tuple[object, ...]) -> ProbeResult:
    probe = raw if isinstance(raw, ProbeResult) else ProbeResult(*cast("tuple[Any, ...]", raw))
    if probe.phase not in PHASES:
        raise ValueError(f"probe {probe.probe!r}: phase must be one of {PHASES}, got {probe.phase!r}")
    return probe._replace(phase=Phase(probe.phase))


@dataclass(frozen=True)
class RunReport:
    """Everything a report shows about one scenario run.

    ``history`` also accepts any sequence of operations, ``probes`` plain tuples.
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
    faults: Sequence[FaultEvent] = ()
    invariants: Sequence[Invariant] = ()
    routes: RouteSeries | None = None
    probes: Sequence[ProbeResult] = ()
    exit_status: ExitStatus = ExitStatus.OK
    error: str | None = None
    alerts: Sequence[AlertEvent] = ()
    """Alertmanager's notifications during the run (and what was active when listening began)."""

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
            "faults": tuple(self.faults),
            "alerts": tuple(self.alerts),
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
