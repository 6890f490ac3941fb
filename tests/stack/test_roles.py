"""Role targets on the replicated stack: a fault aimed at whoever leads hits the pod the
service itself names as its leader, and the timeline records which pod that was.

Runs xmux_sim/stacks/replicated.yaml as shipped, so it cannot run while a replicated
scenario (or tests/stack/test_replication.py) runs.
"""

from __future__ import annotations

import asyncio
import time

import nats
import psycopg
from nats.aio.client import Client as NATS

from tests.stack.conftest import REPLICATED
from xmux_sim.experiment.player import FaultPlayer
from xmux_sim.faults.spec import FaultSpec
from xmux_sim.providers.docker.provider import DockerRun
from xmux_sim.scenario.model import TimedFault
from xmux_sim.services.base import Endpoint
from xmux_sim.services.postgres import PostgresRuntime
from xmux_sim.services.replicas import wait_in_sync, wait_until
from xmux_sim.services.roles import aim
from xmux_sim.timeline import FaultEvent, Timeline
from xmux_sim.topology.stackfile import load_stack

REPLICATED_STACK = load_stack(REPLICATED)
STREAM = "ROLES"


def played(run: DockerRun, spec: FaultSpec) -> FaultEvent:
    """``spec`` injected and healed by the fault player, as a scenario would: its timeline event."""
    timeline = Timeline()
    player = FaultPlayer(
        run,
        [TimedFault(at=0.0, duration=2.0, spec=spec)],
        timeline,
        horizon=3.0,
        aim=lambda s: aim(s, run, seed=0),
    ).start()

    def over() -> bool:
        return player.error is not None or any(e.heal_t is not None for e in timeline.events)

    wait_until(over, 120, f"{spec.describe()} injected and healed")
    player.stop()
    assert player.error is None, player.error
    (event,) = timeline.events
    return event


async def connect(ep: Endpoint) -> NATS:
    c = ep.credentials
    return await nats.connect(f"nats://{ep.address('client')}", user=c["user"], password=c["password"])


async def create_and_publish(ep: Endpoint, count: int) -> None:
    nc = await connect(ep)
    try:
        js = nc.jetstream()
        await js.add_stream(name=STREAM, subjects=[f"{STREAM}.>"], num_replicas=3)
        for i in range(count):
            await js.publish(f"{STREAM}.m", f"m{i}".encode())
    finally:
        await nc.close()


async def leader_seen_by(ep: Endpoint) -> str:
    """The stream's leader as this one server reports it."""
    nc = await connect(ep)
    try:
        info = await nc.jetstream().stream_info(STREAM)
    finally:
        await nc.close()
    assert info.cluster is not None and info.cluster.leader
    return str(info.cluster.leader)


def test_leader_of_a_stream_is_the_leader_nats_names(rstack: DockerRun) -> None:
    asyncio.run(create_and_publish(rstack.endpoint("nats", 0), 200))
    wait_in_sync(rstack, "nats", 3, 60, stream=STREAM)
    spec = FaultSpec.parse("wipe-volume", {"pod": f"leader-of(nats, stream={STREAM})"})
    spec.check(REPLICATED_STACK)

    leader = aim(spec, rstack, seed=0).spec.params["pod"]
    other = next(r for r in range(3) if f"nats-{r}" != leader)
    assert asyncio.run(leader_seen_by(rstack.endpoint("nats", other))) == leader

    event = played(rstack, spec)
    # No election can run between resolving and injecting here: nothing else disturbs the stream.
    assert event.spec.params["pod"] == leader
    assert event.aimed == {leader: f"leader-of(nats, stream={STREAM})"}
    role = f"leader-of(nats, stream={STREAM})"
    assert event.description == f"wipe-volume pod={role} -> {leader} restart=at-once"
    took = wait_in_sync(rstack, "nats", 3, 120, stream=STREAM)
    print(f"{leader} (the stream's leader) wiped; the stream was whole again {took:.1f}s after the heal")


def in_recovery(ep: Endpoint) -> bool:
    with psycopg.connect(PostgresRuntime.url(ep), connect_timeout=2, autocommit=True) as conn:
        row = conn.execute("SELECT pg_is_in_recovery()").fetchone()
    assert row is not None
    return bool(row[0])


def test_primary_of_postgres_is_the_member_not_in_recovery(rstack: DockerRun) -> None:
    spec = FaultSpec.parse("wipe-volume", {"pod": "primary-of(postgres)"})
    spec.check(REPLICATED_STACK)
    primary = aim(spec, rstack, seed=0).spec.params["pod"]
    for replica in range(3):
        assert in_recovery(rstack.endpoint("postgres", replica)) == (f"postgres-{replica}" != primary)

    follower = aim(FaultSpec.parse("kill", {"pod": "follower-of(postgres)"}), rstack, seed=0).spec
    assert follower.params["pod"] != primary

    event = played(rstack, spec)
    assert event.spec.params["pod"] == primary
    assert event.aimed == {primary: "primary-of(postgres)"}
    t0 = time.monotonic()
    wait_in_sync(rstack, "postgres", 3, 240)
    print(f"{primary} (the primary) wiped; three members in sync {time.monotonic() - t0:.1f}s after the heal")
