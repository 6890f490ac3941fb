"""Benchmark the checkers on a history the size of a long chaos run.

    python benchmarks/checkers.py [--ops 1000000] [--seed 7]

Builds ``--ops`` write operations (about 2 % fail, 1 % unknown) over a ten-minute
run, a final read with a few acknowledged writes missing, then times
lost_writes, availability and latency, and the JSON Lines round trip. Timings
come from untraced runs; each checker's extra peak memory comes from a second,
tracemalloc-traced run, because tracing slows Python down several times.
Figures are printed and written to benchmarks/results/checkers.json.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from xmux_sim.checkers import Verdict, availability, latency, lost_writes
from xmux_sim.history import FinalRead, History, Operation, Outcome

RESULTS = Path(__file__).resolve().parent / "results" / "checkers.json"
RUN_S = 600.0
LOST_BUDGET_S = 5.0  # the contract: lost_writes over a million operations in under 5 s


def build(n: int, seed: int) -> tuple[History, FinalRead]:
    rnd = random.Random(seed)
    step = RUN_S / n
    ops: list[Operation] = []
    present: list[str] = []
    for i in range(n):
        key = f"k{i:07d}"
        roll = rnd.random()
        outcome = Outcome.fail if roll < 0.02 else Outcome.unknown if roll < 0.03 else Outcome.ok
        t = i * step
        duration = rnd.lognormvariate(-4.5, 0.6)  # median ~11 ms with a tail, like a loaded service
        complete_t = None if outcome is Outcome.unknown and roll < 0.0205 else t + duration
        ops.append(Operation(f"p{i % 64}", "write", key, None, t, complete_t, outcome, "postgres"))
        # Half the unknown writes took effect; a few failed ones too (commit before the error).
        if (
            outcome is Outcome.ok
            or (outcome is Outcome.unknown and rnd.random() < 0.5)
            or (outcome is Outcome.fail and rnd.random() < 0.01)
        ):
            present.append(key)
    # Lose ten acknowledged writes so the checker has something to find.
    for victim in rnd.sample(range(len(present)), 10):
        present[victim] = ""
    return History(ops), FinalRead.of(postgres=(k for k in present if k))


def timed(fn: Callable[[], Verdict], repeat: int = 3) -> tuple[float, Verdict]:
    best, verdict = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        verdict = fn()
        best = min(best, time.perf_counter() - start)
    assert verdict is not None
    return best, verdict


def traced_peak_mib(fn: Callable[[], object]) -> float:
    gc.collect()
    tracemalloc.start()
    baseline, _ = tracemalloc.get_traced_memory()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return (peak - baseline) / 2**20


def max_rss_mib() -> float:
    # ru_maxrss is KiB on Linux, bytes on macOS.
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-jsonl", action="store_true", help="skip the history.jsonl round trip")
    args = parser.parse_args()

    rss_start = max_rss_mib()
    start = time.perf_counter()
    history, final_read = build(args.ops, args.seed)
    build_s = time.perf_counter() - start
    rss_built = max_rss_mib()

    checks: dict[str, Callable[[], Verdict]] = {
        "lost_writes": lambda: lost_writes(history, final_read, "postgres"),
        "availability": lambda: availability(history, window_s=1.0, min_ratio=0.95),
        "latency": lambda: latency(history, limits={0.99: 0.1}, window_s=1.0),
    }
    results: dict[str, Any] = {}
    for name, fn in checks.items():
        seconds, verdict = timed(fn)
        results[name] = {
            "seconds": round(seconds, 3),
            "ops_per_s": round(args.ops / seconds),
            "valid": verdict.valid,
            "message": verdict.message,
            "figures": verdict.figures if name != "latency" else _main_figures(verdict),
        }
    for name, fn in checks.items():
        results[name]["peak_extra_mib"] = round(traced_peak_mib(fn), 1)

    jsonl: dict[str, Any] = {}
    if not args.no_jsonl:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "history.jsonl"
            start = time.perf_counter()
            history.write_jsonl(path)
            jsonl["write_s"] = round(time.perf_counter() - start, 3)
            jsonl["size_mib"] = round(path.stat().st_size / 2**20, 1)
            start = time.perf_counter()
            again = History.read_jsonl(path)
            jsonl["read_s"] = round(time.perf_counter() - start, 3)
            jsonl["round_trip_equal"] = again == history
            del again

    report: dict[str, Any] = {
        "ops": args.ops,
        "seed": args.seed,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "build_history_s": round(build_s, 3),
        "history_rss_mib": round(rss_built - rss_start, 1),
        "max_rss_mib": round(max_rss_mib(), 1),
        "lost_writes_budget_s": LOST_BUDGET_S,
        "lost_writes_within_budget": results["lost_writes"]["seconds"] < LOST_BUDGET_S,
        "checkers": results,
        "jsonl": jsonl,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")

    print(f"{args.ops:,} operations, history built in {build_s:.2f} s (+{report['history_rss_mib']} MiB RSS)")
    for name, r in results.items():
        print(
            f"  {name:<13} {r['seconds']:7.3f} s  {r['ops_per_s']:>10,} ops/s  "
            f"peak +{r['peak_extra_mib']:.1f} MiB  valid={r['valid']}  {r['message']}"
        )
    if jsonl:
        print(
            f"  history.jsonl  write {jsonl['write_s']:.2f} s, read {jsonl['read_s']:.2f} s, "
            f"{jsonl['size_mib']} MiB"
        )
    print(
        f"  max RSS {report['max_rss_mib']} MiB; lost_writes within {LOST_BUDGET_S:g} s: "
        f"{report['lost_writes_within_budget']}"
    )
    print(f"written to {RESULTS}")


def _main_figures(verdict: Verdict) -> dict[str, Any]:
    return {
        k: v
        for k, v in verdict.figures.items()
        if k in {"count", "fail", "unknown", "p50", "p95", "p99", "max"}
    }


if __name__ == "__main__":
    main()
