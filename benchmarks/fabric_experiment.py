"""Experiment: three BIRD routers in an iBGP mesh, pods routed through them, a link cut.

    .venv/bin/python benchmarks/fabric_experiment.py [--cycles 3]

Starts, with the Docker SDK directly (no provider), an underlay network 198.19.200.0/24,
three node networks 198.18.201-203.0/24, one router per node with the config that
`xmux_sim.fabric.bird_config` generates, and one pod holder per node; node-3's pod also
runs a small HTTP server. It measures:

- the time from starting the routers until every BGP session is established and every
  router has learned the other nodes' pod CIDRs;
- a request from node-1's pod to node-3's pod, with evidence that it crossed both routers
  (tracepath hops, iptables counters on the routers, `ip route get` in the pod);
- what iptables (nft or legacy), the `statistic` match and tc tbf do inside a router;
- per cycle: node-3's router loses its underlay link (`network.disconnect`); how long
  until the surviving routers withdrew 198.18.203.0/24, what a request to the dropped
  node's pod then does, and after reconnecting, how long until routes and traffic return.

Every resource is labelled xmux-sim.run=fabric-exp and removed at the end, also on
failure; leftovers of an earlier interrupted run are removed first. Figures are printed
and written to benchmarks/results/fabric_experiment.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from ipaddress import IPv4Network
from pathlib import Path
from typing import Any

import docker
import docker.errors
from docker.types import IPAMConfig, IPAMPool

from xmux_sim.fabric import (
    RouteWatcher,
    bird_config,
    convergence_time,
    parse_bird_protocols,
    parse_kernel_routes,
    underlay_ip,
)
from xmux_sim.fabric.bird import UnknownPods
from xmux_sim.fabric.convergence import has, lacks
from xmux_sim.images.builder import ImageBuilder
from xmux_sim.providers.docker.engine import connect
from xmux_sim.providers.docker.routers import tar_of
from xmux_sim.topology.model import BgpSettings, NetworkSettings, Node, Stack

RUN = "fabric-exp"
LABELS = {"xmux-sim.run": RUN, "xmux-sim.stack": RUN}
PREFIX = "xmux-fabric-exp"
SUPERNET = IPv4Network("198.18.0.0/15")
UNDERLAY = IPv4Network("198.19.200.0/24")
HTTP_PORT = 8000
BLOB_BYTES = 256 * 1024
RESULTS = Path(__file__).resolve().parent / "results" / "fabric_experiment.json"

Container = Any  # docker.models.containers.Container: the SDK ships no type hints


def experiment_stack() -> Stack:
    nodes = tuple(
        Node(name=f"node-{i}", index=i, cidr=IPv4Network(f"198.18.{200 + i}.0/24")) for i in (1, 2, 3)
    )
    bgp = BgpSettings(asn=64512, hold=3, keepalive=1, connect_retry=1, error_wait=(1, 5))
    return Stack(
        name=RUN,
        nodes=nodes,
        services={},
        network=NetworkSettings(supernet=SUPERNET, underlay=UNDERLAY, bgp=bgp),
    )


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def sh(container: Container, command: str) -> tuple[int, str]:
    code, output = container.exec_run(["sh", "-c", command], demux=False)
    return int(code), (output or b"").decode(errors="replace")


def remove_leftovers(client: docker.DockerClient) -> int:
    """Remove this experiment's resources (and only those: found by our label)."""
    removed = 0
    for container in client.containers.list(all=True, filters={"label": f"xmux-sim.run={RUN}"}):
        container.remove(force=True, v=True)
        removed += 1
    for network in client.networks.list(filters={"label": f"xmux-sim.run={RUN}"}):
        network.reload()
        for attached in network.attrs.get("Containers") or {}:
            # Only containers we labelled can be attached, but say so rather than assume.
            with contextlib.suppress(docker.errors.APIError):
                network.disconnect(attached, force=True)
        network.remove()
        removed += 1
    return removed


def poll(condition: Callable[[], bool], timeout: float, interval: float = 0.1) -> float | None:
    """Seconds until ``condition()`` held, None after ``timeout``."""
    start = time.monotonic()
    while True:
        if condition():
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            return None
        time.sleep(interval)


