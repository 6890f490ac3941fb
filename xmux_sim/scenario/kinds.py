"""What a scenario file may name besides faults and checkers: probe kinds and client kinds.

Each kind is declared once here, as data free of runtime code, so a file validates
without a stack or Docker; the code that carries a kind out is found by its name
(probes: :mod:`xmux_sim.experiment.probes`, clients: the ``kind`` of a
:class:`~xmux_sim.workload.base.WorkloadClient`). Fault kinds are declared in
:mod:`xmux_sim.faults.kinds`, checkers in their own modules of :mod:`xmux_sim.checkers`.
"""

from __future__ import annotations

from dataclasses import dataclass

from xmux_sim.params import SCALAR, TEXT, Param, float_at_least, int_at_least, name_type
from xmux_sim.registry import Registry
from xmux_sim.values import (
    HTTP_PATH,
    MONGO_NAME,
    NATS_PLACEMENT,
    NATS_STREAM,
    NATS_SUBJECT,
    S3_BUCKET,
    SQL_NAME,
)

__all__ = ["CLIENT_KINDS", "PROBE_KINDS", "CallKind"]


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
    fields: tuple[Param, ...] = ()
    writes: bool = False
    """Its operations add keys a final read collects: a lost-writes checker can judge it."""

    @property
    def talks_to(self) -> str:
        """Which services, as the reference table says it."""
        if self.service_kinds:
            return ", ".join(self.service_kinds)
        return "any service with the named port" if self.port else "any service"


def _registry(what: str, *kinds: CallKind) -> Registry[CallKind]:
    registry: Registry[CallKind] = Registry(what, (), lambda _module: (), lambda kind: (kind.name,))
    for kind in kinds:
        registry.add(kind)
    return registry


_PATH = Param("path", HTTP_PATH, "request path", default="/")
_PORT_NAME = name_type("a port name")
_PORT = Param("port", _PORT_NAME, "named port of the service", default="http")

PROBE_KINDS = _registry(
    "probe kind",
    CallKind(
        "http",
        "GET a path; passes on the expected status",
        "nginx",
        port="http",
        fields=(_PATH, Param("status", int_at_least(100, 599), "expected HTTP status", default=200), _PORT),
    ),
    CallKind(
        "sql",
        "run a query; passes when it succeeds (and its first value equals expect)",
        "postgres",
        ("postgres",),
        "sql",
        (
            Param("query", TEXT, "SQL to run", default="select 1"),
            Param(
                "expect",
                SCALAR,
                "first column of the first row; left out: the query must only succeed",
            ),
        ),
    ),
    CallKind(
        "jetstream",
        "look up a JetStream stream; passes when it holds at least min_messages",
        "nats",
        ("nats",),
        "client",
        (
            Param("stream", NATS_STREAM, "stream name", required=True),
            Param("min_messages", int_at_least(0), "messages the stream must hold", default=0),
        ),
    ),
    CallKind(
        "prometheus",
        "evaluate an instant query; passes when every sample is within [min, max]",
        "prometheus",
        ("prometheus",),
        "http",
        (
            Param("query", TEXT, "PromQL", required=True),
            Param("min", float_at_least(), "lowest allowed value of every sample"),
            Param("max", float_at_least(), "highest allowed value of every sample"),
        ),
    ),
    CallKind(
        "replication",
        "count the replicas in sync (PostgreSQL: primary + standbys streaming and caught up; "
        "NATS: a stream's leader + current followers; MinIO: drives online, not healing)",
        None,
        ("postgres", "nats", "minio"),
        fields=(
            Param("replicas", int_at_least(1, 16), "how many must be in sync", required=True),
            Param("stream", NATS_STREAM, "nats: the stream whose replicas count"),
            Param("max_lag_bytes", int_at_least(0), "postgres: WAL a standby may trail by", 1 << 20),
        ),
    ),
    CallKind(
        "tcp",
        "open a TCP connection to a named port",
        None,
        fields=(Param("port", _PORT_NAME, "a named port such as `sql`, `http`, `client`", required=True),),
    ),
)

_REPLICA = Param("replica", int_at_least(0, 15), "the replica (pod) of the service to connect to [0]")

CLIENT_KINDS = _registry(
    "client kind",
    CallKind(
        "sql-insert",
        "insert unique keys into a table",
        "postgres",
        ("postgres",),
        "sql",
        (Param("table", SQL_NAME, "table the keys are inserted into", default="xmux_sim_writes"), _REPLICA),
        True,
    ),
    CallKind(
        "mongo-insert",
        "insert documents with unique keys",
        "mongo",
        ("mongo",),
        "wire",
        (Param("collection", MONGO_NAME, "collection", default="xmux_sim_writes"), _REPLICA),
        True,
    ),
    CallKind(
        "jetstream-publish",
        "publish to a stream and wait for the acknowledgement",
        "nats",
        ("nats",),
        "client",
        (
            Param("stream", NATS_STREAM, "stream (created with the service's replicas)", default="XMUX_SIM"),
            Param("subject", NATS_SUBJECT, "subject the stream captures", default="xmux-sim.writes"),
            Param(
                "replicas", int_at_least(1, 5), "stream replicas [one per server of the service, at most 5]"
            ),
            Param("placement", NATS_PLACEMENT, "a server tag the stream must be placed on"),
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
            Param("bucket", S3_BUCKET, "bucket the objects go to", default="xmux-sim-writes"),
            Param("size", int_at_least(0, 10 << 20), "object size, bytes", default=1024),
            _REPLICA,
        ),
        True,
    ),
    CallKind(
        "http-get",
        "GET a path, ok on 2xx",
        "nginx",
        port="http",
        fields=(_PATH, _PORT, _REPLICA),
    ),
    CallKind("api-burst", "the app-start burst: five v4 calls at once", "nginx", ("nginx",), "http"),
    CallKind("forum-post", "create forum posts through the v4 API", "nginx", ("nginx",), "http", (), True),
)
