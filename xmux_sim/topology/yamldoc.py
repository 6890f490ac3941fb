"""YAML documents read safely, remembering where each value came from.

Every file the tool reads as YAML (stack files, scenario files, load profiles, and the
rule files of later kinds) comes through :meth:`YamlDoc.load`: the file is read by
:func:`xmux_sim.inputfile.read_text` (regular files only, a size cap, UTF-8), composed by
libyaml's C parser where PyYAML has it (several times faster than the pure-Python one,
which stays as the fallback; see benchmarks/validation.py), then walked once into plain
Python values and a table from key path to line, so every complaint names the file, the
line and the field.

The walk is where YAML's dangerous corners are closed, for every file at once:

- aliases (``*name``) are refused: a 600-byte file of nested aliases ("billion laughs")
  would expand to gigabytes, and a recursive one would never end;
- tags beyond the standard scalar ones are refused (``!!python/...``, ``!!binary``,
  ``!local``); a standard tag that does not fit its text (``!!int abc``) is a located error;
- numbers are finite (``.nan``, ``.inf``, ``1e999`` are refused) and whole numbers fit in 64
  bits (thousands of digits are refused before Python is asked to convert them);
- dates stay text, strings hold no NUL, and nesting is at most 32 levels deep.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
import yaml.constructor
import yaml.resolver

from xmux_sim.errors import InputError, StackFileError
from xmux_sim.inputfile import MAX_BYTES, read_text, size_text
from xmux_sim.params import (
    INT_LIMIT,
    NAME,
    TEXT,
    Param,
    ParamType,
    float_at_least,
    int_at_least,
    quoted,
    shown,
)

__all__ = ["LIBYAML", "MAX_DEPTH", "KeyPath", "Reader", "YamlDoc", "dotted"]

T = TypeVar("T")

KeyPath = tuple[str | int, ...]
MAX_DEPTH = 32
"""Deeper nesting than any of our files needs; libyaml itself stops at 1000."""

_STD = "tag:yaml.org,2002:"
_TEXT_TAGS = frozenset({f"{_STD}str", f"{_STD}merge", f"{_STD}value"})
"""``<<`` and ``=`` resolve to the merge and value tags; here they are plain text."""
_SCALAR_TAGS = _TEXT_TAGS | {f"{_STD}{t}" for t in ("int", "float", "bool", "null")}
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_.-]{1,64}")


# YAML 1.1's implicit types, except timestamps: a date stays the text it was written as.
_IMPLICIT = {
    first: [(tag, rx) for tag, rx in resolvers if tag != f"{_STD}timestamp"]
    for first, resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.items()
}

LIBYAML = hasattr(yaml, "CSafeLoader")
"""Whether PyYAML was built with libyaml (the C parser); the pure-Python parser is the fallback."""


class _PyLoader(yaml.SafeLoader):
    yaml_implicit_resolvers = _IMPLICIT


if LIBYAML:

    class _CLoader(yaml.CSafeLoader):
        yaml_implicit_resolvers = _IMPLICIT


def _compose(text: str) -> yaml.Node | None:
    """One document's node graph; only composed (aliases shared, nothing constructed)."""
    loader = _CLoader(text) if LIBYAML else _PyLoader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def dotted(path: KeyPath) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
            continue
        # A key is echoed as written only when it looks like one: never a line break or a novel.
        name = part if _PLAIN_KEY.fullmatch(part) else quoted(part)
        out += f".{name}" if out else name
    return out or "(top level)"


def _short(tag: str) -> str:
    return tag.replace(_STD, "!!")


@dataclass
class YamlDoc:
    """A parsed YAML document plus the line of every key path (1-based)."""

    source: str
    data: Any
    lines: dict[KeyPath, int] = field(default_factory=dict)
    error_type: type[InputError] = StackFileError
    """What the document's errors are (a stack file's, a scenario's, a profile's)."""

    @classmethod
    def load(
        cls, path: str | Path, error: type[InputError] = StackFileError, max_bytes: int = MAX_BYTES
    ) -> YamlDoc:
        """Read and parse the file at ``path``; every problem is an ``error`` naming it."""
        return cls.parse(read_text(path, error=error, max_bytes=max_bytes), str(path), error, max_bytes)

    @classmethod
    def parse(
        cls, text: str, source: str, error: type[InputError] = StackFileError, max_bytes: int = MAX_BYTES
    ) -> YamlDoc:
        if len(text) > max_bytes:
            raise error(f"{source}: larger than {size_text(max_bytes)}, the most an input file may be")
        try:
            node = _compose(text)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else 1
            problem = ", ".join(part for part in (exc.context, exc.problem) if part)
            raise error(f"{source}:{line}: not valid YAML: {problem}") from None
        except yaml.reader.ReaderError as exc:
            line = text[: exc.position].count("\n") + 1
            raise error(f"{source}:{line}: not valid YAML: {exc.reason}") from None
        except (yaml.YAMLError, UnicodeError) as exc:
            raise error(f"{source}: not valid YAML: {type(exc).__name__}") from None
        doc = cls(source=source, data=None, error_type=error)
        doc.data = {} if node is None else _Builder(doc).build(node, (), 0)
        return doc

    def line(self, path: KeyPath) -> int:
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)

    def error(self, path: KeyPath, message: str) -> InputError:
        return self.error_type(f"{self.source}:{self.line(path)}: {dotted(path)}: {message}")


