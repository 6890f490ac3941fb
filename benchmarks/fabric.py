"""The fabric's figures: router bring-up, convergence after drop-node, latency added per hop.

Run with images present:  .venv/bin/python benchmarks/fabric.py [--rounds N] [--kube-router]
Prints the figures and writes benchmarks/results/fabric.json.

- bring-up: three BIRD routers started until every session is established and every
  router has learned both peers' CIDRs;
- convergence: after `drop-node` (link, bgp, power) the time until both surviving
  routers withdrew the node's CIDR, and after heal until both learned it again, with
  the default stack's short timers and (--kube-router, once: it takes minutes) with
  Kube-Router's hold time of 90 s;
- per-hop latency: TCP connect time to one pod from a pod on its node (one bridge) and
  from a pod on another node (through both routers and the underlay).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

from xmux_sim.checkers import RouteTarget, convergence_time
from xmux_sim.fabric import RouteWatcher
from xmux_sim.faults.spec import FaultSpec
from xmux_sim.providers.docker.provider import DockerProvider, DockerRun
from xmux_sim.providers.docker.routers import wait_established
from xmux_sim.topology import parse_stack

RESULTS = Path(__file__).parent / "results" / "fabric.json"

STACK = """\
name: fabric-bench
network:
  underlay: 198.19.121.0/24
  bgp: {bgp}
nodes:
  - {{name: node-1, cidr: 198.18.121.0/24}}
  - {{name: node-2, cidr: 198.18.122.0/24}}
  - {{name: node-3, cidr: 198.18.123.0/24}}
services:
  postgres: {{kind: postgres, placement: [node-1]}}
  minio: {{kind: minio, placement: [node-2]}}
  prometheus: {{kind: prometheus, placement: [node-2]}}
"""
SHORT = "{hold: 3, keepalive: 1, connect_retry: 1, error_wait: [1, 5]}"
KUBE_ROUTER = "{hold: 90, keepalive: 30, connect_retry: 5, error_wait: [1, 5]}"
DROPPED, CIDR = "node-2", "198.18.122.0/24"
SURVIVORS = ("node-1", "node-3")

CONNECT_TIMES = """
import socket, statistics, time
times = []
for _ in range({n}):
    t = time.perf_counter(); s = socket.create_connection(("{ip}", {port}), timeout=2)
    times.append(time.perf_counter() - t); s.close()
print(statistics.median(times) * 1e6)
"""


def bring_up(run: DockerRun) -> float:
    """Restart the three routers and time until the mesh is whole again (the pods stay up)."""
    assert run.stack is not None
    routers = {n.name: run.router(n.name) for n in run.stack.nodes}
    for r in routers.values():
        r.stop(timeout=1)
    t0 = time.monotonic()
    for r in routers.values():
        r.start()
    wait_established(routers, run.stack, timeout=60)
    return time.monotonic() - t0


def drop(run: DockerRun, mode: str, limit_s: float) -> dict[str, float | None]:
    watcher = RouteWatcher(run.learned_routes, SURVIVORS, interval=0.1)
    with watcher:
        # From before the inject: a power fault takes a while to kill the node's containers.
        injected = time.monotonic()
        fault = run.faults().inject(FaultSpec.parse("drop-node", {"node": DROPPED, "mode": mode}))
        watcher.wait_until(lambda t: all(CIDR not in t.get(n, {CIDR}) for n in SURVIVORS), limit_s)
        fault.heal()
        healed = time.monotonic()
        watcher.wait_until(lambda t: all(CIDR in t.get(n, frozenset()) for n in SURVIVORS), limit_s)
    samples = watcher.samples
    withdraw = convergence_time(
        [s for s in samples if s.t < healed], injected, dict.fromkeys(SURVIVORS, RouteTarget.withdrawn(CIDR))
    )
    regain = convergence_time(samples, healed, dict.fromkeys(SURVIVORS, RouteTarget.regained(CIDR)))
    return {
        "withdraw_s": None if withdraw is None else round(withdraw, 2),
        "regain_s": None if regain is None else round(regain, 2),
        "sampling_s": round(watcher.achieved_interval() or 0, 3),
    }


def connect_us(run: DockerRun, src: str, dst_service: str, port: int, n: int = 300) -> float:
    ip = run.endpoint(dst_service).pod_ip
    out = run.holder(src).exec_run(["python3", "-c", CONNECT_TIMES.format(n=n, ip=ip, port=port)]).output
    return float(out.decode().strip().splitlines()[-1])


def wait_settled(run: DockerRun) -> None:
    assert run.stack is not None
    wait_established({n.name: run.router(n.name) for n in run.stack.nodes}, run.stack, timeout=400)


def measure(bgp: str, rounds: int, modes: tuple[str, ...], limit_s: float, hops: bool) -> dict[str, Any]:
    run = DockerProvider().up(parse_stack(STACK.format(bgp=bgp), "fabric-bench.yaml"))
    try:
        result: dict[str, Any] = {"bgp": bgp}
        result["bring_up_s"] = [round(bring_up(run), 2) for _ in range(rounds)]
        for mode in modes:
            result[mode] = []
            for i in range(rounds):
                wait_settled(run)
                figures = drop(run, mode, limit_s)
                result[mode].append(figures)
                print(f"{bgp} {mode} round {i + 1}: {figures}", flush=True)
        if hops:
            wait_settled(run)
            # One target, two sources: minio-0 shares prometheus-0's node, postgres-0 does not.
            # Alternate rounds so drift in the machine's load hits both alike.
            same_runs, cross_runs = [], []
            for _ in range(5):
                same_runs.append(connect_us(run, "minio-0", "prometheus", 9090))
                cross_runs.append(connect_us(run, "postgres-0", "prometheus", 9090))
            same, cross = statistics.median(same_runs), statistics.median(cross_runs)
            result["tcp_connect_us"] = {
                "same_node": round(same, 1),
                "cross_node": round(cross, 1),
                "added_by_routing": round(cross - same, 1),
            }
        return result
    finally:
        run.down()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--kube-router", action="store_true", help="also once with hold 90 s (minutes)")
    args = parser.parse_args()
    summary: dict[str, Any] = {
        "short_timers": measure(SHORT, args.rounds, ("link", "bgp", "power"), 30, True)
    }
    if args.kube_router:
        summary["kube_router_timers"] = measure(KUBE_ROUTER, 1, ("link", "bgp"), 200, False)
    elif RESULTS.exists():
        # Keep the slow measurement from an earlier run rather than dropping it.
        earlier = json.loads(RESULTS.read_text()).get("kube_router_timers")
        if earlier:
            summary["kube_router_timers"] = earlier
    for block in summary.values():
        for mode in ("link", "bgp", "power"):
            rows = block.get(mode)
            if rows:
                w = [r["withdraw_s"] for r in rows if r["withdraw_s"] is not None]
                g = [r["regain_s"] for r in rows if r["regain_s"] is not None]
                block[f"{mode}_median"] = {
                    "withdraw_s": statistics.median(w) if w else None,
                    "regain_s": statistics.median(g) if g else None,
                }
        if block.get("bring_up_s"):
            block["bring_up_s_median"] = statistics.median(block["bring_up_s"])
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary, indent=2))
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
