"""xmux.forum.v4.Forum on PostgreSQL (schema ``forum``, see ``forum_schema``), as the real forum behaves.

Pages are ``offset``/``count`` in one of the real orderings; a removed thread or post keeps
its row with ``status`` 1 and disappears from pages. The real forum is not a Kratos
service: it answers bare gRPC statuses (UNAUTHENTICATED when the auth service says no,
INVALID_ARGUMENT for a thread or post that does not exist, PERMISSION_DENIED for somebody
else's), and so does the stand-in. A reply becomes a notification through an outbox and
JetStream (the notifier writes the ``forum.notif`` row): written in the same transaction
as the post, published with the event id as Nats-Msg-Id (a repeat is dropped) and
deleted; a relay task retries what could not be published, so NATS being down delays
notifications but loses none.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

import grpc
import grpc.aio
import psycopg
from google.protobuf import empty_pb2, timestamp_pb2
from psycopg.types.json import Jsonb

from xmux_sim.xmus.app import Caller, Context, length_rule, rpc, supervise
from xmux_sim.xmus.backends import BACKEND_ERRORS
from xmux_sim.xmus.errors import PlainStatus, XmusError
from xmux_sim.xmus.events import ensure_stream
from xmux_sim.xmus.forum_schema import NOW, aware, prepare
from xmux_sim.xmus.protos import (
    forum_common_pb2,
    forum_forum_pb2,
    forum_notif_pb2,
    forum_post_pb2,
    forum_report_pb2,
    forum_saved_pb2,
    forum_service_pb2_grpc,
    forum_thread_pb2,
)
from xmux_sim.xmus.seed_forum import MARKDOWN, PLAIN, POST_REPLY, REPLY_REPLY

log = logging.getLogger("xmus")
MAX_PAGE = 100
MAX_IMAGES = 9
THREAD_ORDER = ("t.last_update DESC", "t.likes DESC", "t.posts DESC", "t.create_at DESC", "t.create_at ASC")
POST_ORDER = (
    "p.update_at DESC",
    "p.likes DESC",
    "(SELECT count(*) FROM forum.post c WHERE c.parent_id = p.id AND c.status = 0) DESC",
    "p.create_at DESC",
    "p.create_at ASC",
)
# The caller's vote (1, -1, 0) and save of a thread or post.
THREAD_COLUMNS = """t.id, t.uid, t.title, t.likes, t.posts, t.pinned, t.digest, t.create_at, t.update_at,
    t.last_update,
    coalesce((SELECT CASE WHEN l.liked THEN 1 ELSE -1 END FROM forum.liked_thread l
              WHERE l.thread_id = t.id AND l.uid = %(me)s LIMIT 1), 0),
    EXISTS (SELECT 1 FROM forum.saved_thread s WHERE s.thread_id = t.id AND s.uid = %(me)s),
    t.body_type, t.body"""
POST_COLUMNS = """p.id, p.uid, p.thread_id, p.parent_id, p.ref_post_id, coalesce(p.ref_post_uid, ''), p.likes,
    p.pinned, p.create_at,
    coalesce((SELECT CASE WHEN l.liked THEN 1 ELSE -1 END FROM forum.liked_post l
              WHERE l.post_id = p.id AND l.uid = %(me)s LIMIT 1), 0),
    EXISTS (SELECT 1 FROM forum.saved_post s WHERE s.post_id = p.id AND s.uid = %(me)s),
    p.content_type, p.content"""
REPLY_SUBJECT = "forum.events.reply"


def seconds(at: Any) -> timestamp_pb2.Timestamp:
    """A stored UTC time as the real forum sends it: whole seconds."""
    return timestamp_pb2.Timestamp(seconds=int(aware(at).timestamp()))


def bad(message: str) -> PlainStatus:
    return PlainStatus(grpc.StatusCode.INVALID_ARGUMENT, message)


def content_of(kind: int | None, body: dict[str, Any] | None) -> dict[str, Any]:
    """The oneof of a Thread or Post from the stored JSON (field 30 plain, 31 markdown)."""
    if body is None:
        return {}
    if kind == MARKDOWN:
        return {"markdownContent": forum_common_pb2.MarkdownContent(content=body.get("content", ""))}
    images = [forum_common_pb2.Image(url=u) for u in body.get("images") or []]
    return {"plainContent": forum_common_pb2.PlainContent(content=body.get("content", ""), images=images)}


def stored(request: Any, oneof: str, where: str, most: int) -> tuple[int, dict[str, Any]]:
    """(content type, JSON) of a request's plain or markdown content; INVALID_ARGUMENT when absent or long."""
    which = request.WhichOneof(oneof)
    if which == "plainContent":
        c = request.plainContent
        if len(c.images) > MAX_IMAGES:
            raise bad(f"invalid {where}.Images: at most {MAX_IMAGES} images")
        kind, body = PLAIN, {"content": c.content, "images": [i.url for i in c.images]}
    elif which == "markdownContent":
        kind, body = MARKDOWN, {"content": request.markdownContent.content}
    else:
        raise bad(f"invalid {where}: a plainContent or markdownContent is required")
    problem = length_rule(f"{where}.Content", body["content"], most, least=1)
    if problem:
        raise bad(problem)
    return kind, body