class _Builder:
    """One walk over the composed nodes: plain values, lines, and every refusal above."""

    def __init__(self, doc: YamlDoc) -> None:
        self.doc = doc
        self.seen: set[int] = set()
        self.constructor = yaml.constructor.SafeConstructor()

    def build(self, node: yaml.Node, path: KeyPath, depth: int) -> Any:
        # An alias is the node its anchor named, met a second time.
        if id(node) in self.seen:
            raise self.doc.error(path, "YAML aliases (*name) are not allowed here; write the value out")
        self.seen.add(id(node))
        if depth > MAX_DEPTH:
            raise self.doc.error(path, f"nested deeper than {MAX_DEPTH} levels")
        # A key's own line wins over where its value starts (a mapping value starts below it).
        self.doc.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            if node.tag != f"{_STD}map":
                raise self._tag(node, path)
            return self._mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != f"{_STD}seq":
                raise self._tag(node, path)
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        assert isinstance(node, yaml.ScalarNode)
        return self.scalar(node, path)

    def _mapping(self, node: yaml.MappingNode, path: KeyPath, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode) or id(key_node) in self.seen:
                raise self.doc.error_type(
                    f"{self.doc.source}:{line}: {dotted(path)}: keys must be plain names"
                )
            if key_node.tag not in _SCALAR_TAGS:
                raise self._tag(key_node, path)
            self.seen.add(id(key_node))
            key = key_node.value
            if "\x00" in key:
                raise self.doc.error_type(
                    f"{self.doc.source}:{line}: {dotted(path)}: a key holds a NUL character"
                )
            if key in out:
                where = dotted((*path, key))
                raise self.doc.error_type(f"{self.doc.source}:{line}: {where}: {quoted(key)} appears twice")
            self.doc.lines[(*path, key)] = line
            out[key] = self.build(value_node, (*path, key), depth + 1)
        return out

    def _tag(self, node: yaml.Node, path: KeyPath) -> InputError:
        return self.doc.error(path, f"the tag {quoted(_short(node.tag))} is not allowed; write a plain value")

    def scalar(self, node: yaml.ScalarNode, path: KeyPath) -> Any:
        tag, text = node.tag, node.value
        if tag in _TEXT_TAGS:
            if "\x00" in text:
                raise self.doc.error(path, "the text holds a NUL character")
            return text
        if tag == f"{_STD}null":
            return None
        if tag == f"{_STD}bool":
            value = self.constructor.bool_values.get(text.lower())
            if value is None:
                raise self.doc.error(path, f"!!bool {quoted(text)} is not true or false")
            return value
        if tag == f"{_STD}int":
            return self._int(node, path)
        if tag == f"{_STD}float":
            return self._float(node, path)
        raise self._tag(node, path)

    def _int(self, node: yaml.ScalarNode, path: KeyPath) -> int:
        # Python refuses to convert more than 4300 digits, and nothing here needs more than 64 bits.
        if len(node.value) > 40:
            raise self.doc.error(path, "the number is too large (whole numbers here fit in 64 bits)")
        try:
            value: int = self.constructor.construct_yaml_int(node)
        except ValueError:
            raise self.doc.error(path, f"{quoted(node.value)} is not a whole number") from None
        if not -INT_LIMIT - 1 <= value <= INT_LIMIT:
            raise self.doc.error(path, "the number is too large (whole numbers here fit in 64 bits)")
        return value

    def _float(self, node: yaml.ScalarNode, path: KeyPath) -> float:
        try:
            value: float = self.constructor.construct_yaml_float(node)
        except ValueError:
            raise self.doc.error(path, f"{quoted(node.value)} is not a number") from None
        if not math.isfinite(value):
            raise self.doc.error(
                path, f"{node.value[:20]} is not a finite number (write a number, or quote it for text)"
            )
        return value


