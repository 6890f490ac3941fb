"""Experiment: three BIRD routers in an iBGP mesh, pods routed through them, a link cut.

    .venv/bin/python benchmarks/fabric_experiment.py [--cycles 3]

The docker provider brings up a three-node stack (underlay 198.19.200.0/24, nodes
198.18.201-203.0/24, one router per node with the config `xmux_sim.fabric.bird_config`
generates, one small pod per node); node-3's pod also serves a file over HTTP. It measures:

- the time from starting the routers until every BGP session is established and every
  router has learned the other nodes' pod CIDRs;
- a request from node-1's pod to node-3's pod, with evidence that it crossed both routers
  (tracepath hops, iptables counters on the routers, `ip route get` in the pod);
- what iptables (nft or legacy), the `statistic` match and tc tbf do inside a router;
- per cycle: node-3's router loses its underlay link (the `drop-node` fault, mode link); how
  long until the surviving routers withdrew 198.18.203.0/24, what a request to the dropped
  node's pod then does, and after the heal, how long until routes and traffic return;
- what a request to a withdrawn node does with each `unknown_pods` setting, and how the
  peers notice node-3's router paused (the `drop-node` fault, mode bgp), stopped or killed.

The run is the provider's, so it is removed at the end, also on failure (and by its reaper
if this process dies). Figures are printed and written to
benchmarks/results/fabric_experiment.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from xmux_sim.checkers import RouteTarget, convergence_time
from xmux_sim.fabric import RouteWatcher, bird_config, underlay_ip
from xmux_sim.fabric.bird import UnknownPods
from xmux_sim.faults.base import Fault
from xmux_sim.faults.spec import FaultSpec
from xmux_sim.providers.docker import labels
from xmux_sim.providers.docker.archive import tar_of
from xmux_sim.providers.docker.provider import DockerProvider, DockerRun
from xmux_sim.topology import Stack, parse_stack

HTTP_PORT = 8000
BLOB_BYTES = 256 * 1024
RESULTS = Path(__file__).resolve().parent / "results" / "fabric_experiment.json"
NODES = ("node-1", "node-2", "node-3")
SURVIVORS = ["node-1", "node-2"]

# Light pods, one per node (the first pod of a node takes the node's first pod IP).
STACK = """\
name: fabric-exp
network:
  underlay: 198.19.200.0/24
  bgp: {hold: 3, keepalive: 1, connect_retry: 1, error_wait: [1, 5]}
nodes:
  - {name: node-1, cidr: 198.18.201.0/24}
  - {name: node-2, cidr: 198.18.202.0/24}
  - {name: node-3, cidr: 198.18.203.0/24}
services:
  pod1: {kind: prometheus, placement: [node-1]}
  pod2: {kind: prometheus, placement: [node-2]}
  pod3: {kind: prometheus, placement: [node-3]}
