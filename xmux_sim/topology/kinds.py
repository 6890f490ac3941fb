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
        config={"database": "xmux", "user": "xmux"},
    ),
    "mongo": KindInfo(
        name="mongo",
        image="mongo",
        ports={"wire": 27017, "metrics": 8088},
        published=("wire",),
        config={"database": "xmux"},
        flavours=("secantusdb", "ferretdb", "official"),
    ),
    "nats": KindInfo(
        name="nats",
        image="nats",
        ports={"client": 4222, "monitor": 8222, "metrics": 7777},
        published=("client", "monitor"),
        config={"jetstream": True},
    ),
    "minio": KindInfo(
        name="minio",
        image="minio",
        ports={"api": 9000},
        published=("api",),
        config={"bucket": "xmux"},
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
        ports={"http": 80, "metrics": 9113},
        published=("http",),
    ),
}
