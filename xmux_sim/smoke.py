"""`xmux-sim smoke`: a real round trip through every service.

Each check writes something and reads it back over a real connection, so a stack that
only looks healthy (a port that answers, a process that runs) does not pass.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import secrets
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from xmux_sim import clients
from xmux_sim.providers.base import Run


@dataclass
class CheckResult:
    service: str
    check: str
    ok: bool
    seconds: float
    detail: str


def check_postgres(run: Run) -> str:
    token = secrets.token_hex(8)
    with clients.postgres(run.endpoint("postgres")) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS xmux_smoke (k text PRIMARY KEY, at timestamptz DEFAULT now())"
        )
        conn.execute("INSERT INTO xmux_smoke (k) VALUES (%s)", (token,))
        conn.commit()
        row = conn.execute("SELECT k FROM xmux_smoke WHERE k = %s", (token,)).fetchone()
    if row != (token,):
        raise AssertionError(f"wrote {token}, read {row}")
    return "INSERT + SELECT of a fresh key"


def check_mongo(run: Run) -> str:
    token = secrets.token_hex(8)
    client = clients.mongo(run.endpoint("mongo"))
    try:
        coll = client[run.endpoint("mongo").credentials.get("database", "xmux")]["smoke"]
        coll.insert_one({"_id": token, "at": time.time()})
        doc = coll.find_one({"_id": token})
    finally:
        client.close()
    if not doc or doc["_id"] != token:
        raise AssertionError(f"inserted {token}, found {doc}")
    return "insert_one + find_one"


def check_nats(run: Run) -> str:
    async def round_trip() -> str:
        nc = await clients.nats_connect(run.endpoint("nats"))
        try:
            js = nc.jetstream()
            await js.add_stream(name="SMOKE", subjects=["smoke.>"])
            token = secrets.token_hex(8)
            ack = await js.publish(f"smoke.{token}", token.encode())
            sub = await js.pull_subscribe(f"smoke.{token}", durable=f"smoke-{token}")
            msgs = await sub.fetch(1, timeout=5)
            got = msgs[0].data.decode()
            await msgs[0].ack()
            if got != token:
                raise AssertionError(f"published {token}, consumed {got}")
            return f"JetStream publish (ack seq {ack.seq}) + pull consume"
        finally:
            await nc.close()

    return asyncio.run(round_trip())


def check_minio(run: Run) -> str:
    ep = run.endpoint("minio")
    client = clients.minio(ep)
    bucket = ep.credentials.get("bucket", "xmux")
    data = secrets.token_bytes(1 << 20)
    name = f"smoke/{secrets.token_hex(6)}"
    client.put_object(bucket, name, io.BytesIO(data), len(data))
    resp = client.get_object(bucket, name)
    try:
        back = resp.read()
    finally:
        resp.close()
        resp.release_conn()
    if hashlib.sha256(back).digest() != hashlib.sha256(data).digest():
        raise AssertionError("object read back differs from what was put")
    return "put + get of 1 MiB, same SHA-256"


def check_prometheus(run: Run, timeout: float = 20.0) -> str:
    url = clients.http_url(run.endpoint("prometheus")) + "/api/v1/query?query=up"
    deadline = time.monotonic() + timeout
    down: list[str] = []
    while time.monotonic() < deadline:
        with urllib.request.urlopen(url, timeout=5) as resp:
            result = json.load(resp)["data"]["result"]
        jobs = {r["metric"]["job"]: r["value"][1] for r in result}
        down = [job for job, value in jobs.items() if value != "1"]
        if jobs and not down and set(jobs) >= set(run.endpoints):
            return f"up == 1 for {len(jobs)} targets: {', '.join(sorted(jobs))}"
        down = down or sorted(set(run.endpoints) - set(jobs))
        time.sleep(1)
    raise AssertionError(f"targets not up after {timeout:g}s: {', '.join(down)}")


def check_nginx(run: Run) -> str:
    with urllib.request.urlopen(clients.http_url(run.endpoint("nginx")) + "/healthz", timeout=5) as resp:
        body = resp.read().decode()
    if resp.status != 200 or "ok" not in body:
        raise AssertionError(f"answered {resp.status}: {body[:80]}")
    return "GET /healthz through the published port"


CHECKS: dict[str, tuple[str, Callable[[Run], str]]] = {
    "postgres": ("write + read", check_postgres),
    "mongo": ("write + read", check_mongo),
    "nats": ("publish + consume", check_nats),
    "minio": ("put + get", check_minio),
    "prometheus": ("targets up", check_prometheus),
    "nginx": ("answers", check_nginx),
}


def run_checks(run: Run) -> list[CheckResult]:
    results = []
    for service, (name, check) in CHECKS.items():
        if service not in run.endpoints:
            continue
        t0 = time.monotonic()
        try:
            detail = check(run)
            ok = True
        except Exception as exc:  # a check's failure is a result to report, not a crash
            detail, ok = f"{exc.__class__.__name__}: {exc}", False
        results.append(CheckResult(service, name, ok, time.monotonic() - t0, detail))
    return results
