"""What a scenario file may name besides faults: probe kinds, client kinds and checkers.

Static tables, free of runtime code, so a file validates without a stack or Docker.
Checkers are the functions in :mod:`xmux_sim.checkers`; the keyword arguments an
invariant may set are read from their signatures, so a new checker argument is
usable from a file without touching this module.
"""

from __future__ import annotations

import contextlib
import inspect
import types
import typing
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from xmux_sim import checkers

__all__ = [
    "CHECKERS",
    "CLIENT_KINDS",
    "PROBE_KINDS",
    "RUNNER_ARGS",
    "CallKind",
    "CheckerParam",
    "Field",
    "checker_params",
    "coerce",
]


@dataclass(frozen=True)
class Field:
    """A parameter of a probe or client kind. ``default`` None and not required: may be left out."""

    name: str
    type: type
    help: str
    default: object = None
    required: bool = False
    minimum: float | None = None


@dataclass(frozen=True)
class CallKind:
    """A kind of call a probe or client makes to one service of the stack."""

    name: str
    help: str
    service: str | None
    """Service used when the file names none; None: the file must name one."""
    service_kinds: tuple[str, ...] = ()
    """Stack service kinds it can talk to; empty: any that has the port."""
    port: str | None = None
    """Named port of the service it uses (a ``port`` field overrides it)."""
    fields: tuple[Field, ...] = ()
    writes: bool = False
    """Its operations add keys a final read collects: a lost-writes checker can judge it."""


_PATH = Field("path", str, "request path", default="/")

PROBE_KINDS: Mapping[str, CallKind] = {
    k.name: k
    for k in (
        CallKind(
            "http",
            "GET a path; passes on the expected status",
            "nginx",
            port="http",
            fields=(
                _PATH,
                Field("status", int, "expected HTTP status", default=200, minimum=100),
                Field("port", str, "named port of the service", default="http"),
            ),
        ),
        CallKind(
            "sql",
            "run a query; passes when it succeeds (and its first value equals expect)",
            "postgres",
            ("postgres",),
            "sql",
            (
                Field("query", str, "SQL to run", default="select 1"),
                Field("expect", object, "expected first column of the first row"),
            ),
        ),
        CallKind(
            "jetstream",
            "look up a JetStream stream; passes when it holds at least min_messages",
            "nats",
            ("nats",),
            "client",
            (
                Field("stream", str, "stream name", required=True),
                Field("min_messages", int, "messages the stream must hold", default=0, minimum=0),
            ),
        ),
        CallKind(
            "prometheus",
            "evaluate an instant query; passes when every sample is within [min, max]",
            "prometheus",
            ("prometheus",),
            "http",
            (
                Field("query", str, "PromQL", required=True),
                Field("min", float, "lowest allowed value"),
                Field("max", float, "highest allowed value"),
            ),
        ),
        CallKind(
            "replication",
            "count the replicas in sync (PostgreSQL: primary + standbys streaming and caught up; "
            "NATS: a stream's leader + current followers; MinIO: drives online, not healing)",
            None,
            ("postgres", "nats", "minio"),
            fields=(
                Field("replicas", int, "replicas that must be in sync", required=True, minimum=1),
                Field("stream", str, "NATS: the stream whose replicas are counted"),
                Field("max_lag_bytes", int, "PostgreSQL: WAL a standby may trail by", 1 << 20, minimum=0),
            ),
        ),
        CallKind(
            "tcp",
            "open a TCP connection to a named port",
            None,
            fields=(Field("port", str, "named port of the service (sql, http, client, ...)", required=True),),
        ),
    )
}

_TABLE = Field("table", str, "table the keys are inserted into", default="xmux_sim_writes")
_REPLICA = Field("replica", int, "the replica (pod) of the service to connect to [0]", minimum=0)

CLIENT_KINDS: Mapping[str, CallKind] = {
    k.name: k
    for k in (
        CallKind(
            "sql-insert",
            "insert unique keys into a table",
            "postgres",
            ("postgres",),
            "sql",
            (_TABLE, _REPLICA),
            True,
        ),
        CallKind(
            "mongo-insert",
            "insert documents with unique keys",
            "mongo",
            ("mongo",),
            "wire",
            (Field("collection", str, "collection", default="xmux_sim_writes"), _REPLICA),
            True,
        ),
        CallKind(
            "jetstream-publish",
            "publish to a stream and wait for the acknowledgement",
            "nats",
            ("nats",),
            "client",
            (
                Field("stream", str, "stream (created with the service's replicas)", default="XMUX_SIM"),
                Field("subject", str, "subject the stream captures", default="xmux-sim.writes"),
                Field("replicas", int, "stream replicas [one per server of the service]", minimum=1),
                Field("placement", str, "a server tag the stream must be placed on (pod:NAME, node:NAME)"),
                _REPLICA,
            ),
            True,
        ),
        CallKind(
            "minio-put",
            "put objects with checksums",
            "minio",
            ("minio",),
            "api",
            (
                Field("bucket", str, "bucket the objects go to", default="xmux-sim-writes"),
                Field("size", int, "object size, bytes", default=1024, minimum=0),
                _REPLICA,
            ),
            True,
        ),
        CallKind(
            "http-get",
            "GET a path, ok on 2xx",
            "nginx",
            port="http",
            fields=(_PATH, Field("port", str, "named port of the service", default="http"), _REPLICA),
        ),
        CallKind("api-burst", "the app-start burst: five v4 calls at once", "nginx", ("nginx",), "http"),
        CallKind(
            "forum-post", "create forum posts through the v4 API", "nginx", ("nginx",), "http", (), True
        ),
    )
}

CHECKERS: Mapping[str, Callable[..., checkers.Verdict]] = {
    "lost-writes": checkers.lost_writes,
    "availability": checkers.availability,
    "latency": checkers.latency,
    "recovery-time": checkers.recovery_time,
    "convergence": checkers.convergence,
    "rebuild-time": checkers.rebuild_time,
}

# Checker arguments the runner fills in from the run itself; a file never sets them.
# ``name`` is the invariant's own name.
RUNNER_ARGS = frozenset({"history", "final_read", "fault_windows", "samples", "event_t", "expected", "name"})


@dataclass(frozen=True)
class CheckerParam:
    name: str
    hint: Any
    required: bool
    settable: bool
    """False: the argument takes something a YAML file cannot express (a function)."""


def checker_params(checker: str) -> dict[str, CheckerParam]:
    """The arguments of a checker that a scenario file may set, by name."""
    fn = CHECKERS[checker]
    hints = typing.get_type_hints(fn)
    return {
        name: CheckerParam(name, hints[name], p.default is p.empty, _describe(hints[name]) is not None)
        for name, p in inspect.signature(fn).parameters.items()
        if name not in RUNNER_ARGS
    }


def coerce(value: object, hint: Any, *, key: bool = False) -> object:
    """A YAML value as the type a checker's annotation asks for; ValueError says what was expected.

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
