"""Static facts about each service kind that the stack file may name.

Kept free of runtime code so validation (and the topology package) needs no client
library and no Docker: how a kind is started and probed lives in ``xmux_sim.services``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class KindInfo:
    name: str
    image: str
    """Name of the image folder under xmux_sim/images/."""
    ports: Mapping[str, int]
    """Named container ports."""
    published: tuple[str, ...]
    """Ports published on 127.0.0.1 unless the stack file says otherwise."""
    config: Mapping[str, Any] = field(default_factory=dict)
    """Allowed config keys with their defaults."""
    flavours: tuple[str, ...] = ()
    """Alternative implementations; the first is the default."""
    max_replicas: int = 1
    """What the runtime supports today; replication arrives kind by kind."""


KINDS: Mapping[str, KindInfo] = {
    "postgres": KindInfo(
        name="postgres",
        image="postgres",
        ports={"sql": 5432, "metrics": 9187},
        published=("sql",),
        # Replica 0 is the primary, the others stream from it (services/postgres.py).
        # sync_quorum: how many standbys must confirm a commit (ANY n); 0 = asynchronous.
        # synchronous_commit and fsync are PostgreSQL's own settings (unsafe variants turn them down).
        config={
            "database": "xmux",
            "user": "xmux",
            "sync_quorum": 1,
            "synchronous_commit": "on",
            "fsync": True,
        },
        max_replicas=5,
    ),
    "mongo": KindInfo(
        name="mongo",
        image="mongo",
        ports={"wire": 27017, "metrics": 8088},
        published=("wire",),
        config={"database": "xmux"},
        flavours=("secantusdb", "ferretdb", "official"),
        # A replica set needs the official image; the stand-ins refuse replicas > 1 at start.
        max_replicas=3,
    ),
    "nats": KindInfo(
        name="nats",
        image="nats",
        ports={"client": 4222, "monitor": 8222, "metrics": 7777, "cluster": 6222},
        published=("client", "monitor"),
        # sync: JetStream's sync_interval ("always" fsyncs every write; "default" leaves it to NATS).
        config={"jetstream": True, "sync": "default"},
        max_replicas=5,
    ),
    "minio": KindInfo(
        name="minio",
        image="minio",
        ports={"api": 9000},
        published=("api",),
        # parity: erasure-code parity drives per set (0 = MinIO's default for the drive count).
        config={"bucket": "xmux", "parity": 0},
        max_replicas=16,
    ),
    "prometheus": KindInfo(
        name="prometheus",
        image="prometheus",
        ports={"http": 9090},
        published=("http",),
        config={"scrape_interval": "2s"},
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
        config={
            "max_fails": 1,
            "fail_timeout": "5s",
            "connect_timeout": "1s",
            "read_timeout": "30s",
            "next_upstream_tries": 3,
            "next_upstream_timeout": "10s",
        },
    ),
}


# ----- XMUS stand-in services ----------------------------------------------------------
# One image for all of them (the service is chosen by the command); each kind may run
# several replicas, which nginx balances. `env` is passed to the container as is (for a
# real image swapped in with `image:`); `probe: tcp` accepts an image without gRPC health.
XMUS_MAX_REPLICAS = 5
XMUS_CONFIG: Mapping[str, Any] = {"seed": 1, "size": "small", "env": {}, "probe": "health"}
XMUS_SERVICES: Mapping[str, str] = {
    "xmus-auth": "auth",
    "xmus-user": "user",
    "xmus-aaos": "aaos",
    "xmus-forum": "forum",
    "xmus-notifier": "notifier",
    "xmus-lost-found": "lost_found",
    "xmus-oss": "oss",
    "xmus-v2": "v2",
    "xmus-xia": "xia",
}
"""Kind -> the service name the xmus image is started with."""
_XMUS_HTTP = {"xmus-oss", "xmus-v2"}
_XMUS_EXTRA_CONFIG: Mapping[str, Mapping[str, Any]] = {
    # Seconds: JetStream redelivers an unacknowledged event after ack_wait; ack_delay_ms
    # holds each acknowledgement back (tests restart the notifier inside that window).
    "xmus-notifier": {"ack_wait": 10, "ack_delay_ms": 0},
    # Milliseconds between the pieces of a streamed Xia reply (a long-lived stream, as a model's).
    "xmus-xia": {"chunk_delay_ms": 50},
}

KINDS = {
    **KINDS,
    **{
        kind: KindInfo(
            name=kind,
            image="xmus",
            ports={"grpc": 9000, "metrics": 9100, **({"http": 8000} if kind in _XMUS_HTTP else {})},
            published=("grpc",),
            config={**XMUS_CONFIG, **_XMUS_EXTRA_CONFIG.get(kind, {})},
            max_replicas=XMUS_MAX_REPLICAS,
        )
        for kind in XMUS_SERVICES
    },
}
