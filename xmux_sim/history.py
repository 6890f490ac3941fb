"""The history of a run: every client operation, its outcome, on one clock.

A history is the only thing checkers look at, so it must say honestly what a
client knew: an operation that timed out may or may not have taken effect and
is recorded as ``unknown``, never as ``fail`` (Jepsen's ``:info``).
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType, TracebackType
from typing import Any, Final, overload

from xmux_sim.timeline import RunClock

__all__ = [
    "FinalRead",
    "History",
    "OpRecord",
    "Operation",
    "Outcome",
    "Recorder",
    "select",
]


class Outcome(StrEnum):
    ok = "ok"
    fail = "fail"
    unknown = "unknown"


# One shared read-only mapping: a million operations without extras must not
# carry a million empty dicts.
_NO_EXTRA: Final[Mapping[str, Any]] = MappingProxyType({})

FIELDS: Final = (
    "process",
    "op",
    "key",
    "value",
    "invoke_t",
    "complete_t",
    "outcome",
    "store",
    "error",
    "extra",
)
_FIELD_SET: Final = frozenset(FIELDS)
# A dict lookup instead of the Enum constructor: read_jsonl parses millions of these.
_OUTCOMES: Final = {o.value: o for o in Outcome}


@dataclass(frozen=True, slots=True)
class Operation:
    """One client operation. Times are run-clock seconds (see `RunClock`)."""

    process: str
    op: str
    key: str | None
    value: object
    invoke_t: float
    complete_t: float | None
    outcome: Outcome
    store: str | None = None
    error: str | None = None
    # Excluded from the hash so an operation stays hashable whenever its value is.
    extra: Mapping[str, Any] = field(default_factory=lambda: _NO_EXTRA, hash=False)

    @property
    def pending(self) -> bool:
        return self.complete_t is None

    @property
    def latency(self) -> float | None:
        return None if self.complete_t is None else self.complete_t - self.invoke_t

    def to_dict(self) -> dict[str, Any]:
        return {
            "process": self.process,
            "op": self.op,
            "key": self.key,
            "value": self.value,
            "invoke_t": self.invoke_t,
            "complete_t": self.complete_t,
            "outcome": self.outcome.value,
            "store": self.store,
            "error": self.error,
            "extra": dict(self.extra),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Operation:
        if not _FIELD_SET.issuperset(data):
            unknown = sorted(set(data) - _FIELD_SET)
            raise ValueError(f"unknown field(s) {unknown}; expected {list(FIELDS)}")
        complete_t = data.get("complete_t")
        extra = data.get("extra") or {}
        return cls(
            process=str(data["process"]),
            op=str(data["op"]),
            key=data.get("key"),
            value=data.get("value"),
            invoke_t=float(data["invoke_t"]),
            complete_t=None if complete_t is None else float(complete_t),
            outcome=_OUTCOMES.get(data["outcome"]) or Outcome(data["outcome"]),
            store=data.get("store"),
            error=data.get("error"),
            extra=MappingProxyType(dict(extra)) if extra else _NO_EXTRA,
        )


def _json_fallback(obj: object) -> object:
    # Read results are often sets; everything else unknown to JSON is kept as
    # text rather than losing the whole history file at the end of a run.
    if isinstance(obj, set | frozenset):
        try:
            return sorted(obj)
        except TypeError:  # mixed types: any stable order will do
            return sorted(obj, key=repr)
    if isinstance(obj, Mapping):
        return dict(obj)
    return repr(obj)


# One encoder for all lines: json.dumps with options builds a new encoder per call.
_ENCODER: Final = json.JSONEncoder(default=_json_fallback, allow_nan=False)


def _as_names(names: str | Collection[str] | None) -> Collection[str] | None:
    if names is None:
        return None
    return (names,) if isinstance(names, str) else frozenset(names)


def select(
    ops: Iterable[Operation],
    *,
    store: str | Collection[str] | None = None,
    op: str | Collection[str] | None = None,
    process: str | Collection[str] | None = None,
    key: str | None = None,
    outcome: Outcome | None = None,
    where: Callable[[Operation], bool] | None = None,
) -> Iterator[Operation]:
    """Operations matching every given criterion (None means "any")."""
    stores, kinds, processes = _as_names(store), _as_names(op), _as_names(process)
    for o in ops:
        if stores is not None and o.store not in stores:
            continue
        if kinds is not None and o.op not in kinds:
            continue
        if processes is not None and o.process not in processes:
            continue
        if key is not None and o.key != key:
            continue
        if outcome is not None and o.outcome is not outcome:
            continue
        if where is not None and not where(o):
            continue
        yield o


class History(Sequence[Operation]):
    """Operations in the order they were recorded (completion order for a `Recorder`)."""

    __slots__ = ("_ops",)

    def __init__(self, ops: Iterable[Operation] = ()) -> None:
        self._ops: list[Operation] = list(ops)

    def append(self, op: Operation) -> None:
        self._ops.append(op)

    def extend(self, ops: Iterable[Operation]) -> None:
        self._ops.extend(ops)

    def __iter__(self) -> Iterator[Operation]:
        return iter(self._ops)

    def __len__(self) -> int:
        return len(self._ops)

    @overload
    def __getitem__(self, index: int) -> Operation: ...
    @overload
    def __getitem__(self, index: slice) -> History: ...
    def __getitem__(self, index: int | slice) -> Operation | History:
        if isinstance(index, slice):
            return History(self._ops[index])
        return self._ops[index]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, History):
            return NotImplemented
        return self._ops == other._ops

    __hash__ = None  # type: ignore[assignment]  # mutable container

    def __repr__(self) -> str:
        return f"History({len(self._ops)} operations)"

    def filter(
        self,
        *,
        store: str | Collection[str] | None = None,
        op: str | Collection[str] | None = None,
        process: str | Collection[str] | None = None,
        key: str | None = None,
        outcome: Outcome | None = None,
        where: Callable[[Operation], bool] | None = None,
    ) -> History:
        return History(
            select(self._ops, store=store, op=op, process=process, key=key, outcome=outcome, where=where)
        )

    def by_invoke_time(self) -> History:
        return History(sorted(self._ops, key=lambda o: o.invoke_t))

    def stores(self) -> set[str]:
        return {o.store for o in self._ops if o.store is not None}

    def processes(self) -> set[str]:
        return {o.process for o in self._ops}

    def write_jsonl(self, path: str | Path) -> None:
        with Path(path).open("w", encoding="utf-8") as out:
            for o in self._ops:
                out.write(_ENCODER.encode(o.to_dict()))
                out.write("\n")

    @classmethod
    def read_jsonl(cls, path: str | Path) -> History:
        history = cls()
        with Path(path).open(encoding="utf-8") as src:
            for lineno, line in enumerate(src, start=1):
                if not line.strip():
                    continue
                try:
                    history.append(Operation.from_dict(json.loads(line)))
                except (ValueError, KeyError, TypeError) as exc:
                    raise ValueError(f"{path}:{lineno}: not an operation: {exc}") from exc
        return history


_UNSET: Final = object()


class OpRecord:
    """Handle for an operation in flight; the body of `Recorder.operation` marks it."""

    __slots__ = ("error", "extra", "invoke_t", "key", "op", "outcome", "process", "store", "value")

    def __init__(
        self,
        process: str,
        op: str,
        key: str | None,
        value: object,
        store: str | None,
        invoke_t: float,
        extra: Mapping[str, Any],
    ) -> None:
        self.process = process
        self.op = op
        self.key = key
        self.value = value
        self.store = store
        self.invoke_t = invoke_t
        self.extra = extra
        self.outcome: Outcome | None = None
        self.error: str | None = None

    def ok(self, value: object = _UNSET) -> None:
        """The store acknowledged; ``value`` replaces the invoked one (e.g. what a read returned)."""
        self.outcome = Outcome.ok
        if value is not _UNSET:
            self.value = value

    def fail(self, error: str | BaseException) -> None:
        """The store said definitely no: the operation did not take effect."""
        self.outcome = Outcome.fail
        self.error = _describe(error)

    def unknown(self, error: str | BaseException | None = None) -> None:
        """The client cannot tell whether the operation took effect (e.g. a deadline passed)."""
        self.outcome = Outcome.unknown
        self.error = None if error is None else _describe(error)

    def finish(self, complete_t: float | None, outcome: Outcome) -> Operation:
        return Operation(
            process=self.process,
            op=self.op,
            key=self.key,
            value=self.value,
            invoke_t=self.invoke_t,
            complete_t=complete_t,
            outcome=outcome,
            store=self.store,
            error=self.error,
            extra=self.extra,
        )


def _describe(error: str | BaseException) -> str:
    if isinstance(error, str):
        return error
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


class _OperationScope:
    """Both a sync and an async context manager, so asyncio clients can use either form."""

    __slots__ = ("_record", "_recorder")

    def __init__(self, recorder: Recorder, record: OpRecord) -> None:
        self._recorder = recorder
        self._record = record

    def __enter__(self) -> OpRecord:
        self._record.invoke_t = self._recorder.clock.now()
        self._recorder._begin(self._record)
        return self._record

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._recorder._complete(self._record, exc)

    async def __aenter__(self) -> OpRecord:
        return self.__enter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.__exit__(exc_type, exc, tb)


class Recorder:
    """Records operations into a `History`; safe to share between threads and asyncio tasks.

    Outcome rules, in order:
    - an indeterminate exception (TimeoutError, which includes asyncio.TimeoutError,
      any registered class, or a BaseException that interrupts the body such as
      cancellation) -> ``unknown``: the request may have reached the store;
    - any other exception -> ``fail`` with the error text (the exception propagates);
    - otherwise whatever the body marked, and ``ok`` if it marked nothing.
    """

    def __init__(
        self,
        clock: RunClock | None = None,
        *,
        history: History | None = None,
        indeterminate: Iterable[type[BaseException]] = (),
    ) -> None:
        self.clock = clock if clock is not None else RunClock()
        self._history = history if history is not None else History()
        self._indeterminate: tuple[type[BaseException], ...] = (TimeoutError, *indeterminate)
        self._lock = threading.Lock()
        self._in_flight: dict[int, OpRecord] = {}

    def register_indeterminate(self, *exc_types: type[BaseException]) -> None:
        """Exceptions after which the client cannot know whether the operation took effect."""
        with self._lock:
            self._indeterminate = (*self._indeterminate, *exc_types)

    def operation(
        self,
        process: str,
        op: str,
        key: str | None = None,
        value: object = None,
        *,
        store: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> _OperationScope:
        frozen_extra = MappingProxyType(dict(extra)) if extra else _NO_EXTRA
        return _OperationScope(self, OpRecord(process, op, key, value, store, 0.0, frozen_extra))

    def record(self, operation: Operation) -> None:
        """Add an operation a client timed itself (e.g. from another tool's log)."""
        with self._lock:
            self._history.append(operation)

    @property
    def history(self) -> History:
        """The completed operations so far (the live object; copy it before mutating)."""
        return self._history

    def snapshot(self, *, include_pending: bool = True) -> History:
        """A copy of the history; operations still in flight appear as pending ``unknown``."""
        with self._lock:
            done = list(self._history)
            pending = sorted(self._in_flight.values(), key=lambda r: r.invoke_t)
        snap = History(done)
        if include_pending:
            snap.extend(r.finish(None, Outcome.unknown) for r in pending)
        return snap

    def _begin(self, record: OpRecord) -> None:
        with self._lock:
            self._in_flight[id(record)] = record

    def _complete(self, record: OpRecord, exc: BaseException | None) -> None:
        complete_t = self.clock.now()
        if exc is None:
            outcome = record.outcome or Outcome.ok
        elif isinstance(exc, self._indeterminate) or not isinstance(exc, Exception):
            outcome = Outcome.unknown
            record.error = _describe(exc)
        else:
            outcome = Outcome.fail
            record.error = _describe(exc)
        operation = record.finish(complete_t, outcome)
        with self._lock:
            self._in_flight.pop(id(record), None)
            self._history.append(operation)


@dataclass
class FinalRead:
    """What each store holds after recovery: store -> key -> times the key was read.

    Counts only matter for stores that can hold a key twice (a JetStream stream
    without dedup); a plain set of keys is read as count 1 each.
    """

    stores: dict[str, Counter[str]] = field(default_factory=dict)

    def add(self, store: str, keys: Iterable[str]) -> None:
        """Add keys read from ``store``; a key seen twice (in one call or across calls) counts twice."""
        self.stores.setdefault(store, Counter()).update(keys)

    @classmethod
    def of(cls, **stores: Iterable[str]) -> FinalRead:
        read = cls()
        for name, keys in stores.items():
            read.add(name, keys)
        return read

    def has(self, store: str) -> bool:
        return store in self.stores

    def keys(self, store: str) -> Collection[str]:
        return self.stores.get(store, Counter()).keys()

    def counts(self, store: str) -> Mapping[str, int]:
        return self.stores.get(store, Counter())

    def to_dict(self) -> dict[str, dict[str, int]]:
        return {name: dict(counts) for name, counts in self.stores.items()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Mapping[str, int] | Sequence[str]]) -> FinalRead:
        read = cls()
        for name, keys in data.items():
            if isinstance(keys, Mapping):
                read.stores[name] = Counter({str(k): int(n) for k, n in keys.items()})
            else:
                read.add(name, keys)
        return read
