"""Service kind name -> runtime."""

from __future__ import annotations

from functools import cache

from xmux_sim.services.base import ServiceRuntime


@cache
def runtime_for(kind: str) -> ServiceRuntime:
    from xmux_sim.services.minio import MinioRuntime
    from xmux_sim.services.mongo import MongoRuntime
    from xmux_sim.services.nats import NatsRuntime
    from xmux_sim.services.nginx import NginxRuntime
    from xmux_sim.services.postgres import PostgresRuntime
    from xmux_sim.services.prometheus import PrometheusRuntime
    from xmux_sim.services.xmus import xmus_runtime

    runtimes: dict[str, type[ServiceRuntime]] = {
        r.kind: r
        for r in (PostgresRuntime, MongoRuntime, NatsRuntime, MinioRuntime, PrometheusRuntime, NginxRuntime)
    }
    if kind in runtimes:
        return runtimes[kind]()
    return xmus_runtime(kind)