class Fabric:
    def __init__(self, client: docker.DockerClient, stack: Stack, images: dict[str, str]) -> None:
        self.client = client
        self.stack = stack
        self.images = images
        self.underlay: Any = None
        self.node_networks: dict[str, Any] = {}
        self.routers: dict[str, Container] = {}
        self.holders: dict[str, Container] = {}

    # ----- set-up ---------------------------------------------------------------------------

    def _network(self, name: str, cidr: IPv4Network) -> Any:
        pool = IPAMPool(subnet=str(cidr), gateway=str(cidr.network_address + 1))
        return self.client.networks.create(
            f"{PREFIX}-{name}", driver="bridge", ipam=IPAMConfig(pool_configs=[pool]), labels=LABELS
        )

    def create_networks(self) -> None:
        self.underlay = self._network("underlay", self.stack.network.underlay)
        for node in self.stack.nodes:
            self.node_networks[node.name] = self._network(node.name, node.cidr)

    def create_routers(self) -> None:
        """Create (not start) each router: node network first, then the underlay, config copied in."""
        for node in self.stack.nodes:
            net = self.node_networks[node.name]
            endpoint = self.client.api.create_endpoint_config(ipv4_address=str(node.router_ip))
            router = self.client.containers.create(
                self.images["router"],
                name=f"{PREFIX}-router-{node.name}",
                hostname=f"router-{node.name}",
                labels={**LABELS, "xmux-sim.role": "router", "xmux-sim.node": node.name},
                network=net.name,
                networking_config={net.name: endpoint},
                cap_add=["NET_ADMIN", "NET_RAW"],
                sysctls={"net.ipv4.ip_forward": "1"},
                detach=True,
            )
            router.put_archive("/etc/bird", tar_of({"bird.conf": bird_config(self.stack, node).encode()}))
            self.underlay.connect(router, ipv4_address=str(underlay_ip(self.stack, node)))
            self.routers[node.name] = router

    def start_routers(self) -> None:
        for router in self.routers.values():
            router.start()

    def start_pods(self) -> None:
        for node in self.stack.nodes:
            net = self.node_networks[node.name]
            endpoint = self.client.api.create_endpoint_config(ipv4_address=str(node.pod_ip(0)))
            holder = self.client.containers.run(
                self.images["pod"],
                name=f"{PREFIX}-pod-{node.name}",
                hostname=f"pod-{node.name}",
                labels={**LABELS, "xmux-sim.role": "holder", "xmux-sim.node": node.name},
                environment={"POD_ROUTES": f"{SUPERNET}@{node.router_ip}"},
                network=net.name,
                networking_config={net.name: endpoint},
                cap_add=["NET_ADMIN"],
                detach=True,
            )
            self.holders[node.name] = holder
        server_holder = self.holders["node-3"]
        self.client.containers.run(
            self.images["common"],
            name=f"{PREFIX}-http-node-3",
            labels={**LABELS, "xmux-sim.role": "app", "xmux-sim.node": "node-3"},
            network_mode=f"container:{server_holder.id}",
            detach=True,
            command=[
                "sh",
                "-c",
                f"mkdir -p /srv && head -c {BLOB_BYTES} /dev/urandom > /srv/blob && cd /srv "
                f"&& exec python3 -m http.server {HTTP_PORT}",
            ],
        )

    # ----- observation ----------------------------------------------------------------------

    def sessions(self, node: str) -> dict[str, str]:
        code, out = sh(self.routers[node], "birdc show protocols")
        return parse_bird_protocols(out) if code == 0 else {}

    def routes(self, node: str) -> frozenset[str]:
        code, out = sh(self.routers[node], "ip -4 route show")
        if code != 0:
            raise RuntimeError(f"ip route on router {node} failed ({code}): {out.strip()}")
        return parse_kernel_routes(out, SUPERNET)

    def all_established(self) -> bool:
        want = len(self.stack.nodes) - 1
        return all(
            len(s := self.sessions(n.name)) == want and set(s.values()) == {"established"}
            for n in self.stack.nodes
        )

    def all_routes_learned(self) -> bool:
        return all(self.routes(n.name) == self.others(n) for n in self.stack.nodes)

    def others(self, node: Node) -> frozenset[str]:
        return frozenset(str(n.cidr) for n in self.stack.nodes if n != node)

    def underlay_interface(self, node: str) -> str:
        address = str(underlay_ip(self.stack, self.stack.node(node)))
        _, out = sh(self.routers[node], "ip -o -4 addr show")
        for line in out.splitlines():
            fields = line.split()
            if len(fields) >= 4 and fields[3].split("/")[0] == address:
                return fields[1].split("@")[0]
        raise RuntimeError(f"router {node} has no interface with {address}:\n{out}")

    def request(self, src: str, dst: str, path: str = "/", max_time: float = 3.0) -> dict[str, Any]:
        """One HTTP request from ``src``'s pod to ``dst``'s pod: curl's exit code, status, time."""
        target = f"http://{self.stack.node(dst).pod_ip(0)}:{HTTP_PORT}{path}"
        command = f"curl -sS -o /dev/null -w '%{{http_code}} %{{time_total}}' --max-time {max_time} {target}"
        started = time.monotonic()
        # stdout and stderr apart: curl's error line and its -w figures otherwise interleave.
        code, (out, err) = self.holders[src].exec_run(["sh", "-c", command], demux=True)
        elapsed = time.monotonic() - started
        status, _, curl_time = (out or b"").decode().strip().partition(" ")
        return {
            "curl_exit": int(code),
            "http_status": status,
            "curl_time_s": _float(curl_time),
            "wall_s": round(elapsed, 3),
            "error": (err or b"").decode(errors="replace").strip()[-300:],
        }


