"""The forum's PostgreSQL data: schema ``forum`` in the real forum's table shapes, and ours.

The real forum (Spring Boot) creates schema ``forum`` with Flyway and reads tables forum,
member, thread, post, saved_thread, saved_post, liked_thread, liked_post, notif, report and
report_type. The stand-in creates the same tables with the same columns (a thread's body
and a post's content are JSON tagged with the oneof field number, times are UTC
``timestamp`` values, removal sets ``status`` 1), so what one writes the other reads. What
only the stand-in needs lives apart, in schema ``xmus``: the outbox of reply events and
the ids of events the notifier turned into notifications.

The stand-in creates schema ``forum`` only when it is the one serving the forum: a real
forum's Flyway refuses a non-empty schema it did not create, so a real forum needs the
schema to be its own (see the README).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from xmux_sim.xmus import seed_forum
from xmux_sim.xmus.backends import Backends
from xmux_sim.xmus.seeding import pg_part

FORUM_DDL = """
CREATE SCHEMA IF NOT EXISTS forum;
CREATE TABLE IF NOT EXISTS forum.forum (
    id serial PRIMARY KEY,
    title text,
    description text,
    create_at timestamp,
    update_at timestamp,
    creator_uid text NOT NULL
);
CREATE TABLE IF NOT EXISTS forum.member (
    id serial PRIMARY KEY,
    uid text NOT NULL,
    forum_id int NOT NULL REFERENCES forum.forum (id),
    create_at timestamp
);
CREATE TABLE IF NOT EXISTS forum.thread (
    id serial PRIMARY KEY,
    uid text,
    forum_id int NOT NULL REFERENCES forum.forum (id),
    title text,
    body_type int,
    body jsonb,
    create_at timestamp,
    update_at timestamp,
    last_update timestamp,
    likes int DEFAULT 0,
    posts int DEFAULT 0,
    pinned boolean DEFAULT false,
    digest boolean DEFAULT false,
    status int NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS forum.post (
    id serial PRIMARY KEY,
    uid text,
    forum_id int NOT NULL,
    thread_id int NOT NULL REFERENCES forum.thread (id) ON DELETE CASCADE,
    parent_id int NOT NULL DEFAULT -1,
    ref_post_id int NOT NULL DEFAULT -1,
    ref_post_uid text,
    content_type int,
    content jsonb,
    create_at timestamp,
    update_at timestamp,
    likes int DEFAULT 0,
    pinned boolean DEFAULT false,
    status int NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS forum.saved_thread (
    id serial PRIMARY KEY,
    uid text NOT NULL,
    thread_id int NOT NULL REFERENCES forum.thread (id) ON DELETE CASCADE,
    create_at timestamp
);
CREATE TABLE IF NOT EXISTS forum.saved_post (
    id serial PRIMARY KEY,
    uid text NOT NULL,
    post_id int NOT NULL REFERENCES forum.post (id) ON DELETE CASCADE,
    create_at timestamp
);
CREATE TABLE IF NOT EXISTS forum.liked_thread (
    id serial PRIMARY KEY,
    uid text NOT NULL,
    thread_id int NOT NULL REFERENCES forum.thread (id) ON DELETE CASCADE,
    liked boolean DEFAULT true,
    create_at timestamp
);
CREATE TABLE IF NOT EXISTS forum.liked_post (
    id serial PRIMARY KEY,
    uid text NOT NULL,
    post_id int NOT NULL REFERENCES forum.post (id) ON DELETE CASCADE,
    liked boolean DEFAULT true,
    create_at timestamp
);
CREATE TABLE IF NOT EXISTS forum.notif (
    id serial PRIMARY KEY,
    create_at timestamp NOT NULL,
    uid text NOT NULL,
    sender_uid text NOT NULL,
    has_read boolean NOT NULL,
    type int NOT NULL,
    ref_id int NOT NULL,
    obj_id int NOT NULL,
    value int
);
CREATE TABLE IF NOT EXISTS forum.report (
    id serial PRIMARY KEY,
    uid text NOT NULL,
    type_id int NOT NULL,
    target_id int NOT NULL,
    target_type int NOT NULL,
    reason text NOT NULL,
    created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE TABLE IF NOT EXISTS forum.report_type (
    id int PRIMARY KEY,
    name text NOT NULL
);
-- The stand-in's queries at the load size (10,000 students) want these.
CREATE INDEX IF NOT EXISTS thread_by_forum ON forum.thread (forum_id);
CREATE INDEX IF NOT EXISTS post_by_thread ON forum.post (thread_id);
CREATE INDEX IF NOT EXISTS post_by_parent ON forum.post (parent_id);
CREATE INDEX IF NOT EXISTS post_by_uid ON forum.post (uid);
CREATE INDEX IF NOT EXISTS notif_by_uid ON forum.notif (uid);
CREATE INDEX IF NOT EXISTS liked_thread_by_thread ON forum.liked_thread (thread_id, uid);
CREATE INDEX IF NOT EXISTS liked_post_by_post ON forum.liked_post (post_id, uid);
CREATE INDEX IF NOT EXISTS saved_thread_by_uid ON forum.saved_thread (uid, thread_id);
CREATE INDEX IF NOT EXISTS saved_post_by_uid ON forum.saved_post (uid, post_id);
"""
STAND_IN_DDL = """
CREATE SCHEMA IF NOT EXISTS xmus;
CREATE TABLE IF NOT EXISTS xmus.forum_outbox (
    event_id text PRIMARY KEY,
    subject text NOT NULL,
    payload jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS xmus.notif_event (
    event_id text PRIMARY KEY,
    notif_id int NOT NULL
);
"""
NOW = "(now() AT TIME ZONE 'UTC')"
"""The current UTC time as a ``timestamp`` (the real tables store UTC without a zone)."""


def utc(at: datetime) -> datetime:
    """A seeded or client time as the naive UTC value a ``timestamp`` column holds."""
    return at.astimezone(UTC).replace(tzinfo=None)


def aware(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC)


def marks(rows: tuple[seed_forum.Mark, ...]) -> list[tuple[Any, ...]]:
    return [(m.target, m.uid, utc(m.create_at)) for m in rows]


async def _load(conn: psycopg.AsyncConnection[Any], f: seed_forum.Forum) -> int:
    tables: list[tuple[str, str, list[tuple[Any, ...]]]] = [
        (
            "forum.forum",
            "id, title, description, create_at, update_at, creator_uid",
            [
                (b.id, b.title, b.description, utc(b.create_at), utc(b.create_at), b.creator_uid)
                for b in f.boards
            ],
        ),
        ("forum.member", "forum_id, uid, create_at", marks(f.members)),
        (
            "forum.thread",
            "id, uid, forum_id, title, body_type, body, create_at, update_at, last_update, likes, posts, "
            "pinned, digest",
            [
                (
                    t.id, t.uid, t.forum_id, t.title, t.body_type, Jsonb(t.body), utc(t.create_at),
                    utc(t.create_at), utc(t.last_update), t.likes, t.posts, t.pinned, t.digest,
                )
                for t in f.threads
            ],
        ),
        (
            "forum.post",
            "id, uid, forum_id, thread_id, parent_id, ref_post_id, ref_post_uid, content_type, content, "
            "create_at, update_at, likes",
            [
                (
                    p.id, p.uid, p.forum_id, p.thread_id, p.parent_id, p.ref_post_id, p.ref_post_uid,
                    p.content_type, Jsonb(p.content), utc(p.create_at), utc(p.create_at), p.likes,
                )
                for p in f.posts
            ],
        ),
        ("forum.liked_thread", "thread_id, uid, create_at", marks(f.thread_likes)),
        ("forum.liked_post", "post_id, uid, create_at", marks(f.post_likes)),
        ("forum.saved_thread", "thread_id, uid, create_at", marks(f.saved_threads)),
        ("forum.saved_post", "post_id, uid, create_at", marks(f.saved_posts)),
        (
            "forum.notif",
            "id, create_at, uid, sender_uid, has_read, type, ref_id, obj_id",
            [
                (n.id, utc(n.create_at), n.uid, n.sender_uid, n.has_read, n.type, n.ref_id, n.obj_id)
                for n in f.notifs
            ],
        ),
        ("forum.report_type", "id, name", list(seed_forum.REPORT_TYPES)),
    ]  # fmt: skip
    rows = 0
    async with conn.cursor() as cur:
        for table, columns, values in tables:
            async with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in values:
                    await copy.write_row(row)
            rows += len(values)
    # New rows continue after the seeded ids, as SERIAL columns would have counted.
    for table in ("forum", "thread", "post", "notif"):
        await conn.execute(
            f"SELECT setval(pg_get_serial_sequence('forum.{table}', 'id'), "
            f"(SELECT coalesce(max(id), 0) + 1 FROM forum.{table}), false)"
        )
    return rows


async def prepare(backends: Backends) -> None:
    """The forum's tables and seed data, made once per database (the stand-in forum serves it)."""
    s = backends.settings

    async def load(conn: psycopg.AsyncConnection[Any]) -> int:
        return await _load(conn, seed_forum.forum(s.seed, s.size))

    await pg_part(backends, "forum", FORUM_DDL + STAND_IN_DDL, load)


async def wait_for_forum(backends: Backends) -> None:
    """The stand-in's own tables, once schema ``forum`` exists; RuntimeError (retried) before."""
    pool = await backends.pg()
    async with pool.connection() as conn:
        cur = await conn.execute("SELECT to_regclass('forum.notif') IS NOT NULL")
        row = await cur.fetchone()
    if not row or not row[0]:
        raise RuntimeError("schema forum is not there yet (the forum creates it)")

    async def nothing(conn: psycopg.AsyncConnection[Any]) -> int:
        return 0

    await pg_part(backends, "forum-bookkeeping", STAND_IN_DDL, nothing)