"""


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def poll(condition: Callable[[], bool], timeout: float, interval: float = 0.1) -> float | None:
    """Seconds until ``condition()`` held, None after ``timeout``."""
    start = time.monotonic()
    while True:
        if condition():
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            return None
        time.sleep(interval)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


class Fabric:
    """The experiment's view of a run: its routers, one pod per node, and the fabric faults."""

    def __init__(self, run: DockerRun, stack: Stack) -> None:
        self.run = run
        self.stack = stack

    def pod(self, node: str) -> str:
        return f"pod{node[-1]}-0"

    def pod_ip(self, node: str) -> str:
        return self.run.endpoint(f"pod{node[-1]}").pod_ip

    def sh(self, container: str, command: str) -> tuple[int, str]:
        """A shell command in a router (``router:NODE``) or a pod's namespace (``pod:NODE``)."""
        role, node = container.split(":")
        target = self.run.router(node) if role == "router" else self.run.holder(self.pod(node))
        code, output = target.exec_run(["sh", "-c", command], demux=False)
        return int(code), (output or b"").decode(errors="replace")

    def helper(self, image: str, **options: Any) -> tuple[int, str]:
        """A throwaway container of the run (the run's clean-up removes it if we die meanwhile)."""
        name = f"xmux-{self.run.run_id}-exp-{time.monotonic_ns()}"
        container = self.run.client.containers.run(
            self.run.provider.images.tag(image),
            name=name,
            labels=labels.for_run(self.run.run_id, self.stack.name, **{labels.ROLE: "fault-tool"}),
            detach=True,
            **options,
        )
        try:
            code = int(container.wait(timeout=60)["StatusCode"])
            return code, container.logs().decode(errors="replace").strip()
        finally:
            container.remove(force=True)

    def inject(self, spec: FaultSpec) -> Fault:
        return self.run.faults().inject(spec)

    def others(self, node: str) -> frozenset[str]:
        return frozenset(str(n.cidr) for n in self.stack.nodes if n.name != node)

    def all_established(self) -> bool:
        want = len(self.stack.nodes) - 1
        return all(
            len(s := self.run.bgp_sessions(n)) == want and set(s.values()) == {"established"} for n in NODES
        )

    def all_routes_learned(self) -> bool:
        return all(self.run.learned_routes(n) == self.others(n) for n in NODES)

    def underlay_interface(self, node: str) -> str:
        address = str(underlay_ip(self.stack, self.stack.node(node)))
        _, out = self.sh(f"router:{node}", "ip -o -4 addr show")
        for line in out.splitlines():
            fields = line.split()
            if len(fields) >= 4 and fields[3].split("/")[0] == address:
                return fields[1].split("@")[0]
        raise RuntimeError(f"router {node} has no interface with {address}:\n{out}")

    def serve_blob(self) -> None:
        """An HTTP server in node-3's pod, with a file to download."""
        self.run.holder(self.pod("node-3")).exec_run(
            [
                "sh",
                "-c",
                f"mkdir -p /srv && head -c {BLOB_BYTES} /dev/urandom > /srv/blob && cd /srv "
                f"&& exec python3 -m http.server {HTTP_PORT} >/dev/null 2>&1",
            ],
            detach=True,
        )

    def request(self, src: str, dst: str, path: str = "/", max_time: float = 3.0) -> dict[str, Any]:
        """One HTTP request from ``src``'s pod to ``dst``'s pod: curl's exit code, status, time."""
        target = f"http://{self.pod_ip(dst)}:{HTTP_PORT}{path}"
        command = f"curl -sS -o /dev/null -w '%{{http_code}} %{{time_total}}' --max-time {max_time} {target}"
        started = time.monotonic()
        # stdout and stderr apart: curl's error line and its -w figures otherwise interleave.
        code, (out, err) = self.run.holder(self.pod(src)).exec_run(["sh", "-c", command], demux=True)
        elapsed = time.monotonic() - started
        status, _, curl_time = (out or b"").decode().strip().partition(" ")
        return {
            "curl_exit": int(code),
            "http_status": status,
            "curl_time_s": _float(curl_time),
            "wall_s": round(elapsed, 3),
            "error": (err or b"").decode(errors="replace").strip()[-300:],
        }


def bring_up(fabric: Fabric) -> tuple[float | None, float | None]:
    """Restart every router: seconds until all sessions are established, and until all routes are in."""
    routers = [fabric.run.router(n) for n in NODES]
    for router in routers:
        router.stop(timeout=1)
    started = time.monotonic()
    for router in routers:
        router.start()
    established = poll(fabric.all_established, timeout=60)
    established_abs = time.monotonic() - started if established is not None else None
    learned = poll(fabric.all_routes_learned, timeout=60)
    learned_abs = time.monotonic() - started if learned is not None else None
    return established_abs, learned_abs


def path_evidence(fabric: Fabric) -> dict[str, Any]:
    """Show that node-1 -> node-3 traffic crosses both routers: counters, route lookup, hops."""
    dst = fabric.pod_ip("node-3")
    rule = f"FORWARD -d {dst}/32 -p tcp --dport {HTTP_PORT}"
    evidence: dict[str, Any] = {}
    for node in ("node-1", "node-3"):
        evidence[f"iptables_version_{node}"] = fabric.sh(f"router:{node}", "iptables -V")[1].strip()
        code, out = fabric.sh(f"router:{node}", f"iptables -I {rule}")  # no target: a pure counter
        evidence[f"iptables_insert_{node}"] = {"exit": code, "output": out.strip()}
    evidence["request"] = fabric.request("node-1", "node-3")
    for node in ("node-1", "node-3"):
        code, out = fabric.sh(f"router:{node}", f"iptables -L FORWARD -v -n -x | grep -F '{dst}'")
        packets = int(out.split()[0]) if code == 0 and out.split() else 0
        evidence[f"forward_packets_{node}"] = packets
        evidence[f"forward_counter_line_{node}"] = out.strip()
        fabric.sh(f"router:{node}", f"iptables -D {rule}")
    evidence["route_get_in_pod_1"] = fabric.sh("pod:node-1", f"ip route get {dst}")[1].strip()
    # tracepath lives in the router image; run it inside pod 1's namespace.
    holder = fabric.run.holder(fabric.pod("node-1"))
    evidence["tracepath_pod1_to_pod3"] = fabric.helper(
        "router", entrypoint=["tracepath", "-n", "-m", "6", dst], network_mode=f"container:{holder.id}"
    )[1]
    return evidence


