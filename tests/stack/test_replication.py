"""Replicated data services on the replicated stack: a replica that lost its disk rebuilds
and then holds the same data as the others (rows and checksums, stream sequences, objects
and ETags). Each test prints its measured rebuild time.

Runs xmux_sim/stacks/replicated.yaml as shipped (198.18.220-222, underlay 198.19.220.0/24),
so it cannot run while a replicated scenario runs.
"""

from __future__ import annotations

import asyncio
import io
import json
import time
import urllib.request

import nats
import psycopg
from minio import Minio
from nats.js.client import JetStreamContext

from xmux_sim.faults.spec import FaultSpec
from xmux_sim.providers.docker.provider import DockerRun
from xmux_sim.services.base import Endpoint, ProbeFailed
from xmux_sim.services.postgres import PostgresRuntime
from xmux_sim.services.replicas import wait_in_sync, wait_until


def wipe(run: DockerRun, pod: str) -> None:
    fault = run.faults().inject(FaultSpec.parse("wipe-volume", {"pod": pod}))
    fault.heal()  # the data stays lost; healing only makes sure the pod runs


# ----- PostgreSQL -------------------------------------------------------------------------------


def pg_digest(ep: Endpoint) -> tuple[int, str]:
    with psycopg.connect(PostgresRuntime.url(ep), connect_timeout=2) as conn:
        row = conn.execute(
            "SELECT count(*), md5(coalesce(string_agg(k, ',' ORDER BY k), '')) FROM rebuilt"
        ).fetchone()
    assert row is not None
    return int(row[0]), str(row[1])


def test_a_wiped_standby_reclones_and_holds_the_same_rows(rstack: DockerRun) -> None:
    primary = rstack.endpoint("postgres", 0)
    with psycopg.connect(PostgresRuntime.url(primary), autocommit=True) as conn:
        conn.execute("CREATE TABLE rebuilt (k text PRIMARY KEY, pad text)")
        conn.execute("INSERT INTO rebuilt SELECT 'a' || i, repeat('x', 200) FROM generate_series(1, 20000) i")
    wipe(rstack, "postgres-1")
    with psycopg.connect(PostgresRuntime.url(primary), autocommit=True) as conn:
        # Commits go on through postgres-2 (ANY 1) while postgres-1 is re-cloned.
        conn.execute("INSERT INTO rebuilt SELECT 'b' || i, 'y' FROM generate_series(1, 500) i")
    took = wait_in_sync(rstack, "postgres", 3, 120)
    print(f"postgres-1 rebuilt in {took:.1f}s")
    expected = pg_digest(primary)
    assert expected[0] == 20500
    for replica in (1, 2):
        standby = rstack.endpoint("postgres", replica)

        def replayed(ep: Endpoint = standby) -> bool:
            return pg_digest(ep) == expected

        wait_until(replayed, 30, f"postgres-{replica} replays every row")


# ----- NATS JetStream ---------------------------------------------------------------------------


def stream_state(ep: Endpoint, stream: str) -> dict[str, int]:
    """The stream as this one server stores it (its own monitoring endpoint, not the leader's view)."""
    url = f"http://{ep.address('monitor')}/jsz?accounts=true&streams=true"
    with urllib.request.urlopen(url, timeout=2) as resp:
        jsz = json.load(resp)
    for account in jsz.get("account_details") or []:
        for detail in account.get("stream_detail") or []:
            if detail["name"] == stream:
                s = detail["state"]
                return {k: int(s[k]) for k in ("messages", "first_seq", "last_seq")}
    raise ProbeFailed(f"{ep.service}-{ep.replica} holds no stream {stream}")


async def publish_once(js: JetStreamContext, subject: str, payload: bytes, within: float = 60) -> None:
    """Publish one message, again while the stream has no leader.

    No responder means no server took the message, so publishing again cannot store it twice
    (a timeout could, and is not retried). ``within`` is many election timeouts (4-9 s).
    """
    deadline = time.monotonic() + within
    while True:
        try:
            await js.publish(subject, payload)
            return
        except nats.js.errors.NoStreamResponseError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.5)


async def publish(ep: Endpoint, stream: str, count: int, create: bool = False) -> None:
    nc = await nats.connect(
        f"nats://{ep.address('client')}", user=ep.credentials["user"], password=ep.credentials["password"]
    )
    try:
        js = nc.jetstream()
        if create:
            await js.add_stream(name=stream, subjects=[f"{stream}.>"], num_replicas=3)
        for i in range(count):
            await publish_once(js, f"{stream}.m", f"m{i}".encode())
    finally:
        await nc.close()


def test_a_wiped_nats_server_is_caught_up_to_the_same_sequences(rstack: DockerRun) -> None:
    client = rstack.endpoint("nats", 0)
    asyncio.run(publish(client, "REBUILT", 5000, create=True))
    wipe(rstack, "nats-2")
    # If nats-2 led the stream, the other two elect a new leader first (nats-server's election
    # timeout is 4-9 s after heartbeats stop); until then a publish finds no responder. A client
    # publishes again once the stream has a leader and a quorum, and so does this test.
    wait_in_sync(rstack, "nats", 2, 60, stream="REBUILT")
    asyncio.run(publish(client, "REBUILT", 500))
    took = wait_in_sync(rstack, "nats", 3, 120, stream="REBUILT")
    print(f"nats-2 caught up in {took:.1f}s")
    states = [rstack.endpoint("nats", r) for r in range(3)]
    wait_until(lambda: len({json.dumps(stream_state(ep, "REBUILT")) for ep in states}) == 1, 30, "same state")
    assert stream_state(states[2], "REBUILT") == {"messages": 5500, "first_seq": 1, "last_seq": 5500}


# ----- MinIO ------------------------------------------------------------------------------------


def minio_client(ep: Endpoint) -> Minio:
    c = ep.credentials
    return Minio(ep.address("api"), access_key=c["access_key"], secret_key=c["secret_key"], secure=False)


def listing(ep: Endpoint, bucket: str) -> dict[str, str]:
    return {str(o.object_name): str(o.etag) for o in minio_client(ep).list_objects(bucket, recursive=True)}


def on_drive(run: DockerRun, replica: int, bucket: str) -> set[str]:
    """Object names that have a part on this pod's drive (one xl.meta per object)."""
    code, out = run.exec("minio", ["sh", "-c", f"cd /var/lib/xmux/minio/{bucket} && ls"], replica)
    assert code == 0, out
    return set(out.split())


def test_a_wiped_minio_drive_heals_to_the_same_objects(rstack: DockerRun) -> None:
    ep = rstack.endpoint("minio", 0)
    client = minio_client(ep)
    client.make_bucket("rebuilt")
    for i in range(200):
        data = bytes([i]) * 4096
        client.put_object("rebuilt", f"o{i:04d}", io.BytesIO(data), len(data))
    wipe(rstack, "minio-1")
    for i in range(200, 250):
        data = bytes([i % 256]) * 4096
        client.put_object("rebuilt", f"o{i:04d}", io.BytesIO(data), len(data))
    took = wait_in_sync(rstack, "minio", 4, 300)
    names = {f"o{i:04d}" for i in range(250)}
    wait_until(lambda: on_drive(rstack, 1, "rebuilt") == names, 300, "every object back on minio-1's drive")
    print(f"minio-1 healed in {took:.1f}s (drives), objects back after that")
    expected = listing(ep, "rebuilt")
    assert set(expected) == names
    for replica in range(1, 4):
        assert listing(rstack.endpoint("minio", replica), "rebuilt") == expected
        assert on_drive(rstack, replica, "rebuilt") == names
