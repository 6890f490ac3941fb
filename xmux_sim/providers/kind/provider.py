"""The kind provider: a real Kubernetes cluster (kind, kube-router as the CNI) per run.

`up` creates the cluster with the real kind binary (built for the host from its module)
on our own node image, on a labelled Docker network inside the stack's ranges, and
returns when every node is Ready and kube-router's BGP sessions are established on every
node; or it leaves nothing behind. kind talks to Docker through a small `docker` script
(:mod:`.docker_shim`) that labels kind's containers with the run, so the run's reaper,
`down` and `down --all` remove a cluster exactly as they remove a docker-provider run;
a harness killed with SIGKILL in the middle of `kind create` leaves nothing either.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from ipaddress import IPv4Network
from pathlib import Path
from typing import Any

import docker
import docker.errors
from docker.models.containers import Container

from xmux_sim.errors import StartupFailed, XmuxSimError
from xmux_sim.providers.base import NodeStatus, Progress, RunStatus
from xmux_sim.providers.docker import labels
from xmux_sim.providers.docker.archive import tar_of
from xmux_sim.providers.docker.engine import connect, cpu_seconds
from xmux_sim.providers.docker.faults import ledger as fault_ledger
from xmux_sim.providers.docker.images import ImageBuilder, cache_dir
from xmux_sim.providers.docker.reaper import ReapedRun, ReaperHandle
from xmux_sim.providers.kind import config as kind_config
from xmux_sim.providers.kind.docker_shim import NODE_IP, UNPRIVILEGED_ARGS, script
from xmux_sim.providers.kind.faults import KindFaults
from xmux_sim.providers.kind.longhorn import check_longhorn
from xmux_sim.providers.kind.nodes import (
    NETWORK,
    ROLE,
    KindNode,
    bgp_sessions,
    kube_router_state,
    learned_routes,
    node_exec,
    peers_by_ip,
    read_nodes,
)
from xmux_sim.services.base import Endpoint
from xmux_sim.timeline import Timeline
from xmux_sim.topology.model import Stack

NODE_IMAGE = "kind-node"
NODE_IP_OFFSET = 10
"""Node containers take the node network's addresses from .10 on: .10 the control plane."""
CREATE_TIMEOUT_S = 900.0
READY_TIMEOUT_S = 600.0
RETAIN_ENV = "XMUX_SIM_KIND_RETAIN"
"""Set to 1, a failed `up` keeps the nodes (kind --retain) for a look inside; `down` removes them."""
KUBECTL = ["kubectl", "--kubeconfig=/etc/kubernetes/admin.conf"]


def new_run_id() -> str:
    return "k" + time.strftime("%m%d%H%M") + os.urandom(2).hex()


def run_dir(run_id: str) -> Path:
    """Where a run's kind config, kubeconfig and docker script live (removed by `down`)."""
    return cache_dir() / "kind" / run_id


_privileged_verdict: dict[str, bool] = {}
_privileged_lock = threading.Lock()


def privileged_works(client: docker.DockerClient, image: str, progress: Progress) -> bool:
    """Whether the engine can start --privileged containers (once per process; said once)."""
    with _privileged_lock:
        if image in _privileged_verdict:
            return _privileged_verdict[image]
        # Created, then started: a refused start leaves the created container, removed below.
        probe = client.containers.create(image, ["true"], entrypoint=[], privileged=True, network_mode="none")
        try:
            probe.start()
            works = True
        except docker.errors.APIError as exc:
            works = False
            progress(
                "this engine refuses --privileged containers "
                f"({str(exc.explanation or exc)[:120]}); kind's nodes get every capability but "
                f"CAP_SYS_RESOURCE instead ({' '.join(UNPRIVILEGED_ARGS)})"
            )
        finally:
            with suppress(docker.errors.APIError):
                probe.remove(force=True)
        _privileged_verdict[image] = works
        return works


def _die_with_parent() -> None:
    """In kind's process before exec: the kernel kills it when the harness dies (SIGKILL
    included), so no kind goes on creating nodes after the reaper has cleaned the run up."""
    import ctypes
    import signal

    pr_set_pdeathsig = 1
    with suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