def iptables_and_tc_findings(fabric: Fabric) -> dict[str, Any]:
    """What fault tools work inside a router with NET_ADMIN: iptables flavours, statistic, tbf."""
    findings: dict[str, Any] = {}
    # Each flavour in a throwaway container: once legacy tables exist in a namespace, the
    # nft flavour warns about them on every call, and a router should not carry that.
    for tool in ("iptables", "iptables-nft", "iptables-legacy"):
        rule = "INPUT -s 192.0.2.1/32 -m statistic --mode random --probability 0.3 -j DROP"
        code, output = fabric.helper(
            "router",
            entrypoint=["sh", "-c"],
            command=[f"{tool} -V && {tool} -w -A {rule} && {tool} -w -S INPUT && {tool} -w -D {rule}"],
            cap_add=["NET_ADMIN"],
            network_mode="none",
        )
        findings[tool] = {"exit": code, "output": output[:400]}

    # statistic: drop 30 % of SYNs towards pod 3; each dropped SYN makes one connect time out.
    dst = fabric.pod_ip("node-3")
    rule = f"FORWARD -d {dst}/32 -p tcp --syn -m statistic --mode random --probability 0.3 -j DROP"
    code, out = fabric.sh("router:node-3", f"iptables -w -I {rule}")
    findings["statistic_rule_insert"] = {"exit": code, "output": out.strip()}
    if code == 0:
        attempts = 40
        failed = 0
        for _ in range(attempts):
            c, _ = fabric.sh(
                "pod:node-1", f"curl -s -o /dev/null --connect-timeout 0.5 http://{dst}:{HTTP_PORT}/"
            )
            failed += c != 0
        _, counter = fabric.sh("router:node-3", "iptables -w -L FORWARD -v -n -x | grep statistic")
        fabric.sh("router:node-3", f"iptables -w -D {rule}")
        findings["statistic_loss"] = {
            "attempts": attempts,
            "failed": failed,
            "rate": failed / attempts,
            "counter": counter.strip(),
        }

    # tbf on the router's underlay leg shapes what node-3's pod sends to the other nodes.
    dev = fabric.underlay_interface("node-3")
    before = fabric.request("node-1", "node-3", "/blob", max_time=20)
    code, out = fabric.sh(
        "router:node-3", f"tc qdisc add dev {dev} root tbf rate 1mbit burst 32kbit latency 400ms"
    )
    findings["tbf_add"] = {"device": dev, "exit": code, "output": out.strip()}
    if code == 0:
        findings["tbf_show"] = fabric.sh("router:node-3", f"tc qdisc show dev {dev}")[1].strip()
        shaped = fabric.request("node-1", "node-3", "/blob", max_time=20)
        findings["tbf_blob_download"] = {
            "bytes": BLOB_BYTES,
            "unshaped": before,
            "shaped": shaped,
            "expected_shaped_s": round(BLOB_BYTES * 8 / 1_000_000, 2),
        }
        code, out = fabric.sh("router:node-3", f"tc qdisc del dev {dev} root")
        findings["tbf_del"] = {"exit": code, "output": out.strip()}
    findings["qdisc_after"] = fabric.sh("router:node-3", f"tc qdisc show dev {dev}")[1].strip()
    findings["iptables_after"] = fabric.sh("router:node-3", "iptables -w -S FORWARD")[1].strip()
    return findings


