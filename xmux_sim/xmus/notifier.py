"""The notifier: reply events from JetStream become ``forum.notif`` rows (the real forum's table).

Exactly once, by construction: the event id is recorded in ``xmus.notif_event`` in the
same transaction as the notification, and the event is acknowledged only after that
transaction committed. A crash before the commit leaves the event unacknowledged
(redelivered after ack_wait); a crash between commit and acknowledgement redelivers an
event whose id is recorded, and nothing is written twice.
"""

from __future__ import annotations

import asyncio
import json
import logging

import grpc.aio
import psycopg
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from xmux_sim.xmus.app import Context, supervise
from xmux_sim.xmus.backends import BACKEND_ERRORS
from xmux_sim.xmus.events import DURABLE, STREAM, SUBJECTS, ensure_stream
from xmux_sim.xmus.forum_schema import NOW, wait_for_forum

log = logging.getLogger("xmus")
STORE_ERRORS: tuple[type[BaseException], ...] = (*BACKEND_ERRORS, psycopg.Error)


async def handle(ctx: Context, msg: Msg) -> bool:
    """Commit the event's notification (if the event is new); True when it was new."""
    event = json.loads(msg.data)
    pool = await ctx.backends.pg()
    async with pool.connection() as conn, conn.transaction():
        # The lock makes a redelivery that races the first delivery wait, then find the id.
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (event["event_id"],))
        cur = await conn.execute("SELECT 1 FROM xmus.notif_event WHERE event_id = %s", (event["event_id"],))
        if await cur.fetchone() is not None:
            return False
        cur = await conn.execute(
            "INSERT INTO forum.notif (create_at, uid, sender_uid, has_read, type, ref_id, obj_id) "
            f"VALUES (coalesce(%s::timestamp, {NOW}), %s, %s, false, %s, %s, %s) RETURNING id",
            (
                event.get("create_at"),
                event["recipient"],
                event["sender"],
                event["type"],
                event["ref_id"],
                event["obj_id"],
            ),
        )
        row = await cur.fetchone()
        assert row is not None
        await conn.execute(
            "INSERT INTO xmus.notif_event (event_id, notif_id) VALUES (%s, %s)", (event["event_id"], row[0])
        )
        return True


async def consume(ctx: Context) -> None:
    js = await ctx.backends.jetstream()
    await ensure_stream(js)
    sub = await js.pull_subscribe(
        SUBJECTS[0],
        durable=DURABLE,
        stream=STREAM,
        config=ConsumerConfig(
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=ctx.settings.ack_wait,
            deliver_policy=DeliverPolicy.ALL,
            max_ack_pending=1000,
        ),
    )
    while True:
        try:
            msgs = await sub.fetch(20, timeout=2)
        except TimeoutError:
            continue
        except BACKEND_ERRORS as exc:
            log.warning("notifier: fetch: %r", exc)
            await asyncio.sleep(0.5)
            continue
        for msg in msgs:
            try:
                new = await handle(ctx, msg)
            except STORE_ERRORS as exc:
                # Not acknowledged: JetStream redelivers it after ack_wait.
                log.warning("notifier: event not stored, will be redelivered: %r", exc)
                continue
            if ctx.settings.ack_delay:
                await asyncio.sleep(ctx.settings.ack_delay)
            try:
                await msg.ack_sync(timeout=5)
            except BACKEND_ERRORS as exc:
                log.warning("notifier: ack failed (the row is stored; a redelivery is a no-op): %r", exc)
            log.info(
                "notifier: event %s %s",
                msg.header and msg.header.get("Nats-Msg-Id"),
                "stored" if new else "seen before",
            )


def register(server: grpc.aio.Server, ctx: Context) -> None:
    """The notifier serves no API: only grpc.health.v1."""


async def init(ctx: Context) -> None:
    await wait_for_forum(ctx.backends)
    ctx.tasks.append(asyncio.get_running_loop().create_task(supervise("notifier", lambda: consume(ctx))))
