"""The kind provider on a real cluster: kind, Kubernetes v1.37, kube-router as the CNI.

Marked ``kind`` (and ``stack``, as every test here): `pytest -m kind` runs the smallest set
that proves a cluster works (create, every node Ready, BGP established everywhere, one
drop-node link withdrawn and regained, down idempotent); it needs the `kind-node` image
(`xmux-sim images build kind-node`). The rest (pod to pod, Services, DNS, drop-node bgp and
power, partition, a SIGKILLed `up`) is the nightly set: those tests run when
XMUX_SIM_NIGHTLY=1 (`tox -e nightly` sets it) and say so when skipped.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from ipaddress import ip_address
from pathlib import Path
from typing import Any

import docker
import pytest

from xmux_sim.checkers.convergence import RouteTarget, convergence_time
from xmux_sim.fabric.watcher import RouteWatcher
from xmux_sim.faults.spec import FaultSpec
from xmux_sim.providers.kind.provider import KindProvider, KindRun, run_dir
from xmux_sim.timeline import Timeline
from xmux_sim.topology import load_stack, parse_stack

from .conftest import labelled, nothing_left

pytestmark = pytest.mark.kind
NIGHTLY = pytest.mark.skipif(
    os.environ.get("XMUX_SIM_NIGHTLY") != "1",
    reason="nightly kind test: set XMUX_SIM_NIGHTLY=1 (tox -e nightly does)",
)

KIND_STACK = """
name: {name}
provider: kind
network:
  bgp: {{asn: 64512, hold: 3, keepalive: 1}}
kubernetes:
  node_network: 198.19.240.{half}/25
  pod_cidr: 198.18.{pods}.0/22
  service_cidr: 198.19.248.{half}/25
