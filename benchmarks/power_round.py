"""A power-loss round on the replicated stack (lazy volumes): every node's power cut at once,
back on, and the time until every service is healthy again; with the unsynced bytes lost.

Run with images present and nothing on the replicated stack's addresses:
    .venv/bin/python benchmarks/power_round.py [--rounds N] [--down-s S]
Prints the figures and writes benchmarks/results/power_round.json.

cut: the coordinated `drop-node nodes=[node-1, node-2, node-3] mode=power` (its spread is
how far apart the nodes went dark); the nodes stay dark --down-s seconds; then heal, and
the clock runs until `status` calls every pod healthy (each service's own readiness probe).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path
from typing import Any

from xmux_sim.faults.spec import FaultSpec
from xmux_sim.providers.docker.provider import DockerProvider
from xmux_sim.timeline import Timeline
from xmux_sim.topology import load_stack

RESULTS = Path(__file__).parent / "results" / "power_round.json"
CUT = FaultSpec.parse("drop-node", {"nodes": ["node-1", "node-2", "node-3"], "mode": "power"})


def all_healthy(status: dict[str, object]) -> bool:
    nodes = status["nodes"]
    assert isinstance(nodes, dict)
    return all(p["state"] == "healthy" for n in nodes.values() for p in n["pods"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--down-s", type=float, default=5.0)
    args = parser.parse_args()
    stack = load_stack("replicated")
    rounds: list[dict[str, Any]] = []
    with DockerProvider().up(stack) as run:
        for i in range(args.rounds):
            time.sleep(5)  # the services write as they run: let some unsynced state build up
            timeline = Timeline()
            fault = run.faults(timeline).inject(CUT)
            time.sleep(args.down_s)
            t0 = time.monotonic()
            fault.heal()
            while not all_healthy(dict(run.status())):
                time.sleep(0.5)
            back_s = time.monotonic() - t0
            (event,) = timeline.events
            lost = sum(n for n in event.unsynced.values() if n is not None)
            rounds.append(
                {
                    "healthy_after_heal_s": round(back_s, 2),
                    "spread_ms": round(event.spread_ms or 0.0, 1),
                    "unsynced_lost_bytes": lost,
                    "lazy_volumes": sorted(p for p, n in event.unsynced.items() if n is not None),
                }
            )
            print(
                f"round {i + 1}: every pod healthy {back_s:.1f} s after power came back; "
                f"cuts within {event.spread_ms or 0:.0f} ms; {lost / 1024:.0f} KiB unsynced lost",
                flush=True,
            )
    summary = {
        "stack": stack.name,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "down_s": args.down_s,
        "rounds": rounds,
        "healthy_after_heal_s_median": statistics.median(r["healthy_after_heal_s"] for r in rounds),
        "spread_ms_median": statistics.median(r["spread_ms"] for r in rounds),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps({k: v for k, v in summary.items() if k != "rounds"}, indent=2))
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
