"""The scenario model: what a scenario file means once validated.

Plain frozen data, like the stack model. Every element remembers where it was
written (line and dotted path), so a check that can only run later, against a
stack, still points at the right line. Locations take no part in equality: a
scenario printed with :func:`~xmux_sim.scenario.schedule.to_yaml` and parsed again
equals the original.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from xmux_sim.errors import ScenarioFileError
from xmux_sim.faults.spec import FaultSpec
from xmux_sim.timeline import Phase

__all__ = [
    "ClientSpec",
    "Expectation",
    "GeneratedSchedule",
    "Invariant",
    "Located",
    "Overrides",
    "Phase",
    "Probe",
    "Recovery",
    "Scenario",
    "ServiceOverride",
    "StackRef",
    "SteadyState",
    "TimedFault",
    "Workload",
]

_PARENT = re.compile(r"(\[\d+\]|\.?[^.\[]+)$")


class Expectation(StrEnum):
    """What the test suite expects of the invariants: unsafe variants are expected to break them."""

    hold = "hold"
    violated = "violated"


@dataclass(frozen=True, kw_only=True)
class Located:
    """Where an element was written: its line, its dotted path, and the line of each of its keys."""

    line: int = field(default=1, compare=False, repr=False)
    path: str = field(default="", compare=False, repr=False)
    lines: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)

    def error(self, source: str, message: str, key: str | None = None) -> ScenarioFileError:
        """``file:line: field: message`` for this element, or for one of its keys (``config.fsync``)."""
        line = 0
        part = key
        # Items of a list written as one scalar have no line of their own: climb to the parent key.
        while part and not (line := self.lines.get(part, 0)):
            part = _PARENT.sub("", part)
        where = ".".join(p for p in (self.path, key) if p).replace(".[", "[") or "(top level)"
        return ScenarioFileError(f"{source}:{line or self.line}: {where}: {message}")


@dataclass(frozen=True)
class StackRef(Located):
    spec: str
    """As written: ``default``, an embedded stack's name, or a path inside the scenario's folder."""
    file: Path | None
    """The stack file; None: the embedded default stack."""
    embedded: bool = False
    """``file`` is one of the stacks shipped with xmux-sim (named, not a path)."""


@dataclass(frozen=True)
class ServiceOverride(Located):
    service: str
    replicas: int | None = None
    placement: tuple[str, ...] | None = None
    """None: keep the stack's, or spread again when ``replicas`` changes."""
    config: Mapping[str, Any] = field(default_factory=dict)
    flavour: str | None = None
    image: str | None = None


@dataclass(frozen=True)
class Overrides(Located):
    services: tuple[ServiceOverride, ...] = ()
    bgp: Mapping[str, Any] = field(default_factory=dict)
    """BgpSettings field -> value (``error_wait`` as a (min, max) tuple)."""


@dataclass(frozen=True)
class Probe(Located):
    """One steady-state check: ``kind`` is one of ``PROBE_KINDS`` (http, sql, ...)."""

    name: str
    kind: str
    service: str
    params: Mapping[str, Any]
    """The kind's fields, defaults filled in."""
    phases: tuple[Phase, ...] = tuple(Phase)
    tolerance: float = 0.0
    """Share of failed rounds allowed during the run; before and after must pass."""

    @property
    def service_key(self) -> str:
        return f"{self.kind}.service"


@dataclass(frozen=True)
class SteadyState(Located):
    interval: float = 1.0
    probes: tuple[Probe, ...] = ()

    def in_phase(self, phase: Phase) -> tuple[Probe, ...]:
        return tuple(p for p in self.probes if phase in p.phases)


@dataclass(frozen=True)
class ClientSpec(Located):
    """One workload client: ``kind`` is one of ``CLIENT_KINDS``; its operations go to ``service``."""

    kind: str
    service: str
    concurrency: int = 1
    rate: float = 0.0
    """Operations per second over all its workers; 0: as fast as they go."""
    timeout: float = 2.0
    params: Mapping[str, Any] = field(default_factory=dict)
    from_node: str | None = None
    """Connect from this node (through a relay there), so the fabric's faults reach the client."""

    @property
    def service_key(self) -> str:
        return "service"


@dataclass(frozen=True)
class Workload(Located):
    duration: float
    clients: tuple[ClientSpec, ...] = ()


@dataclass(frozen=True)
class TimedFault(Located):
    """A fault on the workload's clock: injected ``at`` seconds after the workload starts."""

    at: float
    duration: float | None
    """None: healed when the workload ends (and nothing to heal for instant kinds)."""
    spec: FaultSpec

    @property
    def instant(self) -> bool:
        return self.spec.instant

    def heal_at(self, horizon: float) -> float:
        """When the fault is healed, given the workload's duration."""
        if self.instant:
            return self.at
        return horizon if self.duration is None else self.at + self.duration

    def describe(self) -> str:
        span = (
            "" if self.instant else (f" for {self.duration:g}s" if self.duration is not None else " to end")
        )
        return f"{self.spec.describe()} at {self.at:g}s{span}"


@dataclass(frozen=True)
class GeneratedSchedule(Located):
    """A seeded random schedule: ``count`` faults drawn from ``kinds`` x ``targets``."""

    count: int
    kinds: tuple[str, ...]
    targets: Mapping[str, tuple[Any, ...]]
    """Fault parameter -> candidate values."""
    duration: tuple[float, float]
    """Shortest and longest fault, seconds."""
    window: tuple[float, float]
    """Faults are injected and healed within [start, end] of the workload's clock."""
    max_concurrent: int = 1
    min_gap: float = 0.0
    """Every injection comes at least this long after every earlier injection and heal."""


@dataclass(frozen=True)
class Recovery(Located):
    timeout: float = 30.0
    """After healing, how long the steady state may take to hold again."""


@dataclass(frozen=True)
class Invariant(Located):
    """A checker and its keyword arguments; the runner supplies history, fault windows and so on."""

    name: str
    checker: str
    kwargs: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Scenario(Located):
    name: str
    stack: StackRef
    workload: Workload
    description: str = ""
    typical_duration: float | None = None
    """Seconds a run usually takes here, stack up and down included (documentation, not a limit)."""
    overrides: Overrides = field(default_factory=Overrides)
    seed: int | None = None
    steady_state: SteadyState = field(default_factory=SteadyState)
    faults: tuple[TimedFault, ...] = ()
    schedules: tuple[GeneratedSchedule, ...] = ()
    recovery: Recovery = field(default_factory=Recovery)
    invariants: tuple[Invariant, ...] = ()
    expect: Expectation = Expectation.hold
    source: str = field(default="<scenario>", compare=False)

    @property
    def horizon(self) -> float:
        """The workload's duration: every fault is healed by then."""
        return self.workload.duration
