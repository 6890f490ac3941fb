"""What a scenario costs beyond its workload: a 60-second scenario on a running stack.

Run with images present:  .venv/bin/python benchmarks/scenario_overhead.py [--duration S]
Prints the figures and writes benchmarks/results/scenario_overhead.json. Target: the
run takes less than 15 s more than its workload (steady-state checks before and after,
client setup, healing, the final read, the checkers and the report).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from xmux_sim.api import open_stack
from xmux_sim.experiment import RunOptions, ScenarioRunner
from xmux_sim.scenario import parse_scenario
from xmux_sim.topology import load_stack

RESULTS = Path(__file__).parent / "results" / "scenario_overhead.json"

STACK = """\
name: overhead
network:
  underlay: 198.19.161.0/24
  bgp: {hold: 3, keepalive: 1, connect_retry: 1, error_wait: [1, 5]}
nodes:
  - {name: node-1, cidr: 198.18.161.0/24}
  - {name: node-2, cidr: 198.18.162.0/24}
services:
  postgres: {kind: postgres, placement: [node-1]}
  nats: {kind: nats, placement: [node-2]}
"""

SCENARIO = """\
name: overhead
stack: stack.yaml
steady_state:
  probes:
    - {name: pg, sql: {service: postgres}, tolerance: 0.5}
    - {name: nats, tcp: {service: nats, port: client}}
workload:
  duration: DURATION
  clients:
    - {kind: sql-insert, from: node-2, concurrency: 2, rate: 50}
    - {kind: jetstream-publish, concurrency: 2, rate: 50}
faults:
  - {at: 10, duration: 10, kind: kill, pod: postgres-0}
  - {at: 30, duration: 10, kind: drop-node, node: node-1}
invariants:
  - {name: pg, checker: lost-writes, store: postgres}
  - {name: js, checker: lost-writes, store: nats}
  - {name: back, checker: recovery-time, store: postgres, limit_s: 20}
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=float, default=60.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "stack.yaml").write_text(STACK)
        scenario_text = SCENARIO.replace("DURATION", f"{args.duration:g}")
        (folder / "scenario.yaml").write_text(scenario_text)
        scenario = parse_scenario(scenario_text, str(folder / "scenario.yaml"))
        with open_stack(load_stack(folder / "stack.yaml")) as run:
            t0 = time.monotonic()
            outcome = ScenarioRunner(
                scenario, RunOptions(report_dir=folder / "reports", attach=run.run_id, seed=1)
            ).run()
            wall = time.monotonic() - t0
    ops = outcome.report.history if outcome.report else []
    summary = {
        "workload_s": args.duration,
        "wall_s": round(wall, 2),
        "overhead_s": round(wall - args.duration, 2),
        "target_overhead_s": 15,
        "operations": len(ops),
        "exit_status": int(outcome.status),
        "verdicts": {
            inv.name: f"{inv.verdict.valid}: {inv.verdict.message}"
            for inv in (outcome.report.invariants if outcome.report else ())
        },
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary, indent=2))
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
