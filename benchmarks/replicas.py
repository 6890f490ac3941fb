"""Rebuild time of a replica that lost its disk, per data service, for a fixed data size.

Run with images present and no replicated stack up:
    .venv/bin/python benchmarks/replicas.py [--pg-mib 1024] [--messages 100000] [--objects 1000]
Prints the figures and writes benchmarks/results/replicas.json. The defaults are the
issue's sizes; smaller ones (say --pg-mib 64) give a quick run on a shared machine.

For each service the replicated stack is loaded, one replica's volume is wiped (the
app is killed, its volume emptied, the app restarted) and the time is taken from the
wipe until the service reports every replica in sync again (the `replication` probe's
view): PostgreSQL standby re-cloned and streaming within 1 MiB, the R3 stream's
followers current, MinIO's drives online and not healing, plus every object back on
the wiped drive.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import time
from pathlib import Path
from typing import Any

import nats
import psycopg
from minio import Minio

from xmux_sim.faults.spec import FaultSpec
from xmux_sim.providers.docker.provider import DockerProvider, DockerRun
from xmux_sim.services.postgres import PostgresRuntime
from xmux_sim.services.replicas import in_sync, wait_in_sync, wait_until
from xmux_sim.topology.stackfile import load_stack

RESULTS = Path(__file__).parent / "results" / "replicas.json"
STACK = Path(__file__).resolve().parents[1] / "xmux_sim" / "stacks" / "replicated.yaml"
ROW_BYTES = 1024


def wipe(run: DockerRun, pod: str) -> float:
    """Wipe the pod's volume; returns the monotonic time of the loss."""
    fault = run.faults().inject(FaultSpec.parse("wipe-volume", {"pod": pod}))
    t = time.monotonic()
    fault.heal()
    return t


def postgres(run: DockerRun, mib: int) -> dict[str, Any]:
    rows = mib * 2**20 // ROW_BYTES
    t0 = time.monotonic()
    with psycopg.connect(PostgresRuntime.url(run.endpoint("postgres")), autocommit=True) as conn:
        conn.execute("CREATE TABLE bench (id bigint PRIMARY KEY, pad text)")
        for start in range(0, rows, 100_000):
            conn.execute(
                "INSERT INTO bench SELECT i, repeat(md5(i::text), %s) FROM generate_series(%s, %s) i",
                (ROW_BYTES // 32, start, min(rows, start + 100_000) - 1),
            )
        size = conn.execute("SELECT pg_database_size(current_database())").fetchone()
    load_s = time.monotonic() - t0
    wait_in_sync(run, "postgres", 3, 600)
    lost = wipe(run, "postgres-1")
    wait_in_sync(run, "postgres", 3, 3600)
    return {
        "database_mib": round((size[0] if size else 0) / 2**20),
        "load_s": round(load_s, 1),
        "rebuild_s": round(time.monotonic() - lost, 1),
    }


async def _publish(run: DockerRun, count: int) -> None:
    ep = run.endpoint("nats")
    nc = await nats.connect(
        f"nats://{ep.address('client')}", user=ep.credentials["user"], password=ep.credentials["password"]
    )
    try:
        js = nc.jetstream()
        await js.add_stream(name="BENCH", subjects=["bench.>"], num_replicas=3)
        body = b"x" * 128
        for start in range(0, count, 500):
            await asyncio.gather(
                *(js.publish("bench.m", body) for _ in range(start, min(count, start + 500)))
            )
    finally:
        await nc.close()


def jetstream(run: DockerRun, messages: int) -> dict[str, Any]:
    t0 = time.monotonic()
    asyncio.run(_publish(run, messages))
    load_s = time.monotonic() - t0
    wait_in_sync(run, "nats", 3, 600, stream="BENCH")
    lost = wipe(run, "nats-2")
    # The wiped server first has to be seen behind, else "in sync" may be the stale view.
    wait_until(lambda: in_sync(run, "nats", stream="BENCH") < 3, 30, "nats-2 seen behind", poll=0.1)
    wait_in_sync(run, "nats", 3, 3600, stream="BENCH")
    return {"messages": messages, "load_s": round(load_s, 1), "rebuild_s": round(time.monotonic() - lost, 1)}


def minio(run: DockerRun, objects: int, size: int) -> dict[str, Any]:
    ep = run.endpoint("minio")
    c = ep.credentials
    client = Minio(ep.address("api"), access_key=c["access_key"], secret_key=c["secret_key"], secure=False)
    client.make_bucket("bench")
    t0 = time.monotonic()
    for i in range(objects):
        client.put_object("bench", f"o{i:06d}", io.BytesIO(bytes([i % 256]) * size), size)
    load_s = time.monotonic() - t0
    lost = wipe(run, "minio-1")
    drives_s = wait_in_sync(run, "minio", 4, 3600)

    def all_back() -> bool:
        code, out = run.exec("minio", ["sh", "-c", "ls /var/lib/xmux/minio/bench | wc -l"], 1)
        return code == 0 and int(out.strip() or 0) == objects

    wait_until(all_back, 3600, "every object back on minio-1's drive", poll=1.0)
    return {
        "objects": objects,
        "object_kib": size // 1024,
        "load_s": round(load_s, 1),
        "drives_in_sync_s": round(drives_s, 1),
        "rebuild_s": round(time.monotonic() - lost, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-mib", type=int, default=1024)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--objects", type=int, default=1000)
    parser.add_argument("--object-kib", type=int, default=64)
    args = parser.parse_args()
    figures: dict[str, Any] = {}
    run = DockerProvider(progress=print).up(load_stack(STACK))
    try:
        figures["postgres"] = postgres(run, args.pg_mib)
        print("postgres", figures["postgres"], flush=True)
        figures["jetstream"] = jetstream(run, args.messages)
        print("jetstream", figures["jetstream"], flush=True)
        figures["minio"] = minio(run, args.objects, args.object_kib * 1024)
        print("minio", figures["minio"], flush=True)
    finally:
        run.down()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
