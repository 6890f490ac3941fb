"""One schema for every parameter a user writes: fault parameters, probe and client fields,
checker arguments.

A :class:`Param` has a name, a type, a help line, and a default or ``required``. The type
reads a raw value (from YAML, or text from the command line) and says in its error what
was expected, so every caller reports bad input the same way; its ``name`` is what the
reference tables print. Types that name something in a stack (a pod, a node, a service)
say so in ``target``, which is how a fault is checked against a stack and how two faults
on the same target are found.
"""

from __future__ import annotations

import contextlib
import math
import re
import types
import typing
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")

__all__ = [
    "BOOL",
    "NAMES",
    "NODE",
    "POD",
    "POD_NAME",
    "RATE",
    "SCALAR",
    "SERVICE",
    "TEXT",
    "Param",
    "ParamType",
    "choice",
    "coerce",
    "float_at_least",
    "hinted",
    "int_at_least",
    "quantity",
    "shown",
]

POD_NAME = re.compile(r"^(?P<service>[a-z][a-z0-9-]*?)-(?P<replica>\d+)$")
_RATE = re.compile(r"^\d+(\.\d+)?(bit|kbit|mbit|gbit|bps|kbps|mbps|gbps)$")


def shown(value: object) -> str:
    """A value as an error message names it: ``str 'soon'``, ``a list``, ``nothing``."""
    if value is None:
        return "nothing"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"


@dataclass(frozen=True)
class ParamType(Generic[T]):
    """How a value is read; ``read`` raises ValueError saying what was expected."""

    name: str
    """What a reference table calls it ("a whole number >= 1")."""
    read: Callable[[object], T]
    target: str | None = None
    """What the value names in a stack: "pod", "node", "service" or "node or pod" (a list)."""


@dataclass(frozen=True)
class Param:
    """One parameter; ``default`` None and not required: it may be left out."""

    name: str
    type: ParamType[Any]
    help: str
    default: object = None
    required: bool = False

    def read(self, value: object) -> object:
        return self.type.read(value)

    def doc(self) -> str:
        """The parameter as a reference table lists it: `name` [default] or (required), its type."""
        if self.required:
            return f"`{self.name}` (required; {self.type.name})"
        if self.default is not None:
            return f"`{self.name}` [{_plain(self.default)}] ({self.type.name})"
        return f"`{self.name}` ({self.type.name})"


def _plain(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, tuple | list):
        return ", ".join(_plain(v) for v in value)
    return str(value)


# ----- strict types: a YAML value of exactly this type ----------------------------------------


def _text(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"expected a non-empty string, got {shown(value)}")
    return value


def _scalar(value: object) -> object:
    if isinstance(value, list | Mapping):
        raise ValueError("expected a single value")
    return value


def int_at_least(minimum: int | None = None, maximum: int | None = None) -> ParamType[int]:
    def read(value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"expected a whole number, got {shown(value)}")
        if minimum is not None and value < minimum:
            raise ValueError(f"{value} is below the minimum {minimum}")
        if maximum is not None and value > maximum:
            raise ValueError(f"{value} is above the maximum {maximum}")
        return value

    bound = "" if minimum is None else f" >= {minimum}"
    return ParamType(f"a whole number{bound}", read)


def float_at_least(minimum: float | None = None) -> ParamType[float]:
    def read(value: object) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"expected a number, got {shown(value)}")
        if minimum is not None and value < minimum:
            raise ValueError(f"{value} is below the minimum {minimum}")
        return float(value)

    bound = "" if minimum is None else f" >= {minimum:g}"
    return ParamType(f"a number{bound}", read)


TEXT = ParamType("a string", _text)
SCALAR = ParamType("a single value", _scalar)


# ----- lenient types: also from command-line text ----------------------------------------------


def _name(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"expected a name, got {value!r}")
    return value


def _pod(value: object) -> str:
    text = _name(value)
    if not POD_NAME.match(text):
        raise ValueError(f"expected a pod as SERVICE-REPLICA (for example postgres-0), got {text!r}")
    return text


