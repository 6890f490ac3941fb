"""The docker provider: realises a Stack as labelled networks, volumes and pods.

`up` either returns a healthy run or leaves nothing behind: any failure (a service that
does not come up, Ctrl-C) removes what was created. While the harness lives, the run's
reaper holds a connection; if the harness dies, the reaper removes the run.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field, replace
from typing import Any

import docker
import docker.errors
from docker.models.containers import Container

from xmux_sim.errors import ImageMissing, StartupFailed, XmuxSimError
from xmux_sim.providers.base import NodeStatus, Progress, RunStatus
from xmux_sim.providers.docker import labels
from xmux_sim.providers.docker.engine import connect, cpu_seconds, list_containers
from xmux_sim.providers.docker.faults import DockerFaults
from xmux_sim.providers.docker.faults import ledger as fault_ledger
from xmux_sim.providers.docker.images import ImageBuilder
from xmux_sim.providers.docker.pods import Pod, PodSpec, start_pod
from xmux_sim.providers.docker.ports import check_free, host_ports
from xmux_sim.providers.docker.reaper import ReapedRun, ReaperHandle
from xmux_sim.providers.docker.routers import learned_routes, sessions, start_router, wait_established
from xmux_sim.providers.docker.stack_builds import build_stack_images
from xmux_sim.services.base import Endpoint, PodPlan, ProbeFailed, StackPlan
from xmux_sim.services.registry import runtime_for
from xmux_sim.timeline import Timeline
from xmux_sim.topology.model import Service, Stack

UNDERLAY = "underlay"

# An image per flavour where a kind has alternatives; "official" means the upstream image.
FLAVOUR_IMAGES = {("mongo", "official"): "mongo:7.0"}


def new_run_id() -> str:
    return time.strftime("%m%d%H%M") + secrets.token_hex(2)


@dataclass
class DockerRun(ReapedRun):
    """A stack that is up: its endpoints, and the means to exec in it and take it down."""

    provider: DockerProvider
    run_id: str
    stack_name: str
    endpoints: dict[str, list[Endpoint]] = field(default_factory=dict)
    reaper: ReaperHandle | None = None
    stack: Stack | None = None
    relays: list[str] = field(default_factory=list)
    """Relay containers this handle started (removed by `remove_relays`, or with the run)."""
    _routers: dict[str, Container] = field(default_factory=dict, repr=False)

    @property
    def client(self) -> docker.DockerClient:
        return self.provider.client

    def endpoint(self, service: str, replica: int = 0) -> Endpoint:
        try:
            return self.endpoints[service][replica]
        except (KeyError, IndexError):
            raise KeyError(
                f"run {self.run_id} has no {service}-{replica}; services: {', '.join(sorted(self.endpoints))}"
            ) from None

    # ----- containers (docker-specific: tests and benchmarks of this provider use them) --------

    def app(self, service: str, replica: int = 0) -> Container:
        return self.provider.app_container(self.run_id, service, replica)

    def holder(self, pod: str) -> Container:
        """The container that owns a pod's network namespace (``pod`` as SERVICE-REPLICA)."""
        return self.client.containers.get(f"xmux-{self.run_id}-{pod}")

    def router(self, node: str) -> Container:
        if node not in self._routers:
            try:
                self._routers[node] = self.client.containers.get(f"xmux-{self.run_id}-router-{node}")
            except docker.errors.NotFound:
                raise XmuxSimError(f"run {self.run_id} has no router on {node!r}") from None
        return self._routers[node]

    # ----- the Run protocol -----------------------------------------------------------------

    def exec(self, service: str, cmd: Sequence[str], replica: int = 0) -> tuple[int, str]:
        result = self.app(service, replica).exec_run(list(cmd), demux=False)
        return int(result.exit_code), (result.output or b"").decode(errors="replace")

    def relay(self, service: str, node: str, replica: int = 0, timeout_s: float = 5.0) -> Endpoint:
        """The service's endpoint as seen by a client on ``node`` (through a relay there)."""
        from xmux_sim.providers.docker.relays import start_relay

        endpoint, name = start_relay(
            self.client, self.run_id, self.endpoint(service, replica), node, timeout_s
        )
        self.relays.append(name)
        return endpoint

    def remove_relays(self) -> None:
        """Remove the relays this handle started: a scenario on an attached stack leaves none."""
        for name in self.relays:
            with suppress(docker.errors.NotFound, docker.errors.APIError):
                self.client.containers.get(name).remove(force=True)
        self.relays.clear()

    def faults(self, timeline: Timeline | None = None) -> DockerFaults:
        """Inject, list and heal this run's faults (on `timeline`, when given)."""
        return DockerFaults(self.client, self.run_id, timeline)

    def status(self) -> RunStatus:
        return self.provider.status(self.run_id)

    def learned_routes(self, node: str) -> frozenset[str]:
        return learned_routes(self.router(node))

    def bgp_sessions(self, node: str) -> dict[str, str]:
        return sessions(self.router(node))

    def cpu_usage(self) -> dict[str, float]:
        return cpu_seconds(self.client, self.run_id)

    def environment(self, service: str, replica: int = 0) -> dict[str, str]:
        env = self.app(service, replica).attrs["Config"]["Env"] or []
        return dict(e.split("=", 1) for e in env if "=" in e)


