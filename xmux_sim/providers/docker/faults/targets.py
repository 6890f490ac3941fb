"""What a fault can aim at in a running run: nodes, their routers, pods — read from Docker.

Faults are injected and healed from any process (`xmux-sim fault` then `xmux-sim heal`),
so the targets come from the run's labels and networks, not from the Stack object of the
process that started the run.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from ipaddress import IPv4Network

import docker
import docker.errors
from docker.models.containers import Container

from xmux_sim.faults.base import FaultError
from xmux_sim.providers.docker import labels
from xmux_sim.providers.docker.engine import list_containers

UNDERLAY = "underlay"


@dataclass(frozen=True)
class PodTarget:
    name: str
    service: str
    replica: int
    node: str
    ip: str
    holder: Container
    app: Container
    ports: dict[str, int]  # port name -> container port


@dataclass(frozen=True)
class NodeTarget:
    name: str
    cidr: IPv4Network
    router: Container | None
    underlay_ip: str | None


class RunTargets:
    def __init__(self, client: docker.DockerClient, run_id: str) -> None:
        self.client = client
        self.run_id = run_id
        self._containers = list_containers(client, {"label": f"{labels.RUN}={run_id}"})
        if not self._containers:
            raise FaultError(f"run {run_id} has no containers; is it up? (`xmux-sim status`)")
        self.stack_name = self._containers[0].labels.get(labels.STACK, "?")
        self.nodes: dict[str, NodeTarget] = {}
        routers = {
            c.labels[labels.NODE]: c for c in self._containers if c.labels.get(labels.ROLE) == "router"
        }
        for net in client.networks.list(filters={"label": f"{labels.RUN}={run_id}"}):
            node = net.attrs["Labels"].get(labels.NODE)
            configs = (net.attrs.get("IPAM") or {}).get("Config") or []
            if node and node != UNDERLAY and configs:
                router = routers.get(node)
                self.nodes[node] = NodeTarget(
                    node,
                    IPv4Network(configs[0]["Subnet"]),
                    router,
                    router.labels.get(labels.UNDERLAY_IP) if router is not None else None,
                )
        self.underlay_network = f"xmux-{run_id}-{UNDERLAY}"
        self.pods: dict[str, PodTarget] = {}
        apps = {
            (c.labels[labels.SERVICE], c.labels[labels.REPLICA]): c
            for c in self._containers
            if c.labels.get(labels.ROLE) == "app"
        }
        for holder in self._containers:
            if holder.labels.get(labels.ROLE) != "holder":
                continue
            service, replica = holder.labels[labels.SERVICE], holder.labels[labels.REPLICA]
            app = apps.get((service, replica))
            if app is None:
                continue
            name = f"{service}-{replica}"
            self.pods[name] = PodTarget(
                name=name,
                service=service,
                replica=int(replica),
                node=holder.labels.get(labels.NODE, ""),
                ip=holder.labels.get(labels.POD_IP, ""),
                holder=holder,
                app=app,
                ports=json.loads(holder.labels.get(labels.PORTS, "{}")),
            )

    @property
    def pod_image(self) -> str:
        holder = next(iter(self.pods.values())).holder
        return str(holder.attrs["Config"]["Image"])

    def pod(self, name: str) -> PodTarget:
        try:
            return self.pods[name]
        except KeyError:
            raise FaultError(
                f"run {self.run_id} has no pod {name!r}; pods: {', '.join(sorted(self.pods))}"
            ) from None

    def node(self, name: str) -> NodeTarget:
        node = self.nodes.get(name)
        if node is None:
            raise FaultError(
                f"run {self.run_id} has no node {name!r}; nodes: {', '.join(sorted(self.nodes))}"
            )
        return node

    def routed_node(self, name: str) -> NodeTarget:
        node = self.node(name)
        if node.router is None or node.underlay_ip is None:
            raise FaultError(f"node {name} has no router: node faults need a stack of two or more nodes")
        return node

    def service_pods(self, service: str) -> list[PodTarget]:
        pods = [p for p in self.pods.values() if p.service == service]
        if not pods:
            services = sorted({p.service for p in self.pods.values()})
            raise FaultError(f"run {self.run_id} has no service {service!r}; services: {', '.join(services)}")
        return sorted(pods, key=lambda p: p.replica)

    def node_containers(self, name: str) -> list[Container]:
        """Every container of a node: apps first, then holders, then the router (power-off order)."""
        order = {"app": 0, "holder": 1, "router": 2}
        mine = [
            c
            for c in self._containers
            if c.labels.get(labels.NODE) == name and c.labels.get(labels.ROLE) in order
        ]
        return sorted(mine, key=lambda c: order[c.labels[labels.ROLE]])

    def container(self, name: str) -> Container | None:
        try:
            return self.client.containers.get(name)
        except docker.errors.NotFound:
            return None


def run_in(container: Container, script: str, what: str) -> str:
    """Run a shell script in a container; a failure says what we were doing and the output."""
    try:
        result = container.exec_run(["sh", "-c", script])
    except docker.errors.APIError as exc:
        raise FaultError(f"{what}: cannot exec in {container.name}: {exc.explanation or exc}") from None
    output = (result.output or b"").decode(errors="replace").strip()
    if result.exit_code != 0:
        raise FaultError(
            f"{what} in {container.name} failed ({result.exit_code}): {output}\n  script: {script}"
        )
    return output


def quote(*words: str) -> str:
    return " ".join(shlex.quote(w) for w in words)
