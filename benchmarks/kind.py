"""The kind provider's figures: image builds, cluster create and delete, memory per node, and
drop-node withdraw/regain times per mode, next to the docker provider's for the same
three-node fabric (benchmarks/results/fabric.json, stack_up.json).

Run with the kind-node image built and no kind cluster up:
    .venv/bin/python benchmarks/kind.py [--rounds 1] [--warm-build]
Prints the figures and writes benchmarks/results/kind.json.

- build: the Go programs' build times as the builder recorded them on their first (cold)
  build (~/.cache/xmux-sim/go-build-times.json), and with --warm-build the wall time of
  rebuilding the four kind images from the caches (Go binaries and module cache warm);
- create: `up` of the embedded kind stack, from nothing to every node Ready and every
  kube-router session established (kind's own part is reported by the provider's log);
- memory: each node container's memory after create, as `docker stats` shows it (without
  the inactive page cache the image import leaves);
- drop-node: for link, bgp and power on node-3, the time until every other node has
  withdrawn its pod CIDR (sampled every 0.2 s by the route watcher) and, after heal, until
  every other node has it again;
- delete: `down` of the cluster.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

from xmux_sim.checkers.convergence import RouteTarget, convergence_time
from xmux_sim.fabric.watcher import RouteWatcher
from xmux_sim.faults.spec import FaultSpec
from xmux_sim.providers.docker.images import cache_dir
from xmux_sim.providers.kind.provider import KindProvider, KindRun
from xmux_sim.timeline import Timeline
from xmux_sim.topology import load_stack

RESULTS = Path(__file__).parent / "results"
MODES = ("link", "bgp", "power")
KIND_IMAGES = ["k8s", "k8s-coredns", "k8s-pause", "kind-node"]


def wait(predicate: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def drop(run: KindRun, mode: str, node: str, cidr: str, others: list[str]) -> dict[str, float | None]:
    gone = {n: RouteTarget.withdrawn(cidr) for n in others}
    back = {n: RouteTarget.regained(cidr) for n in others}
    with RouteWatcher(run.learned_routes, others, interval=0.2) as watch:
        injected = time.monotonic()
        fault = run.faults(Timeline()).inject(
            FaultSpec.from_args("drop-node", [f"node={node}", f"mode={mode}"])
        )
        wait(lambda: convergence_time(watch.samples, injected, gone) is not None, 120)
        time.sleep(1)
        healed = time.monotonic()
        fault.heal()
        wait(lambda: convergence_time(watch.samples, healed, back) is not None, 240)
    withdraw = convergence_time([s for s in watch.samples if s.t < healed], injected, gone)
    regain = convergence_time(watch.samples, healed, back)
    return {
        "withdraw_s": None if withdraw is None else round(withdraw, 2),
        "regain_s": None if regain is None else round(regain, 2),
    }


def memory_mib(run: KindRun) -> dict[str, float]:
    """As `docker stats` counts it: usage less the inactive page cache (the image import
    leaves hundreds of MiB of it, which the kernel drops under pressure)."""
    out = {}
    for name, node in run.nodes().items():
        memory = run.client.api.stats(node.container.id, stream=False)["memory_stats"]
        detail = memory.get("stats") or {}
        cache = detail.get("total_inactive_file", detail.get("inactive_file", 0))
        out[name] = round((memory.get("usage", 0) - cache) / 2**20, 1)
    return out


def one_round(provider: KindProvider) -> dict[str, Any]:
    stack = load_stack("kind")
    t0 = time.monotonic()
    run = provider.up(stack)
    created = time.monotonic() - t0
    try:
        time.sleep(5)
        memory = memory_mib(run)
        node = stack.nodes[-1]
        others = [n for n in run.nodes() if n != node.name]
        drops = {mode: drop(run, mode, node.name, str(node.cidr), others) for mode in MODES}
    finally:
        t1 = time.monotonic()
        run.down()
        deleted = time.monotonic() - t1
    return {
        "create_to_ready_and_bgp_s": round(created, 1),
        "delete_s": round(deleted, 1),
        "memory_mib": memory,
        "memory_mib_total": round(sum(memory.values()), 1),
        "drop_node": drops,
    }


def build_figures(provider: KindProvider, warm: bool) -> dict[str, Any]:
    try:
        cold = json.loads((cache_dir() / "go-build-times.json").read_text())
    except (OSError, ValueError):
        cold = {}
    figures: dict[str, Any] = {
        "go_cold_s": {name: entry["seconds"] for name, entry in cold.items()},
        "go_cold_total_s": round(sum(entry["seconds"] for entry in cold.values()), 1),
    }
    if warm:
        t0 = time.monotonic()
        provider.images.build(KIND_IMAGES, rebuild=True)
        figures["warm_rebuild_s"] = round(time.monotonic() - t0, 1)
    figures["image_mb"] = {
        state.name: state.size_mb for state in provider.images.states() if state.name in KIND_IMAGES
    }
    return figures


def docker_figures() -> dict[str, Any]:
    """The docker provider's figures for the same three-node fabric and short timers."""
    out: dict[str, Any] = {}
    try:
        fabric = json.loads((RESULTS / "fabric.json").read_text())["short_timers"]
        out["drop_node"] = {mode: fabric.get(f"{mode}_median") for mode in MODES}
    except (OSError, ValueError, KeyError):
        pass
    try:
        up = json.loads((RESULTS / "stack_up.json").read_text())
        out["stack_up_s_median"] = up.get("up_s_median")
        out["stack_down_s_median"] = up.get("down_s_median")
        out["stack_memory_mib_median"] = up.get("memory_mib_median")
        out["stack"] = f"{up.get('stack')} ({up.get('services')} services)"
    except (OSError, ValueError):
        pass
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--warm-build", action="store_true", help="also time a rebuild of the kind images")
    args = parser.parse_args()
    provider = KindProvider(progress=lambda line: print(f"  {line}", flush=True))
    rounds = [one_round(provider) for _ in range(args.rounds)]
    medians: dict[str, Any] = {
        "create_to_ready_and_bgp_s": statistics.median(r["create_to_ready_and_bgp_s"] for r in rounds),
        "delete_s": statistics.median(r["delete_s"] for r in rounds),
        "memory_mib_total": statistics.median(r["memory_mib_total"] for r in rounds),
    }
    for mode in MODES:
        for key in ("withdraw_s", "regain_s"):
            values = [r["drop_node"][mode][key] for r in rounds if r["drop_node"][mode][key] is not None]
            medians[f"{mode}_{key}"] = statistics.median(values) if values else None
    result = {
        "stack": "kind (control plane + 3 nodes, hold 3 s)",
        "build": build_figures(provider, args.warm_build),
        "rounds": rounds,
        "medians": medians,
        "docker_provider": docker_figures(),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "kind.json").write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
