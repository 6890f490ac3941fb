"""Every service kind a stack file may name, declared once: its static facts and its runtime.

Kept free of runtime code so validation (and the topology package) needs no client
library and no Docker. ``runtime`` names the class in ``xmux_sim.services`` that says how
the kind is configured, started and probed (:func:`xmux_sim.services.runtime_for`); for
the XMUS stand-ins, ``xmus`` says what the service process is, what it connects to and
what nginx routes to it. Adding a kind is an entry here and its runtime class.

A kind's ``config`` settings are :class:`~xmux_sim.params.Param` objects with typed values
(a :class:`~xmux_sim.values.Duration`, an identifier, a bucket name, a bounded number): the
runtimes render configuration from those types, never from the text a user wrote.
Rules between settings and the replica count go in the kind's ``validate``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from xmux_sim.params import BOOL, Param, ParamError, choice, int_at_least
from xmux_sim.values import ENV, MONGO_NAME, NATS_SYNC, PG_SYNC_COMMIT, S3_BUCKET, SQL_NAME, duration
from xmux_sim.xmus.seed import SIZES

Settings = tuple[Param, ...]
Validate = Callable[[Mapping[str, Any], int], None]
"""(the read settings, the replica count) -> None; raises ParamError(setting, message)."""


@dataclass(frozen=True)
class XmusService:
    """What one XMUS stand-in service is to the stack."""

    serves: str
    """The service the xmus image is started with (``python3 xmus.pyz SERVES``)."""
    needs: tuple[str, ...]
    """Kinds of backing service it connects to."""
    asks_auth: bool = True
    """It authenticates callers through the auth service (AuthInternal)."""
    grpc: tuple[str, ...] = ()
    """gRPC package prefixes nginx routes to it (``xmux.forum.v4.``)."""
    rest: tuple[str, ...] = ()
    """HTTP paths nginx routes to its http port (``/v2/``; ``= /test`` is an exact match)."""
    internal: tuple[str, ...] = ()
    """Services inside its routed packages that only other services call: nginx routes them nowhere."""
    config: Settings = ()
    """Settings of its own (besides those every XMUS kind has)."""
    runtime: str = "xmux_sim.services.xmus:XmusRuntime"


@dataclass(frozen=True)
class Leadership:
    """That one of a kind's replicas leads, and how a role target names it (``leader-of(nats, stream=S)``)."""

    word: str
    """The leader in the kind's own terms: ``leader`` (``leader-of``) or ``primary`` (``primary-of``)."""
    params: tuple[str, ...] = ()
    """What a role must say to pick out the leader: NATS leads per stream, so ``stream``."""