class DockerProvider:
    name = "docker"

    def __init__(self, client: docker.DockerClient | None = None, progress: Progress | None = None) -> None:
        self.client = client or connect()
        self.progress: Progress = progress or (lambda _line: None)
        self.images = ImageBuilder(self.client, progress=self.progress)
        self._configure_testcontainers()
        self._creds_lock = threading.Lock()
        self._creds: dict[tuple[str, str], dict[str, str]] = {}

    def _configure_testcontainers(self) -> None:
        """Point testcontainers' reaper at our locally built one (its default is pulled from a registry).

        Our containers are covered by the run's own reaper, which also removes networks and
        volumes by the run label, so testcontainers' per-process reaper is switched off for them.
        """
        from testcontainers.core.config import testcontainers_config

        if self.images.is_built("reaper"):
            testcontainers_config.ryuk_image = self.images.tag("reaper")
        testcontainers_config.ryuk_disabled = True

    # ----- up -----------------------------------------------------------------------------

    def up(self, stack: Stack, keep: bool = False, run_id: str | None = None) -> DockerRun:
        # Services with `build:` are built (or found) first; from here on they name their image.
        stack = build_stack_images(self.images, stack)
        plan = StackPlan.of(stack)
        images = self._images_for(stack)  # before creating anything: a missing image is the user's to build
        for svc in stack.services.values():
            runtime_for(svc.kind).preflight(svc, stack, self.images.run_tool)
        for svc in stack.services.values():
            for port_name, port in svc.publish.items():
                if port:
                    check_free(port, f"{svc.name}.publish.{port_name}")
        self._check_no_overlap(stack)
        run_id = run_id or new_run_id()
        # Services that connect to others (the XMUS stand-ins) need their credentials in the plan.
        plan = replace(
            plan, credentials={s.name: self._credentials(run_id, s) for s in stack.services.values()}
        )
        run = DockerRun(provider=self, run_id=run_id, stack_name=stack.name, stack=stack)
        started = time.monotonic()
        try:
            self.progress(f"run {run_id}: starting the reaper")
            run.reaper = ReaperHandle(self.client, images["reaper"], run_id)
            run.reaper.start()
            networks = self._create_networks(stack, run_id)
            routers = self._start_routers(stack, run_id, networks, images)
            specs = [self._pod_spec(stack, plan, pod, run_id, networks, images) for pod in plan.pods]
            pods = self._start_pods(specs)
            if routers:
                took = wait_established(routers, stack)
                self.progress(f"BGP full mesh of {len(routers)} routers established ({took:.1f}s after pods)")
            for svc in stack.services.values():
                first = next(p for p in pods if p.spec.plan.service.name == svc.name)
                runtime_for(svc.kind).after_ready(first.endpoint, svc)
            for pod in pods:
                run.endpoints.setdefault(pod.spec.plan.service.name, []).append(pod.endpoint)
        except BaseException:
            # Ctrl-C or a failed service: nothing may stay half-started.
            self.progress(f"run {run_id}: start failed, removing what was created")
            self.down(run_id)
            if run.reaper is not None:
                run.reaper.stop()
            raise
        self.progress(f"run {run_id}: {len(plan.pods)} pod(s) healthy in {time.monotonic() - started:.1f}s")
        if keep:
            run.keep()
        return run

    def _images_for(self, stack: Stack) -> dict[str, str]:
        wanted = {"reaper", "pod"} | ({"router"} if stack.routed else set())
        for svc in stack.services.values():
            foreign = svc.image or FLAVOUR_IMAGES.get((svc.kind, svc.flavour or ""))
            if foreign:
                self._require_foreign(svc.name, foreign)
            else:
                wanted.add(runtime_for(svc.kind).image_name(svc))
        return self.images.require(sorted(wanted))

    def _require_foreign(self, service: str, image: str) -> None:
        """An image the stack names itself (a real XMUS image, the official mongo): local or pullable."""
        try:
            self.client.images.get(image)
            return
        except docker.errors.ImageNotFound:
            pass
        self.progress(f"{service}: image {image} is not local; trying to pull it")
        try:
            self.client.images.pull(image)
        except docker.errors.DockerException as exc:
            raise ImageMissing(
                f"{service}: image {image!r} is not built on this engine and cannot be pulled "
                f"({exc.__class__.__name__}). Build or load it (`docker load`), or remove the service's "
                "`image`/`flavour` override to use the stack's own image."
            ) from None

    def _check_no_overlap(self, stack: Stack) -> None:
        mine = {str(node.cidr) for node in stack.nodes}
        if stack.routed:
            mine.add(str(stack.network.underlay))
        for net in self.client.networks.list(filters={"label": labels.RUN}):
            subnets = {cfg.get("Subnet") for cfg in (net.attrs.get("IPAM") or {}).get("Config") or []}
            if not subnets & mine:
                continue
            other = net.attrs["Labels"].get(labels.RUN)
            if not self._containers(other, running_only=True):
                # Nothing of that run runs: it died with the engine (a restarted dockerd
                # stops containers, and its reaper with them). Clear it out of the way.
                self.progress(f"run {other} is dead (no container runs); removing its leftovers")
                self.down(other)
                continue
            raise XmuxSimError(
                f"run {other} is up and uses {', '.join(sorted(subnets & mine))}, which this stack needs "
                "too. "
                f"Take it down with `xmux-sim down --run {other}`, attach to it, or give this stack other "
                "node CIDRs."
            )

    def _start_routers(
        self, stack: Stack, run_id: str, networks: dict[str, str], images: dict[str, str]
    ) -> dict[str, Container]:
        """One router per node; a one-node stack needs none (its pods share one network)."""
        if not stack.routed:
            return {}
        self.progress(
            f"starting {len(stack.nodes)} BGP routers (AS {stack.network.bgp.asn}, "
            f"hold {stack.network.bgp.hold:g}s)"
        )
        return {
            node.name: start_router(
                self.client, stack, node, run_id, images["router"], networks[node.name], networks[UNDERLAY]
            )
            for node in stack.nodes
        }

    def _create_networks(self, stack: Stack, run_id: str) -> dict[str, str]:
        names = {}
        if stack.routed:
            underlay = stack.network.underlay
            names[UNDERLAY] = self._create_network(
                run_id, stack, UNDERLAY, str(underlay), str(underlay.network_address + 1)
            )
        for node in stack.nodes:
            names[node.name] = self._create_network(
                run_id, stack, node.name, str(node.cidr), str(node.gateway)
            )
        return names

    def _create_network(self, run_id: str, stack: Stack, node: str, subnet: str, gateway: str) -> str:
        name = f"xmux-{run_id}-{node}"
        ipam = docker.types.IPAMConfig(pool_configs=[docker.types.IPAMPool(subnet=subnet, gateway=gateway)])
        self.client.networks.create(
            name, driver="bridge", ipam=ipam, labels=labels.for_run(run_id, stack.name, **{labels.NODE: node})
        )
        return name

    def _pod_spec(
        self,
        stack: Stack,
        plan: StackPlan,
        pod: PodPlan,
        run_id: str,
        networks: dict[str, str],
        images: dict[str, str],
    ) -> PodSpec:
        svc = pod.service
        runtime = runtime_for(svc.kind)
        credentials = self._credentials(run_id, svc)
        volume = None
        if runtime.data_dir:
            volume = f"xmux-{run_id}-{pod.name}-data"
            self.client.volumes.create(
                volume, labels=labels.for_run(run_id, stack.name, **{labels.SERVICE: svc.name})
            )
        app_image = (
            svc.image or FLAVOUR_IMAGES.get((svc.kind, svc.flavour or "")) or images[runtime.image_name(svc)]
        )
        return PodSpec(
            run_id=run_id,
            stack=stack.name,
            plan=pod,
            network=networks[pod.node.name],
            pod_image=images["pod"],
            app_image=app_image,
            flavour=svc.flavour,
            runtime=runtime,
            credentials=credentials,
            environment=runtime.environment(pod, credentials, plan),
            files={**runtime.files(pod, credentials, plan), **svc.files},
            command=list(svc.args) if svc.args is not None else runtime.command(pod),
            entrypoint=list(svc.command) if svc.command is not None else None,
            # Everything in the pod supernet goes through the node's router, as with Kube-Router.
            routes=(f"{stack.network.supernet}@{pod.node.router_ip}",) if stack.routed else (),
            volume=volume,
            lazy=volume is not None and svc.durability == "lazy",
        )

    def _credentials(self, run_id: str, svc: Service) -> dict[str, str]:
        # One set per service and run, shared by its replicas.
        with self._creds_lock:
            key = (run_id, svc.name)
            if key not in self._creds:
                self._creds[key] = runtime_for(svc.kind).credentials(svc)
            return self._creds[key]

    def _start_pods(self, specs: list[PodSpec]) -> list[Pod]:
        self.progress(f"starting {len(specs)} pod(s): {', '.join(s.plan.name for s in specs)}")
        with ThreadPoolExecutor(max_workers=max(1, len(specs))) as pool:
            futures = {pool.submit(self._start_one, s): s for s in specs}
            pods, errors = [], []
            for future, spec in futures.items():
                try:
                    pods.append(future.result())
                except Exception as exc:
                    errors.append(f"{spec.plan.name}: {exc}")
        if errors:
            raise StartupFailed("the stack did not come up; it was removed again.\n" + "\n".join(errors))
        return pods

    def _start_one(self, spec: PodSpec) -> Pod:
        t0 = time.monotonic()
        pod = start_pod(self.client, spec)
        self.progress(
            f"{spec.plan.name} healthy on {spec.plan.node.name} ({spec.plan.ip}) "
            f"in {time.monotonic() - t0:.1f}s"
        )
        return pod

    # ----- find, status, down ---------------------------------------------------------------

    def runs(self) -> list[str]:
        """This provider's runs (a kind run's containers carry the run label too, and
        labels.PROVIDER=kind: the kind provider answers for those)."""
        found = {
            (c.attrs.get("Labels") or {})[labels.RUN]
            for c in self.client.containers.list(all=True, filters={"label": labels.RUN}, sparse=True)
            if (c.attrs.get("Labels") or {}).get(labels.PROVIDER) is None
        }
        return sorted(found)

    def resolve_run(self, run_id: str | None) -> str:
        runs = self.runs()
        if run_id:
            if run_id not in runs:
                raise XmuxSimError(f"no run {run_id!r} is up; runs: {', '.join(runs) or 'none'}")
            return run_id
        if not runs:
            raise XmuxSimError("no stack is up; start one with `xmux-sim up --keep`")
        if len(runs) > 1:
            raise XmuxSimError(f"several runs are up ({', '.join(runs)}); name one with --run")
        return runs[0]

    def _containers(
        self, run_id: str, role: str | None = None, running_only: bool = False
    ) -> list[Container]:
        flt = [f"{labels.RUN}={run_id}"] + ([f"{labels.ROLE}={role}"] if role else [])
        return list_containers(self.client, {"label": flt}, all=not running_only)

    def app_container(self, run_id: str, service: str, replica: int = 0) -> Container:
        for c in self._containers(run_id, "app"):
            if c.labels.get(labels.SERVICE) == service and c.labels.get(labels.REPLICA) == str(replica):
                return c
        raise KeyError(f"run {run_id} has no {service}-{replica}")

    def attach(self, run_id: str | None = None) -> DockerRun:
        """A handle on a run started by another process (for example `up --keep`)."""
        run_id = self.resolve_run(run_id)
        holders = self._containers(run_id, "holder")
        run = DockerRun(provider=self, run_id=run_id, stack_name=holders[0].labels.get(labels.STACK, "?"))
        for holder in sorted(
            holders, key=lambda c: (c.labels[labels.SERVICE], int(c.labels[labels.REPLICA]))
        ):
            run.endpoints.setdefault(holder.labels[labels.SERVICE], []).append(_endpoint_of(holder))
        return run

    def status(self, run_id: str | None = None) -> RunStatus:
        run_id = self.resolve_run(run_id)
        containers = self._containers(run_id)
        apps = {
            (c.labels[labels.SERVICE], c.labels[labels.REPLICA]): c
            for c in containers
            if c.labels.get(labels.ROLE) == "app"
        }
        holders = [c for c in containers if c.labels.get(labels.ROLE) == "holder"]
        stack_name = holders[0].labels.get(labels.STACK, "?") if holders else "?"

        def pod_status(holder: Container) -> dict[str, Any]:
            service, replica = holder.labels[labels.SERVICE], holder.labels[labels.REPLICA]
            ep = _endpoint_of(holder)
            app = apps.get((service, replica))
            state = _state(holder, app, ep)
            runtime = runtime_for(holder.labels[labels.KIND])
            try:
                described = runtime.describe(ep, _service_stub(holder))
            except ProbeFailed:
                described = {}
            return {
                "service": service,
                "replica": int(replica),
                "node": holder.labels.get(labels.NODE),
                "pod_ip": holder.labels.get(labels.POD_IP),
                "state": state,
                "image": holder.labels.get(labels.IMAGE),
                "flavour": holder.labels.get(labels.FLAVOUR) or None,
                "kind": holder.labels.get(labels.KIND),
                **described,
            }

        with ThreadPoolExecutor(max_workers=max(1, len(holders))) as pool:
            pods = list(pool.map(pod_status, holders))
        services: dict[str, Any] = {}
        for pod in sorted(pods, key=lambda p: (p["service"], p["replica"])):
            entry = services.setdefault(
                pod["service"], {k: v for k, v in pod.items() if k not in ("service",)}
            )
            entry.setdefault("replicas", []).append(
                {
                    "replica": pod["replica"],
                    "node": pod["node"],
                    "pod_ip": pod["pod_ip"],
                    "state": pod["state"],
                }
            )
        for entry in services.values():
            states = [r["state"] for r in entry["replicas"]]
            entry["state"] = (
                "healthy"
                if all(s == "healthy" for s in states)
                else next(s for s in ("stopped", "unhealthy", "starting") if s in states)
            )
            entry.pop("replica", None)
        return {
            "run": run_id,
            "stack": stack_name,
            "services": services,
            "nodes": self._nodes_status(run_id, containers, pods),
            "faults": [e.to_dict() for e in fault_ledger.entries(self.client, run_id)],
        }

    def _nodes_status(
        self, run_id: str, containers: list[Container], pods: list[dict[str, Any]]
    ) -> dict[str, NodeStatus]:
        nodes: dict[str, NodeStatus] = {}
        for net in self.client.networks.list(filters={"label": f"{labels.RUN}={run_id}"}):
            name = net.attrs["Labels"].get(labels.NODE)
            if name and name != UNDERLAY:
                subnets = [c.get("Subnet") for c in (net.attrs.get("IPAM") or {}).get("Config") or []]
                nodes[name] = {"cidr": subnets[0] if subnets else None, "router": None, "pods": []}
        for c in containers:
            node = c.labels.get(labels.NODE)
            if c.labels.get(labels.ROLE) == "router" and node in nodes:
                running = c.status == "running"
                nodes[node]["router"] = {
                    "name": c.name,
                    "state": c.status,
                    "sessions": sessions(c) if running else {},
                    "routes": sorted(learned_routes(c)) if running else [],
                }
        for pod in sorted(pods, key=lambda p: (p["service"], p["replica"])):
            if pod["node"] in nodes:
                nodes[pod["node"]]["pods"].append(
                    {"name": f"{pod['service']}-{pod['replica']}", "ip": pod["pod_ip"], "state": pod["state"]}
                )
        return dict(sorted(nodes.items()))

    def down(self, run_id: str) -> dict[str, int]:
        """Remove every container, network and volume of the run. Idempotent."""
        flt = {"label": f"{labels.RUN}={run_id}"}
        # sparse: no inspect per container, which fails when one vanishes meanwhile (a fault's
        # short-lived helper, a reaper at work).
        containers = self.client.containers.list(all=True, filters=flt, sparse=True)
        # Apps (and fault proxies) first: a holder cannot go while another container uses its namespace.
        joined = ("app", "fault-proxy")
        apps = [c for c in containers if (c.attrs.get("Labels") or {}).get(labels.ROLE) in joined]
        others = [c for c in containers if (c.attrs.get("Labels") or {}).get(labels.ROLE) not in joined]
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(_remove_container, apps))
            list(pool.map(_remove_container, others))
        removed = {"containers": len(containers), "networks": 0, "volumes": 0}
        for net in self.client.networks.list(filters=flt):
            with suppress(docker.errors.NotFound):
                net.remove()
                removed["networks"] += 1
        for vol in self.client.volumes.list(filters=flt):
            with suppress(docker.errors.NotFound):
                vol.remove(force=True)
                removed["volumes"] += 1
        reapers = self.client.containers.list(
            all=True, filters={"label": f"{labels.REAPER}={run_id}"}, sparse=True
        )
        for reaper in reapers:
            _remove_container(reaper)
        return removed

    def down_all(self) -> list[str]:
        runs = self.runs()
        for run_id in runs:
            self.down(run_id)
        return runs


