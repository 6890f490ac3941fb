"""Time from `up` to every service healthy, time of `down`, and the stack's memory.

Run with images present and nothing running:  .venv/bin/python benchmarks/stack_up.py [--rounds N]
Prints the figures and writes benchmarks/results/stack_up.json. Target: foundations
healthy in <= 20 s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

from xmux_sim.providers.docker.provider import DockerProvider
from xmux_sim.topology import load_stack

RESULTS = Path(__file__).parent / "results" / "stack_up.json"


def memory_mib(provider: DockerProvider, run_id: str) -> float:
    total = 0
    for c in provider.client.containers.list(filters={"label": f"xmux-sim.run={run_id}"}):
        stats = c.stats(stream=False)
        mem = stats.get("memory_stats", {})
        # Page cache is reclaimable; count what the processes hold (as `docker stats` does).
        total += mem.get("usage", 0) - (mem.get("stats") or {}).get("cache", 0)
    return total / 2**20


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    provider = DockerProvider()
    stack = load_stack()
    rounds = []
    for i in range(args.rounds):
        t0 = time.monotonic()
        run = provider.up(stack)
        up_s = time.monotonic() - t0
        time.sleep(3)  # let the services settle before reading memory
        mem = memory_mib(provider, run.run_id)
        t1 = time.monotonic()
        run.down()
        down_s = time.monotonic() - t1
        rounds.append({"up_s": round(up_s, 2), "down_s": round(down_s, 2), "memory_mib": round(mem, 1)})
        print(f"round {i + 1}: up {up_s:.2f} s, down {down_s:.2f} s, memory {mem:.0f} MiB", flush=True)
    summary = {
        "stack": stack.name,
        "services": len(stack.services),
        "machine": {"cpus": __import__("os").cpu_count(), "python": platform.python_version()},
        "rounds": rounds,
        "up_s_median": statistics.median(r["up_s"] for r in rounds),
        "down_s_median": statistics.median(r["down_s"] for r in rounds),
        "memory_mib_median": statistics.median(r["memory_mib"] for r in rounds),
        "target_up_s": 20,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps({k: v for k, v in summary.items() if k != "rounds"}, indent=2))
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