def _float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def path_evidence(fabric: Fabric) -> dict[str, Any]:
    """Show that node-1 -> node-3 traffic crosses both routers: counters, route lookup, hops."""
    r1, r3 = fabric.routers["node-1"], fabric.routers["node-3"]
    dst = fabric.stack.node("node-3").pod_ip(0)
    rule = f"FORWARD -d {dst}/32 -p tcp --dport {HTTP_PORT}"
    evidence: dict[str, Any] = {}
    for name, router in (("node-1", r1), ("node-3", r3)):
        evidence[f"iptables_version_{name}"] = sh(router, "iptables -V")[1].strip()
        code, out = sh(router, f"iptables -I {rule}")  # no target: a pure counter
        evidence[f"iptables_insert_{name}"] = {"exit": code, "output": out.strip()}
    evidence["request"] = fabric.request("node-1", "node-3")
    for name, router in (("node-1", r1), ("node-3", r3)):
        code, out = sh(router, f"iptables -L FORWARD -v -n -x | grep -F '{dst}'")
        packets = int(out.split()[0]) if code == 0 and out.split() else 0
        evidence[f"forward_packets_{name}"] = packets
        evidence[f"forward_counter_line_{name}"] = out.strip()
        sh(router, f"iptables -D {rule}")
    evidence["route_get_in_pod_1"] = sh(fabric.holders["node-1"], f"ip route get {dst}")[1].strip()
    # tracepath lives in the router image; run it inside pod 1's namespace.
    tracer = fabric.client.containers.run(
        fabric.images["router"],
        entrypoint=["tracepath", "-n", "-m", "6", str(dst)],
        network_mode=f"container:{fabric.holders['node-1'].id}",
        labels=LABELS,
        detach=True,
        name=f"{PREFIX}-tracepath",
    )
    try:
        tracer.wait(timeout=60)
        evidence["tracepath_pod1_to_pod3"] = tracer.logs().decode(errors="replace").strip()
    finally:
        tracer.remove(force=True)
    return evidence


