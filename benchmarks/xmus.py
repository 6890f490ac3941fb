"""The XMUX app's two busiest paths through nginx, and how far the stand-ins are from being the bottleneck.

Each virtual user is one seeded student who, in a closed loop, either starts the app (the
five calls the client fires at once: GetProfile, GetTimetable, GetExams, GetTranscript,
GetCourses, awaited together) or opens the Community tab (GetForums, GetThreads of one
forum, GetProfile of each author not seen before, GetPosts of one thread, in that order).
Reported per flow and port: flows and calls per second, p50/p99 of a flow and of a call,
errors, the load generator's own CPU (it shares the machine's cores with the stack), and
the CPU each container group used per call: every XMUS stand-in, nginx, the databases. A
stand-in is one Python process per replica, so its ceiling is about one core:
``headroom`` is that ceiling over the rate measured.

    .venv/bin/python benchmarks/xmus.py                          # embedded default stack, up and down
    .venv/bin/python benchmarks/xmus.py --size load --concurrency 32 --seconds 30
    .venv/bin/python benchmarks/xmus.py --attach RUN             # a stack started with `up --keep`

Prints the figures and writes benchmarks/results/xmus.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import resource
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import grpc
import grpc.aio

from xmux_sim.api import open_stack
from xmux_sim.load.ceiling import CpuMeter
from xmux_sim.providers.base import Run
from xmux_sim.services.tls import ca_file
from xmux_sim.topology import load_stack
from xmux_sim.topology.kinds import XMUS_SERVICES
from xmux_sim.topology.model import Stack
from xmux_sim.xmus import client, seed
from xmux_sim.xmus.protos import forum_post_pb2
from xmux_sim.xmus.protos.xmux.core.user.v4 import user_pb2

RESULTS = Path(__file__).parent / "results" / "xmus.json"
DATABASES = ("postgres", "mongo", "nats", "minio")
Flow = Callable[[Any, Any, random.Random, set[str], Callable[..., Awaitable[Any]]], Awaitable[None]]


class ServiceCpu(CpuMeter):
    """The run's CPU, also by service: a pod's containers count under its service's name.

    Which container is which comes from the docker provider's labels (this benchmark measures
    the docker provider on this machine).
    """

    def __init__(self, run: Run) -> None:
        super().__init__(run)
        containers = run.provider.client.containers.list(filters={"label": f"xmux-sim.run={run.run_id}"})  # type: ignore[attr-defined]
        self.names = {
            c.id: c.labels.get("xmux-sim.service") or c.labels.get("xmux-sim.role", "other")
            for c in containers
        }
        self.by_service: dict[str, float] = {}

    def start(self) -> None:
        super().start()
        self.first = self.run.cpu_usage()

    def stop(self) -> dict[str, float]:
        figures = super().stop()
        self.by_service = {}
        for cid, used in self.run.cpu_usage().items():
            name = self.names.get(cid, "other")
            self.by_service[name] = self.by_service.get(name, 0.0) + used - self.first.get(cid, used)
        return figures


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def app_start(stubs: Any, md: Any, rng: random.Random, seen: set[str], call: Any) -> None:
    await asyncio.gather(*(call(m, r, md) for m, r in client.app_start_calls(stubs)))


async def community(stubs: Any, md: Any, rng: random.Random, seen: set[str], call: Any) -> None:
    forums = (await call(stubs.forum.GetForums, client.forums_request(), md)).forums
    page = await call(stubs.forum.GetThreads, client.threads_request(rng.choice(forums).id), md)
    for thread in page.threads:
        if thread.uid not in seen:
            seen.add(thread.uid)
            await call(stubs.user.GetProfile, user_pb2.GetProfileReq(uid=thread.uid), md)
    if page.threads:
        opened = rng.choice(page.threads).id
        await call(
            stubs.forum.GetPosts,
            forum_post_pb2.GetPostsReq(threadId=opened, count=client.THREADS_PER_PAGE),
            md,
        )


FLOWS: dict[str, Flow] = {"app_start": app_start, "community": community}


async def drive(
    address: str,
    ca: str | None,
    flow: Flow,
    students: list[seed.Student],
    concurrency: int,
    seconds: float,
    run: Any,
) -> dict[str, Any]:
    if ca is None:
        channel = grpc.aio.insecure_channel(address)
    else:
        channel = grpc.aio.secure_channel(address, grpc.ssl_channel_credentials(Path(ca).read_bytes()))
    stubs = client.Stubs.over(channel)  # type: ignore[arg-type]  # the aio channel has the same stub API
    flows: list[float] = []
    calls: list[float] = []
    errors: dict[str, int] = {}

    async def call(method: Any, request: Any, md: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return await method(request, metadata=md, timeout=10)
        except grpc.aio.AioRpcError as exc:
            errors[exc.code().name] = errors.get(exc.code().name, 0) + 1
            raise
        finally:
            calls.append(time.perf_counter() - t0)

    async def user(i: int, stop: float) -> None:
        who = students[i % len(students)]
        md = client.auth_metadata(who.campus_id, who.password)
        rng, seen = random.Random(i), {who.uid}
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            try:
                await flow(stubs, md, rng, seen, call)
            except grpc.aio.AioRpcError:
                continue  # counted in errors; a failed flow has no flow latency
            flows.append(time.perf_counter() - t0)

    # Warm up connections (TLS, HTTP/2, nginx upstream keepalive) before measuring.
    await asyncio.gather(*(user(i, time.perf_counter() + 2) for i in range(concurrency)))
    flows.clear()
    calls.clear()
    errors.clear()
    meter = ServiceCpu(run)
    meter.start()
    cpu0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    await asyncio.gather(*(user(i, t0 + seconds) for i in range(concurrency)))
    wall = time.perf_counter() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    stack = meter.stop()
    await channel.close()
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    n = max(1, len(calls))
    return {
        "seconds": round(wall, 2),
        "flows": len(flows),
        "flows_per_s": round(len(flows) / wall, 1),
        "calls_per_s": round(len(calls) / wall, 1),
        "flow_p50_ms": round(quantile(flows, 0.5) * 1000, 1),
        "flow_p99_ms": round(quantile(flows, 0.99) * 1000, 1),
        "call_p50_ms": round(quantile(calls, 0.5) * 1000, 1),
        "call_p99_ms": round(quantile(calls, 0.99) * 1000, 1),
        "errors": errors,
        "error_rate": round(sum(errors.values()) / n, 4),
        "loadgen_cores": round(cpu / wall, 2),
        **stack,
        "cpu_ms_per_call": {
            k: round(v * 1000 / n, 3) for k, v in sorted(meter.by_service.items()) if v > 0.005
        },
        "cores": {k: round(v / wall, 2) for k, v in sorted(meter.by_service.items()) if v > 0.005},
    }


def group_of(kind: str | None, name: str) -> str:
    if kind in XMUS_SERVICES:
        return "stand-ins"
    if kind == "nginx":
        return "nginx"
    return "databases" if kind in DATABASES else "other"


def bottleneck(figures: dict[str, Any], run: Any) -> dict[str, Any]:
    """CPU per call of the stand-ins, nginx and the databases; each stand-in's headroom to one core
    per replica (a stand-in is one Python process), measured while the machine was shared."""
    kinds = {name: eps[0].kind for name, eps in run.endpoints.items() if eps}
    groups: dict[str, dict[str, float]] = {}
    stand_ins: dict[str, Any] = {}
    for name, cores in figures["cores"].items():
        group = group_of(kinds.get(name), name)
        total = groups.setdefault(group, {"cores": 0.0, "cpu_ms_per_call": 0.0})
        total["cores"] = round(total["cores"] + cores, 2)
        total["cpu_ms_per_call"] = round(total["cpu_ms_per_call"] + figures["cpu_ms_per_call"][name], 3)
        if group == "stand-ins" and cores >= 0.01:
            replicas = len(run.endpoints[name])
            stand_ins[name] = {
                "cpu_ms_per_call": figures["cpu_ms_per_call"][name],
                "cores": cores,
                "replicas": replicas,
                "headroom": round(replicas / cores, 1),
            }
    return {"groups": groups, "stand_ins": stand_ins}


def with_size(stack: Stack, size: str) -> Stack:
    services = {
        name: replace(svc, config={**svc.config, "size": size}) if svc.kind in XMUS_SERVICES else svc
        for name, svc in stack.services.items()
    }
    return replace(stack, services=services)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack", help="stack file (default: the embedded one)")
    parser.add_argument("--attach", help="a running stack's run id instead of starting one")
    parser.add_argument("--size", choices=sorted(seed.SIZES), help="seed data size of every XMUS service")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--ports", default="h2c,grpc", help="nginx ports to measure: h2c, grpc (TLS)")
    parser.add_argument("--flows", default="app_start,community", help=f"of: {', '.join(FLOWS)}")
    args = parser.parse_args()
    started = time.monotonic()
    stack = None if args.attach else load_stack(args.stack)
    if stack is not None and args.size:
        stack = with_size(stack, args.size)
    with open_stack(stack, attach=args.attach or False) as run:
        up_s = time.monotonic() - started
        ep = run.endpoint("nginx")
        env = run.environment("auth")
        students = [s for s in seed.registered(int(env["XMUS_SEED"]), env["XMUS_SIZE"]) if not s.staff]
        results: dict[str, Any] = {}
        for port in args.ports.split(","):
            ca = str(ca_file(ep.credentials["ca_cert"])) if port == "grpc" else None
            for flow in args.flows.split(","):
                figures = asyncio.run(
                    drive(ep.address(port), ca, FLOWS[flow], students, args.concurrency, args.seconds, run)
                )
                figures["stand_ins_vs_nginx_vs_databases"] = bottleneck(figures, run)
                key = f"{flow}_{'tls' if port == 'grpc' else port}"
                results[key] = figures
                print(f"{key}: {json.dumps(figures)}", flush=True)
    summary = {
        "what": "app-start burst (5 concurrent calls) and Community tab (GetForums, GetThreads, GetProfile "
        "per new author, GetPosts) through nginx, closed loop",
        "stack": stack.name if stack else f"attached {args.attach}",
        "size": env["XMUS_SIZE"],
        "students": len(students),
        "concurrency": args.concurrency,
        "up_s": None if args.attach else round(up_s, 1),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "results": results,
        "median_call_p50_ms": statistics.median(r["call_p50_ms"] for r in results.values()),
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
