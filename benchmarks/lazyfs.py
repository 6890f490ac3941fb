"""What the lazy volume costs: writes with and without it, and how long a power-cut round takes.

Run with the images built and no stack up (it starts single containers, under the stack lock):
    flock /tmp/xmux-stack.lock .venv/bin/python benchmarks/lazyfs.py [--inserts 3000] [--publishes 3000]
Prints the figures and writes benchmarks/results/lazyfs.json.

For each of "plain" (the volume as is) and "lazy" (through the FUSE layer):
- sequential write: a program writes --mib MiB in 128 KiB writes, then fsyncs (MiB/s);
- PostgreSQL: --inserts single-row INSERTs, one transaction each, fsync on (rows/s, p50, p99);
- JetStream: --publishes acknowledged publishes to a file stream, sync_interval always and
  the default (msgs/s, p50, p99);
and on the lazy volume, the time from a power cut until the program answers again.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import threading
import time
from pathlib import Path
from typing import Any

from xmux_sim.providers.docker.durability import Alone, NatsAlone, PostgresAlone, Writes
from xmux_sim.providers.docker.provider import DockerProvider
from xmux_sim.providers.docker.solo import SoloRun

RESULTS = Path(__file__).parent / "results" / "lazyfs.json"
MODES = {"plain": False, "lazy": True}

SEQUENTIAL = r"""
import os, sys, time
mib = int(sys.argv[1])
chunk = os.urandom(128 * 1024)
t0 = time.perf_counter()
fd = os.open("/data/seq", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
for _ in range(mib * 8):
    os.write(fd, chunk)
t_written = time.perf_counter()
os.fsync(fd)
os.close(fd)
t_synced = time.perf_counter()
print("RESULT", t_written - t0, t_synced - t0, flush=True)
"""


def quantile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q * 100) - 1] if len(values) >= 2 else float("nan")


def write_figures(writes: Writes, seconds: float) -> dict[str, Any]:
    lat = writes.latencies_s
    return {
        "acknowledged": len(writes.acknowledged),
        "per_s": round(len(writes.acknowledged) / seconds, 1),
        "p50_ms": round(quantile(lat, 0.50) * 1000, 2),
        "p99_ms": round(quantile(lat, 0.99) * 1000, 2),
    }


def timed_writes(system: Alone, count: int) -> dict[str, Any]:
    t0 = time.perf_counter()
    writes = system.write(range(count), threading.Event())
    return write_figures(writes, time.perf_counter() - t0)


def cut_round_s(system: Alone) -> float:
    """A power cut under no load, until the program answers again."""
    t0 = time.perf_counter()
    system.app.power_cut()
    system.app.start()
    system.wait_ready()
    return round(time.perf_counter() - t0, 2)


def sequential(run: SoloRun, lazy: bool, mib: int) -> dict[str, Any]:
    app = run.app(
        "lazyfs",
        "/data",
        lazy_volume=lazy,
        command=["python3", "-c", SEQUENTIAL, str(mib)],
        name=f"seq-{'lazy' if lazy else 'plain'}",
    )
    app.wait_for_log("RESULT", timeout=600)
    line = next(x for x in app.logs().splitlines() if x.startswith("RESULT"))
    written, synced = (float(x) for x in line.split()[1:])
    return {
        "mib": mib,
        "write_mib_per_s": round(mib / written, 1),
        "write_and_fsync_mib_per_s": round(mib / synced, 1),
    }


def measure(run: SoloRun, lazy: bool, args: argparse.Namespace) -> dict[str, Any]:
    mode = "lazy" if lazy else "plain"
    out: dict[str, Any] = {"sequential": sequential(run, lazy, args.mib)}
    print(f"[{mode}] sequential write: {out['sequential']}")
    pg = PostgresAlone(run, lazy=lazy, name=f"pg-{mode}")
    pg.wait_ready()
    out["postgres_inserts"] = timed_writes(pg, args.inserts)
    print(f"[{mode}] postgres inserts: {out['postgres_inserts']}")
    if lazy:
        out["postgres_power_cut_round_s"] = cut_round_s(pg)
        print(f"[{mode}] postgres power cut -> answering: {out['postgres_power_cut_round_s']} s")
    for sync in ("always", "default"):
        server = NatsAlone(run, lazy=lazy, sync=sync, name=f"nats-{sync}-{mode}")
        server.wait_ready()
        key = f"jetstream_publishes_sync_{sync}"
        out[key] = timed_writes(server, args.publishes)
        print(f"[{mode}] jetstream publishes, sync {sync}: {out[key]}")
        if lazy and sync == "always":
            out["jetstream_power_cut_round_s"] = cut_round_s(server)
            print(f"[{mode}] jetstream power cut -> answering: {out['jetstream_power_cut_round_s']} s")
    return out


def ratios(plain: dict[str, Any], lazy: dict[str, Any]) -> dict[str, Any]:
    """lazy / plain for every throughput and latency figure."""
    out: dict[str, Any] = {}
    for key, figures in plain.items():
        if isinstance(figures, dict):
            out[key] = {
                name: round(lazy[key][name] / value, 2)
                for name, value in figures.items()
                if name.endswith(("per_s", "_ms")) and value
            }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mib", type=int, default=64)
    parser.add_argument("--inserts", type=int, default=3000)
    parser.add_argument("--publishes", type=int, default=3000)
    args = parser.parse_args()
    results: dict[str, Any] = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version()}}
    with SoloRun(DockerProvider()) as run:
        for mode, lazy in MODES.items():
            results[mode] = measure(run, lazy, args)
    results["lazy_over_plain"] = ratios(results["plain"], results["lazy"])
    print(json.dumps(results["lazy_over_plain"], indent=1))
    RESULTS.write_text(json.dumps(results, indent=1) + "\n")
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
