"""YAML documents that remember where each value came from.

Stack and scenario files are validated on load, and every complaint must name the
file, the line and the field. PyYAML's composer keeps a mark on every node; we walk the
node graph once, building plain Python values and a table from key path to line.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml

from xmux_sim.errors import StackFileError
from xmux_sim.params import TEXT, ParamType, float_at_least, int_at_least, shown

T = TypeVar("T")

KeyPath = tuple[str | int, ...]


def dotted(path: KeyPath) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "(top level)"


@dataclass
class YamlDoc:
    """A parsed YAML document plus the line of every key path (1-based)."""

    source: str
    data: Any
    lines: dict[KeyPath, int] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path) -> YamlDoc:
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise StackFileError(f"{p}: no such file") from None
        return cls.parse(text, str(p))

    @classmethod
    def parse(cls, text: str, source: str) -> YamlDoc:
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else 1
            raise StackFileError(f"{source}:{line}: not valid YAML: {exc.problem or exc}") from None
        except yaml.YAMLError as exc:
            raise StackFileError(f"{source}: not valid YAML: {exc}") from None
        doc = cls(source=source, data=None)
        doc.data = {} if node is None else doc._build(node, ())
        return doc

    def _build(self, node: yaml.Node, path: KeyPath) -> Any:
        # A key's own line wins over where its value starts (a mapping value starts below it).
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key = key_node.value
                if not isinstance(key_node, yaml.ScalarNode):
                    raise StackFileError(
                        f"{self.source}:{key_node.start_mark.line + 1}: keys must be plain names"
                    )
                if key in out:
                    raise StackFileError(
                        f"{self.source}:{key_node.start_mark.line + 1}: {key!r} appears twice"
                    )
                self.lines[(*path, key)] = key_node.start_mark.line + 1
                out[key] = self._build(value_node, (*path, key))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self._build(item, (*path, i)) for i, item in enumerate(node.value)]
        # Scalars: let the safe constructor resolve ints, floats, bools and nulls.
        loader = yaml.SafeLoader("")
        try:
            return loader.construct_object(node, deep=True)
        finally:
            loader.dispose()

    def line(self, path: KeyPath) -> int:
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)

    def error(self, path: KeyPath, message: str) -> StackFileError:
        return StackFileError(f"{self.source}:{self.line(path)}: {dotted(path)}: {message}")


class Reader:
    """Typed, located access to a YamlDoc: every wrong value becomes a located error."""

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
                raise self.doc.error(path, f"{text!r} is not one of: {', '.join(options)}")
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

    def number(self, path: KeyPath, default: float | None = None, minimum: float | None = None) -> float:
        if self.raw(path) is None:
            if default is None:
                raise self.doc.error(path, "missing; expected a number")
            return default
        return self.read(path, float_at_least(minimum))

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