@dataclass(frozen=True)
class KindInfo:
    name: str
    image: str
    """Name of the image folder under xmux_sim/images/."""
    ports: Mapping[str, int]
    """Named container ports."""
    published: tuple[str, ...]
    """Ports published on 127.0.0.1 unless the stack file says otherwise."""
    config: Settings = ()
    """The settings a stack file may give under ``config:``: type, help and default of each."""
    flavours: tuple[str, ...] = ()
    """Alternative implementations; the first is the default."""
    max_replicas: int = 1
    """What the runtime supports today; replication arrives kind by kind."""
    runtime: str = ""
    """The runtime class, as ``module:Class``."""
    metrics: tuple[str, str] | None = None
    """(port name, path) Prometheus scrapes, if the kind exposes metrics."""
    flavour_metrics: Mapping[str, tuple[str, str] | None] = field(default_factory=dict)
    """Where flavours differ in what they expose: flavour -> (port name, path) or None."""
    xmus: XmusService | None = None
    validate: Validate | None = None
    """Rules between settings and the replica count, checked whenever a stack is read or changed."""
    lazy_volume: bool = False
    """Its image can keep the data volume on the lazy FUSE layer (``durability: lazy``)."""
    leadership: Leadership | None = None
    """Set when one replica leads: faults may then aim at ``leader-of`` / ``follower-of`` the service,
    and the runtime's ``leader`` says which pod leads."""

    def metrics_of(self, flavour: str | None) -> tuple[str, str] | None:
        return self.flavour_metrics.get(flavour or "", self.metrics)

    def setting(self, name: str) -> Param | None:
        return next((p for p in self.config if p.name == name), None)

    def defaults(self) -> dict[str, Any]:
        """Every setting at its default, as typed values."""
        return {p.name: p.read(p.default) for p in self.config}

    def settings(
        self, given: Mapping[str, Any], replicas: int, base: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """``base`` (default: the defaults) with ``given`` (raw values from a file) read over it,
        then checked together. Raises ParamError naming the setting; callers turn it into
        their file's located error.
        """
        config = self.defaults() if base is None else dict(base)
        for key, value in given.items():
            param = self.setting(key)
            if param is None:
                known = ", ".join(p.name for p in self.config) or "none"
                raise ParamError(key, f"{self.name} has no setting {key!r}; settings: {known}")
            try:
                config[key] = param.read(value)
            except ValueError as exc:
                raise ParamError(key, str(exc)) from None
        if self.validate is not None:
            self.validate(config, replicas)
        return config


def _postgres(config: Mapping[str, Any], replicas: int) -> None:
    # With standbys, a quorum larger than their number would make every commit wait for ever.
    if replicas > 1 and config["sync_quorum"] > replicas - 1:
        raise ParamError(
            "sync_quorum",
            f"{config['sync_quorum']} asks for more standbys than the {replicas - 1} there are "
            "(replicas - 1); use at most that, or 0 for asynchronous replication",
        )


def _minio(config: Mapping[str, Any], replicas: int) -> None:
    # MinIO's erasure code keeps at least as many data as parity drives.
    if config["parity"] > replicas // 2:
        raise ParamError(
            "parity", f"{config['parity']} parity drives need at least {2 * config['parity']} replicas"
        )


KINDS: Mapping[str, KindInfo] = {
    "postgres": KindInfo(
        name="postgres",
        lazy_volume=True,
        image="postgres",
        ports={"sql": 5432, "metrics": 9187},
        published=("sql",),
        # Replica 0 is the primary, the others stream from it (services/postgres.py).
        # sync_quorum: how many standbys must confirm a commit (ANY n); 0 = asynchronous.
        # synchronous_commit and fsync are PostgreSQL's own settings (unsafe variants turn them down).
        config=(
            Param("database", SQL_NAME, "database the services use", "xmux"),
            Param("user", SQL_NAME, "role the services log in as", "xmux"),
            Param("sync_quorum", int_at_least(0, 4), "standbys that confirm each commit (ANY n)", 1),
            Param("synchronous_commit", PG_SYNC_COMMIT, "PostgreSQL's synchronous_commit", "on"),
            Param("fsync", BOOL, "PostgreSQL's fsync", True),
        ),
        validate=_postgres,
        max_replicas=5,
        runtime="xmux_sim.services.postgres:PostgresRuntime",
        leadership=Leadership("primary"),
        metrics=("metrics", "/metrics"),
    ),
    "mongo": KindInfo(
        name="mongo",
        image="mongo",
        ports={"wire": 27017, "metrics": 8088},
        published=("wire",),
        config=(Param("database", MONGO_NAME, "database the services use", "xmux"),),
        flavours=("secantusdb", "ferretdb", "official"),
        # A replica set needs the official image; the stand-ins refuse replicas > 1 at start.
        max_replicas=3,
        runtime="xmux_sim.services.mongo:MongoRuntime",
        metrics=("metrics", "/metrics"),
        # The official image has no exporter; FerretDB serves its own at a path of its own.
        flavour_metrics={"official": None, "ferretdb": ("metrics", "/debug/metrics")},
    ),
    "nats": KindInfo(
        name="nats",
        lazy_volume=True,
        image="nats",
        ports={"client": 4222, "monitor": 8222, "metrics": 7777, "cluster": 6222},
        published=("client", "monitor"),
        # sync: JetStream's sync_interval ("always" fsyncs every write; "default" leaves it to NATS).
        config=(
            Param("jetstream", BOOL, "JetStream on", True),
            Param("sync", NATS_SYNC, "JetStream's sync_interval", "default"),
        ),
        max_replicas=5,
        runtime="xmux_sim.services.nats:NatsRuntime",
        # JetStream elects a leader per stream (a Raft group each), so a role names the stream.
        leadership=Leadership("leader", ("stream",)),
        metrics=("metrics", "/metrics"),
    ),
    "minio": KindInfo(
        name="minio",
        lazy_volume=True,
        image="minio",
        ports={"api": 9000},
        published=("api",),
        # parity: erasure-code parity drives per set (0 = MinIO's default for the drive count).
        config=(
            Param("bucket", S3_BUCKET, "bucket the services use", "xmux"),
            Param("parity", int_at_least(0, 8), "parity drives per erasure set (0: MinIO's default)", 0),
        ),
        validate=_minio,
        max_replicas=16,
        runtime="xmux_sim.services.minio:MinioRuntime",
        metrics=("api", "/minio/v2/metrics/cluster"),
    ),
    "prometheus": KindInfo(
        name="prometheus",
        image="prometheus",
        ports={"http": 9090},
        published=("http",),
        config=(Param("scrape_interval", duration("1s", "1h"), "how often every target is scraped", "2s"),),
        runtime="xmux_sim.services.prometheus:PrometheusRuntime",
        metrics=("http", "/metrics"),
    ),
    "alertmanager": KindInfo(
        name="alertmanager",
        image="alertmanager",
        # Prometheus sends it the alerts of the stack's rules; it notifies the harness (a
        # webhook into the run). Its timers are the stack file's `alerts.notify`.
        ports={"http": 9093},
        published=("http",),
        runtime="xmux_sim.services.alertmanager:AlertmanagerRuntime",
        metrics=("http", "/metrics"),
    ),
    "nginx": KindInfo(
        name="nginx",
        image="nginx",
        # http: cleartext HTTP/1.1 (health, REST v2, /v4/oss); grpc: TLS with a per-run CA, HTTP/2
        # and HTTP/1.1 by ALPN (gRPC and REST on one port, as in production); h2c: cleartext
        # HTTP/2 with prior knowledge (gRPC without the TLS cost, for load tests).
        ports={"http": 80, "grpc": 443, "h2c": 8080, "metrics": 9113},
        published=("http", "grpc", "h2c"),
        # Passive health checks and retries towards the XMUS upstreams (nginx's own names).
        config=(
            Param("max_fails", int_at_least(0, 100), "failed attempts that mark a replica down", 1),
            Param("fail_timeout", duration("0s", "1h"), "how long a replica stays marked down", "5s"),
            Param(
                "connect_timeout",
                duration("1ms", "75s"),
                "how long nginx waits to connect to a replica",
                "1s",
            ),
            Param("read_timeout", duration("1ms", "1h"), "how long nginx waits between two reads", "30s"),
            Param("next_upstream_tries", int_at_least(0, 100), "replicas tried per request (0: all)", 3),
            Param("next_upstream_timeout", duration("0s", "1h"), "time for all tries (0s: no limit)", "10s"),
        ),
        runtime="xmux_sim.services.nginx:NginxRuntime",
        metrics=("metrics", "/metrics"),
    ),
}


# ----- XMUS stand-in services ----------------------------------------------------------
# One image for all of them (the service is chosen by the command); each kind may run
# several replicas, which nginx balances. `env` is passed to the container as is (for a
# real image swapped in with `image:` or `build:`); `probe: tcp` accepts an image without
# gRPC health.
XMUS_MAX_REPLICAS = 5
XMUS_CONFIG: Settings = (
    Param("seed", int_at_least(0, 2**31 - 1), "seed of the deterministic seed data", 1),
    Param("size", choice(*SIZES), "how much seed data (small: 60 students; load: 10,000)", "small"),
    Param("env", ENV, "environment of the container, ${XMUS_PG_DSN} and friends expanded", {}),
    Param("probe", choice("health", "tcp"), "readiness: gRPC health, or a TCP connect", "health"),
)
XMUS: Mapping[str, XmusService] = {
    "xmus-auth": XmusService("auth", ("postgres",), asks_auth=False),
    # It signs custom tokens with a key made per run.
    "xmus-user": XmusService(
        "user",
        ("postgres",),
        grpc=("xmux.core.user.v4.",),
        internal=("xmux.core.user.v4.UserInternal",),
        runtime="xmux_sim.services.xmus:UserRuntime",
    ),
    "xmus-aaos": XmusService("aaos", ("mongo",), grpc=("xmux.core.aaos.v4.",)),
    "xmus-forum": XmusService("forum", ("postgres", "nats"), grpc=("xmux.forum.v4.",)),
    # It serves no caller: it consumes forum events. JetStream redelivers an unacknowledged
    # event after ack_wait seconds; ack_delay_ms holds each acknowledgement back (tests
    # restart the notifier inside that window).
    "xmus-notifier": XmusService(
        "notifier",
        ("postgres", "nats"),
        asks_auth=False,
        config=(
            Param("ack_wait", int_at_least(1, 3600), "seconds before JetStream redelivers", 10),
            Param("ack_delay_ms", int_at_least(0, 60_000), "milliseconds each ack is held back", 0),
        ),
        runtime="xmux_sim.services.xmus:NotifierRuntime",
    ),
    "xmus-lost-found": XmusService("lost_found", ("mongo",), grpc=("xmux.lost_found.v4.",)),
    "xmus-oss": XmusService(
        "oss",
        ("minio",),
        grpc=("xmux.core.oss.v4.",),
        rest=("/v4/oss/",),
        internal=("xmux.core.oss.v4.OSSInternal",),
    ),
    "xmus-v2": XmusService("v2", ("postgres",), rest=("/v2/", "= /test")),
    # The chat assistant: chunk_delay_ms between the pieces of a streamed reply (a long-lived
    # stream, as a model's).
    "xmus-xia": XmusService(
        "xia",
        (),
        grpc=("xmux.xia.v4.",),
        config=(Param("chunk_delay_ms", int_at_least(0, 60_000), "ms between the pieces of a reply", 50),),
        runtime="xmux_sim.services.xmus:XiaRuntime",
    ),
}
"""AuthInternal (xmux.core.auth.v4) is internal: no route leads to the auth service."""
XMUS_SERVICES: Mapping[str, str] = {kind: x.serves for kind, x in XMUS.items()}
"""Kind -> the service name the xmus image is started with."""

KINDS = {
    **KINDS,
    **{
        kind: KindInfo(
            name=kind,
            image="xmus",
            # A REST service has an http port too.
            ports={"grpc": 9000, "metrics": 9100, **({"http": 8000} if x.rest else {})},
            published=("grpc",),
            config=(*XMUS_CONFIG, *x.config),
            max_replicas=XMUS_MAX_REPLICAS,
            runtime=x.runtime,
            metrics=("metrics", "/metrics"),
            xmus=x,
        )
        for kind, x in XMUS.items()
    },
}
