"""Node routers: one BIRD container per node, on its node network and the shared underlay.

Created with the Docker SDK rather than testcontainers: a router needs two networks, its
configuration and its sysctls in place before BIRD starts, which testcontainers' one-call
start cannot do.
"""

from __future__ import annotations

import time

import docker
from docker.models.containers import Container

from xmux_sim.errors import StartupFailed
from xmux_sim.fabric.addressing import underlay_ip
from xmux_sim.fabric.bird import bird_config
from xmux_sim.fabric.routes import parse_bird_protocols, parse_kernel_routes
from xmux_sim.providers.docker import labels
from xmux_sim.providers.docker.archive import tar_of
from xmux_sim.topology.model import Node, Stack


def start_router(
    client: docker.DockerClient,
    stack: Stack,
    node: Node,
    run_id: str,
    image: str,
    node_network: str,
    underlay_network: str,
) -> Container:
    endpoint = client.api.create_endpoint_config(
        ipv4_address=str(node.router_ip), aliases=[f"router-{node.name}"]
    )
    router = client.containers.create(
        image,
        name=f"xmux-{run_id}-router-{node.name}",
        hostname=f"router-{node.name}",
        labels=labels.for_run(
            run_id,
            stack.name,
            **{
                labels.ROLE: "router",
                labels.NODE: node.name,
                labels.SUPERNET: str(stack.network.supernet),
                labels.UNDERLAY_IP: str(underlay_ip(stack, node)),
            },
        ),
        network=node_network,
        networking_config={node_network: endpoint},
        cap_add=["NET_ADMIN", "NET_RAW"],
        sysctls={"net.ipv4.ip_forward": "1"},
        detach=True,
    )
    router.put_archive("/etc/bird", tar_of({"bird.conf": bird_config(stack, node).encode()}))
    client.networks.get(underlay_network).connect(router, ipv4_address=str(underlay_ip(stack, node)))
    router.start()
    return router


def sessions(router: Container) -> dict[str, str]:
    """Peer -> BGP state ("established", "active", "down", ...)."""
    result = router.exec_run(["birdc", "-s", "/run/bird/bird.ctl", "show", "protocols"])
    if result.exit_code != 0:
        return {}
    return parse_bird_protocols(result.output.decode(errors="replace"))


def learned_routes(router: Container) -> frozenset[str]:
    """Pod CIDRs this router has learned (routed via a peer), from its kernel table."""
    result = router.exec_run(["ip", "-4", "route", "show"])
    if result.exit_code != 0:
        return frozenset()
    return parse_kernel_routes(result.output.decode(errors="replace"), router.labels[labels.SUPERNET])


def wait_established(routers: dict[str, Container], stack: Stack, timeout: float = 30.0) -> float:
    """Wait until every router has every session established and every peer's CIDR; return seconds."""
    t0 = time.monotonic()
    want = {
        node.name: frozenset(str(n.cidr) for n in stack.nodes if n.name != node.name) for node in stack.nodes
    }
    state: dict[str, dict[str, str]] = {}
    while time.monotonic() - t0 < timeout:
        state = {name: sessions(r) for name, r in routers.items()}
        if all(s and all(v == "established" for v in s.values()) for s in state.values()) and all(
            learned_routes(r) >= want[name] for name, r in routers.items()
        ):
            return time.monotonic() - t0
        time.sleep(0.2)
    raise StartupFailed(f"BGP sessions not established after {timeout:g}s: {state}")
