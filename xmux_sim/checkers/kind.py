"""What a checker is, declared once: its function, the evidence it takes from a run, its arguments.

Each checker module ends with a :class:`CheckerKind`; :data:`CHECKERS` finds them. The
arguments a scenario file may set are the function's keyword arguments: their types and
defaults come from its signature, their help lines and ranges from ``args`` here. The
arguments the run supplies (``evidence``) are filled from a :class:`RunEvidence` by
``judge``, so the experiment never needs to know one checker from another.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from types import ModuleType
from typing import Any

from xmux_sim.checkers.verdict import Verdict
from xmux_sim.history import FinalRead, History
from xmux_sim.params import Param, ParamType, hinted
from xmux_sim.registry import Registry
from xmux_sim.timeline import FaultEvent, FaultWindow, ProbeResult, RouteSample

__all__ = ["CHECKERS", "FILTERS", "Arg", "CheckerKind", "Judge", "RunEvidence"]


@dataclass(frozen=True)
class RunEvidence:
    """Everything a finished run hands to the checkers, all on the run's clock."""

    history: History
    final_read: FinalRead = field(default_factory=FinalRead)
    faults: Sequence[FaultEvent] = ()
    probes: Sequence[ProbeResult] = ()
    """Every steady-state probe round."""
    routes: Sequence[RouteSample] = ()
    """Route samples of every node's router (empty on a one-node stack)."""
    nodes: Mapping[str, str] = field(default_factory=dict)
    """Node name -> its pod CIDR."""

    @property
    def fault_windows(self) -> list[FaultWindow]:
        return [e.window() for e in self.faults]

    def supplied(self, name: str) -> object:
        """The evidence a checker argument of this name takes (the default judge's lookup)."""
        if name not in _SUPPLIED:
            raise KeyError(f"no evidence named {name!r}; evidence: {', '.join(_SUPPLIED)}")
        return getattr(self, name)


_SUPPLIED = ("history", "final_read", "fault_windows", "probes", "routes")

Judge = Callable[[RunEvidence, str, Mapping[str, Any]], Verdict]
"""(the run's evidence, the invariant's name, the file's arguments) -> verdict."""


@dataclass(frozen=True)
class Arg:
    """What a reference table says about a checker argument a file may set, and its range."""

    help: str
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class CheckerKind:
    name: str
    check: Callable[..., Verdict]
    """The pure function: evidence and arguments -> verdict."""
    help: str
    evidence: tuple[str, ...]
    """Arguments of ``check`` the run supplies (history, final_read, fault_windows, ...)."""
    args: Mapping[str, Arg]
    """Every argument a file may set: its help line and range."""
    judge: Judge | None = None
    """How the run's evidence becomes ``check``'s arguments; default: ``evidence`` by name."""

    def __post_init__(self) -> None:
        settable = set(self.params)
        unknown = set(self.args) - settable
        undocumented = settable - set(self.args)
        if unknown or undocumented:
            raise ValueError(
                f"checker {self.name}: args must document exactly its settable arguments "
                f"(undocumented: {sorted(undocumented)}, unknown: {sorted(unknown)})"
            )

    @cached_property
    def unsettable(self) -> frozenset[str]:
        """Arguments of ``check`` a file cannot write (a function); they keep their defaults."""
        hints = typing.get_type_hints(self.check)
        names = inspect.signature(self.check).parameters
        return frozenset(
            n for n in names if n not in self.evidence and n != "name" and hinted(hints[n]) is None
        )

    @cached_property
    def params(self) -> dict[str, Param]:
        """The arguments a scenario file may set, with types from the signature."""
        hints = typing.get_type_hints(self.check)
        out: dict[str, Param] = {}
        for name, p in inspect.signature(self.check).parameters.items():
            if name in self.evidence or name == "name" or name in self.unsettable:
                continue
            kind = hinted(hints[name])
            if kind is None:
                continue
            arg = self.args.get(name, Arg(""))
            out[name] = Param(
                name,
                _ranged(kind, arg),
                arg.help,
                default=None if p.default is p.empty else p.default,
                required=p.default is p.empty,
            )
        return out

    def run(self, evidence: RunEvidence, name: str, kwargs: Mapping[str, Any]) -> Verdict:
        if self.judge is not None:
            return self.judge(evidence, name, kwargs)
        supplied = {e: evidence.supplied(e) for e in self.evidence}
        return self.check(**supplied, name=name, **kwargs)


FILTERS = {
    "store": Arg("only operations on this store (a service name, or a list)"),
    "op": Arg("only operations of this kind (write, read, get, ...; a name or a list)"),
    "process": Arg("only operations of this client process (a name or a list)"),
}
"""The history filters (:func:`xmux_sim.history.select`) several checkers take."""


def _ranged(kind: ParamType[object], arg: Arg) -> ParamType[object]:
    if arg.minimum is None and arg.maximum is None:
        return kind

    def read(value: object) -> object:
        out = kind.read(value)
        if isinstance(out, int | float) and not isinstance(out, bool):
            if arg.minimum is not None and out < arg.minimum:
                raise ValueError(f"{out} is below the minimum {arg.minimum:g}")
            if arg.maximum is not None and out > arg.maximum:
                raise ValueError(f"{out} is above the maximum {arg.maximum:g}")
        return out

    return ParamType(kind.name, read, kind.target)


def _declared(module: ModuleType) -> list[CheckerKind]:
    return [v for v in vars(module).values() if isinstance(v, CheckerKind)]


CHECKERS: Registry[CheckerKind] = Registry(
    "checker", ["xmux_sim.checkers"], _declared, lambda checker: (checker.name,)
)