def link_cycle(fabric: Fabric, cycle: int, interval: float) -> dict[str, Any]:
    """Cut node-3's router from the underlay, wait for withdrawal, heal, wait for return."""
    cidr3 = str(fabric.stack.node("node-3").cidr)
    result: dict[str, Any] = {"cycle": cycle}
    run = fabric.run
    with RouteWatcher(run.learned_routes, list(NODES), interval=interval) as watcher:
        if not watcher.wait_until(lambda t: all(t[n] == fabric.others(n) for n in t), timeout=30):
            raise RuntimeError(f"cycle {cycle}: routes not complete before the cut: {watcher.latest()}")
        cut_t = time.monotonic()
        fault = fabric.inject(FaultSpec.parse("drop-node", {"node": "node-3", "mode": "link"}))
        result["inject_call_s"] = round(time.monotonic() - cut_t, 3)
        withdrawn = watcher.wait_until(lambda t: all(cidr3 not in t[n] for n in SURVIVORS), timeout=30)
        sessions_during = {n: run.bgp_sessions(n) for n in SURVIVORS}
        # Let a few more samples land so a route that flaps back would be seen.
        time.sleep(1.0)
        result["black_holed_request"] = fabric.request("node-1", "node-3", max_time=3)
        protocols_text = fabric.sh("router:node-1", "birdc show protocols")[1]
        protocols_text_node3 = fabric.sh("router:node-3", "birdc show protocols")[1]
        route_text = fabric.sh("router:node-1", "ip -4 route show")[1]
        # Where router 1 sends node-3 traffic once the specific route is gone.
        result["router1_route_get_during_cut"] = fabric.sh(
            "router:node-1", f"ip route get {fabric.pod_ip('node-3')}"
        )[1].strip()

        heal_t = time.monotonic()
        fault.heal()
        result["heal_call_s"] = round(time.monotonic() - heal_t, 3)
        returned = watcher.wait_until(lambda t: all(t[n] == fabric.others(n) for n in t), timeout=120)
        time.sleep(1.0)
    samples = watcher.samples
    if not withdrawn or not returned:
        result["error"] = f"withdrawn={withdrawn} returned={returned}"
    withdraw_samples = [s for s in samples if s.t < heal_t]
    gone = {n: RouteTarget.withdrawn(cidr3) for n in SURVIVORS}
    back = {n: RouteTarget.regained(*fabric.others(n)) for n in NODES}
    result["withdrawal_s"] = _round(convergence_time(withdraw_samples, cut_t, gone))
    result["withdrawal_per_router_s"] = {
        n: _round(convergence_time(withdraw_samples, cut_t, {n: RouteTarget.withdrawn(cidr3)}))
        for n in SURVIVORS
    }
    result["node3_lost_routes_s"] = _round(convergence_time(withdraw_samples, cut_t, {"node-3": set()}))
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
    is frozen: the daemon is gone, the data path is not (the `drop-node` fault, mode bgp).
    SIGTERM lets BIRD say goodbye (a BGP Cease), SIGKILL does not, like a power cut.
    """
    cidr3 = str(fabric.stack.node("node-3").cidr)
    router3 = fabric.run.router("node-3")
    paused: list[Fault] = []

    def pause() -> None:
        paused.append(fabric.inject(FaultSpec.parse("drop-node", {"node": "node-3", "mode": "bgp"})))

    inject: dict[str, Callable[[], None]] = {
        "pause": pause,
        "stop": lambda: router3.stop(timeout=10),
        "kill": lambda: router3.kill(signal="SIGKILL"),
    }
    heal: dict[str, Callable[[], None]] = {
        "pause": lambda: paused.pop().heal(),
        "stop": router3.start,
        "kill": router3.start,
    }
    result: dict[str, Any] = {"how": how}
    with RouteWatcher(fabric.run.learned_routes, SURVIVORS, interval=interval) as watcher:
        drop_t = time.monotonic()
        inject[how]()
        result["inject_call_s"] = round(time.monotonic() - drop_t, 3)
        withdrawn = watcher.wait_until(lambda t: all(cidr3 not in t[n] for n in SURVIVORS), timeout=30)
        time.sleep(0.5)
        result["request_during"] = fabric.request("node-1", "node-3", max_time=3)
        result["sessions_during"] = {n: fabric.run.bgp_sessions(n) for n in SURVIVORS}
        heal_t = time.monotonic()
        heal[how]()
        returned = watcher.wait_until(lambda t: all(cidr3 in t[n] for n in SURVIVORS), timeout=120)
        time.sleep(0.5)
    samples = watcher.samples
    result["withdrawn"], result["returned"] = withdrawn, returned
    gone = {n: RouteTarget.withdrawn(cidr3) for n in SURVIVORS}
    result["withdrawal_s"] = _round(convergence_time([s for s in samples if s.t < heal_t], drop_t, gone))
    result["return_s"] = _round(
        convergence_time(samples, heal_t, {n: RouteTarget.regained(cidr3) for n in SURVIVORS})
    )
    result["all_routes_s"] = _round(poll(fabric.all_routes_learned, timeout=60))
    result["request_after"] = fabric.request("node-1", "node-3")
    result["sampling_interval_s"] = _round(watcher.achieved_interval())
    return result


def reconfigure(fabric: Fabric, node: str, unknown_pods: UnknownPods) -> tuple[int, str]:
    config = bird_config(fabric.stack, fabric.stack.node(node), unknown_pods=unknown_pods)
    fabric.run.router(node).put_archive("/etc/bird", tar_of({"bird.conf": config.encode()}))
    return fabric.sh(f"router:{node}", "birdc configure")


def unknown_pods_variant(fabric: Fabric, mode: UnknownPods) -> dict[str, Any]:
    """Router 1 reconfigured to ``mode``: what a request to a withdrawn node's pod then does."""
    cidr3 = str(fabric.stack.node("node-3").cidr)
    result: dict[str, Any] = {}
    code, out = reconfigure(fabric, "node-1", mode)
    result["birdc_configure"] = {"exit": code, "output": out.strip()}
    try:
        with fabric.inject(FaultSpec.parse("drop-node", {"node": "node-3", "mode": "link"})):
            result["withdrawal_s"] = _round(
                poll(lambda: cidr3 not in fabric.run.learned_routes("node-1"), timeout=30)
            )
            time.sleep(1.0)  # the kernel protocol syncs its table after BIRD's own
            result["router1_routes"] = fabric.sh("router:node-1", "ip -4 route show")[1].strip()
            result["router1_route_get"] = fabric.sh(
                "router:node-1", f"ip route get {fabric.pod_ip('node-3')}"
            )[1].strip()
            result["request_during_cut"] = fabric.request("node-1", "node-3", max_time=3)
    finally:
        code, out = reconfigure(fabric, "node-1", "blackhole")
        result["restore"] = {"exit": code, "output": out.strip()}
    result["routes_back_s"] = _round(poll(fabric.all_routes_learned, timeout=60))
    result["request_after"] = fabric.request("node-1", "node-3")
    return result