def iptables_and_tc_findings(fabric: Fabric) -> dict[str, Any]:
    """What fault tools work inside a router with NET_ADMIN: iptables flavours, statistic, tbf."""
    router = fabric.routers["node-3"]
    findings: dict[str, Any] = {}
    # Each flavour in a throwaway container: once legacy tables exist in a namespace, the
    # nft flavour warns about them on every call, and a router should not carry that.
    for tool in ("iptables", "iptables-nft", "iptables-legacy"):
        rule = "INPUT -s 192.0.2.1/32 -m statistic --mode random --probability 0.3 -j DROP"
        probe = fabric.client.containers.run(
            fabric.images["router"],
            entrypoint=["sh", "-c"],
            command=[f"{tool} -V && {tool} -w -A {rule} && {tool} -w -S INPUT && {tool} -w -D {rule}"],
            labels=LABELS,
            detach=True,
            name=f"{PREFIX}-{tool}",
            cap_add=["NET_ADMIN"],
            network_mode="none",
        )
        try:
            code = int(probe.wait(timeout=60)["StatusCode"])
            findings[tool] = {"exit": code, "output": probe.logs().decode(errors="replace").strip()[:400]}
        finally:
            probe.remove(force=True)

    # statistic: drop 30 % of SYNs towards pod 3; each dropped SYN makes one connect time out.
    dst = fabric.stack.node("node-3").pod_ip(0)
    rule = f"FORWARD -d {dst}/32 -p tcp --syn -m statistic --mode random --probability 0.3 -j DROP"
    code, out = sh(router, f"iptables -w -I {rule}")
    findings["statistic_rule_insert"] = {"exit": code, "output": out.strip()}
    if code == 0:
        attempts = 40
        failed = 0
        for _ in range(attempts):
            c, _ = sh(
                fabric.holders["node-1"],
                f"curl -s -o /dev/null --connect-timeout 0.5 http://{dst}:{HTTP_PORT}/",
            )
            failed += c != 0
        _, counter = sh(router, "iptables -w -L FORWARD -v -n -x | grep statistic")
        sh(router, f"iptables -w -D {rule}")
        findings["statistic_loss"] = {
            "attempts": attempts,
            "failed": failed,
            "rate": failed / attempts,
            "counter": counter.strip(),
        }

    # tbf on the router's underlay leg shapes what node-3's pod sends to the other nodes.
    dev = fabric.underlay_interface("node-3")
    before = fabric.request("node-1", "node-3", "/blob", max_time=20)
    code, out = sh(router, f"tc qdisc add dev {dev} root tbf rate 1mbit burst 32kbit latency 400ms")
    findings["tbf_add"] = {"device": dev, "exit": code, "output": out.strip()}
    if code == 0:
        findings["tbf_show"] = sh(router, f"tc qdisc show dev {dev}")[1].strip()
        shaped = fabric.request("node-1", "node-3", "/blob", max_time=20)
        findings["tbf_blob_download"] = {
            "bytes": BLOB_BYTES,
            "unshaped": before,
            "shaped": shaped,
            "expected_shaped_s": round(BLOB_BYTES * 8 / 1_000_000, 2),
        }
        code, out = sh(router, f"tc qdisc del dev {dev} root")
        findings["tbf_del"] = {"exit": code, "output": out.strip()}
    findings["qdisc_after"] = sh(router, f"tc qdisc show dev {dev}")[1].strip()
    findings["iptables_after"] = sh(router, "iptables -w -S FORWARD")[1].strip()
    return findings


