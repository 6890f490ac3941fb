"""One schema for every parameter a user writes: fault parameters, probe and client fields,
checker arguments, service settings, load-profile fields and the command-line options that
override them.

A :class:`Param` has a name, a type, a help line, and a default or ``required``. The type
reads a raw value (from YAML, or text from the command line through ``read_text``) and
says in its error what was expected, so every caller reports bad input the same way; its
``name`` is what the reference tables print. Types that name something in a stack (a pod,
a node, a service) say so in ``target``, which is how a fault is checked against a stack
and how two faults on the same target are found.

Every number a type reads is finite and bounded (``.nan``, ``.inf`` and integers beyond
64 bits are refused everywhere), and every name is matched whole (``fullmatch``: a
trailing newline is not part of a name).
"""

from __future__ import annotations

import argparse
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
    "INT_LIMIT",
    "NAME",
    "NAMES",
    "NODE",
    "NODES",
    "POD",
    "POD_NAME",
    "RATE",
    "SCALAR",
    "SEED",
    "SERVICE",
    "TEXT",
    "Param",
    "ParamError",
    "ParamType",
    "choice",
    "coerce",
    "distinct",
    "float_at_least",
    "hinted",
    "int_at_least",
    "name_type",
    "option",
    "quantity",
    "quoted",
    "ranged",
    "shown",
]

INT_LIMIT = 2**63 - 1
"""No whole number a user writes needs more than 64 bits; bigger ones are refused, not used."""
NAME = re.compile(r"^[a-z][a-z0-9-]{0,62}\Z")
"""Names of stacks, nodes, services, scenarios, probes, profiles: lower-case letters, digits and
'-', starting with a letter. Always matched whole (``\\Z``, not ``$``, which allows a final newline)."""
POD_NAME = re.compile(r"^(?P<service>[a-z][a-z0-9-]*?)-(?P<replica>\d{1,4})\Z")
_RATE = re.compile(r"^(?P<number>\d{1,9}(\.\d{1,6})?)(bit|kbit|mbit|gbit|bps|kbps|mbps|gbps)\Z")
_SHOWN = 60


class ParamError(ValueError):
    """A bad value: ``param`` names it (None: the whole) so the caller can point at its line."""

    def __init__(self, param: str | None, message: str) -> None:
        super().__init__(f"{param}: {message}" if param else message)
        self.param = param
        self.message = message


def quoted(value: object) -> str:
    """``repr`` of a value a user wrote, cut short: an error never echoes a whole file's worth."""
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def shown(value: object) -> str:
    """A value as an error message names it: ``str 'soon'``, ``a list``, ``nothing``; long ones cut."""
    if value is None:
        return "nothing"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {quoted(value)}"


def _same(text: str) -> object:
    return text


@dataclass(frozen=True)
class ParamType(Generic[T]):
    """How a value is read; ``read`` raises ValueError saying what was expected."""

    name: str
    """What a reference table calls it ("a whole number >= 1")."""
    read: Callable[[object], T]
    target: str | None = None
    """What the value names in a stack: "pod", "node", "service" or "node or pod" (a list)."""
    from_text: Callable[[str], object] = _same
    """How command-line text becomes the value ``read`` takes (``"5"`` -> 5 for whole numbers).
    It never raises: text it cannot convert is passed on as is, and ``read`` says what is wrong."""

    def read_text(self, text: str) -> T:
        """A command-line value, read by the same rules (and messages) as the file's."""
        return self.read(self.from_text(text))

    def option(self) -> Callable[[str], T]:
        """An argparse ``type=`` reading the option's text by this type (its message on error)."""
        return option(self.read_text, self.name)


