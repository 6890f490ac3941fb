"""xmux.forum.v4.Forum on PostgreSQL; likes and replies become events on JetStream.

Events go through an outbox: written in the same transaction as the post or like, then
published (with the event id as Nats-Msg-Id, so a repeat is dropped) and deleted. A
relay task retries what could not be published, so NATS being down delays
notifications but loses none.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from datetime import datetime
from typing import Any

import grpc.aio
import psycopg

from xmux_sim.xmus import seed
from xmux_sim.xmus.app import Caller, Context, check_length, from_timestamp, rpc, supervise, timestamp
from xmux_sim.xmus.backends import BACKEND_ERRORS
from xmux_sim.xmus.errors import XmusError, bad_request, not_found
from xmux_sim.xmus.events import ensure_stream
from xmux_sim.xmus.protos import forum_pb2, forum_pb2_grpc
from xmux_sim.xmus.seeding import pg_part

log = logging.getLogger("xmus")

DDL = """
CREATE TABLE IF NOT EXISTS forums (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE IF NOT EXISTS threads (
    id bigserial PRIMARY KEY,
    forum_id int NOT NULL REFERENCES forums(id),
    author text NOT NULL,
    title text NOT NULL,
    body text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    likes int NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS threads_by_time ON threads (created_at DESC, id DESC);
CREATE TABLE IF NOT EXISTS posts (
    id bigserial PRIMARY KEY,
    thread_id bigint NOT NULL REFERENCES threads(id),
    parent_id bigint REFERENCES posts(id),
    author text NOT NULL,
    body text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    likes int NOT NULL DEFAULT 0,
    removed boolean NOT NULL DEFAULT false
);
CREATE INDEX IF NOT EXISTS posts_by_thread ON posts (thread_id, id);
CREATE INDEX IF NOT EXISTS posts_by_parent ON posts (parent_id, id);
CREATE TABLE IF NOT EXISTS thread_likes (
    thread_id bigint NOT NULL REFERENCES threads(id),
    campus_id text NOT NULL,
    PRIMARY KEY (thread_id, campus_id));
CREATE TABLE IF NOT EXISTS post_likes (
    post_id bigint NOT NULL REFERENCES posts(id),
    campus_id text NOT NULL,
    PRIMARY KEY (post_id, campus_id));
CREATE TABLE IF NOT EXISTS saves (
    thread_id bigint NOT NULL REFERENCES threads(id),
    campus_id text NOT NULL,
    PRIMARY KEY (thread_id, campus_id));
CREATE TABLE IF NOT EXISTS outbox (
    event_id text PRIMARY KEY,
    subject text NOT NULL,
    payload jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS notifications (
    id bigserial PRIMARY KEY,
    event_id text NOT NULL UNIQUE,
    recipient text NOT NULL,
    kind text NOT NULL,
    actor text NOT NULL,
    thread_id bigint,
    post_id bigint,
    created_at timestamptz NOT NULL DEFAULT now()
);
"""
THREAD_COLUMNS = """t.id, t.forum_id, t.author, t.title, t.body, t.created_at, t.likes,
    (SELECT count(*) FROM posts p WHERE p.thread_id = t.id AND NOT p.removed),
    EXISTS (SELECT 1 FROM saves s WHERE s.thread_id = t.id AND s.campus_id = %(me)s),
    EXISTS (SELECT 1 FROM thread_likes l WHERE l.thread_id = t.id AND l.campus_id = %(me)s)"""
POST_COLUMNS = "id, thread_id, coalesce(parent_id, 0), author, body, created_at, likes, removed"


def thread_of(row: Any) -> forum_pb2.Thread:
    return forum_pb2.Thread(
        id=row[0],
        forum_id=row[1],
        author=row[2],
        title=row[3],
        body=row[4],
        created_at=timestamp(row[5]),
        likes=row[6],
        posts=row[7],
        saved=row[8],
        liked=row[9],
    )


def post_of(row: Any) -> forum_pb2.Post:
    removed = bool(row[7])
    return forum_pb2.Post(
        id=row[0],
        thread_id=row[1],
        parent_id=row[2],
        author=row[3],
        body="" if removed else row[4],
        created_at=timestamp(row[5]),
        likes=row[6],
        removed=removed,
    )


def limit_of(value: int, default: int, most: int) -> int:
    if value == 0:
        return default
    if not 1 <= value <= most:
        raise bad_request("INVALID_ARGUMENT", f"limit must be 1..{most}", field="limit")
    return value


async def add_event(
    conn: psycopg.AsyncConnection[Any], event_id: str, subject: str, payload: dict[str, Any]
) -> None:
    if payload["recipient"] == payload["actor"]:
        return  # nobody is notified of their own reply or like
    await conn.execute(
        "INSERT INTO outbox (event_id, subject, payload) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
        (event_id, subject, json.dumps({"event_id": event_id, **payload})),
    )


class Forum(forum_pb2_grpc.ForumServicer):
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        assert ctx.auth is not None
        self.auth = ctx.auth
        self.kick = asyncio.Event()

    async def me(self, context: grpc.aio.ServicerContext[Any, Any]) -> Caller:
        return await self.auth.caller(context)

    async def thread_row(self, conn: psycopg.AsyncConnection[Any], thread_id: int, me: str) -> Any:
        cur = await conn.execute(
            f"SELECT {THREAD_COLUMNS} FROM threads t WHERE t.id = %(id)s", {"id": thread_id, "me": me}
        )
        row = await cur.fetchone()
        if row is None:
            raise not_found("THREAD_NOT_FOUND", f"no thread {thread_id}")
        return row

    @rpc
    async def GetThreads(self, request: forum_pb2.GetThreadsReq, context: Any) -> forum_pb2.GetThreadsResp:
        me = await self.me(context)
        limit = limit_of(request.limit, 20, 50)
        before: datetime = from_timestamp(request.before, request.HasField("before"))
        pool = await self.ctx.backends.pg()
        async with pool.connection() as conn:
            where = "t.created_at < %(before)s"
            if request.forum_id:
                await self.check_forum(conn, request.forum_id)
                where += " AND t.forum_id = %(forum)s"
            cur = await conn.execute(
                f"SELECT {THREAD_COLUMNS} FROM threads t WHERE {where} "
                "ORDER BY t.created_at DESC, t.id DESC LIMIT %(limit)s",
                {"me": me.campus_id, "before": before, "forum": request.forum_id, "limit": limit},
            )
            rows = await cur.fetchall()
        return forum_pb2.GetThreadsResp(threads=[thread_of(r) for r in rows])

    async def check_forum(self, conn: psycopg.AsyncConnection[Any], forum_id: int) -> None:
        cur = await conn.execute("SELECT 1 FROM forums WHERE id = %s", (forum_id,))
        if await cur.fetchone() is None:
            raise not_found("FORUM_NOT_FOUND", f"no forum {forum_id}")

    @rpc
    async def GetPosts(self, request: forum_pb2.GetPostsReq, context: Any) -> forum_pb2.GetPostsResp:
        me = await self.me(context)
        limit = limit_of(request.limit, 50, 100)
        pool = await self.ctx.backends.pg()
        async with pool.connection() as conn:
            await self.thread_row(conn, request.thread_id, me.campus_id)
            cur = await conn.execute(
                f"SELECT {POST_COLUMNS} FROM posts WHERE thread_id = %s AND id > %s ORDER BY id LIMIT %s",
                (request.thread_id, request.after_id, limit),
            )
            rows = await cur.fetchall()
        return forum_pb2.GetPostsResp(posts=[post_of(r) for r in rows])

    @rpc
    async def GetPostsByParent(
        self, request: forum_pb2.GetPostsByParentReq, context: Any
    ) -> forum_pb2.GetPostsResp:
        await self.me(context)
        limit = limit_of(request.limit, 50, 100)
        pool = await self.ctx.backends.pg()
        async with pool.connection() as conn:
            cur = await conn.execute("SELECT 1 FROM posts WHERE id = %s", (request.parent_id,))
            if await cur.fetchone() is None:
                raise not_found("POST_NOT_FOUND", f"no post {request.parent_id}")
            cur = await conn.execute(
                f"SELECT {POST_COLUMNS} FROM posts WHERE parent_id = %s AND id > %s ORDER BY id LIMIT %s",
                (request.parent_id, request.after_id, limit),
            )
            rows = await cur.fetchall()
        return forum_pb2.GetPostsResp(posts=[post_of(r) for r in rows])

    @rpc
    async def CreateThread(self, request: forum_pb2.CreateThreadReq, context: Any) -> forum_pb2.Thread:
        me = await self.me(context)
        title = check_length("title", request.title.strip(), 1, 120)
        body = check_length("body", request.body, 1, 10_000)
        pool = await self.ctx.backends.pg()
        async with pool.connection() as conn, conn.transaction():
            await self.check_forum(conn, request.forum_id)
            cur = await conn.execute(
                "INSERT INTO threads (forum_id, author, title, body) VALUES (%s, %s, %s, %s) RETURNING id",
                (request.forum_id, me.campus_id, title, body),
            )
            row = await cur.fetchone()
            assert row is not None
            return thread_of(await self.thread_row(conn, row[0], me.campus_id))

    @rpc
    async def CreatePost(self, request: forum_pb2.CreatePostReq, context: Any) -> forum_pb2.Post:
        me = await self.me(context)
        body = check_length("body", request.body, 1, 5_000)
        pool = await self.ctx.backends.pg()
        async with pool.connection() as conn, conn.transaction():
            thread = await self.thread_row(conn, request.thread_id, me.campus_id)
            recipient = thread[2]
            if request.parent_id:
                cur = await conn.execute(
                    "SELECT thread_id, author FROM posts WHERE id = %s", (request.parent_id,)
                )
                parent = await cur.fetchone()
                if parent is None or parent[0] != request.thread_id:
                    raise bad_request(
                        "INVALID_PARENT", f"post {request.parent_id} is not in thread {request.thread_id}"
                    )
                recipient = parent[1]
            cur = await conn.execute(
                "INSERT INTO posts (thread_id, parent_id, author, body) VALUES (%s, %s, %s, %s) "
                f"RETURNING {POST_COLUMNS}",
                (request.thread_id, request.parent_id or None, me.campus_id, body),
            )
            row = await cur.fetchone()
            assert row is not None
            await add_event(
                conn,
                f"post:{row[0]}",
                "forum.events.reply",
                {
                    "kind": "reply",
                    "recipient": recipient,
                    "actor": me.campus_id,
                    "thread_id": row[1],
                    "post_id": row[0],
                },
            )
        self.kick.set()
        return post_of(row)

    @rpc
    async def LikeThread(self, request: forum_pb2.LikeThreadReq, context: Any) -> forum_pb2.LikeResp:
        me = await self.me(context)
        pool = await self.ctx.backends.pg()
        async with pool.connection() as conn, conn.transaction():
            thread = await self.thread_row(conn, request.thread_id, me.campus_id)
            cur = await conn.execute(
                "INSERT INTO thread_likes VALUES (%s, %s) ON CONFLICT DO NOTHING",
                (request.thread_id, me.campus_id),
            )
            changed = cur.rowcount == 1
            likes = thread[6]
            if changed:
                cur = await conn.execute(
                    "UPDATE threads SET likes = likes + 1 WHERE id = %s RETURNING likes", (request.thread_id,)
                )
                likes = (await cur.fetchone() or (likes,))[0]
                await add_event(
                    conn,
                    f"like-thread:{request.thread_id}:{me.campus_id}",
                    "forum.events.like",
                    {
                        "kind": "like",
                        "recipient": thread[2],
                        "actor": me.campus_id,
                        "thread_id": request.thread_id,
                        "post_id": None,
                    },
                )
        self.kick.set()
        return forum_pb2.LikeResp(likes=likes, changed=changed)

    @rpc
    async def LikePost(self, request: forum_pb2.LikePostReq, context: Any) -> forum_pb2.LikeResp:
        me = await self.me(context)
        pool = await self.ctx.backends.pg()
        async with pool.connection() as conn, conn.transaction():
            cur = await conn.execute(
                "SELECT thread_id, author, likes, removed FROM posts WHERE id = %s", (request.post_id,)
            )
            post = await cur.fetchone()
            if post is None or post[3]:
                raise not_found("POST_NOT_FOUND", f"no post {request.post_id}")
            cur = await conn.execute(
                "INSERT INTO post_likes VALUES (%s, %s) ON CONFLICT DO NOTHING",
                (request.post_id, me.campus_id),
            )
            changed = cur.rowcount == 1
            likes = post[2]
            if changed:
                cur = await conn.execute(
                    "UPDATE posts SET likes = likes + 1 WHERE id = %s RETURNING likes", (request.post_id,)
                )
                likes = (await cur.fetchone() or (likes,))[0]
                await add_event(
                    conn,
                    f"like-post:{request.post_id}:{me.campus_id}",
                    "forum.events.like",
                    {
                        "kind": "like",
                        "recipient": post[1],
                        "actor": me.campus_id,
                        "thread_id": post[0],
                        "post_id": request.post_id,
                    },
                )
        self.kick.set()
        return forum_pb2.LikeResp(likes=likes, changed=changed)

    @rpc
    async def SaveThread(self, request: forum_pb2.SaveThreadReq, context: Any) -> forum_pb2.SaveResp:
        me = await self.me(context)
        pool = await self.ctx.backends.pg()
        async with pool.connection() as conn, conn.transaction():
            await self.thread_row(conn, request.thread_id, me.campus_id)
            await conn.execute(
                "INSERT INTO saves VALUES (%s, %s) ON CONFLICT DO NOTHING", (request.thread_id, me.campus_id)
            )
        return forum_pb2.SaveResp(saved=True)

    @rpc
    async def UnsaveThread(self, request: forum_pb2.SaveThreadReq, context: Any) -> forum_pb2.SaveResp:
        me = await self.me(context)
        pool = await self.ctx.backends.pg()
        async with pool.connection() as conn, conn.transaction():
            await self.thread_row(conn, request.thread_id, me.campus_id)
            await conn.execute(
                "DELETE FROM saves WHERE thread_id = %s AND campus_id = %s", (request.thread_id, me.campus_id)
            )
        return forum_pb2.SaveResp(saved=False)

    @rpc
    async def RemovePost(self, request: forum_pb2.RemovePostReq, context: Any) -> forum_pb2.RemovePostResp:
        me = await self.me(context)
        pool = await self.ctx.backends.pg()
        async with pool.connection() as conn, conn.transaction():
            cur = await conn.execute(
                "SELECT author, removed FROM posts WHERE id = %s FOR UPDATE", (request.post_id,)
            )
            post = await cur.fetchone()
            if post is None or post[1]:
                raise not_found("POST_NOT_FOUND", f"no post {request.post_id}")
            if post[0] != me.campus_id and not me.staff:
                raise XmusError(403, "NOT_OWNER", "only the author (or staff) may remove a post")
            await conn.execute("UPDATE posts SET removed = true WHERE id = %s", (request.post_id,))
        return forum_pb2.RemovePostResp()

    async def relay(self) -> None:
        """Publish outbox rows until the process ends; each row is deleted once JetStream has it."""
        while True:
            try:
                await self.relay_once()
            except BACKEND_ERRORS as exc:
                log.warning("outbox relay: %r", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.kick.wait(), timeout=1.0)
            self.kick.clear()

    async def relay_once(self) -> int:
        js = await self.ctx.backends.jetstream()
        pool = await self.ctx.backends.pg()
        sent = 0
        while True:
            async with pool.connection() as conn, conn.transaction():
                cur = await conn.execute(
                    "SELECT event_id, subject, payload FROM outbox "
                    "ORDER BY created_at LIMIT 50 FOR UPDATE SKIP LOCKED"
                )
                rows = await cur.fetchall()
                for event_id, subject, payload in rows:
                    await js.publish(subject, json.dumps(payload).encode(), headers={"Nats-Msg-Id": event_id})
                    await conn.execute("DELETE FROM outbox WHERE event_id = %s", (event_id,))
                    sent += 1
            if len(rows) < 50:
                return sent


def register(server: grpc.aio.Server, ctx: Context) -> None:
    forum = Forum(ctx)
    ctx.servicers["forum"] = forum
    forum_pb2_grpc.add_ForumServicer_to_server(forum, server)


async def load_forum(conn: psycopg.AsyncConnection[Any], seed_no: int, size: str) -> int:
    threads, posts = seed.forum(seed_no, size)
    for forum_id, name in seed.FORUMS:
        await conn.execute("INSERT INTO forums VALUES (%s, %s) ON CONFLICT DO NOTHING", (forum_id, name))
    async with conn.cursor() as cur:
        async with cur.copy(
            "COPY threads (id, forum_id, author, title, body, created_at) FROM STDIN"
        ) as copy:
            for t in threads:
                await copy.write_row((t.id, t.forum_id, t.author, t.title, t.body, t.created_at))
        async with cur.copy(
            "COPY posts (id, thread_id, parent_id, author, body, created_at) FROM STDIN"
        ) as copy:
            for p in posts:
                await copy.write_row((p.id, p.thread_id, p.parent_id, p.author, p.body, p.created_at))
    # New threads and posts continue after the seeded ids.
    await conn.execute(
        "SELECT setval('threads_id_seq', (SELECT coalesce(max(id), 0) + 1 FROM threads), false)"
    )
    await conn.execute("SELECT setval('posts_id_seq', (SELECT coalesce(max(id), 0) + 1 FROM posts), false)")
    return len(threads) + len(posts)


async def prepare(ctx: Context) -> None:
    """The forum's tables, seed data and event stream; the forum and the notifier each make sure
    of them, since either may start first."""
    s = ctx.settings

    async def load(conn: psycopg.AsyncConnection[Any]) -> int:
        return await load_forum(conn, s.seed, s.size)

    await pg_part(ctx.backends, "forum", DDL, load)
    await ensure_stream(await ctx.backends.jetstream())


async def init(ctx: Context) -> None:
    await prepare(ctx)
    forum: Forum = ctx.servicers["forum"]
    ctx.tasks.append(asyncio.get_running_loop().create_task(supervise("outbox relay", forum.relay)))