def link_cycle(fabric: Fabric, cycle: int, interval: float) -> dict[str, Any]:
    """Cut node-3's router from the underlay, wait for withdrawal, reconnect, wait for return."""
    stack = fabric.stack
    node3 = stack.node("node-3")
    cidr3 = str(node3.cidr)
    survivors = ["node-1", "node-2"]
    result: dict[str, Any] = {"cycle": cycle}
    router3 = fabric.routers["node-3"]
    with RouteWatcher(fabric.routes, [n.name for n in stack.nodes], interval=interval) as watcher:
        if not watcher.wait_until(lambda t: all(t[n] == fabric.others(stack.node(n)) for n in t), timeout=30):
            raise RuntimeError(f"cycle {cycle}: routes not complete before the cut: {watcher.latest()}")
        cut_t = time.monotonic()
        fabric.underlay.disconnect(router3)
        result["disconnect_call_s"] = round(time.monotonic() - cut_t, 3)
        withdrawn = watcher.wait_until(lambda t: all(cidr3 not in t[n] for n in survivors), timeout=30)
        sessions_during = {n: fabric.sessions(n) for n in survivors}
        # Let a few more samples land so a route that flaps back would be seen.
        time.sleep(1.0)
        result["black_holed_request"] = fabric.request("node-1", "node-3", max_time=3)
        protocols_text = sh(fabric.routers["node-1"], "birdc show protocols")[1]
        protocols_text_node3 = sh(router3, "birdc show protocols")[1]
        route_text = sh(fabric.routers["node-1"], "ip -4 route show")[1]
        # Where router 1 sends node-3 traffic once the specific route is gone: its default
        # route points at the host bridge, so what happens next is up to the host.
        result["router1_route_get_during_cut"] = sh(
            fabric.routers["node-1"], f"ip route get {node3.pod_ip(0)}"
        )[1].strip()

        heal_t = time.monotonic()
        fabric.underlay.connect(router3, ipv4_address=str(underlay_ip(stack, node3)))
        result["connect_call_s"] = round(time.monotonic() - heal_t, 3)
        returned = watcher.wait_until(
            lambda t: all(t[n] == fabric.others(stack.node(n)) for n in t), timeout=120
        )
        time.sleep(1.0)
    samples = watcher.samples
    if not withdrawn or not returned:
        result["error"] = f"withdrawn={withdrawn} returned={returned}"
    gone = {n: lacks(cidr3) for n in survivors}
    back = {n.name: has(*fabric.others(n)) for n in stack.nodes}
    withdraw_samples = [s for s in samples if s.t < heal_t]
    result["withdrawal_s"] = _round(convergence_time(withdraw_samples, cut_t, gone))
    result["withdrawal_per_router_s"] = {
        n: _round(convergence_time(withdraw_samples, cut_t, {n: lacks(cidr3)})) for n in survivors
    }
    result["node3_lost_routes_s"] = _round(
        convergence_time(withdraw_samples, cut_t, {"node-3": lambda r: not r})
    )
    result["return_s"] = _round(convergence_time(samples, heal_t, back))
    result["sessions_after_return_s"] = _round(poll(fabric.all_established, timeout=30))
    result["request_after_return"] = fabric.request("node-1", "node-3")
    result["sampling_interval_s"] = _round(watcher.achieved_interval())
    result["median_read_s"] = _round(watcher.median_read_s())
    result["samples"] = len(samples)
    result["read_errors"] = [e.error for e in watcher.errors][:5]
    result["sessions_during_cut"] = sessions_during
    result["captured"] = {
        "birdc_show_protocols_node1_during_cut": protocols_text,
        "birdc_show_protocols_node3_during_cut": protocols_text_node3,
        "ip_route_node1_during_cut": route_text,
    }
    return result


def router_drop(fabric: Fabric, how: str, interval: float) -> dict[str, Any]:
    """Node-3's router paused, stopped (SIGTERM) or killed (SIGKILL): how the peers notice.

    A paused container keeps forwarding (the kernel does that, not a process) while BIRD
    is frozen: the daemon is gone, the data path is not. SIGTERM lets BIRD say goodbye
    (a BGP Cease), SIGKILL does not, like a power cut.
    """
    stack = fabric.stack
    cidr3 = str(stack.node("node-3").cidr)
    survivors = ["node-1", "node-2"]
    router3 = fabric.routers["node-3"]
    inject: dict[str, Callable[[], None]] = {
        "pause": router3.pause,
        "stop": lambda: router3.stop(timeout=10),
        "kill": lambda: router3.kill(signal="SIGKILL"),
    }
    heal: dict[str, Callable[[], None]] = {
        "pause": router3.unpause,
        "stop": router3.start,
        "kill": router3.start,
    }
    result: dict[str, Any] = {"how": how}
    with RouteWatcher(fabric.routes, survivors, interval=interval) as watcher:
        drop_t = time.monotonic()
        inject[how]()
        result["inject_call_s"] = round(time.monotonic() - drop_t, 3)
        withdrawn = watcher.wait_until(lambda t: all(cidr3 not in t[n] for n in survivors), timeout=30)
        time.sleep(0.5)
        result["request_during"] = fabric.request("node-1", "node-3", max_time=3)
        result["sessions_during"] = {n: fabric.sessions(n) for n in survivors}
        heal_t = time.monotonic()
        heal[how]()
        returned = watcher.wait_until(lambda t: all(cidr3 in t[n] for n in survivors), timeout=120)
        time.sleep(0.5)
    samples = watcher.samples
    result["withdrawn"], result["returned"] = withdrawn, returned
    gone = {n: lacks(cidr3) for n in survivors}
    result["withdrawal_s"] = _round(convergence_time([s for s in samples if s.t < heal_t], drop_t, gone))
    result["return_s"] = _round(convergence_time(samples, heal_t, {n: has(cidr3) for n in survivors}))
    result["all_routes_s"] = _round(poll(fabric.all_routes_learned, timeout=60))
    result["request_after"] = fabric.request("node-1", "node-3")
    result["sampling_interval_s"] = _round(watcher.achieved_interval())
    return result