@dataclass
class KindRun(ReapedRun):
    """A kind cluster that is up."""

    provider: KindProvider
    run_id: str
    stack_name: str
    stack: Stack | None = None
    reaper: ReaperHandle | None = None
    endpoints: dict[str, list[Endpoint]] = field(default_factory=dict)

    @property
    def client(self) -> docker.DockerClient:
        return self.provider.client

    def nodes(self) -> dict[str, KindNode]:
        return read_nodes(self.client, self.run_id)

    def node(self, name: str) -> KindNode:
        nodes = self.nodes()
        if name not in nodes:
            raise XmuxSimError(f"kind run {self.run_id} has no node {name!r}; nodes: {', '.join(nodes)}")
        return nodes[name]

    def kubectl(self, *args: str) -> str:
        """kubectl on the control plane, as its admin."""
        return node_exec(self.node(kind_config.CONTROL_PLANE).container, [*KUBECTL, *args])

    def apply(self, manifest: str, name: str) -> str:
        cp = self.node(kind_config.CONTROL_PLANE).container
        # Not /tmp: a tmpfs in the node, which docker cp does not reach.
        cp.put_archive("/kind", tar_of({f"{name}.yaml": manifest.encode()}))
        return node_exec(cp, [*KUBECTL, "apply", "-f", f"/kind/{name}.yaml"])

    # ----- the Run protocol -----------------------------------------------------------------

    def endpoint(self, service: str, replica: int = 0) -> Endpoint:
        raise KeyError(f"kind run {self.run_id} runs no services yet (asked for {service}-{replica})")

    def exec(self, service: str, cmd: Sequence[str], replica: int = 0) -> tuple[int, str]:
        raise XmuxSimError(f"kind run {self.run_id} runs no services yet")

    def relay(self, service: str, node: str, replica: int = 0, timeout_s: float = 5.0) -> Endpoint:
        raise XmuxSimError(f"kind run {self.run_id} runs no services yet")

    def remove_relays(self) -> None:
        return None

    def faults(self, timeline: Timeline | None = None) -> KindFaults:
        return KindFaults(self.client, self.run_id, self.provider.images.tag("base"), timeline)

    def status(self) -> RunStatus:
        return self.provider.status(self.run_id)

    def learned_routes(self, node: str) -> frozenset[str]:
        return learned_routes(self.node(node))

    def bgp_sessions(self, node: str) -> dict[str, str]:
        nodes = self.nodes()
        return bgp_sessions(nodes[node], peers_by_ip(nodes))

    def cpu_usage(self) -> dict[str, float]:
        return cpu_seconds(self.client, self.run_id)

    def environment(self, service: str, replica: int = 0) -> dict[str, str]:
        raise XmuxSimError(f"kind run {self.run_id} runs no services yet")


