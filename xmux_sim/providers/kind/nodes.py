"""A kind run's node containers, read from Docker: names, addresses, kube-router's state.

Faults and status are used from any process (`xmux-sim fault` then `xmux-sim heal`), so
everything here comes from the containers' labels and the engine, never from the Stack of
the process that brought the run up. kube-router's BGP sessions and routes are read inside
the node (gobgp and ip in the node's own network namespace, where kube-router's hostNetwork
pod runs), so they can be read while the API server is unreachable.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network

import docker
import docker.errors
from docker.models.containers import Container

from xmux_sim.errors import XmuxSimError
from xmux_sim.providers.docker import labels
from xmux_sim.providers.docker.engine import list_containers
from xmux_sim.providers.kind.docker_shim import NODE_IP

ROLE = "kind-node"
"""labels.ROLE of a kind node container."""
NETWORK = "xmux-sim.network"
"""On a node container: the Docker network of the cluster's nodes."""

BGP_STATES = {
    1: "idle",
    2: "connect",
    3: "active",
    4: "opensent",
    5: "openconfirm",
    6: "established",
}
"""gobgp's session_state numbers, named as the docker provider names BIRD's states."""


@dataclass(frozen=True)
class KindNode:
    name: str
    """The stack's node name (or ``control-plane``)."""
    container: Container
    network: str
    ip: str | None
    cidr: IPv4Network | None
    pod_range: IPv4Network | None


def node_containers(client: docker.DockerClient, run_id: str) -> list[Container]:
    return list_containers(client, {"label": [f"{labels.RUN}={run_id}", f"{labels.ROLE}={ROLE}"]})


def read_nodes(client: docker.DockerClient, run_id: str) -> dict[str, KindNode]:
    """The run's nodes by stack node name; raises when the run has none."""
    containers = node_containers(client, run_id)
    if not containers:
        raise XmuxSimError(f"kind run {run_id} has no node containers; is it up? (`xmux-sim status`)")
    nodes: dict[str, KindNode] = {}
    for c in containers:
        name = c.labels.get(labels.NODE, c.name)
        network = c.labels.get(NETWORK, "")
        ip = c.labels.get(NODE_IP) or None
        cidr = c.labels.get(labels.POD_CIDR)
        pod_range = c.labels.get(labels.SUPERNET)
        nodes[name] = KindNode(
            name=name,
            container=c,
            network=network,
            ip=ip,
            cidr=IPv4Network(cidr) if cidr else None,
            pod_range=IPv4Network(pod_range) if pod_range else None,
        )
    return dict(sorted(nodes.items()))


def node_exec(container: Container, cmd: list[str], timeout_hint: str = "") -> str:
    """Run a command in a node container; its output, or XmuxSimError with it."""
    result = container.exec_run(cmd, demux=False)
    out = (result.output or b"").decode(errors="replace")
    if result.exit_code != 0:
        raise XmuxSimError(
            f"{' '.join(cmd[:3])} in {container.name} failed ({result.exit_code}): {out.strip()[:300]}"
        )
    return out


def learned_routes(node: KindNode) -> frozenset[str]:
    """Pod CIDRs of other nodes in the node's kernel table, as kube-router installed them."""
    out = node_exec(node.container, ["ip", "-4", "-j", "route", "show", "proto", "17"])
    routes = set()
    for entry in json.loads(out or "[]"):
        dst = entry.get("dst", "")
        if "/" not in dst:
            continue
        net = IPv4Network(dst, strict=False)
        if node.pod_range is None or net.subnet_of(node.pod_range):
            routes.add(str(net))
    return frozenset(routes)


def bgp_sessions(node: KindNode, peers_by_ip: dict[str, str]) -> dict[str, str]:
    """Peer node -> BGP state of kube-router on ``node`` (gobgp's view; empty when unreadable)."""
    try:
        out = node_exec(node.container, ["gobgp", "neighbor", "-j"])
    except (XmuxSimError, docker.errors.APIError):
        return {}
    sessions: dict[str, str] = {}
    for peer in json.loads(out or "[]") or []:
        conf = peer.get("conf") or {}
        state = peer.get("state") or {}
        address = conf.get("neighbor_address") or state.get("neighbor_address") or ""
        raw = state.get("session_state", 0)
        text = BGP_STATES.get(raw, str(raw)) if isinstance(raw, int) else str(raw).lower()
        sessions[peers_by_ip.get(address, address)] = text.removeprefix("session_state_")
    return dict(sorted(sessions.items()))


def kube_router_state(node: KindNode) -> str:
    """running, frozen (drop-node bgp), absent (not started yet), or the container's state."""
    node.container.reload()
    if node.container.status != "running":
        return str(node.container.status)
    try:
        out = node_exec(node.container, ["ps", "-C", "kube-router", "-o", "stat="])
    except XmuxSimError:
        return "absent"
    states = out.split()
    if not states:
        return "absent"
    return "frozen" if all(s.startswith("T") for s in states) else "running"


def peers_by_ip(nodes: dict[str, KindNode]) -> dict[str, str]:
    return {str(IPv4Address(n.ip)): name for name, n in nodes.items() if n.ip}