class Reader:
    """Typed, located access to a YamlDoc: every wrong value becomes a located error.

    To add a validated field: declare a :class:`~xmux_sim.params.Param` (a type from
    :mod:`xmux_sim.params` or :mod:`xmux_sim.values`, its help, its default) and read it
    with :meth:`param`; rules between fields raise ``doc.error(path, message)``.
    """

    def __init__(self, doc: YamlDoc) -> None:
        self.doc = doc

    def raw(self, path: KeyPath) -> Any:
        value: Any = self.doc.data
        for part in path:
            if isinstance(part, int):
                value = value[part] if isinstance(value, list) and part < len(value) else None
            else:
                value = value.get(part) if isinstance(value, Mapping) else None
        return value

    def has(self, path: KeyPath) -> bool:
        parent = self.raw(path[:-1])
        return isinstance(parent, Mapping) and path[-1] in parent

    def mapping(
        self, path: KeyPath, allowed: Iterable[str], required: Iterable[str] = (), optional: bool = False
    ) -> dict[str, Any]:
        value = self.raw(path)
        if value is None and optional:
            return {}
        if not isinstance(value, Mapping):
            raise self.doc.error(path, f"expected a mapping, got {shown(value)}")
        allowed_set = set(allowed)
        for key in value:
            if key not in allowed_set:
                raise self.doc.error(
                    (*path, key), f"unknown field; expected one of: {', '.join(sorted(allowed_set))}"
                )
        for key in required:
            if key not in value:
                raise self.doc.error(path, f"missing field {key!r}")
        return dict(value)

    def sequence(self, path: KeyPath, optional: bool = True) -> list[Any]:
        value = self.raw(path)
        if value is None and optional:
            return []
        if not isinstance(value, list):
            raise self.doc.error(path, f"expected a list, got {shown(value)}")
        return value

    def string(self, path: KeyPath, default: str | None = None, choices: Iterable[str] | None = None) -> str:
        value = self.raw(path)
        if value is None:
            if default is None:
                raise self.doc.error(path, "missing; expected a string")
            return default
        text = self.read(path, TEXT)
        if choices is not None:
            options = list(choices)
            if text not in options:
                raise self.doc.error(path, f"{quoted(text)} is not one of: {', '.join(options)}")
        return text

    def name(self, path: KeyPath) -> str:
        """A name (:data:`~xmux_sim.params.NAME`): lower-case letters, digits and '-'."""
        text = self.string(path)
        if not NAME.match(text):
            raise self.doc.error(
                path, f"{quoted(text)}: expected lower-case letters, digits and '-', starting with a letter"
            )
        return text

    def integer(
        self,
        path: KeyPath,
        default: int | None = None,
        minimum: int | None = None,
        maximum: int | None = None,
    ) -> int:
        if self.raw(path) is None:
            if default is None:
                raise self.doc.error(path, "missing; expected a whole number")
            return default
        return self.read(path, int_at_least(minimum, maximum))

    def number(
        self,
        path: KeyPath,
        default: float | None = None,
        minimum: float | None = None,
        maximum: float | None = None,
        above: float | None = None,
    ) -> float:
        if self.raw(path) is None:
            if default is None:
                raise self.doc.error(path, "missing; expected a number")
            return default
        return self.read(path, float_at_least(minimum, maximum, above=above))

    def boolean(self, path: KeyPath, default: bool) -> bool:
        value = self.raw(path)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.doc.error(path, f"expected true or false, got {shown(value)}")
        return value

    def read(self, path: KeyPath, kind: ParamType[T]) -> T:
        """The value at ``path`` read as ``kind``; a bad one is an error at its line."""
        try:
            return kind.read(self.raw(path))
        except ValueError as exc:
            raise self.doc.error(path, str(exc)) from None

    def param(self, path: KeyPath, param: Param) -> Any:
        """The value at ``path`` (whose last part is the param's name) read as the param says.

        Left out: the param's default, read by the same type (so a default of ``"5s"`` is a
        Duration too); a required param left out is an error naming what it is for.
        """
        if self.raw(path) is not None:
            return self.read(path, param.type)
        if param.required:
            raise self.doc.error(path, f"missing; {param.help}")
        return None if param.default is None else param.read(param.default)
