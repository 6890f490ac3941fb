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
from dataclasses import dataclass, field, fields
from functools import cached_property
from typing import Any

from xmux_sim.checkers.verdict import Verdict
from xmux_sim.history import FinalRead, History
from xmux_sim.params import Param, ParamType, hinted, ranged
from xmux_sim.registry import Registry, declared
from xmux_sim.timeline import AlertEvent, FaultEvent, ProbeResult, RouteSample

__all__ = ["CHECKERS", "FILTERS", "Arg", "CheckerKind", "Judge", "RunEvidence"]


@dataclass(frozen=True)
class RunEvidence:
    """Everything a finished run hands to the checkers, all on the run's clock."""

    history: History
    final_read: FinalRead = field(default_factory=FinalRead)
    """What each store holds after recovery."""
    faults: Sequence[FaultEvent] = ()
    probes: Sequence[ProbeResult] = ()
    """Every steady-state probe round."""
    routes: Sequence[RouteSample] = ()
    """Route samples of every node's router (empty on a one-node stack)."""
    nodes: Mapping[str, str] = field(default_factory=dict)
    """Node name -> its pod CIDR."""
    alerts: Sequence[AlertEvent] = ()
    """What Alertmanager notified the harness of (and what was active when it began listening)."""
    alert_watch: tuple[float, float] | None = None
    """When the harness listened for notifications; None: the stack has no Alertmanager."""
    alert_rules: frozenset[str] | None = None
    """Alert names the stack's rule files define; None: not known."""

    def supplied(self, argument: str) -> object:
        """What a checker's argument of this name takes from the run (for the default judge)."""
        if argument == "fault_windows":
            return [e.window() for e in self.faults]
        if argument not in _FIELDS:
            raise KeyError(f"no evidence for a checker argument {argument!r}; evidence: {', '.join(_FIELDS)}")
        return getattr(self, argument)


_FIELDS = tuple(f.name for f in fields(RunEvidence))

Judge = Callable[[RunEvidence, str, Mapping[str, Any]], Verdict]
"""(the run's evidence, the invariant's name, the file's arguments) -> verdict."""


@dataclass(frozen=True)
class Arg:
    """What a reference table says about a checker argument a file may set, and its range."""

    help: str
    minimum: float | None = None
    maximum: float | None = None
    above: float | None = None
    """An exclusive minimum (a window of 0 s is no window)."""


@dataclass(frozen=True)
class CheckerKind:
    name: str
    check: Callable[..., Verdict]
    """The pure function: evidence and arguments -> verdict."""
    help: str
    evidence: tuple[str, ...]
    """What it takes from a run: fields of RunEvidence (history, final_read, faults, ...)."""
    args: Mapping[str, Arg]
    """Every argument of ``check`` a file may set: its help line and range."""
    judge: Judge | None = None
    """How the run's evidence becomes ``check``'s arguments. Default: each argument without a
    default that a file does not set is taken from the evidence by its name."""
    validate: Callable[[Mapping[str, Any]], None] | None = None
    """Rules on the arguments a file set, beyond each one's range (elements of a list, keys of a
    mapping); raises ParamError naming the argument. Checked when the file is read."""

    def __post_init__(self) -> None:
        signature = inspect.signature(self.check).parameters
        unknown = [e for e in self.evidence if e not in _FIELDS]
        if unknown:
            raise ValueError(f"checker {self.name}: no evidence {unknown}; evidence: {', '.join(_FIELDS)}")
        missing = [a for a in self.args if a not in signature]
        unwritable = [a for a in self.args if a in signature and self._hint(a) is None]
        if missing or unwritable:
            raise ValueError(
                f"checker {self.name}: args {missing} are not arguments of {self.check.__name__}, "
                f"and {unwritable} cannot be written in a file"
            )

    def _hint(self, argument: str) -> ParamType[object] | None:
        return hinted(typing.get_type_hints(self.check)[argument])

    @cached_property
    def params(self) -> dict[str, Param]:
        """The arguments a scenario file may set, with types and defaults from the signature."""
        out: dict[str, Param] = {}
        for name, p in inspect.signature(self.check).parameters.items():
            kind = self._hint(name) if name in self.args else None
            if kind is not None:
                arg = self.args[name]
                out[name] = Param(
                    name,
                    ranged(kind, arg.minimum, arg.maximum, arg.above),
                    arg.help,
                    default=None if p.default is p.empty else p.default,
                    required=p.default is p.empty,
                )
        return out

    @cached_property
    def unsettable(self) -> frozenset[str]:
        """Arguments with a default a file cannot change (a function): they keep it."""
        return frozenset(
            name
            for name, p in inspect.signature(self.check).parameters.items()
            if name not in self.args and name != "name" and p.default is not p.empty
        )

    def run(self, evidence: RunEvidence, name: str, kwargs: Mapping[str, Any]) -> Verdict:
        if self.judge is not None:
            return self.judge(evidence, name, kwargs)
        supplied = {
            arg: evidence.supplied(arg)
            for arg, p in inspect.signature(self.check).parameters.items()
            if p.default is p.empty and arg not in self.args
        }
        return self.check(**supplied, name=name, **kwargs)


FILTERS = {
    "store": Arg("only operations on this store (a service name, or a list)"),
    "op": Arg("only operations of this kind (write, read, get, ...; a name or a list)"),
    "process": Arg("only operations of this client process (a name or a list)"),
}
"""The history filters (:func:`xmux_sim.history.select`) several checkers take."""


CHECKERS: Registry[CheckerKind] = Registry(
    "checker", ["xmux_sim.checkers"], declared(CheckerKind), lambda checker: (checker.name,)
)
