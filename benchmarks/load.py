"""Our locust setup against h2load on the same request path: the app-start burst through nginx (h2c).

Each of N locust users is a seeded student whose app starts again and again with no think
time (closed loop): five concurrent calls, awaited together. h2load drives the same five
methods over N HTTP/2 connections with 5 streams each (the same concurrency). For each:
calls per second, p50/p99, the load generator's CPU (cores) and the stack's (cores, from
its own account of its containers' CPU). locust/h2load is the figure to report: how close locust drives
the path to what the stack takes, and which side ran out of CPU first.

    .venv/bin/python benchmarks/load.py                     # xmux_sim/stacks/load.yaml, up and down
    .venv/bin/python benchmarks/load.py --attach RUN --users 16 --seconds 20

Prints the figures and writes benchmarks/results/load.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]

from xmux_sim.api import open_stack
from xmux_sim.checkers.latency import quantile
from xmux_sim.load.ceiling import APP_START_PATHS, CpuMeter, H2load
from xmux_sim.load.config import LoadConfig, target_of
from xmux_sim.load.profile import Profile
from xmux_sim.load.records import read_records
from xmux_sim.load.runner import LocustProcesses
from xmux_sim.providers.base import Run
from xmux_sim.topology import load_stack
from xmux_sim.xmus import client, seed

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).parent / "results" / "load.json"
WARM_UP_S = 3.0


def process_cpu_s(procs: LocustProcesses) -> float:
    """User + system CPU seconds of the running locust processes so far."""
    total = 0.0
    for proc in procs.procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            times = psutil.Process(proc.pid).cpu_times()
            total += times.user + times.system
    return total


APP_START = {"grpc " + p.lstrip("/").split(".")[-1] for p in APP_START_PATHS}  # "grpc AAOS/GetExams", ...


def locust_run(run: Run, users: int, seconds: float, workers: int, folder: Path) -> dict[str, Any]:
    profile = Profile(
        name=f"bench-w{workers}",
        users=users,
        spawn_rate=float(users),
        duration=seconds,
        think=(0.0, 0.0),
        workers=workers,
        timeout=10.0,
        mix={"app_start": 1},
    )
    config = LoadConfig(target_of(run), profile, str(folder / "requests"), seed=1)
    meter = CpuMeter(run)
    procs = LocustProcesses(config, folder)
    procs.start()
    # Measure a steady window: not the imports and spawning before it, nor the stop after it.
    time.sleep(WARM_UP_S)
    w0, cpu0 = time.time(), process_cpu_s(procs)
    meter.start()
    time.sleep(seconds - WARM_UP_S - 1)
    w1, cpu1 = time.time(), process_cpu_s(procs)
    stack = meter.stop()
    procs.wait()
    records = [r for r in read_records(folder / "requests") if r.key in APP_START]
    steady = [r for r in records if w0 <= r.start < w1]
    span = w1 - w0
    ok_ms = sorted(r.ms for r in steady if r.ok)
    return {
        "tool": f"locust ({'1 process' if workers == 0 else f'master + {workers} workers'})",
        "calls": len(steady),
        "rps": round(len(steady) / span, 1),
        "errors": sum(1 for r in steady if not r.ok),
        "p50_ms": round(quantile(ok_ms, 0.5), 1) if ok_ms else None,
        "p99_ms": round(quantile(ok_ms, 0.99), 1) if ok_ms else None,
        "loadgen_cores": round((cpu1 - cpu0) / span, 2),
        "loadgen_cpu_ms_per_call": round((cpu1 - cpu0) * 1000 / max(len(steady), 1), 3),
        **stack,
    }


def h2load_run(run: Run, users: int, seconds: float, folder: Path) -> dict[str, Any]:
    target = target_of(run)
    student = seed.registered(target.seed, target.size)[0]
    auth = client.auth_metadata(student.campus_id, student.password)[0][1]
    meter = CpuMeter(run)
    meter.start()
    result = H2load(target, auth, clients=users, streams=len(APP_START_PATHS), seconds=seconds).run(folder)
    stack = meter.stop()
    return {
        "tool": "h2load",
        "calls": result["requests"],
        "rps": result["rps"],
        "errors": result["failed"],
        "p50_ms": result["p50_ms"],
        "p99_ms": result["p99_ms"],
        "loadgen_cores": result["loadgen_cores"],
        "loadgen_cpu_ms_per_call": round(result["loadgen_cpu_s"] * 1000 / max(result["requests"], 1), 3),
        "data_bytes_per_call": result["data_bytes_per_request"],
        **stack,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack", default=str(ROOT / "xmux_sim" / "stacks" / "load.yaml"))
    parser.add_argument("--attach", metavar="RUN", help="a running stack instead of bringing one up")
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()

    load_before = os.getloadavg()
    opened = open_stack(attach=args.attach) if args.attach else open_stack(load_stack(args.stack))
    with opened as run, tempfile.TemporaryDirectory() as tmp:
        runs = [
            locust_run(run, args.users, args.seconds, 0, Path(tmp) / "locust-1"),
            locust_run(run, args.users, args.seconds, 2, Path(tmp) / "locust-2"),
            h2load_run(run, args.users, args.seconds, Path(tmp) / "h2load"),
        ]
        stack_name = run.stack_name
    h2 = runs[-1]
    best = max(runs[:-1], key=lambda r: r["rps"])
    figures = {
        "what": "app-start burst (5 concurrent calls per user) through nginx h2c, closed loop, no think time",
        "stack": stack_name,
        "users": args.users,
        "seconds": args.seconds,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            # Others' stacks share the cores: the load average says how much.
            "load_average_before": round(load_before[0], 2),
            "load_average_after": round(os.getloadavg()[0], 2),
        },
        "runs": runs,
        "best_locust": best["tool"],
        "locust_over_h2load": round(best["rps"] / h2["rps"], 3) if h2["rps"] else None,
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n")
    for r in runs:
        print(
            f"{r['tool']:<32} {r['rps']:8.1f} calls/s  p50 {r['p50_ms']} ms  p99 {r['p99_ms']} ms  "
            f"errors {r['errors']}  load generator {r['loadgen_cores']} cores "
            f"({r['loadgen_cpu_ms_per_call']} ms CPU a call)  stack {r['stack_cores']} cores"
        )
    print(f"locust / h2load: {figures['locust_over_h2load']} ({best['tool']})")
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