def thread_of(row: Any) -> forum_thread_pb2.Thread:
    return forum_thread_pb2.Thread(
        id=row[0],
        uid=row[1],
        title=row[2],
        likes=row[3],
        posts=row[4],
        pinned=row[5],
        digest=row[6],
        createAt=seconds(row[7]),
        updateAt=seconds(row[8]),
        lastUpdate=seconds(row[9]),
        liked=row[10],
        saved=row[11],
        **content_of(row[12], row[13]),
    )


def post_of(row: Any) -> forum_post_pb2.Post:
    return forum_post_pb2.Post(
        id=row[0],
        uid=row[1],
        threadId=row[2],
        parentId=max(row[3], 0),
        refPostId=max(row[4], 0),
        refPostUid=row[5],
        likes=row[6],
        pinned=row[7],
        createAt=seconds(row[8]),
        liked=row[9],
        saved=row[10],
        **content_of(row[11], row[12]),
    )


def page_of(offset: int, count: int, ordering: int = 0, orders: tuple[str, ...] = ("",)) -> dict[str, Any]:
    """The page a request asks for; INVALID_ARGUMENT for an ordering or a size the forum has not."""
    if ordering not in range(len(orders)):
        raise bad(f"invalid ordering {ordering}: expected 0..{len(orders) - 1}")
    if offset < 0 or not 0 <= count <= MAX_PAGE:
        raise bad(f"invalid page: offset must be >= 0 and count 0..{MAX_PAGE}")
    return {"offset": offset, "count": count}