class KindProvider:
    name = "kind"

    def __init__(self, client: docker.DockerClient | None = None, progress: Progress | None = None) -> None:
        self.client = client or connect()
        self.progress: Progress = progress or (lambda _line: None)
        self.images = ImageBuilder(self.client, progress=self.progress)
        # The run's reaper is ours (see the docker provider): testcontainers' own, pulled
        # from a registry, stays off.
        from testcontainers.core.config import testcontainers_config

        testcontainers_config.ryuk_disabled = True

    # ----- up -----------------------------------------------------------------------------

    def up(self, stack: Stack, keep: bool = False, run_id: str | None = None) -> KindRun:
        if stack.services:
            raise XmuxSimError(
                f"stack {stack.name}: the kind provider runs the cluster only so far; "
                "its services are the next step"
            )
        if stack.kubernetes.storage == "longhorn":
            check_longhorn()
        tags = self.images.require([NODE_IMAGE, "reaper", "base"])
        kind = self.images.host_program(NODE_IMAGE, "kind")
        self._check_ranges_free(stack)
        self._forget_reaped_runs()
        run_id = run_id or new_run_id()
        run = KindRun(provider=self, run_id=run_id, stack_name=stack.name, stack=stack)
        started = time.monotonic()
        try:
            self.progress(f"run {run_id}: starting the reaper")
            run.reaper = ReaperHandle(self.client, tags["reaper"], run_id)
            run.reaper.start()
            unprivileged = not privileged_works(self.client, tags["base"], self.progress)
            network = self._create_network(stack, run_id)
            self._kind_create(stack, run_id, kind, tags[NODE_IMAGE], network, unprivileged)
            created = time.monotonic() - started
            self.progress(f"kind created the cluster in {created:.0f}s; configuring its network")
            self._configure(run, stack)
            self._wait_ready(run, stack)
        except BaseException:
            if os.environ.get(RETAIN_ENV) == "1":
                self.progress(f"run {run_id}: start failed; kept for debugging ({RETAIN_ENV}=1)")
                if run.reaper is not None:
                    run.reaper.release()
                raise
            self.progress(f"run {run_id}: start failed, removing what was created")
            self.down(run_id)
            if run.reaper is not None:
                run.reaper.stop()
            raise
        self.progress(
            f"run {run_id}: {len(stack.nodes) + 1} nodes Ready, BGP established, "
            f"in {time.monotonic() - started:.0f}s"
        )
        if keep:
            run.keep()
        return run

    def _forget_reaped_runs(self) -> None:
        """The folders of runs the reaper removed (their harness died): the reaper removes
        what is on the engine, this the kind config and kubeconfig the harness left."""
        folder = run_dir("x").parent
        if not folder.is_dir():
            return
        alive = set(self.runs())
        for child in folder.iterdir():
            if child.is_dir() and child.name not in alive:
                shutil.rmtree(child, ignore_errors=True)

    def _check_ranges_free(self, stack: Stack) -> None:
        """No other run may use the node network (Docker would refuse it, less clearly)."""
        mine = stack.kubernetes.node_network
        for net in self.client.networks.list():
            for cfg in (net.attrs.get("IPAM") or {}).get("Config") or []:
                subnet = cfg.get("Subnet")
                if not subnet or ":" in subnet or not IPv4Network(subnet).overlaps(mine):
                    continue
                other = (net.attrs.get("Labels") or {}).get(labels.RUN)
                hint = (
                    f"run {other} (`xmux-sim down --provider kind --run {other}`)"
                    if other
                    else f"network {net.name}"
                )
                raise XmuxSimError(
                    f"the node network {mine} (kubernetes.node_network) is in use by {hint}; "
                    "take that down or give this stack another node_network"
                )

    def _create_network(self, stack: Stack, run_id: str) -> str:
        net = stack.kubernetes.node_network
        name = f"xmux-{run_id}-nodes"
        ipam = docker.types.IPAMConfig(
            pool_configs=[docker.types.IPAMPool(subnet=str(net), gateway=str(net.network_address + 1))]
        )
        self.client.networks.create(
            name,
            driver="bridge",
            ipam=ipam,
            # Traffic stays on the machine: nothing of the cluster is masqueraded out.
            options={"com.docker.network.bridge.enable_ip_masquerade": "false"},
            labels=labels.for_run(run_id, stack.name, **{labels.PROVIDER: "kind"}),
        )
        return name

    def node_labels(self, stack: Stack, run_id: str, network: str) -> dict[str, dict[str, str]]:
        """Container name -> the labels (and fixed address) of the stack node it is."""
        net = stack.kubernetes.node_network
        cidrs = {kind_config.CONTROL_PLANE: kind_config.control_plane_cidr(stack)}
        cidrs.update({node.name: node.cidr for node in stack.nodes})
        out: dict[str, dict[str, str]] = {}
        for i, (container, node) in enumerate(kind_config.container_names(run_id, stack).items()):
            out[container] = {
                labels.NODE: node,
                labels.ROLE: ROLE,
                labels.POD_CIDR: str(cidrs[node]),
                labels.SUPERNET: str(stack.kubernetes.pod_cidr),
                NODE_IP: str(net.network_address + NODE_IP_OFFSET + i),
                NETWORK: network,
            }
        return out

    def _kind_create(
        self, stack: Stack, run_id: str, kind: Path, image: str, network: str, unprivileged: bool
    ) -> None:
        folder = run_dir(run_id)
        (folder / "bin").mkdir(parents=True, exist_ok=True)
        config_path = folder / "kind.yaml"
        config_path.write_text(kind_config.kind_config(stack, run_id, image))
        shim = folder / "bin" / "docker"
        package_root = str(Path(__file__).resolve().parents[3])
        shim.write_text(script(sys.executable, package_root))
        shim.chmod(0o755)
        real_docker = shutil.which("docker")
        if real_docker is None:
            raise StartupFailed("kind drives Docker through its command line, and no `docker` is on PATH")
        env = {
            k: v
            for k, v in os.environ.items()
            if k.lower() not in ("http_proxy", "https_proxy", "no_proxy", "all_proxy")
        }
        env.update(
            PATH=f"{folder / 'bin'}{os.pathsep}{env.get('PATH', '')}",
            XMUX_KIND_DOCKER=real_docker,
            XMUX_KIND_UNPRIVILEGED="1" if unprivileged else "0",
            XMUX_KIND_LABELS=json.dumps(
                labels.for_run(run_id, stack.name, **{labels.PROVIDER: "kind", labels.IMAGE: image})
            ),
            XMUX_KIND_NODES=json.dumps(self.node_labels(stack, run_id, network)),
            KIND_EXPERIMENTAL_DOCKER_NETWORK=network,
        )
        cmd = [
            str(kind),
            "create",
            "cluster",
            "--config",
            str(config_path),
            "--kubeconfig",
            str(folder / "kubeconfig"),
            "--wait",
            "0s",
        ]
        if os.environ.get(RETAIN_ENV) == "1":
            cmd.append("--retain")
        self.progress(
            f"kind create cluster {kind_config.cluster_name(run_id)} ({len(stack.nodes) + 1} nodes)"
        )
        proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            preexec_fn=_die_with_parent,
        )
        tail: list[str] = []
        assert proc.stdout is not None
        try:
            for line in proc.stdout:
                line = line.strip()
                if line:
                    tail = [*tail[-30:], line]
                    if not line.startswith("WARNING: Overriding docker network"):
                        self.progress(f"[kind] {line[:160]}")
            code = proc.wait(timeout=CREATE_TIMEOUT_S)
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        if code != 0:
            raise StartupFailed(f"kind create cluster failed (exit {code}):\n" + "\n".join(tail))

    def _configure(self, run: KindRun, stack: Stack) -> None:
        """Pod CIDRs as the stack file says, CoreDNS without upstream, kube-router."""
        nodes = run.nodes()
        peers = kind_config.peer_annotations(stack, {n: node.ip for n, node in nodes.items() if node.ip})
        for name, node in nodes.items():
            body: dict[str, Any] = {}
            if node.cidr is not None:
                body["spec"] = {"podCIDR": str(node.cidr), "podCIDRs": [str(node.cidr)]}
            if kind_config.explicit_peering(stack):
                body["metadata"] = {"annotations": peers.get(name, {})}
            if body:
                run.kubectl("patch", "node", node.container.name, "--type=merge", "-p", json.dumps(body))
        if kind_config.explicit_peering(stack):
            self.progress(
                f"BGP hold {stack.network.bgp.hold:g}s: nodes peer through kube-router's node "
                "annotations (its automatic mesh keeps a 90 s hold)"
            )
        run.apply(kind_config.coredns_configmap(), "coredns")
        run.apply(kind_config.kube_router_manifest(stack), "kube-router")

    def _wait_ready(self, run: KindRun, stack: Stack) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        want = len(stack.nodes) + 1
        last = ""
        while time.monotonic() < deadline:
            ready = self._ready_nodes(run)
            nodes = run.nodes()
            peers = peers_by_ip(nodes)
            established = {
                name: sum(1 for s in bgp_sessions(node, peers).values() if s == "established")
                for name, node in nodes.items()
            }
            all_bgp = all(n == want - 1 for n in established.values())
            line = f"{len(ready)}/{want} nodes Ready; BGP established per node: " + ", ".join(
                f"{k} {v}/{want - 1}" for k, v in established.items()
            )
            if line != last:
                self.progress(line)
                last = line
            if len(ready) == want and all_bgp:
                return
            time.sleep(2)
        raise StartupFailed(f"the cluster did not become ready in {READY_TIMEOUT_S:.0f}s: {last}")

    @staticmethod
    def _ready_nodes(run: KindRun) -> list[str]:
        try:
            out = run.kubectl("get", "nodes", "-o", "json")
        except XmuxSimError:
            return []
        ready = []
        for item in json.loads(out).get("items", []):
            for cond in item.get("status", {}).get("conditions", []):
                if cond.get("type") == "Ready" and cond.get("status") == "True":
                    ready.append(item["metadata"]["name"])
        return ready

    # ----- find, status, down ---------------------------------------------------------------

    def runs(self) -> list[str]:
        found = {
            (c.attrs.get("Labels") or {})[labels.RUN]
            for c in self.client.containers.list(
                all=True, filters={"label": [labels.RUN, f"{labels.PROVIDER}=kind"]}, sparse=True
            )
        }
        return sorted(found)

    def resolve_run(self, run_id: str | None) -> str:
        runs = self.runs()
        if run_id:
            if run_id not in runs:
                raise XmuxSimError(f"no kind run {run_id!r} is up; kind runs: {', '.join(runs) or 'none'}")
            return run_id
        if not runs:
            raise XmuxSimError("no kind cluster is up; start one with `xmux-sim up --provider kind --keep`")
        if len(runs) > 1:
            raise XmuxSimError(f"several kind runs are up ({', '.join(runs)}); name one with --run")
        return runs[0]

    def attach(self, run_id: str | None = None) -> KindRun:
        run_id = self.resolve_run(run_id)
        nodes = read_nodes(self.client, run_id)
        first = next(iter(nodes.values())).container
        return KindRun(provider=self, run_id=run_id, stack_name=first.labels.get(labels.STACK, "?"))

    def status(self, run_id: str | None = None) -> RunStatus:
        run = self.attach(run_id)
        nodes = run.nodes()
        peers = peers_by_ip(nodes)
        out: dict[str, NodeStatus] = {}
        for name, node in nodes.items():
            node.container.reload()
            running = node.container.status == "running"
            router_state = kube_router_state(node) if running else str(node.container.status)
            routes: list[str] = []
            if running:
                with suppress(XmuxSimError, docker.errors.APIError, ValueError):
                    routes = sorted(learned_routes(node))
            out[name] = {
                "cidr": str(node.cidr) if node.cidr else None,
                "router": {
                    "name": f"kube-router@{node.container.name}",
                    "state": router_state,
                    "sessions": bgp_sessions(node, peers) if running else {},
                    "routes": routes,
                },
                "pods": [],
            }
        return {
            "run": run.run_id,
            "stack": run.stack_name,
            "services": {},
            "nodes": out,
            "faults": [e.to_dict() for e in fault_ledger.entries(self.client, run.run_id)],
        }

    def down(self, run_id: str) -> dict[str, int]:
        """Remove the cluster's node containers (with their /var volumes), its network, its
        fault ledger and its folder. Idempotent; the same removal the reaper does."""
        flt = {"label": f"{labels.RUN}={run_id}"}
        containers = self.client.containers.list(all=True, filters=flt, sparse=True)

        def remove(c: Container) -> None:
            with suppress(docker.errors.NotFound, docker.errors.APIError):
                c.remove(force=True, v=True)

        threads = [threading.Thread(target=remove, args=(c,)) for c in containers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        removed = {"containers": len(containers), "networks": 0, "volumes": 0}
        for net in self.client.networks.list(filters=flt):
            with suppress(docker.errors.NotFound, docker.errors.APIError):
                net.remove()
                removed["networks"] += 1
        for vol in self.client.volumes.list(filters=flt):
            with suppress(docker.errors.NotFound, docker.errors.APIError):
                vol.remove(force=True)
                removed["volumes"] += 1
        for reaper in self.client.containers.list(
            all=True, filters={"label": f"{labels.REAPER}={run_id}"}, sparse=True
        ):
            remove(reaper)
        shutil.rmtree(run_dir(run_id), ignore_errors=True)
        return removed

    def down_all(self) -> list[str]:
        runs = self.runs()
        for run_id in runs:
            self.down(run_id)
        return runs