def option(read: Callable[[str], T], name: str) -> Callable[[str], T]:
    """``read`` as an argparse ``type=``: its ValueError becomes argparse's error, message kept."""

    def convert(text: str) -> T:
        try:
            return read(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = name
    return convert


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
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {value}")
    return value


def _int_text(text: str) -> object:
    try:
        # Long text stays text (Python refuses thousands of digits): read then says what it got.
        return int(text.strip()) if len(text) <= 40 else text
    except ValueError:
        return text


def _float_text(text: str) -> object:
    try:
        return float(text.strip()) if len(text) <= 40 else text
    except ValueError:
        return text


def _num(value: float) -> str:
    """A bound as a reference table prints it: whole numbers in full, others short."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _bounds(minimum: float | None, maximum: float | None, above: float | None = None) -> str:
    """`` 0..1``, `` > 0``, `` >= 1``, `` > 0, <= 60``: how a reference table states a range."""
    if above is None and minimum is not None and maximum is not None:
        return f" {_num(minimum)}..{_num(maximum)}"
    parts = [f"> {_num(above)}"] if above is not None else []
    parts += [] if above is not None or minimum is None else [f">= {_num(minimum)}"]
    parts += [] if maximum is None else [f"<= {_num(maximum)}"]
    return "".join(f" {p}" for p in parts[:1]) + "".join(f", {p}" for p in parts[1:])


def _in_range(value: float, minimum: float | None, maximum: float | None, above: float | None = None) -> None:
    if above is not None and value <= above:
        raise ValueError(f"{_num(value)} is not above {_num(above)}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{_num(value)} is below the minimum {_num(minimum)}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{_num(value)} is above the maximum {_num(maximum)}")


def _whole(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected a whole number, got {shown(value)}")
    if not -INT_LIMIT - 1 <= value <= INT_LIMIT:
        raise ValueError("the number is too large (whole numbers here fit in 64 bits)")
    return value


def _finite(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected a number, got {shown(value)}")
    if isinstance(value, int):
        _whole(value)
    elif not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {value}")
    return float(value)


def int_at_least(minimum: int | None = None, maximum: int | None = None) -> ParamType[int]:
    """A whole number within [minimum, maximum] (each optional; always within 64 bits)."""

    def read(value: object) -> int:
        number = _whole(value)
        _in_range(number, minimum, maximum)
        return number

    return ParamType(f"a whole number{_bounds(minimum, maximum)}", read, from_text=_int_text)


def float_at_least(
    minimum: float | None = None, maximum: float | None = None, *, above: float | None = None
) -> ParamType[float]:
    """A finite number within [minimum, maximum] (or above ``above``, exclusive)."""

    def read(value: object) -> float:
        number = _finite(value)
        _in_range(number, minimum, maximum, above)
        return number

    return ParamType(f"a number{_bounds(minimum, maximum, above)}", read, from_text=_float_text)


def ranged(
    kind: ParamType[T],
    minimum: float | None = None,
    maximum: float | None = None,
    above: float | None = None,
) -> ParamType[T]:
    """``kind`` with a range on the numbers it reads (other values pass as ``kind`` reads them)."""
    if minimum is None and maximum is None and above is None:
        return kind

    def read(value: object) -> T:
        out = kind.read(value)
        if isinstance(out, int | float) and not isinstance(out, bool):
            _in_range(out, minimum, maximum, above)
        return out

    return ParamType(kind.name + _bounds(minimum, maximum, above), read, kind.target, kind.from_text)


TEXT = ParamType("a string", _text)
SCALAR = ParamType("a single value", _scalar)
SEED = int_at_least(0, INT_LIMIT)
"""The seed of a run's random choices (a scenario's ``seed``, ``--seed``)."""


# ----- names, and types that also read command-line text -------------------------------------


def _name(value: object) -> str:
    if not isinstance(value, str) or not NAME.match(value):
        rule = "lower-case letters, digits and '-', starting with a letter"
        raise ValueError(f"expected a name ({rule}), got {shown(value)}")
    return value


def name_type(what: str = "a name", target: str | None = None) -> ParamType[str]:
    """A name as stacks and scenarios write them (see :data:`NAME`)."""
    return ParamType(what, _name, target=target)


def _pod(value: object) -> str:
    if not isinstance(value, str) or not POD_NAME.match(value):
        raise ValueError(f"expected a pod as SERVICE-REPLICA (for example postgres-0), got {shown(value)}")
    return value


def _names(value: object) -> tuple[str, ...]:
    # "node-1,node-2" on the command line, a YAML list in a scenario file.
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not items:
        raise ValueError(f"expected a list of node or pod names, got {shown(value)}")
    return tuple(_name(i.strip() if isinstance(i, str) else i) for i in items)


def distinct(names: tuple[str, ...]) -> tuple[str, ...]:
    """``names`` when none is given twice (a target named twice is a slip, not twice the fault)."""
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(f"{twice[0]} is named twice; name each target once")
    return names


def _bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {shown(value)}")
    return value


def _bool_text(text: str) -> object:
    words = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
    return words.get(text.strip().lower(), text)


def _rate(value: object) -> str:
    text = value.lower() if isinstance(value, str) else ""
    m = _RATE.match(text)
    if m is None or float(m["number"]) <= 0:
        raise ValueError(f"expected a tc rate above 0 such as 1mbit or 500kbit, got {shown(value)}")
    return text


def quantity(minimum: float, maximum: float | None = None) -> ParamType[float]:
    """A number, also written as text with a unit the help names (``200ms``, ``30%``)."""

    def read(value: object) -> float:
        if isinstance(value, str):
            try:
                value = float(value.removesuffix("ms").removesuffix("%"))
            except ValueError:
                raise ValueError(f"expected a number, got {shown(value)}") from None
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ValueError(f"expected a finite number, got {shown(value)}")
        if value < minimum or (maximum is not None and value > maximum):
            bound = f"between {minimum:g} and {maximum:g}" if maximum is not None else f">= {minimum:g}"
            raise ValueError(f"{value:g} is out of range; expected {bound}")
        return float(value)

    bound = f"{minimum:g}..{maximum:g}" if maximum is not None else f">= {minimum:g}"
    return ParamType(f"a number {bound}", read)


def choice(*options: str) -> ParamType[str]:
    def read(value: object) -> str:
        if not isinstance(value, str) or value not in options:
            raise ValueError(f"{shown(value)} is not one of: {', '.join(options)}")
        return value

    return ParamType(" | ".join(options), read)


NODE = name_type("a node name", "node")
SERVICE = name_type("a service name", "service")
POD = ParamType("a pod (SERVICE-REPLICA)", _pod, target="pod")
NAMES = ParamType("a list of node or pod names", _names, target="node or pod")
NODES = ParamType("a list of node names, each once", lambda value: distinct(_names(value)), target="nodes")
BOOL = ParamType("true or false", _bool, from_text=_bool_text)
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
            return _whole(value) if hint is int else _finite(value)
    elif hint is str and isinstance(value, str) and value:
        return value
    elif origin in (Collection, Sequence) and isinstance(value, list):
        return tuple(coerce(v, args[0]) for v in value)
    elif origin is Mapping and isinstance(value, Mapping):
        return {coerce(k, args[0], key=True): coerce(v, args[1]) for k, v in value.items()}
    raise ValueError(f"expected {_describe(hint)}, got {shown(value)}")


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