def _remove_container(container: Container) -> None:
    with suppress(docker.errors.NotFound, docker.errors.APIError):
        container.remove(force=True, v=True)


def _endpoint_of(holder: Container) -> Endpoint:
    kind = holder.labels[labels.KIND]
    ports = host_ports(holder.attrs, json.loads(holder.labels.get(labels.PORTS, "{}")))
    return Endpoint(
        service=holder.labels[labels.SERVICE],
        replica=int(holder.labels[labels.REPLICA]),
        kind=kind,
        ports=ports,
        pod_ip=holder.labels.get(labels.POD_IP, ""),
        credentials=json.loads(holder.labels.get(labels.CREDENTIALS, "{}")),
    )


def _service_stub(holder: Container) -> Service:
    """Enough of the Service for describe(): its config defaults, filled from credentials."""
    from xmux_sim.topology.kinds import KINDS

    kind = KINDS[holder.labels[labels.KIND]]
    return Service(
        name=holder.labels[labels.SERVICE],
        kind=kind.name,
        replicas=1,
        placement=(),
        publish={},
        config=kind.defaults(),
        flavour=holder.labels.get(labels.FLAVOUR) or None,
    )


def _state(holder: Container, app: Container | None, ep: Endpoint) -> str:
    if app is not None and app.status == "paused":
        return "unhealthy"
    if app is None or app.status != "running" or holder.status != "running":
        return "stopped"
    try:
        runtime_for(ep.kind).probe(ep)
        return "healthy"
    except ProbeFailed:
        started = app.attrs.get("State", {}).get("StartedAt", "")
        return "starting" if _seconds_since(started) < 30 else "unhealthy"


def _seconds_since(docker_time: str) -> float:
    from datetime import datetime

    try:
        t = datetime.fromisoformat(docker_time[:26].rstrip("Z") + "+00:00")
    except ValueError:
        return 1e9
    return time.time() - t.timestamp()
