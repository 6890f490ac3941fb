"""The default stack's services, each used for real through its published port."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import os
import secrets
import time
import urllib.request
from typing import Any

from tests.stack.conftest import as_docker, status_json
from xmux_sim import clients
from xmux_sim.providers.base import Run


def test_postgres_write_then_read(xmux_postgres: Any) -> None:
    xmux_postgres.execute("CREATE TABLE IF NOT EXISTS rt (k text PRIMARY KEY, v int)")
    key = secrets.token_hex(6)
    xmux_postgres.execute("INSERT INTO rt VALUES (%s, %s)", (key, 42))
    xmux_postgres.commit()
    assert xmux_postgres.execute("SELECT v FROM rt WHERE k = %s", (key,)).fetchone() == (42,)


def test_mongo_insert_then_find(xmux_mongo: Any) -> None:
    key = secrets.token_hex(6)
    xmux_mongo.items.insert_one({"_id": key, "title": "lost umbrella"})
    assert xmux_mongo.items.find_one({"_id": key}) == {"_id": key, "title": "lost umbrella"}


def test_mongo_refuses_wrong_credentials(xmux_stack: Run) -> None:
    import pymongo
    import pymongo.errors
    import pytest

    ep = xmux_stack.endpoint("mongo")
    bad: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(
        f"mongodb://xmux:wrong@{ep.address('wire')}/?authSource=admin",
        serverSelectionTimeoutMS=3000,
        directConnection=True,
    )
    with pytest.raises(pymongo.errors.OperationFailure):
        bad[ep.credentials["database"]].items.insert_one({"x": 1})
    bad.close()


def test_jetstream_publish_with_ack_then_consume(xmux_nats_endpoint: Any) -> None:
    async def round_trip() -> tuple[int, list[bytes]]:
        nc = await clients.nats_connect(xmux_nats_endpoint)
        try:
            js = nc.jetstream()
            await js.add_stream(name="RT", subjects=["rt.>"])
            payloads = [secrets.token_bytes(16) for _ in range(5)]
            acks = [await js.publish("rt.events", p) for p in payloads]
            assert [a.stream for a in acks] == ["RT"] * 5
            sub = await js.pull_subscribe("rt.events", durable="rt-consumer")
            msgs = await sub.fetch(5, timeout=5)
            for m in msgs:
                await m.ack()
            return acks[-1].seq, [m.data for m in msgs] if [m.data for m in msgs] == payloads else []
        finally:
            await nc.close()

    last_seq, consumed = asyncio.run(round_trip())
    assert last_seq >= 5
    assert len(consumed) == 5


def test_minio_10_mib_object_round_trip(xmux_minio: Any, xmux_stack: Run) -> None:
    data = os.urandom(10 * 2**20)
    bucket = xmux_stack.endpoint("minio").credentials.get("bucket", "xmux")
    xmux_minio.put_object(bucket, "rt/big.bin", io.BytesIO(data), len(data))
    resp = xmux_minio.get_object(bucket, "rt/big.bin")
    try:
        back = resp.read()
    finally:
        resp.close()
        resp.release_conn()
    assert hashlib.sha256(back).hexdigest() == hashlib.sha256(data).hexdigest()


def test_prometheus_reports_every_target_up(xmux_stack: Run) -> None:
    url = clients.http_url(xmux_stack.endpoint("prometheus")) + "/api/v1/query?query=up"
    expected = {"prometheus", "nats", "minio", "nginx", "postgres", "mongo"}
    deadline = time.monotonic() + 30
    jobs: dict[str, str] = {}
    while time.monotonic() < deadline:
        with urllib.request.urlopen(url, timeout=5) as resp:
            jobs = {r["metric"]["job"]: r["value"][1] for r in json.load(resp)["data"]["result"]}
        if set(jobs) >= expected and all(v == "1" for v in jobs.values()):
            break
        time.sleep(1)
    assert set(jobs) >= expected, jobs
    assert {job: v for job, v in jobs.items() if v != "1"} == {}


def test_nginx_answers_on_loopback_only(xmux_stack: Run) -> None:
    ep = xmux_stack.endpoint("nginx")
    with urllib.request.urlopen(f"http://127.0.0.1:{ep.port('http')}/healthz", timeout=5) as resp:
        assert resp.status == 200
        assert b"xmux-sim nginx ok" in resp.read()
    holder = as_docker(xmux_stack).holder("nginx-0")
    bindings = holder.attrs["NetworkSettings"]["Ports"]["80/tcp"]
    assert {b["HostIp"] for b in bindings} == {"127.0.0.1"}


def test_status_json_contract(xmux_stack: Run) -> None:
    status = status_json(xmux_stack.run_id)
    assert status["run"] == xmux_stack.run_id and status["stack"] == "xmux"
    services = status["services"]
    assert set(services) >= {"postgres", "mongo", "nats", "minio", "prometheus", "nginx"}
    for name, svc in services.items():
        assert svc["state"] == "healthy", (name, svc)
        assert svc["image"] and "flavour" in svc
    assert services["postgres"]["url"].startswith("postgresql://xmux:")
    assert services["postgres"]["url"].split("@")[1].startswith("127.0.0.1:")
    assert services["mongo"]["url"].startswith("mongodb://") and "@127.0.0.1:" in services["mongo"]["url"]
    assert services["mongo"]["flavour"] == "secantusdb"
    assert services["nats"]["url"].startswith("nats://127.0.0.1:")
    assert services["minio"]["url"].startswith("http://127.0.0.1:")
    assert services["minio"]["access_key"] and services["minio"]["secret_key"]
    assert services["prometheus"]["url"].startswith("http://127.0.0.1:")
    assert services["nginx"]["url"].startswith("http://127.0.0.1:")


def test_credentials_are_per_run(xmux_stack: Run) -> None:
    # The run's password must not be a fixed default: a second look at the stack file's
    # defaults never yields it.
    password = xmux_stack.endpoint("postgres").credentials["password"]
    assert len(password) >= 16 and password not in {"xmux", "postgres", "password"}