def reconfigure(fabric: Fabric, node: str, unknown_pods: UnknownPods) -> tuple[int, str]:
    stack = fabric.stack
    config = bird_config(stack, stack.node(node), unknown_pods=unknown_pods)
    fabric.routers[node].put_archive("/etc/bird", tar_of({"bird.conf": config.encode()}))
    return sh(fabric.routers[node], "birdc configure")


def unknown_pods_variant(fabric: Fabric, mode: UnknownPods) -> dict[str, Any]:
    """Router 1 reconfigured to ``mode``: what a request to a withdrawn node's pod then does."""
    stack = fabric.stack
    node3 = stack.node("node-3")
    cidr3 = str(node3.cidr)
    router1, router3 = fabric.routers["node-1"], fabric.routers["node-3"]
    result: dict[str, Any] = {}
    code, out = reconfigure(fabric, "node-1", mode)
    result["birdc_configure"] = {"exit": code, "output": out.strip()}
    try:
        fabric.underlay.disconnect(router3)
        try:
            result["withdrawal_s"] = _round(poll(lambda: cidr3 not in fabric.routes("node-1"), timeout=30))
            time.sleep(1.0)  # the kernel protocol syncs its table after BIRD's own
            result["router1_routes"] = sh(router1, "ip -4 route show")[1].strip()
            result["router1_route_get"] = sh(router1, f"ip route get {node3.pod_ip(0)}")[1].strip()
            result["request_during_cut"] = fabric.request("node-1", "node-3", max_time=3)
        finally:
            fabric.underlay.connect(router3, ipv4_address=str(underlay_ip(stack, node3)))
    finally:
        code, out = reconfigure(fabric, "node-1", "blackhole")
        result["restore"] = {"exit": code, "output": out.strip()}
    result["routes_back_s"] = _round(poll(fabric.all_routes_learned, timeout=60))
    result["request_after"] = fabric.request("node-1", "node-3")
    return result


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def run(cycles: int, interval: float) -> dict[str, Any]:
    client = connect()
    builder = ImageBuilder(client, log)
    builder.build(["router", "pod"])
    images = builder.require(["router", "pod", "common"])
    stack = experiment_stack()
    results: dict[str, Any] = {
        "machine": {
            "kernel": platform.release(),
            "cpus": os.cpu_count(),
            "docker": client.version().get("Version"),
        },
        "images": images,
        "timers": {"hold": 3, "keepalive": 1, "connect_retry": 1, "error_wait": [1, 5]},
        "sampling_interval_requested_s": interval,
    }
    left = remove_leftovers(client)
    if left:
        log(f"removed {left} leftovers of an earlier run")
    fabric = Fabric(client, stack, images)
    try:
        fabric.create_networks()
        fabric.create_routers()
        log("starting routers")
        started = time.monotonic()
        fabric.start_routers()
        established = poll(fabric.all_established, timeout=60)
        established_abs = time.monotonic() - started if established is not None else None
        learned = poll(fabric.all_routes_learned, timeout=60)
        learned_abs = time.monotonic() - started if learned is not None else None
        results["sessions_established_s"] = _round(established_abs)
        results["routes_learned_s"] = _round(learned_abs)
        log(f"sessions established after {established_abs} s, routes learned after {learned_abs} s")
        results["interfaces"] = {
            n: sh(r, "ip -br -4 addr show")[1].strip() for n, r in fabric.routers.items()
        }
        results["captured"] = {
            "birdc_show_protocols_node1": sh(fabric.routers["node-1"], "birdc show protocols")[1],
            "ip_route_node1": sh(fabric.routers["node-1"], "ip -4 route show")[1],
            "birdc_show_route_node1": sh(fabric.routers["node-1"], "birdc show route")[1],
            "bird_conf_node1": bird_config(stack, stack.node("node-1")),
        }

        fabric.start_pods()
        ready = poll(
            lambda: (
                sh(fabric.holders["node-3"], f"curl -sf -o /dev/null http://127.0.0.1:{HTTP_PORT}/")[0] == 0
            ),
            timeout=30,
        )
        if ready is None:
            raise RuntimeError("the HTTP server in node-3's pod did not answer")
        results["pod_routes_node1"] = sh(fabric.holders["node-1"], "ip -4 route show")[1].strip()
        results["path"] = path_evidence(fabric)
        log(f"cross-node request: {results['path']['request']}")
        results["fault_tools"] = iptables_and_tc_findings(fabric)
        log(f"fault tools: {json.dumps(results['fault_tools'])[:600]}")

        results["cycles"] = []
        for cycle in range(1, cycles + 1):
            log(f"cycle {cycle}: cutting node-3's underlay link")
            outcome = link_cycle(fabric, cycle, interval)
            results["cycles"].append(outcome)
            log(
                f"cycle {cycle}: withdrawal {outcome['withdrawal_s']} s, return {outcome['return_s']} s, "
                f"sampled every {outcome['sampling_interval_s']} s; request during cut: "
                f"{outcome['black_holed_request']}"
            )
        results["unknown_pods_variants"] = {
            mode: unknown_pods_variant(fabric, mode) for mode in ("unreachable", "default-route")
        }
        results["router_drops"] = {}
        for how in ("pause", "stop", "kill"):
            log(f"node-3's router: {how}")
            drop = router_drop(fabric, how, interval)
            results["router_drops"][how] = drop
            log(
                f"{how}: withdrawal {drop['withdrawal_s']} s, return {drop['return_s']} s, request during: "
                f"exit {drop['request_during']['curl_exit']}"
            )
        results["summary"] = summarise(results)
    finally:
        log(f"removing {remove_leftovers(client)} resources")
    return results