def run(cycles: int, interval: float) -> dict[str, Any]:
    provider = DockerProvider(progress=log)
    stack = parse_stack(STACK, "fabric-exp.yaml")
    results: dict[str, Any] = {
        "machine": {
            "kernel": platform.release(),
            "cpus": os.cpu_count(),
            "docker": provider.client.version().get("Version"),
        },
        "images": {name: provider.images.tag(name) for name in ("router", "pod")},
        "timers": {"hold": 3, "keepalive": 1, "connect_retry": 1, "error_wait": [1, 5]},
        "sampling_interval_requested_s": interval,
    }
    with provider.up(stack) as up:
        fabric = Fabric(up, stack)
        established, learned = bring_up(fabric)
        results["sessions_established_s"] = _round(established)
        results["routes_learned_s"] = _round(learned)
        log(f"sessions established after {established} s, routes learned after {learned} s")
        results["interfaces"] = {n: fabric.sh(f"router:{n}", "ip -br -4 addr show")[1].strip() for n in NODES}
        results["captured"] = {
            "birdc_show_protocols_node1": fabric.sh("router:node-1", "birdc show protocols")[1],
            "ip_route_node1": fabric.sh("router:node-1", "ip -4 route show")[1],
            "birdc_show_route_node1": fabric.sh("router:node-1", "birdc show route")[1],
            "bird_conf_node1": bird_config(stack, stack.node("node-1")),
        }

        fabric.serve_blob()
        ready = poll(
            lambda: fabric.sh("pod:node-3", f"curl -sf -o /dev/null http://127.0.0.1:{HTTP_PORT}/")[0] == 0,
            timeout=30,
        )
        if ready is None:
            raise RuntimeError("the HTTP server in node-3's pod did not answer")
        results["pod_routes_node1"] = fabric.sh("pod:node-1", "ip -4 route show")[1].strip()
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
    parser.add_argument("--cycles", type=int, default=3, help="link cut / heal cycles (default 3)")
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