class Forum(forum_service_pb2_grpc.ForumServicer):
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        assert ctx.auth is not None
        self.auth = ctx.auth
        self.kick = asyncio.Event()

    async def me(self, context: grpc.aio.ServicerContext[Any, Any]) -> Caller:
        try:
            return await self.auth.caller(context)
        except XmusError as exc:
            if exc.code >= 500:
                raise  # the auth service is down: a stand-in's 503 (the real forum says UNAUTHENTICATED)
            raise PlainStatus(grpc.StatusCode.UNAUTHENTICATED, "") from None

    async def fetch(self, sql: str, params: dict[str, Any]) -> list[Any]:
        pool = await self.ctx.backends.pg()
        async with pool.connection() as conn:
            cur = await conn.execute(sql, params)
            return await cur.fetchall()

    # ----- forums and threads ------------------------------------------------------------------

    @rpc
    async def GetForums(
        self, request: forum_forum_pb2.GetForumsReq, context: Any
    ) -> forum_forum_pb2.GetForumsResp:
        await self.me(context)
        page = page_of(getattr(request, "from"), request.count)
        rows = await self.fetch(
            "SELECT id, coalesce(title, ''), coalesce(description, ''), creator_uid FROM forum.forum "
            "ORDER BY id LIMIT %(count)s OFFSET %(offset)s",
            page,
        )
        return forum_forum_pb2.GetForumsResp(
            forums=[
                forum_forum_pb2.ForumDetail(id=r[0], title=r[1], description=r[2], creatorUid=r[3])
                for r in rows
            ]
        )

    @rpc
    async def GetThreads(
        self, request: forum_thread_pb2.GetThreadsReq, context: Any
    ) -> forum_thread_pb2.GetThreadsResp:
        me = await self.me(context)
        page = page_of(request.offset, request.count, request.ordering, THREAD_ORDER)
        rows = await self.fetch(
            f"SELECT {THREAD_COLUMNS} FROM forum.thread t WHERE t.forum_id = %(forum)s AND t.status = 0 "
            f"ORDER BY {THREAD_ORDER[request.ordering]}, t.id DESC LIMIT %(count)s OFFSET %(offset)s",
            {"me": me.uid, "forum": request.forumId, **page},
        )
        return forum_thread_pb2.GetThreadsResp(threads=[thread_of(r) for r in rows])

    @rpc
    async def CreateThread(
        self, request: forum_thread_pb2.CreateThreadReq, context: Any
    ) -> forum_thread_pb2.CreateThreadResp:
        me = await self.me(context)
        problem = length_rule("CreateThreadReq.Title", request.title, 120, least=1)
        if problem:
            raise bad(problem)
        kind, body = stored(request, "body", "CreateThreadReq", 10_000)
        pool = await self.ctx.backends.pg()
        async with pool.connection() as conn:
            cur = await conn.execute(
                "INSERT INTO forum.thread (uid, forum_id, title, body_type, body, create_at, update_at, "
                f"last_update, likes, posts, pinned, digest) SELECT %s, id, %s, %s, %s, {NOW}, {NOW}, {NOW}, "
                "0, 0, false, false FROM forum.forum WHERE id = %s RETURNING id",
                (me.uid, request.title, kind, Jsonb(body), request.forumId),
            )
            row = await cur.fetchone()
        if row is None:
            raise bad("Forum does not exist")
        return forum_thread_pb2.CreateThreadResp(threadId=row[0])

    async def owned_thread(self, conn: psycopg.AsyncConnection[Any], thread_id: int, me: Caller) -> None:
        cur = await conn.execute(
            "SELECT uid FROM forum.thread WHERE id = %s AND status = 0 FOR UPDATE", (thread_id,)
        )
        row = await cur.fetchone()
        if row is None:
            raise bad("Thread does not exist")
        if row[0] != me.uid:
            raise PlainStatus(grpc.StatusCode.PERMISSION_DENIED, "Not the owner of the thread")

    @rpc
    async def RemoveThread(self, request: forum_thread_pb2.RemoveThreadReq, context: Any) -> empty_pb2.Empty:
        me = await self.me(context)
        pool = await self.ctx.backends.pg()
        async with pool.connection() as conn, conn.transaction():
            await self.owned_thread(conn, request.threadId, me)
            await conn.execute("UPDATE forum.thread SET status = 1 WHERE id = %s", (request.threadId,))
        return empty_pb2.Empty()

    @rpc
    async def UpdateThread(self, request: forum_thread_pb2.UpdateThreadReq, context: Any) -> empty_pb2.Empty:
        me = await self.me(context)
        problem = length_rule("UpdateThreadReq.Title", request.title, 120, least=1) or length_rule(
            "UpdateThreadReq.Body", request.body, 10_000
        )
        if problem:
            raise bad(problem)
        pool = await self.ctx.backends.pg()
        async with pool.connection() as conn, conn.transaction():
            await self.owned_thread(conn, request.id, me)
            # The body, when given, replaces the text and keeps the pictures.
            await conn.execute(
                f"UPDATE forum.thread SET title = %(title)s, update_at = {NOW}, last_update = {NOW}, "
                "body = CASE WHEN %(body)s = '' THEN body "
                "ELSE jsonb_set(coalesce(body, '{}'), '{content}', to_jsonb(%(body)s::text)) END "
                "WHERE id = %(id)s",
                {"title": request.title, "body": request.body, "id": request.id},
            )
        return empty_pb2.Empty()

    async def vote(self, table: str, column: str, target: str, key: int, uid: str, like: int) -> None:
        """The real forum's votes: like (+1), dislike (-1) or take back (0); a flip counts twice."""
        pool = await self.ctx.backends.pg()
        async with pool.connection() as conn, conn.transaction():
            cur = await conn.execute(
                f"SELECT 1 FROM {target} WHERE id = %s AND status = 0 FOR UPDATE", (key,)
            )
            if await cur.fetchone() is None:
                raise bad("Resource does not exist")
            cur = await conn.execute(
                f"SELECT id, liked FROM {table} WHERE {column} = %s AND uid = %s", (key, uid)
            )
            old = await cur.fetchone()
            if like == 0:
                if old is None:
                    return
                await conn.execute(f"DELETE FROM {table} WHERE id = %s", (old[0],))
                amount = -1 if old[1] else 1
            else:
                want = like > 0
                if old is not None and old[1] == want:
                    return
                if old is None:
                    await conn.execute(
                        f"INSERT INTO {table} ({column}, uid, liked, create_at) VALUES (%s, %s, %s, {NOW})",
                        (key, uid, want),
                    )
                    amount = 1 if want else -1
                else:
                    await conn.execute(
                        f"UPDATE {table} SET liked = %s, create_at = {NOW} WHERE id = %s", (want, old[0])
                    )
                    amount = 2 if want else -2
            await conn.execute(f"UPDATE {target} SET likes = likes + %s WHERE id = %s", (amount, key))

    @rpc
    async def LikeThread(self, request: forum_thread_pb2.LikeThreadReq, context: Any) -> empty_pb2.Empty:
        me = await self.me(context)
        await self.vote(
            "forum.liked_thread", "thread_id", "forum.thread", request.threadId, me.uid, request.like
        )
        return empty_pb2.Empty()

    async def moderate_thread(self, thread_id: int, me: Caller, column: str, value: bool) -> None:
        """Pin or digest a thread: only the creator of its forum may."""
        pool = await self.ctx.backends.pg()
        async with pool.connection() as conn, conn.transaction():
            cur = await conn.execute(
                "SELECT f.creator_uid FROM forum.thread t JOIN forum.forum f ON f.id = t.forum_id "
                "WHERE t.id = %s AND t.status = 0",
                (thread_id,),
            )
            row = await cur.fetchone()
            if row is None:
                raise bad("Thread does not exist")
            if row[0] != me.uid:
                raise PlainStatus(grpc.StatusCode.PERMISSION_DENIED, "Not the creator of the forum")
            await conn.execute(f"UPDATE forum.thread SET {column} = %s WHERE id = %s", (value, thread_id))

    @rpc
    async def PinThread(self, request: forum_thread_pb2.PinThreadReq, context: Any) -> empty_pb2.Empty:
        await self.moderate_thread(request.threadId, await self.me(context), "pinned", request.pinned)
        return empty_pb2.Empty()

    @rpc
    async def DigestThread(self, request: forum_thread_pb2.DigestThreadReq, context: Any) -> empty_pb2.Empty:
        await self.moderate_thread(request.threadId, await self.me(context), "digest", request.digest)
        return empty_pb2.Empty()

    # ----- posts -------------------------------------------------------------------------------

    @rpc
    async def CreatePost(
        self, request: forum_post_pb2.CreatePostReq, context: Any
    ) -> forum_post_pb2.CreatePostResp:
        me = await self.me(context)
        kind, content = stored(request, "content", "CreatePostReq", 5_000)
        pool = await self.ctx.backends.pg()
        async with pool.connection() as conn, conn.transaction():
            cur = await conn.execute(
                "SELECT uid, forum_id FROM forum.thread WHERE id = %s AND status = 0 FOR UPDATE",
                (request.threadId,),
            )
            thread = await cur.fetchone()
            if thread is None:
                raise bad("Thread does not exist")
            recipient, notif_type, ref = thread[0], POST_REPLY, request.threadId
            for post_id, what in ((request.parentId, "Parent"), (request.refPostId, "Referred")):
                if post_id:
                    cur = await conn.execute(
                        "SELECT uid FROM forum.post WHERE id = %s AND thread_id = %s AND status = 0",
                        (post_id, request.threadId),
                    )
                    row = await cur.fetchone()
                    if row is None:
                        raise bad(f"{what} post does not exist in thread {request.threadId}")
                    if what == "Parent":
                        recipient, notif_type, ref = row[0], REPLY_REPLY, post_id
            cur = await conn.execute(
                "INSERT INTO forum.post (uid, forum_id, thread_id, parent_id, ref_post_id, ref_post_uid, "
                "content_type, content, create_at, update_at, likes, pinned) "
                f"VALUES (%s, %s, %s, %s, %s, %s, %s, %s, {NOW}, {NOW}, 0, false) RETURNING id, create_at",
                (
                    me.uid, thread[1], request.threadId, request.parentId, request.refPostId,
                    request.refPostUid, kind, Jsonb(content),
                ),
            )  # fmt: skip
            post = await cur.fetchone()
            assert post is not None
            await conn.execute(
                f"UPDATE forum.thread SET posts = posts + 1, last_update = {NOW} WHERE id = %s",
                (request.threadId,),
            )
            if recipient != me.uid:
                event = {
                    "event_id": f"post:{post[0]}",
                    "recipient": recipient,
                    "sender": me.uid,
                    "type": notif_type,
                    "ref_id": ref,
                    "obj_id": post[0],
                    "create_at": post[1].isoformat(),
                }
                await conn.execute(
                    "INSERT INTO xmus.forum_outbox (event_id, subject, payload) VALUES (%s, %s, %s)",
                    (event["event_id"], REPLY_SUBJECT, Jsonb(event)),
                )
        self.kick.set()
        return forum_post_pb2.CreatePostResp(postId=post[0])

    @rpc
    async def RemovePost(self, request: forum_post_pb2.RemovePostReq, context: Any) -> empty_pb2.Empty:
        me = await self.me(context)
        pool = await self.ctx.backends.pg()
        async with pool.connection() as conn, conn.transaction():
            cur = await conn.execute(
                "SELECT uid, thread_id FROM forum.post WHERE id = %s AND status = 0 FOR UPDATE",
                (request.postId,),
            )
            post = await cur.fetchone()
            if post is None:
                raise bad("Resource does not exist")
            if post[0] != me.uid:
                raise PlainStatus(grpc.StatusCode.PERMISSION_DENIED, "Not the owner of the resource")
            # The post goes with its replies, and the thread counts them out.
            cur = await conn.execute(
                "UPDATE forum.post SET status = 1 WHERE (id = %(id)s OR parent_id = %(id)s) AND status = 0",
                {"id": request.postId},
            )
            await conn.execute(
                "UPDATE forum.thread SET posts = greatest(posts - %s, 0) WHERE id = %s",
                (cur.rowcount, post[1]),
            )
        return empty_pb2.Empty()

    async def posts(
        self, where: str, params: dict[str, Any], request: Any, context: Any
    ) -> forum_post_pb2.GetPostsResp:
        me = await self.me(context)
        page = page_of(request.offset, request.count, request.ordering, POST_ORDER)
        rows = await self.fetch(
            f"SELECT {POST_COLUMNS} FROM forum.post p WHERE {where} AND p.status = 0 "
            f"ORDER BY {POST_ORDER[request.ordering]}, p.id DESC LIMIT %(count)s OFFSET %(offset)s",
            {"me": me.uid, **params, **page},
        )
        return forum_post_pb2.GetPostsResp(posts=[post_of(r) for r in rows])

    @rpc
    async def GetPosts(
        self, request: forum_post_pb2.GetPostsReq, context: Any
    ) -> forum_post_pb2.GetPostsResp:
        # The replies to the thread itself; replies to a post come with GetPostsByParent.
        return await self.posts(
            "p.thread_id = %(key)s AND p.parent_id <= 0", {"key": request.threadId}, request, context
        )

    @rpc
    async def GetPostsByUid(
        self, request: forum_post_pb2.GetPostsByUidReq, context: Any
    ) -> forum_post_pb2.GetPostsResp:
        return await self.posts("p.uid = %(key)s", {"key": request.uid.lower()}, request, context)

    @rpc
    async def GetPostsByParent(
        self, request: forum_post_pb2.GetPostsByParentReq, context: Any
    ) -> forum_post_pb2.GetPostsResp:
        return await self.posts("p.parent_id = %(key)s", {"key": request.parentId}, request, context)

    @rpc
    async def LikePost(self, request: forum_post_pb2.LikePostReq, context: Any) -> empty_pb2.Empty:
        me = await self.me(context)
        await self.vote("forum.liked_post", "post_id", "forum.post", request.postId, me.uid, request.like)
        return empty_pb2.Empty()

    @rpc
    async def PinPost(self, request: forum_post_pb2.PinPostReq, context: Any) -> empty_pb2.Empty:
        me = await self.me(context)
        pool = await self.ctx.backends.pg()
        async with pool.connection() as conn, conn.transaction():
            cur = await conn.execute(
                "SELECT t.uid FROM forum.post p JOIN forum.thread t ON t.id = p.thread_id "
                "WHERE p.id = %s AND p.status = 0",
                (request.postId,),
            )
            row = await cur.fetchone()
            if row is None:
                raise bad("Resource does not exist")
            if row[0] != me.uid:
                raise PlainStatus(grpc.StatusCode.PERMISSION_DENIED, "Not the owner of the thread")
            await conn.execute(
                "UPDATE forum.post SET pinned = %s WHERE id = %s", (request.pinned, request.postId)
            )
        return empty_pb2.Empty()

    # ----- saves -------------------------------------------------------------------------------

    async def save(self, table: str, column: str, target: str, key: int, uid: str) -> None:
        pool = await self.ctx.backends.pg()
        async with pool.connection() as conn, conn.transaction():
            cur = await conn.execute(
                f"SELECT 1 FROM {target} WHERE id = %s AND status = 0 FOR UPDATE", (key,)
            )
            if await cur.fetchone() is None:
                raise bad("Resource does not exist")
            await conn.execute(
                f"INSERT INTO {table} (uid, {column}, create_at) SELECT %(uid)s, %(key)s, {NOW} "
                f"WHERE NOT EXISTS (SELECT 1 FROM {table} WHERE uid = %(uid)s AND {column} = %(key)s)",
                {"uid": uid, "key": key},
            )

    async def unsave(self, table: str, column: str, key: int, uid: str) -> None:
        pool = await self.ctx.backends.pg()
        async with pool.connection() as conn:
            await conn.execute(f"DELETE FROM {table} WHERE uid = %s AND {column} = %s", (uid, key))

    @rpc
    async def SaveThread(self, request: forum_saved_pb2.SaveThreadReq, context: Any) -> empty_pb2.Empty:
        me = await self.me(context)
        await self.save("forum.saved_thread", "thread_id", "forum.thread", request.threadId, me.uid)
        return empty_pb2.Empty()

    @rpc
    async def SavePost(self, request: forum_saved_pb2.SavePostReq, context: Any) -> empty_pb2.Empty:
        me = await self.me(context)
        await self.save("forum.saved_post", "post_id", "forum.post", request.postId, me.uid)
        return empty_pb2.Empty()

    @rpc
    async def UnsaveThread(self, request: forum_saved_pb2.UnsaveThreadReq, context: Any) -> empty_pb2.Empty:
        me = await self.me(context)
        await self.unsave("forum.saved_thread", "thread_id", request.threadId, me.uid)
        return empty_pb2.Empty()

    @rpc
    async def UnsavePost(self, request: forum_saved_pb2.UnsavePostReq, context: Any) -> empty_pb2.Empty:
        me = await self.me(context)
        await self.unsave("forum.saved_post", "post_id", request.postId, me.uid)
        return empty_pb2.Empty()

    async def saved(self, what: str, request: Any, context: Any) -> list[Any]:
        """The caller's saved threads or posts (``what``: thread | post), the newest save first."""
        me = await self.me(context)
        page = page_of(request.offset, request.count)
        columns, alias = (THREAD_COLUMNS, "t") if what == "thread" else (POST_COLUMNS, "p")
        return await self.fetch(
            f"SELECT {columns} FROM forum.saved_{what} sv "
            f"JOIN forum.{what} {alias} ON {alias}.id = sv.{what}_id "
            f"WHERE sv.uid = %(me)s AND {alias}.status = 0 ORDER BY sv.create_at DESC, sv.id DESC "
            "LIMIT %(count)s OFFSET %(offset)s",
            {"me": me.uid, **page},
        )

    @rpc
    async def GetSavedThreads(
        self, request: forum_saved_pb2.GetSavedThreadsReq, context: Any
    ) -> forum_thread_pb2.GetThreadsResp:
        return forum_thread_pb2.GetThreadsResp(
            threads=[thread_of(r) for r in await self.saved("thread", request, context)]
        )

    @rpc
    async def GetSavedPosts(
        self, request: forum_saved_pb2.GetSavedPostsReq, context: Any
    ) -> forum_post_pb2.GetPostsResp:
        return forum_post_pb2.GetPostsResp(
            posts=[post_of(r) for r in await self.saved("post", request, context)]
        )

    # ----- reports -----------------------------------------------------------------------------

    @rpc
    async def ReportPostOrThread(
        self, request: forum_report_pb2.ReportPostOrThreadReq, context: Any
    ) -> forum_report_pb2.ReportPostOrThreadResp:
        me = await self.me(context)
        which = request.WhichOneof("target")
        if which is None:
            raise bad("invalid ReportPostOrThreadReq: a postId or threadId is required")
        problem = length_rule("ReportPostOrThreadReq.Description", request.description, 500)
        if problem:
            raise bad(problem)
        target, target_type, table = (
            (request.threadId, 0, "forum.thread")
            if which == "threadId"
            else (request.postId, 1, "forum.post")
        )
        pool = await self.ctx.backends.pg()
        async with pool.connection() as conn, conn.transaction():
            cur = await conn.execute("SELECT 1 FROM forum.report_type WHERE id = %s", (request.typeId,))
            if await cur.fetchone() is None:
                raise bad(f"invalid ReportPostOrThreadReq.TypeId: no report type {request.typeId}")
            cur = await conn.execute(
                "SELECT 1 FROM forum.report WHERE uid = %s AND target_id = %s AND target_type = %s",
                (me.uid, target, target_type),
            )
            if await cur.fetchone() is not None:
                return forum_report_pb2.ReportPostOrThreadResp(
                    success=False, message="report.msg.already_reported"
                )
            cur = await conn.execute(f"SELECT 1 FROM {table} WHERE id = %s FOR UPDATE", (target,))
            if await cur.fetchone() is None:
                return forum_report_pb2.ReportPostOrThreadResp(
                    success=False, message="report.msg.target_not_found"
                )
            await conn.execute(
                "INSERT INTO forum.report (uid, type_id, target_id, target_type, reason) "
                "VALUES (%s, %s, %s, %s, %s)",
                (me.uid, request.typeId, target, target_type, request.description),
            )
        return forum_report_pb2.ReportPostOrThreadResp(success=True)

    @rpc
    async def GetReportTypes(
        self, request: empty_pb2.Empty, context: Any
    ) -> forum_report_pb2.GetReportTypesResp:
        await self.me(context)
        rows = await self.fetch("SELECT id, name FROM forum.report_type ORDER BY id", {})
        return forum_report_pb2.GetReportTypesResp(
            types=[forum_report_pb2.ReportType(id=r[0], name=r[1]) for r in rows]
        )

    # ----- notifications -----------------------------------------------------------------------

    @rpc
    async def GetNotifNum(self, request: empty_pb2.Empty, context: Any) -> forum_notif_pb2.GetNotifNumResp:
        me = await self.me(context)
        rows = await self.fetch(
            "SELECT count(*) FROM forum.notif WHERE uid = %(me)s AND NOT has_read", {"me": me.uid}
        )
        return forum_notif_pb2.GetNotifNumResp(num=rows[0][0])

    @rpc
    async def GetNotif(
        self, request: forum_notif_pb2.GetNotifReq, context: Any
    ) -> forum_notif_pb2.GetNotifResp:
        me = await self.me(context)
        if request.pageNo < 0 or not 0 <= request.pageSize <= MAX_PAGE:
            raise bad(f"invalid page: pageNo must be >= 0 and pageSize 0..{MAX_PAGE}")
        # A reply to a thread refers to the thread (its title), a reply to a post to that post.
        rows = await self.fetch(
            "SELECT n.id, n.type, n.ref_id, n.obj_id, coalesce(t.title, p.content->>'content', ''), "
            "coalesce(pp.content->>'content', ''), n.has_read, n.create_at, n.sender_uid FROM forum.notif n "
            f"LEFT JOIN forum.thread t ON t.id = n.ref_id AND n.type = {POST_REPLY} "
            f"LEFT JOIN forum.post p ON p.id = n.ref_id AND n.type = {REPLY_REPLY} "
            "LEFT JOIN forum.post pp ON pp.id = n.obj_id "
            "WHERE n.uid = %(me)s ORDER BY n.create_at DESC, n.id DESC LIMIT %(size)s OFFSET %(offset)s",
            {"me": me.uid, "size": request.pageSize, "offset": request.pageNo * request.pageSize},
        )
        return forum_notif_pb2.GetNotifResp(
            notifs=[
                forum_notif_pb2.Notif(
                    id=r[0], type=r[1], refId=r[2], objId=r[3], refContent=r[4], objContent=r[5],
                    hasRead=r[6], createTime=seconds(r[7]), senderUid=r[8],
                )
                for r in rows
            ]
        )  # fmt: skip

    @rpc
    async def NotifMarkAsRead(
        self, request: forum_notif_pb2.NotifMarkAsReadReq, context: Any
    ) -> empty_pb2.Empty:
        me = await self.me(context)
        pool = await self.ctx.backends.pg()
        async with pool.connection() as conn:
            await conn.execute(
                "UPDATE forum.notif SET has_read = true WHERE uid = %s AND id = ANY(%s)",
                (me.uid, list(request.ids)),
            )
        return empty_pb2.Empty()

    # ----- the outbox --------------------------------------------------------------------------

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
                    "SELECT event_id, subject, payload FROM xmus.forum_outbox "
                    "ORDER BY created_at LIMIT 50 FOR UPDATE SKIP LOCKED"
                )
                rows = await cur.fetchall()
                for event_id, subject, payload in rows:
                    await js.publish(subject, json.dumps(payload).encode(), headers={"Nats-Msg-Id": event_id})
                    await conn.execute("DELETE FROM xmus.forum_outbox WHERE event_id = %s", (event_id,))
                    sent += 1
            if len(rows) < 50:
                return sent


def register(server: grpc.aio.Server, ctx: Context) -> None:
    forum = Forum(ctx)
    ctx.servicers["forum"] = forum
    forum_service_pb2_grpc.add_ForumServicer_to_server(forum, server)


async def init(ctx: Context) -> None:
    await prepare(ctx.backends)
    await ensure_stream(await ctx.backends.jetstream())
    forum: Forum = ctx.servicers["forum"]
    ctx.tasks.append(asyncio.get_running_loop().create_task(supervise("outbox relay", forum.relay)))