def _names(value: object) -> tuple[str, ...]:
    # "node-1,node-2" on the command line, a YAML list in a scenario file.
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not items:
        raise ValueError(f"expected a list of node or pod names, got {value!r}")
    return tuple(_name(str(i).strip()) for i in items)


def _bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "yes", "1", "false", "no", "0"):
        return value.lower() in ("true", "yes", "1")
    raise ValueError(f"expected true or false, got {value!r}")


def _rate(value: object) -> str:
    text = _name(value).lower()
    if not _RATE.match(text):
        raise ValueError(f"expected a tc rate such as 1mbit or 500kbit, got {value!r}")
    return text


def quantity(minimum: float, maximum: float | None = None) -> ParamType[float]:
    """A number, also written as text with a unit the help names (``200ms``, ``30%``)."""

    def read(value: object) -> float:
        if isinstance(value, str):
            try:
                value = float(value.removesuffix("ms").removesuffix("%"))
            except ValueError:
                raise ValueError(f"expected a number, got {value!r}") from None
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ValueError(f"expected a number, got {value!r}")
        if value < minimum or (maximum is not None and value > maximum):
            bound = f"between {minimum:g} and {maximum:g}" if maximum is not None else f">= {minimum:g}"
            raise ValueError(f"{value:g} is out of range; expected {bound}")
        return float(value)

    bound = f"{minimum:g}..{maximum:g}" if maximum is not None else f">= {minimum:g}"
    return ParamType(f"a number {bound}", read)


def choice(*options: str) -> ParamType[str]:
    def read(value: object) -> str:
        if value not in options:
            raise ValueError(f"{value!r} is not one of: {', '.join(options)}")
        return str(value)

    return ParamType(" | ".join(options), read)


NODE = ParamType("a node name", _name, target="node")
SERVICE = ParamType("a service name", _name, target="service")
POD = ParamType("a pod (SERVICE-REPLICA)", _pod, target="pod")
NAMES = ParamType("a list of node or pod names", _names, target="node or pod")
BOOL = ParamType("true or false", _bool)
RATE = ParamType("a tc rate (1mbit, 500kbit)", _rate)


# ----- types read from a Python annotation (a checker's keyword arguments) ---------------------


def hinted(hint: Any) -> ParamType[object] | None:
    """The type a file writes for this annotation; None: a file cannot express it (a function)."""
    name = _describe(hint)
    if name is None:
        return None
    return ParamType(name, lambda value: coerce(value, hint))


def coerce(value: object, hint: Any, *, key: bool = False) -> object:
    """A YAML value as the type an annotation asks for; ValueError says what was expected.

    ``key``: the value is a mapping key, which YAML documents here keep as text.
    """
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        for arm in args:
            if arm is not type(None):
                try:
                    return coerce(value, arm, key=key)
                except ValueError:
                    continue
    elif hint is bool and isinstance(value, bool):
        return value
    elif hint in (int, float) and not isinstance(value, bool):
        if key and isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = hint(value)
        if isinstance(value, int) or (hint is float and isinstance(value, float)):
            return hint(value)
    elif hint is str and isinstance(value, str) and value:
        return value
    elif origin in (Collection, Sequence) and isinstance(value, list):
        return tuple(coerce(v, args[0]) for v in value)
    elif origin is Mapping and isinstance(value, Mapping):
        return {coerce(k, args[0], key=True): coerce(v, args[1]) for k, v in value.items()}
    raise ValueError(f"expected {_describe(hint)}, got {value!r}")


def _describe(hint: Any) -> str | None:
    """How a file writes a value of this type; None: it cannot."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        arms = [_describe(a) for a in args if a is not type(None)]
        if None in arms:
            return None
        return " or ".join(str(a) for a in arms) + (" or null" if type(None) in args else "")
    simple = {bool: "true or false", int: "a whole number", float: "a number", str: "a string"}
    if hint in simple:
        return simple[hint]
    if origin in (Collection, Sequence):
        inner = _describe(args[0])
        return None if inner is None else f"a list of ({inner})"
    if origin is Mapping:
        k, v = _describe(args[0]), _describe(args[1])
        return None if k is None or v is None else f"a mapping of ({k}) to ({v})"
    return None
