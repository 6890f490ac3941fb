"""What a fault kind is, declared once: its parameters, what it aims at, whether it heals.

Each kind is a :class:`FaultKind` object in a module of :mod:`xmux_sim.faults.kinds`;
:data:`FAULT_KINDS` finds them there. Everything else about a kind is derived from the
declaration: parsing and checking specs (CLI, scenario files, the fault ledger), the
overlap rule of schedules, `xmux-sim faults --kinds`, and the reference tables. A
provider implements the effect of each kind (see ``xmux_sim.providers``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from xmux_sim.params import Param, ParamError
from xmux_sim.registry import Registry, declared

__all__ = ["FAULT_KINDS", "FaultKind", "FaultSpecError"]


class FaultSpecError(ParamError):
    """A bad fault parameter: ``param`` names it (None: the fault as a whole) so callers can locate it."""


@dataclass(frozen=True)
class FaultKind:
    name: str
    help: str
    params: tuple[Param, ...]
    one_of: tuple[str, ...] = ()
    """Exactly one of these parameters must be given (a fault aims at a node or at a pod)."""
    instant: bool = False
    """One action with nothing to heal (start a pod): it takes no duration."""
    holds: str | None = None
    """What two faults must not hold at once, with the same targets; default: the kind's name."""
    validate: Callable[[Mapping[str, Any]], None] | None = None
    """Rules between parameters, on the parsed values; raises FaultSpecError."""
    each: tuple[tuple[str, str], ...] = ()
    """(list parameter, the parameter each of its targets fills): ``("nodes", "node")`` lets one
    fault take several targets, carried out as one fault per target, all at once."""

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    @property
    def targets(self) -> tuple[str, ...]:
        """The parameters that name something in the stack (a pod, a node, a service, sides)."""
        return tuple(p.name for p in self.params if p.type.target is not None)

    @property
    def main_param(self) -> str:
        """The parameter a bare first word on the command line fills (`xmux-sim fault kill db-0`)."""
        required = [p.name for p in self.params if p.required]
        return required[0] if required else (self.one_of[0] if self.one_of else self.params[0].name)

    def target_key(self, params: Mapping[str, Any]) -> tuple[str, ...] | None:
        """What a fault holds while active: two faults with the same key must not overlap in time.

        Killing a pod that is already killed, or dropping a dropped node, means nothing and
        leaves the heal order ambiguous. Instant kinds hold nothing.
        """
        if self.instant:
            return None
        names = [_key_part(params[p]) for p in self.targets if p in params]
        return (self.holds or self.name, *names)


def _key_part(value: object) -> str:
    return ",".join(sorted(value)) if isinstance(value, tuple | list) else str(value)


FAULT_KINDS: Registry[FaultKind] = Registry(
    "fault kind", ["xmux_sim.faults.kinds"], declared(FaultKind), lambda kind: (kind.name,)
)
