"""NATS server with JetStream; the readiness probe makes a real client round trip.

With several replicas the servers form one cluster (``xmux``) over their pod IPs, and
JetStream replicates each stream over as many servers as the stream asks for (the
workload's ``jetstream-publish`` follows the service's replica count). A server whose
disk was lost restarts under the same name, so JetStream catches it up as the same peer.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from typing import Any

import nats
import nats.errors
import nats.js.errors

from xmux_sim.clients import nats_connect_once
from xmux_sim.services.base import Endpoint, PodPlan, ProbeFailed, ServiceRuntime, StackPlan, new_secret
from xmux_sim.topology.kinds import KINDS
from xmux_sim.topology.model import Service

CONFIG_FILE = "/etc/xmux/nats.conf"
DATA_DIR = "/var/lib/xmux/nats"
CLUSTER = "xmux"


class NatsRuntime(ServiceRuntime):
    data_dir = DATA_DIR

    def credentials(self, service: Service) -> dict[str, str]:
        return {"user": "xmux", "password": new_secret()}

    def environment(self, pod: PodPlan, credentials: Mapping[str, str], plan: StackPlan) -> dict[str, str]:
        return {
            "NATS_USER": credentials["user"],
            "NATS_PASSWORD": credentials["password"],
            "NATS_JETSTREAM": "true" if pod.service.config["jetstream"] else "false",
            "NATS_SERVER_NAME": pod.name,
            "NATS_CONFIG": CONFIG_FILE,
        }

    def files(self, pod: PodPlan, credentials: Mapping[str, str], plan: StackPlan) -> dict[str, bytes]:
        return {CONFIG_FILE: server_config(pod, credentials, plan).encode()}

    def probe(self, ep: Endpoint) -> None:
        asyncio.run(self._probe(ep))

    async def _probe(self, ep: Endpoint) -> None:
        nc = await _connect(ep)
        try:
            await nc.jetstream().account_info()
        except (TimeoutError, nats.errors.Error, nats.js.errors.Error) as exc:
            raise ProbeFailed(f"nats: JetStream not enabled or not ready: {exc!r}") from None
        finally:
            await nc.close()

    def replication(self, ep: Endpoint, params: Mapping[str, Any]) -> tuple[int, str]:
        """Replicas of a stream in sync: its leader plus every follower that is current and online."""
        stream = str(params.get("stream") or "")
        if not stream:
            raise ProbeFailed("nats: a replication probe needs the stream to look at")
        return asyncio.run(self._stream_replicas(ep, stream))

    async def _stream_replicas(self, ep: Endpoint, stream: str) -> tuple[int, str]:
        info = await _stream_info(ep, stream)
        cluster = info.cluster
        if cluster is None:  # a server outside a cluster: the stream has its one copy
            return 1, f"{stream}: not clustered, {info.state.messages} messages"
        peers = cluster.replicas or []
        in_sync = (1 if cluster.leader else 0) + sum(1 for p in peers if p.current and not p.offline)
        detail = ", ".join(
            f"{p.name} {'current' if p.current else 'behind'}{', offline' if p.offline else ''}"
            f", lag {p.lag or 0}"
            for p in peers
        )
        leader = cluster.leader or "none"
        return in_sync, f"{stream}: leader {leader} [{detail}], last seq {info.state.last_seq}"

    def leader(self, endpoints: Sequence[Endpoint], params: Mapping[str, str]) -> str:
        """The server leading the stream's Raft group (servers are named after their pods)."""
        stream = params["stream"]
        problems = []
        # Any server answers for the whole cluster; the first may be the one a fault took down.
        for ep in endpoints:
            try:
                return asyncio.run(self._stream_leader(ep, stream))
            except ProbeFailed as exc:
                problems.append(str(exc))
        raise ProbeFailed(f"nats: no server could name the leader of {stream}: {'; '.join(problems)}")

    async def _stream_leader(self, ep: Endpoint, stream: str) -> str:
        info = await _stream_info(ep, stream)
        if info.cluster is None:  # one server outside a cluster holds (and leads) every stream
            return f"{ep.service}-{ep.replica}"
        if not info.cluster.leader:
            raise ProbeFailed(f"nats-{ep.replica}: stream {stream} has no leader now (an election?)")
        return str(info.cluster.leader)

    def describe(self, ep: Endpoint, service: Service) -> dict[str, Any]:
        return {
            "url": f"nats://{ep.address('client')}",
            "user": ep.credentials["user"],
            "password": ep.credentials["password"],
            "monitor": f"http://{ep.address('monitor')}",
            "jetstream": bool(service.config["jetstream"]),
        }


def server_config(pod: PodPlan, credentials: Mapping[str, str], plan: StackPlan) -> str:
    """nats-server's configuration of one pod (JSON is valid NATS configuration syntax)."""
    service = pod.service
    user, password = credentials["user"], credentials["password"]
    config: dict[str, Any] = {
        "server_name": pod.name,
        "listen": "0.0.0.0:4222",
        "http": "0.0.0.0:8222",
        # Tags let a stream be pinned to a pod or node (placement), e.g. by unsafe variants.
        "server_tags": [f"pod:{pod.name}", f"node:{pod.node.name}"],
        "authorization": {"user": user, "password": password},
    }
    if service.config["jetstream"]:
        jetstream: dict[str, Any] = {"store_dir": DATA_DIR}
        if service.config["sync"] != "default":
            jetstream["sync_interval"] = str(service.config["sync"])
        config["jetstream"] = jetstream
    peers = [p for p in plan.pods_of(service.name) if p.replica != pod.replica]
    if peers:
        port = KINDS[service.kind].ports["cluster"]
        config["cluster"] = {
            "name": CLUSTER,
            "listen": f"0.0.0.0:{port}",
            "authorization": {"user": user, "password": password},
            # Explicit routes are retried for ever: peers start in any order and come back after faults.
            "routes": [f"nats://{user}:{password}@{p.ip}:{port}" for p in peers],
        }
    return json.dumps(config, indent=2) + "\n"


async def _stream_info(ep: Endpoint, stream: str) -> Any:
    """The stream as the server at ``ep`` reports it (any server answers for the cluster)."""
    nc = await _connect(ep)
    try:
        return await nc.jetstream().stream_info(stream)
    except (TimeoutError, nats.errors.Error, nats.js.errors.Error) as exc:
        raise ProbeFailed(f"nats-{ep.replica}: stream {stream}: {exc!r}") from None
    finally:
        await nc.close()


async def _connect(ep: Endpoint) -> Any:
    try:
        return await nats_connect_once(ep, timeout=2)
    except (TimeoutError, OSError, nats.errors.Error) as exc:
        raise ProbeFailed(f"nats: connect: {exc!r}") from None
