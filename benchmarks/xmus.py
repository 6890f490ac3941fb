"""The app-start burst through nginx: requests per second and latency at a fixed concurrency.

Each virtual user is one seeded student whose app starts again and again: the five calls
the XMUX client fires at once (GetProfile, GetTimetable, GetExams, GetTranscript,
GetCourses), awaited together. Reported: bursts and calls per second, p50/p99 latency of
a burst and of a call, errors, and the load generator's own CPU use (it shares the
machine's cores with the stack, so its share matters when reading the figures).

    .venv/bin/python benchmarks/xmus.py                       # embedded default stack, up and down
    .venv/bin/python benchmarks/xmus.py --stack FILE --size load --concurrency 32 --seconds 30
    .venv/bin/python benchmarks/xmus.py --attach RUN          # a stack started with `up --keep`

Prints the figures and writes benchmarks/results/xmus.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import statistics
import time
from pathlib import Path
from typing import Any

import grpc
import grpc.aio

from xmux_sim.api import open_stack
from xmux_sim.services.tls import ca_file
from xmux_sim.topology import load_stack
from xmux_sim.xmus import client, seed

RESULTS = Path(__file__).parent / "results" / "xmus.json"


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def drive(
    address: str, ca: str | None, students: list[seed.Student], concurrency: int, seconds: float
) -> dict[str, Any]:
    if ca is None:
        channel = grpc.aio.insecure_channel(address)
    else:
        channel = grpc.aio.secure_channel(address, grpc.ssl_channel_credentials(Path(ca).read_bytes()))
    stubs = client.Stubs.over(channel)  # type: ignore[arg-type]  # the aio channel has the same stub API
    bursts: list[float] = []
    calls: list[float] = []
    errors: dict[str, int] = {}

    async def one_call(method: Any, request: Any, md: Any) -> None:
        t0 = time.perf_counter()
        try:
            await method(request, metadata=md, timeout=10)
        except grpc.aio.AioRpcError as exc:
            errors[exc.code().name] = errors.get(exc.code().name, 0) + 1
        calls.append(time.perf_counter() - t0)

    async def user(i: int, stop: float) -> None:
        who = students[i % len(students)]
        md = client.auth_metadata(who.campus_id, who.password)
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            await asyncio.gather(*(one_call(m, r, md) for m, r in client.app_start_calls(stubs)))
            bursts.append(time.perf_counter() - t0)

    # Warm up connections (TLS, HTTP/2, nginx upstream keepalive) before measuring.
    await asyncio.gather(*(user(i, time.perf_counter() + 2) for i in range(concurrency)))
    bursts.clear()
    calls.clear()
    errors.clear()
    cpu0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    await asyncio.gather(*(user(i, t0 + seconds) for i in range(concurrency)))
    wall = time.perf_counter() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    await channel.close()
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    return {
        "seconds": round(wall, 2),
        "bursts": len(bursts),
        "bursts_per_s": round(len(bursts) / wall, 1),
        "calls_per_s": round(len(calls) / wall, 1),
        "burst_p50_ms": round(quantile(bursts, 0.5) * 1000, 1),
        "burst_p99_ms": round(quantile(bursts, 0.99) * 1000, 1),
        "call_p50_ms": round(quantile(calls, 0.5) * 1000, 1),
        "call_p99_ms": round(quantile(calls, 0.99) * 1000, 1),
        "errors": errors,
        "error_rate": round(sum(errors.values()) / max(1, len(calls)), 4),
        "loadgen_cpu_s": round(cpu, 2),
        "loadgen_cpu_cores": round(cpu / wall, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack", help="stack file (default: the embedded one)")
    parser.add_argument("--attach", help="a running stack's run id instead of starting one")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--ports", default="grpc,h2c", help="nginx ports to measure: grpc (TLS), h2c")
    args = parser.parse_args()
    started = time.monotonic()
    stack = None if args.attach else load_stack(args.stack)
    with open_stack(stack, attach=args.attach or False) as run:
        up_s = time.monotonic() - started
        ep = run.endpoint("nginx")
        env = run.environment("user")
        students = list(seed.students(int(env["XMUS_SEED"]), env["XMUS_SIZE"]))
        results: dict[str, Any] = {}
        for port in args.ports.split(","):
            ca = str(ca_file(ep.credentials["ca_cert"])) if port == "grpc" else None
            figures = asyncio.run(drive(ep.address(port), ca, students, args.concurrency, args.seconds))
            results["tls" if port == "grpc" else port] = figures
            print(f"{'TLS' if port == 'grpc' else port}: {json.dumps(figures)}", flush=True)
    summary = {
        "what": "app-start burst (5 concurrent calls) through nginx, closed loop",
        "stack": stack.name if stack else f"attached {args.attach}",
        "size": env["XMUS_SIZE"],
        "students": len(students),
        "concurrency": args.concurrency,
        "up_s": None if args.attach else round(up_s, 1),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "results": results,
        "median_burst_ms": statistics.median(r["burst_p50_ms"] for r in results.values()),
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
