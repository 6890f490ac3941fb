"""NATS server with JetStream; the readiness probe makes a real client round trip."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import nats
import nats.errors
import nats.js.errors

from xmux_sim.services.base import Endpoint, PodPlan, ProbeFailed, ServiceRuntime, StackPlan, new_secret
from xmux_sim.topology.model import Service


class NatsRuntime(ServiceRuntime):
    kind = "nats"
    data_dir = "/var/lib/xmux/nats"
    metrics = ("metrics", "/metrics")

    def credentials(self, service: Service) -> dict[str, str]:
        return {"user": "xmux", "password": new_secret()}

    def environment(self, pod: PodPlan, credentials: Mapping[str, str], plan: StackPlan) -> dict[str, str]:
        return {
            "NATS_USER": credentials["user"],
            "NATS_PASSWORD": credentials["password"],
            "NATS_JETSTREAM": "true" if pod.service.config["jetstream"] else "false",
            "NATS_SERVER_NAME": pod.name,
        }

    def probe(self, ep: Endpoint) -> None:
        asyncio.run(self._probe(ep))

    async def _probe(self, ep: Endpoint) -> None:
        try:
            nc = await nats.connect(
                f"nats://{ep.address('client')}",
                user=ep.credentials["user"],
                password=ep.credentials["password"],
                connect_timeout=2,
                allow_reconnect=False,
                max_reconnect_attempts=0,
                error_cb=_quiet,
            )
        except (TimeoutError, OSError, nats.errors.Error) as exc:
            raise ProbeFailed(f"nats: connect: {exc!r}") from None
        try:
            await nc.jetstream().account_info()
        except (TimeoutError, nats.errors.Error, nats.js.errors.Error) as exc:
            raise ProbeFailed(f"nats: JetStream not enabled or not ready: {exc!r}") from None
        finally:
            await nc.close()

    def describe(self, ep: Endpoint, service: Service) -> dict[str, Any]:
        return {
            "url": f"nats://{ep.address('client')}",
            "user": ep.credentials["user"],
            "password": ep.credentials["password"],
            "monitor": f"http://{ep.address('monitor')}",
            "jetstream": bool(service.config["jetstream"]),
        }


async def _quiet(_exc: Exception) -> None:
    """nats-py prints every connection error by default; a probe reports its own."""