def summarise(results: dict[str, Any]) -> dict[str, Any]:
    cycles = results["cycles"]

    def median(key: str) -> float | None:
        values = [c[key] for c in cycles if c.get(key) is not None]
        return round(statistics.median(values), 3) if values else None

    path = results["path"]
    request = path["request"]
    return {
        "sessions_established_s": results["sessions_established_s"],
        "routes_learned_s": results["routes_learned_s"],
        "withdrawal_s_median": median("withdrawal_s"),
        "withdrawal_s_all": [c["withdrawal_s"] for c in cycles],
        "return_s_median": median("return_s"),
        "return_s_all": [c["return_s"] for c in cycles],
        "sampling_interval_s_median": median("sampling_interval_s"),
        "cross_node_request_ok": request["curl_exit"] == 0 and request["http_status"] == "200",
        "forward_packets_router1": path["forward_packets_node-1"],
        "forward_packets_router3": path["forward_packets_node-3"],
        "request_during_cut_curl_exit": {
            "blackhole": [c["black_holed_request"]["curl_exit"] for c in cycles],
            **{
                mode: variant.get("request_during_cut", {}).get("curl_exit")
                for mode, variant in results["unknown_pods_variants"].items()
            },
        },
        "router_drops": {
            how: {k: drop[k] for k in ("withdrawal_s", "return_s")}
            | {"request_during_curl_exit": drop["request_during"]["curl_exit"]}
            for how, drop in results["router_drops"].items()
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cycles", type=int, default=3, help="link cut / reconnect cycles (default 3)")
    parser.add_argument(
        "--interval", type=float, default=0.2, help="route sampling interval in s (default 0.2)"
    )
    args = parser.parse_args()
    results = run(args.cycles, args.interval)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    print(json.dumps(results["summary"], indent=1))
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
