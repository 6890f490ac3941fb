"""Relays: let a host-side client connect from a node, so the fabric's faults reach it.

From the host, a pod's published port is one bridge hop away and no router is on the
path: a dropped node or a partition would go unnoticed. A relay is a container on a
node's network, routed through that node's router like a pod, that forwards each
connection to the target pod. A client connecting through it is, to the cluster, a
client on that node.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import replace

import docker
from docker.models.containers import Container

from xmux_sim.errors import StartupFailed
from xmux_sim.providers.docker import labels
from xmux_sim.providers.docker.faults.targets import RunTargets
from xmux_sim.providers.docker.images import ImageBuilder
from xmux_sim.providers.docker.ports import free_port, host_ports
from xmux_sim.services.base import Endpoint

# Relays take addresses from the top of a node's /24, clear of the pods counted from .10.
TOP_SLOT = 250


def start_relay(
    client: docker.DockerClient, run_id: str, endpoint: Endpoint, node: str, timeout_s: float = 5.0
) -> tuple[Endpoint, str]:
    """The endpoint reached through a relay on ``node`` (same names, the relay's host ports), and
    the relay container's name."""
    targets = RunTargets(client, run_id)
    target_node = targets.node(node)
    holder = targets.pod(f"{endpoint.service}-{endpoint.replica}").holder
    container_ports: dict[str, int] = json.loads(holder.labels.get(labels.PORTS, "{}"))
    # A one-node stack has no router: its relay, like its pods, needs no route.
    router = target_node.router
    routes = f"{router.labels[labels.SUPERNET]}@{target_node.cidr.network_address + 2}" if router else ""
    taken = {
        (c.attrs.get("Labels") or {}).get(labels.POD_IP)
        for c in client.containers.list(all=True, filters={"label": f"{labels.RUN}={run_id}"}, sparse=True)
    }
    free = [
        str(target_node.cidr.network_address + slot)
        for slot in range(TOP_SLOT, 200, -1)
        if str(target_node.cidr.network_address + slot) not in taken
    ]
    if not free:
        raise StartupFailed(
            f"node {node} has no address left for another relay (50 in use); "
            "remove relays with `xmux-sim down`, or use fewer `from:` clients"
        )
    ip = free[0]
    names = {name: port for name, port in container_ports.items() if name in endpoint.ports}
    network = f"xmux-{run_id}-{node}"
    relay = client.containers.create(
        ImageBuilder(client).require(["pod"])["pod"],
        name=f"xmux-{run_id}-relay-{node}-{endpoint.service}-{secrets.token_hex(2)}",
        entrypoint=["/usr/local/bin/xmux-relay"],
        environment={
            "POD_ROUTES": routes,
            "RELAY_TARGETS": " ".join(f"{p}={endpoint.pod_ip}:{p}" for p in names.values()),
            "RELAY_TIMEOUT_S": str(timeout_s),
        },
        labels=labels.for_run(
            run_id,
            targets.stack_name,
            **{labels.ROLE: "relay", labels.NODE: node, labels.POD_IP: ip, labels.SERVICE: endpoint.service},
        ),
        network=network,
        networking_config={network: client.api.create_endpoint_config(ipv4_address=ip)},
        ports={f"{p}/tcp": ("127.0.0.1", free_port()) for p in names.values()},
        cap_add=["NET_ADMIN"],
        detach=True,
    )
    try:
        relay.start()
        _wait_ready(relay)
    except BaseException:
        relay.remove(force=True)
        raise
    relay.reload()
    published = host_ports(relay.attrs, names)
    return replace(endpoint, ports=published), str(relay.name)


def _wait_ready(relay: Container, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        relay.reload()
        logs = relay.logs().decode(errors="replace")
        if "relay ready" in logs:
            return
        if relay.status not in ("running", "created"):
            break
        time.sleep(0.1)
    raise StartupFailed(f"relay {relay.name} did not start:\n{relay.logs().decode(errors='replace')[-800:]}")
