"""Schema and seed data, loaded by the services themselves when they start.

PostgreSQL parts run in one transaction under one advisory lock: replicas starting
together serialise, the first loads, the others find the marker row; a loader that dies
half-way leaves nothing. MongoDB and MinIO parts are idempotent (fixed ids), so replicas
may race and the marker is written last.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg
import pymongo.errors

from xmux_sim.xmus.backends import Backends

log = logging.getLogger("xmus")
LOCK = "xmus-schema"
MARKERS = """
CREATE TABLE IF NOT EXISTS xmus_seed (
    part text PRIMARY KEY,
    seed int NOT NULL,
    size text NOT NULL,
    loaded_at timestamptz NOT NULL DEFAULT now()
)
"""


async def pg_part(
    backends: Backends,
    part: str,
    ddl: str,
    load: Callable[[psycopg.AsyncConnection[Any]], Awaitable[int]],
) -> None:
    seed, size = backends.settings.seed, backends.settings.size
    pool = await backends.pg()
    async with pool.connection() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (LOCK,))
        await conn.execute(MARKERS)
        await conn.execute(ddl)  # our own constant DDL
        cur = await conn.execute("SELECT seed, size FROM xmus_seed WHERE part = %s", (part,))
        row = await cur.fetchone()
        if row is not None:
            if tuple(row) != (seed, size):
                log.warning("%s: data of seed %s/%s already loaded; keeping it", part, row[0], row[1])
            return
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        n = await load(conn)
        await conn.execute("INSERT INTO xmus_seed (part, seed, size) VALUES (%s, %s, %s)", (part, seed, size))
        log.info("%s: loaded %d rows (seed %s, size %s) in %.1fs", part, n, seed, size, loop.time() - t0)


async def mongo_part(backends: Backends, part: str, collection: str, docs: list[dict[str, Any]]) -> None:
    db = await backends.mongo()
    seed, size = backends.settings.seed, backends.settings.size
    if await db.xmus_seed.find_one({"_id": part}) is not None:
        return
    for start in range(0, len(docs), 1000):
        try:
            await db[collection].insert_many(docs[start : start + 1000], ordered=False)
        except pymongo.errors.BulkWriteError as exc:
            # Another replica inserted the same documents first: fine, ids are fixed.
            if any(e.get("code") != 11000 for e in exc.details.get("writeErrors", [])):
                raise
    await db.xmus_seed.replace_one({"_id": part}, {"_id": part, "seed": seed, "size": size}, upsert=True)
    log.info("%s: loaded %d documents into %s", part, len(docs), collection)


async def minio_part(backends: Backends, part: str, objects: tuple[tuple[str, bytes, str], ...]) -> None:
    client = backends.minio()
    bucket = backends.settings.minio_bucket
    marker = f".xmus-seed/{part}"

    def load() -> None:
        from minio.error import S3Error

        try:
            client.stat_object(bucket, marker)
            return
        except S3Error as exc:
            if exc.code not in ("NoSuchKey", "NoSuchObject"):
                raise
        if not client.bucket_exists(bucket):
            client.make_bucket(bucket)
        for name, data, content_type in objects:
            client.put_object(bucket, name, io.BytesIO(data), len(data), content_type=content_type)
        stamp = f"{backends.settings.seed} {backends.settings.size}".encode()
        client.put_object(bucket, marker, io.BytesIO(stamp), len(stamp))

    await asyncio.to_thread(load)
