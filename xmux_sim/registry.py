"""Named extensions of one kind (fault kinds, checkers, ...), each declared once in its own module.

A registry finds its entries in the modules of one package the first time it is asked,
so adding an extension means adding a module (or an object to one): no table to update.
Entries can also be added at run time, by a plugin or a test (``with REGISTRY.added(x):``).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from threading import RLock
from types import ModuleType
from typing import Generic, TypeVar

T = TypeVar("T")

__all__ = ["Registry", "declared", "subclasses", "submodules"]


def submodules(package: str) -> list[ModuleType]:
    """Every module directly inside ``package``, imported, in name order."""
    root = importlib.import_module(package)
    names = sorted(info.name for info in pkgutil.iter_modules(root.__path__) if not info.ispkg)
    return [importlib.import_module(f"{package}.{name}") for name in names]


def declared(kind: type[T]) -> Callable[[ModuleType], list[T]]:
    """Collects the ``kind`` objects a module declares at its top level (a FaultKind, ...)."""

    def collect(module: ModuleType) -> list[T]:
        return [v for v in vars(module).values() if isinstance(v, kind)]

    return collect


def subclasses(base: type[T], marker: str) -> Callable[[ModuleType], list[type[T]]]:
    """Collects the subclasses of ``base`` a module defines that set ``marker`` themselves."""

    def collect(module: ModuleType) -> list[type[T]]:
        return [
            cls
            for cls in vars(module).values()
            if inspect.isclass(cls)
            and issubclass(cls, base)
            and cls.__module__ == module.__name__
            and marker in vars(cls)
        ]

    return collect


class Registry(Generic[T]):
    """Entries by name; ``collect`` picks the entries a module declares."""

    def __init__(
        self,
        what: str,
        packages: Iterable[str],
        collect: Callable[[ModuleType], Iterable[T]],
        name_of: Callable[[T], Iterable[str]],
    ) -> None:
        self.what = what
        self._packages = tuple(packages)
        self._collect = collect
        self._name_of = name_of
        self._entries: dict[str, T] = {}
        self._loaded = False
        self._lock = RLock()

    def _load(self) -> dict[str, T]:
        with self._lock:
            if not self._loaded:
                self._loaded = True
                for package in self._packages:
                    for module in submodules(package):
                        for entry in self._collect(module):
                            self.add(entry)
            return self._entries

    def add(self, entry: T) -> T:
        entries = self._load()
        for name in self._name_of(entry):
            if name in entries and entries[name] is not entry:
                raise ValueError(f"{self.what} {name!r} is declared twice")
            entries[name] = entry
        return entry

    def remove(self, entry: T) -> None:
        entries = self._load()
        for name in self._name_of(entry):
            entries.pop(name, None)

    @contextmanager
    def added(self, *entries: T) -> Iterator[None]:
        """Entries registered for a with-block (a test's own extension)."""
        for entry in entries:
            self.add(entry)
        try:
            yield
        finally:
            for entry in entries:
                self.remove(entry)

    def __getitem__(self, name: str) -> T:
        return self._load()[name]

    def get(self, name: str) -> T | None:
        return self._load().get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._load()

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._load()))

    def __len__(self) -> int:
        return len(self._load())

    def names(self) -> list[str]:
        return list(self._load())

    def values(self) -> list[T]:
        """Each entry once (an entry may carry several names), in declaration order."""
        seen: list[T] = []
        for entry in self._load().values():
            if not any(entry is s for s in seen):
                seen.append(entry)
        return seen

    def unknown(self, name: str) -> str:
        return f"unknown {self.what} {name!r}; expected one of: {', '.join(self.names())}"
