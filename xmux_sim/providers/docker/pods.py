"""Pods: a holder container that owns the network namespace, and the unmodified app.

The holder (like Kubernetes' pause container) gets the pod IP on its node's network,
routes the pod supernet through the node's router, and publishes the pod's ports on
127.0.0.1. The app joins its namespace, so killing and restarting the app keeps the
pod's IP, routes and published ports, as a restarted container in a Kubernetes pod does.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

import docker
import docker.errors
from testcontainers.core.container import DockerContainer
from testcontainers.core.waiting_utils import WaitStrategy, WaitStrategyTarget

from xmux_sim.errors import StartupFailed
from xmux_sim.providers.docker import labels, lazy
from xmux_sim.providers.docker.ports import host_ports, publish_on_loopback
from xmux_sim.services.base import Endpoint, PodPlan, ProbeFailed, ServiceRuntime


class ProbeWait(WaitStrategy):
    """Ready when the service answers a real round trip from the host (a query, a ping)."""

    def __init__(self, runtime: ServiceRuntime, endpoint: Endpoint) -> None:
        super().__init__()
        self.runtime = runtime
        self.endpoint = endpoint
        self.with_startup_timeout(int(runtime.startup_timeout)).with_poll_interval(0.2)

    def wait_until_ready(self, container: WaitStrategyTarget) -> None:
        deadline = time.monotonic() + self._startup_timeout
        last = "no answer yet"
        while time.monotonic() < deadline:
            container.reload()
            if container.status not in ("running", "created"):
                out, err = container.get_logs()
                tail = (out + err).decode(errors="replace").strip().splitlines()[-15:]
                raise StartupFailed(
                    f"{self.endpoint.service}-{self.endpoint.replica} exited while starting:\n  "
                    + "\n  ".join(tail)
                )
            try:
                self.runtime.probe(self.endpoint)
                return
            except ProbeFailed as exc:
                last = str(exc)
            time.sleep(self._poll_interval)
        raise StartupFailed(
            f"{self.endpoint.service}-{self.endpoint.replica} not healthy after "
            f"{self._startup_timeout:g}s: {last}"
        )


@dataclass
class PodSpec:
    """Everything needed to start one pod of a run."""

    run_id: str
    stack: str
    plan: PodPlan
    network: str
    pod_image: str
    app_image: str
    flavour: str | None
    runtime: ServiceRuntime
    credentials: Mapping[str, str]
    environment: Mapping[str, str]
    files: Mapping[str, bytes]
    command: list[str] | None
    """The app's command (the image's own when None)."""
    entrypoint: list[str] | None
    """The app's entrypoint (the image's own when None)."""
    routes: tuple[str, ...]
    """"CIDR@GATEWAY" routes the holder installs (empty on a one-node stack)."""
    volume: str | None
    lazy: bool = False
    """The data volume is mounted through the lazy FUSE layer (unsynced writes die with the container)."""

    @property
    def base_name(self) -> str:
        return f"xmux-{self.run_id}-{self.plan.name}"

    def labels(self, role: str) -> dict[str, str]:
        svc = self.plan.service
        return labels.for_run(
            self.run_id,
            self.stack,
            **{
                labels.ROLE: role,
                labels.SERVICE: svc.name,
                labels.KIND: svc.kind,
                labels.REPLICA: str(self.plan.replica),
                labels.NODE: self.plan.node.name,
                labels.POD_IP: str(self.plan.ip),
                labels.IMAGE: self.app_image,
                labels.FLAVOUR: self.flavour or "",
                labels.PORTS: json.dumps(dict(self.runtime.info.ports)),
            },
        )


@dataclass
class Pod:
    spec: PodSpec
    holder: DockerContainer
    app: DockerContainer
    endpoint: Endpoint


def start_pod(client: docker.DockerClient, spec: PodSpec) -> Pod:
    """Start holder then app, and wait until the service answers. Raises StartupFailed."""
    plan = spec.plan
    info = spec.runtime.info
    endpoint_config = client.api.create_endpoint_config(
        ipv4_address=str(plan.ip), aliases=[plan.name, plan.service.name]
    )
    holder_labels = {**spec.labels("holder"), labels.CREDENTIALS: json.dumps(dict(spec.credentials))}

    def new_holder() -> DockerContainer:
        holder = (
            DockerContainer(spec.pod_image)
            .with_name(spec.base_name)
            .with_env("POD_ROUTES", " ".join(spec.routes))
            .with_kwargs(
                network=spec.network,
                networking_config={spec.network: endpoint_config},
                labels=holder_labels,
                cap_add=["NET_ADMIN"],
                hostname=plan.name,
            )
        )
        publish_on_loopback(
            holder, {f"{info.ports[name]}/tcp": port for name, port in plan.service.publish.items()}
        )
        return holder

    # A free port we chose can be taken by someone else before Docker binds it: choose again.
    auto = any(not port for port in plan.service.publish.values())
    for attempt in range(3):
        holder = new_holder()
        try:
            holder.start()
            break
        except docker.errors.APIError as exc:
            taken = "port is already allocated" in str(exc) or "address already in use" in str(exc)
            if not (auto and taken) or attempt == 2:
                raise
            with suppress(docker.errors.NotFound):
                client.containers.get(spec.base_name).remove(force=True)
    holder_container = holder.get_wrapped_container()
    holder_container.reload()
    ports = host_ports(holder_container.attrs, {n: info.ports[n] for n in plan.service.publish})
    endpoint = Endpoint(
        service=plan.service.name,
        replica=plan.replica,
        kind=plan.service.kind,
        ports=ports,
        pod_ip=str(plan.ip),
        credentials=dict(spec.credentials),
    )

    app = DockerContainer(spec.app_image).with_name(f"{spec.base_name}-app")
    for key, value in spec.environment.items():
        app.with_env(key, value)
    for path, content in spec.files.items():
        app.with_copy_into_container(content, path)
    options: dict[str, Any] = {}
    if spec.volume and spec.runtime.data_dir:
        app.with_volume_mapping(spec.volume, spec.runtime.data_dir, "rw")
        if spec.lazy:
            environment, options = lazy.container_options(client, spec.runtime.data_dir)
            for key, value in environment.items():
                app.with_env(key, value)
    if spec.command is not None:
        app.with_command(spec.command)
    if spec.entrypoint is not None:
        options["entrypoint"] = spec.entrypoint
    app.with_kwargs(network_mode=f"container:{holder_container.id}", labels=spec.labels("app"), **options)
    app.waiting_for(ProbeWait(spec.runtime, endpoint))
    app.start()
    return Pod(spec=spec, holder=holder, app=app, endpoint=endpoint)