nodes: [node-1, node-2, node-3]
services: {{}}
"""


def stack_file(folder: Path, name: str, second: bool) -> Path:
    """The embedded kind stack on half of its ranges: two clusters of these tests can be up
    at once (the module's, and one a lifecycle test starts and removes)."""
    path = folder / f"{name}.yaml"
    path.write_text(KIND_STACK.format(name=name, half=128 if second else 0, pods=244 if second else 240))
    return path


STACK = parse_stack(KIND_STACK.format(name="kind-test", half=0, pods=240), "kind-test.yaml")
HOLD = STACK.network.bgp.hold
REGAIN_BOUND = 30.0
"""kube-router reconnects on its own schedule (gobgp's connect retry): seconds, not the hold time."""
NODES = ["control-plane", *(n.name for n in STACK.nodes)]
CIDR = {n.name: str(n.cidr) for n in STACK.nodes}


@pytest.fixture(scope="module")
def kstack() -> Iterator[KindRun]:
    run = KindProvider().up(STACK)
    try:
        yield run
    finally:
        run.down()


def spec(kind: str, **params: Any) -> FaultSpec:
    return FaultSpec.from_args(
        kind, [f"{k}={','.join(v) if isinstance(v, list) else v}" for k, v in params.items()]
    )


def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> float:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if predicate():
            return time.monotonic() - t0
        time.sleep(0.5)
    raise AssertionError(f"{what} not within {timeout:g}s")


def all_established(run: KindRun) -> bool:
    status = run.status()
    return all(
        node["router"] is not None
        and len(node["router"]["sessions"]) == len(NODES) - 1
        and set(node["router"]["sessions"].values()) == {"established"}
        for node in status["nodes"].values()
    )


# ----- the smallest set (CI) ------------------------------------------------------------------


def test_every_node_is_ready_and_labelled_with_its_stack_node(kstack: KindRun) -> None:
    nodes = json.loads(kstack.kubectl("get", "nodes", "-o", "json"))["items"]
    assert len(nodes) == len(NODES)
    for item in nodes:
        ready = {c["type"]: c["status"] for c in item["status"]["conditions"]}["Ready"]
        assert ready == "True", item["metadata"]["name"]
    by_label = {item["metadata"]["labels"]["xmux-sim.io/node"]: item for item in nodes}
    assert sorted(by_label) == sorted(NODES)
    for name, cidr in CIDR.items():
        assert by_label[name]["spec"]["podCIDR"] == cidr


def test_kube_router_sessions_are_established_and_routes_learned_on_every_node(kstack: KindRun) -> None:
    status = kstack.status()
    assert sorted(status["nodes"]) == sorted(NODES)
    for name, node in status["nodes"].items():
        router = node["router"]
        assert router is not None and router["state"] == "running"
        assert router["sessions"] == {peer: "established" for peer in NODES if peer != name}
        others = {n["cidr"] for peer, n in status["nodes"].items() if peer != name}
        assert set(router["routes"]) == others, name


def test_drop_node_link_withdraws_the_nodes_cidr_within_hold_and_heal_brings_it_back(
    kstack: KindRun,
) -> None:
    dropped, cidr = "node-3", CIDR["node-3"]
    survivors = [n for n in NODES if n != dropped]
    faults = kstack.faults(Timeline())
    with RouteWatcher(kstack.learned_routes, survivors, interval=0.2) as watch:
        injected = time.monotonic()
        fault = faults.inject(spec("drop-node", node=dropped, mode="link"))
        try:
            gone = {n: RouteTarget.withdrawn(cidr) for n in survivors}
            wait_for(
                lambda: convergence_time(watch.samples, injected, gone) is not None, HOLD + 10, "withdrawal"
            )
        finally:
            healed = time.monotonic()
            fault.heal()
        back = {n: RouteTarget.regained(cidr) for n in survivors}
        wait_for(lambda: convergence_time(watch.samples, healed, back) is not None, REGAIN_BOUND, "regain")
    withdraw_s = convergence_time([s for s in watch.samples if s.t < healed], injected, gone)
    regain_s = convergence_time(watch.samples, healed, back)
    print(f"drop-node link: withdrawn in {withdraw_s:.1f}s (hold {HOLD:g}s), regained in {regain_s:.1f}s")
    assert withdraw_s is not None and withdraw_s <= HOLD + 2, withdraw_s
    assert regain_s is not None and regain_s <= REGAIN_BOUND, regain_s
    wait_for(lambda: all_established(kstack), 60, "every session established again")


def test_down_is_idempotent_and_leaves_nothing(docker_client: docker.DockerClient, tmp_path: Path) -> None:
    provider = KindProvider()
    run = provider.up(load_stack(stack_file(tmp_path, "kind-down", second=True)))
    try:
        assert labelled(docker_client, run.run_id)["containers"]
    finally:
        first = provider.down(run.run_id)
        second = provider.down(run.run_id)
        if run.reaper is not None:
            run.reaper.stop()
    assert first["containers"] >= len(NODES) and first["networks"] == 1
    assert second == {"containers": 0, "networks": 0, "volumes": 0}
    assert nothing_left(docker_client, run.run_id)


# ----- nightly ------------------------------------------------------------------------------------


def in_pod(run: KindRun, pod: str, script: str) -> str:
    return run.kubectl("exec", pod, "--", "bash", "-c", script)


@pytest.fixture(scope="module")
def pods(kstack: KindRun) -> dict[str, str]:
    """A client pod on node-1 (the k8s image: bash, getent) and a CoreDNS `whoami` server
    on node-3 behind a ClusterIP Service: nothing is pulled, both images are preloaded."""
    manifest = """
apiVersion: v1
kind: Pod
metadata: {name: client, labels: {app: client}}
spec:
  nodeSelector: {xmux-sim.io/node: node-1}
  containers:
  - {name: c, image: registry.k8s.io/kube-proxy:v1.37.2, imagePullPolicy: Never, command: [sleep, infinity]}
---
apiVersion: v1
kind: Pod
metadata: {name: server, labels: {app: server}}
spec:
  nodeSelector: {xmux-sim.io/node: node-3}
  containers:
  - {name: s, image: registry.k8s.io/coredns/coredns:v1.14.6, imagePullPolicy: Never, args: [-dns.port, "53"]}
---
apiVersion: v1
kind: Service
metadata: {name: server}
spec:
  selector: {app: server}
  ports: [{name: dns-tcp, port: 53, protocol: TCP}]
"""
    kstack.apply(manifest, "test-pods")
    kstack.kubectl("wait", "--for=condition=Ready", "pod/client", "pod/server", "--timeout=120s")
    server_ip = kstack.kubectl("get", "pod", "server", "-o", "jsonpath={.status.podIP}").strip()
    service_ip = kstack.kubectl("get", "service", "server", "-o", "jsonpath={.spec.clusterIP}").strip()
    return {"server_ip": server_ip, "service_ip": service_ip}


@NIGHTLY
def test_a_pod_on_node_1_reaches_a_pod_on_node_3_and_a_cluster_ip_answers(
    kstack: KindRun, pods: dict[str, str]
) -> None:
    assert ip_address(pods["server_ip"]) in STACK.node("node-3").cidr
    in_pod(kstack, "client", f"timeout 3 bash -c '</dev/tcp/{pods['server_ip']}/53'")
    in_pod(kstack, "client", f"timeout 3 bash -c '</dev/tcp/{pods['service_ip']}/53'")


@NIGHTLY
def test_coredns_resolves_kubernetes_default(kstack: KindRun, pods: dict[str, str]) -> None:
    out = in_pod(kstack, "client", "getent hosts kubernetes.default.svc.cluster.local")
    assert out.split()[0] == str(STACK.kubernetes.service_cidr.network_address + 1)


@NIGHTLY
def test_drop_node_bgp_withdraws_while_the_node_keeps_forwarding(kstack: KindRun) -> None:
    cidr = CIDR["node-2"]
    fault = kstack.faults().inject(spec("drop-node", node="node-2", mode="bgp"))
    try:
        wait_for(lambda: cidr not in kstack.learned_routes("node-1"), HOLD + 5, "withdrawal")
        assert kstack.status()["nodes"]["node-2"]["router"]["state"] == "frozen"  # type: ignore[index]
    finally:
        fault.heal()
    wait_for(lambda: cidr in kstack.learned_routes("node-1"), REGAIN_BOUND, "regain")


@NIGHTLY
def test_drop_node_power_the_node_rejoins_and_its_pods_run_again(
    kstack: KindRun, pods: dict[str, str]
) -> None:
    fault = kstack.faults().inject(spec("drop-node", node="node-3", mode="power"))
    try:
        wait_for(lambda: CIDR["node-3"] not in kstack.learned_routes("node-1"), HOLD + 5, "withdrawal")
    finally:
        fault.heal()
    wait_for(lambda: all_established(kstack), 180, "BGP established again after the restart")

    def server_running() -> bool:
        phase = kstack.kubectl("get", "pod", "server", "-o", "jsonpath={.status.phase}").strip()
        ready = kstack.kubectl("get", "pod", "server", "-o", "jsonpath={.status.containerStatuses[0].ready}")
        return phase == "Running" and ready.strip() == "true"

    wait_for(server_running, 180, "the server pod running again on node-3")


@NIGHTLY
def test_partition_cuts_bgp_between_two_nodes_only(kstack: KindRun) -> None:
    fault = kstack.faults().inject(spec("partition", a=["node-1"], b=["node-2"]))
    try:
        wait_for(
            lambda: CIDR["node-2"] not in kstack.learned_routes("node-1"), HOLD + 5, "node-1 loses node-2"
        )
        assert CIDR["node-3"] in kstack.learned_routes("node-1")
    finally:
        fault.heal()
    wait_for(lambda: CIDR["node-2"] in kstack.learned_routes("node-1"), REGAIN_BOUND, "regain")


@NIGHTLY
def test_a_sigkilled_up_leaves_nothing_behind(docker_client: docker.DockerClient, tmp_path: Path) -> None:
    before = set(KindProvider().runs())
    path = stack_file(tmp_path, "kind-killed", second=True)
    cmd = [sys.executable, "-m", "xmux_sim.cli", "up", "--stack", str(path), "--keep"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    run_id = None

    def nodes_started() -> bool:
        nonlocal run_id
        new = set(KindProvider().runs()) - before
        run_id = next(iter(new), None)
        return run_id is not None

    try:
        wait_for(nodes_started, 120, "kind's node containers")
        time.sleep(5)  # well inside kind create
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert run_id is not None
    wait_for(lambda: nothing_left(docker_client, run_id), 60, "the reaper removing the cluster")
    # The next `up` forgets the folder the killed harness left (kind config, kubeconfig).
    KindProvider()._forget_reaped_runs()
    assert not run_dir(run_id).exists()
