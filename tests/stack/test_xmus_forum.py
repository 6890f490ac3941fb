"""The forum through nginx, as the Community tab calls it, on the session stack.

Reads are compared field by field with the seeded forum (forums 1-4, untouched here);
writes happen on threads the tests create in forum 5 and are read back through the API
and from the real forum's tables (schema ``forum``).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from functools import partial
from typing import Any

import grpc
import pytest
from google.protobuf.empty_pb2 import Empty
from google.protobuf.timestamp_pb2 import Timestamp

from tests.stack.xmus_support import Xmus, connect, eventually, every_method_answered, rpc_error
from xmux_sim.xmus import client, seed
from xmux_sim.xmus.protos import (
    forum_common_pb2,
    forum_forum_pb2,
    forum_notif_pb2,
    forum_post_pb2,
    forum_report_pb2,
    forum_saved_pb2,
    forum_service_pb2,
    forum_thread_pb2,
)
from xmux_sim.xmus.seed_forum import MARKDOWN, POST_REPLY, REPLY_REPLY, REPORT_TYPES, Forum, forum, text_of

WRITES_FORUM = 5
"""Tests write in forum 5 only, on threads they create; forums 1-4 stay as seeded."""
Ordering = forum_common_pb2.Ordering
ORDERINGS = [Ordering.update, Ordering.likes, Ordering.posts, Ordering.latest, Ordering.oldest]


@pytest.fixture(scope="module")
def xmus(xmux_stack: Any) -> Xmus:
    return connect(xmux_stack)


@pytest.fixture(scope="module")
def seeded(xmus: Xmus) -> Forum:
    return forum(xmus.seed, xmus.size)


def sec(at: Any) -> Timestamp:
    return Timestamp(seconds=int(at.timestamp()))


def content(kind: int, body: dict[str, Any]) -> dict[str, Any]:
    if kind == MARKDOWN:
        return {"markdownContent": forum_common_pb2.MarkdownContent(content=body["content"])}
    images = [forum_common_pb2.Image(url=u) for u in body["images"]]
    return {"plainContent": forum_common_pb2.PlainContent(content=body["content"], images=images)}


def thread_msg(f: Forum, t: Any, me: str) -> forum_thread_pb2.Thread:
    return forum_thread_pb2.Thread(
        id=t.id, uid=t.uid, title=t.title, likes=t.likes, posts=t.posts, pinned=t.pinned, digest=t.digest,
        createAt=sec(t.create_at), updateAt=sec(t.create_at), lastUpdate=sec(t.last_update),
        liked=1 if any(m.target == t.id and m.uid == me for m in f.thread_likes) else 0,
        saved=any(m.target == t.id and m.uid == me for m in f.saved_threads),
        **content(t.body_type, t.body),
    )  # fmt: skip


def post_msg(f: Forum, p: Any, me: str) -> forum_post_pb2.Post:
    return forum_post_pb2.Post(
        id=p.id, uid=p.uid, threadId=p.thread_id, parentId=p.parent_id, refPostId=p.ref_post_id,
        refPostUid=p.ref_post_uid, likes=p.likes, pinned=False, createAt=sec(p.create_at),
        liked=1 if any(m.target == p.id and m.uid == me for m in f.post_likes) else 0,
        saved=any(m.target == p.id and m.uid == me for m in f.saved_posts),
        **content(p.content_type, p.content),
    )  # fmt: skip


def ordered(rows: Iterable[Any], ordering: int, counts: dict[int, int] | None = None) -> list[Any]:
    """Rows sorted as the forum sorts them (ties: the newer id first)."""
    rows = list(rows)
    if ordering == Ordering.update:
        return sorted(rows, key=lambda r: (getattr(r, "last_update", r.create_at), r.id), reverse=True)
    if ordering == Ordering.likes:
        return sorted(rows, key=lambda r: (-r.likes, -r.id))
    if ordering == Ordering.posts:
        return sorted(rows, key=lambda r: (-(counts or {}).get(r.id, getattr(r, "posts", 0)), -r.id))
    if ordering == Ordering.latest:
        return sorted(rows, key=lambda r: (r.create_at, r.id), reverse=True)
    return sorted(rows, key=lambda r: (r.create_at, -r.id))


# ----- reads of the seeded forum -----------------------------------------------------------


def test_the_community_tab_gets_the_forums_first(xmus: Xmus, seeded: Forum) -> None:
    me = xmus.students[20]
    got = xmus.stubs.forum.GetForums(client.forums_request(), metadata=xmus.md(me)).forums
    assert list(got) == [
        forum_forum_pb2.ForumDetail(
            id=b.id, title=b.title, description=b.description, creatorUid=b.creator_uid
        )
        for b in seeded.boards
    ]
    page = xmus.stubs.forum.GetForums(
        forum_forum_pb2.GetForumsReq(**{"from": 2, "count": 2}), metadata=xmus.md(me)
    )
    assert [b.id for b in page.forums] == [b.id for b in seeded.boards[2:4]]


@pytest.mark.parametrize("ordering", ORDERINGS)
def test_threads_of_a_forum_in_every_ordering_page_by_offset(
    xmus: Xmus, seeded: Forum, ordering: forum_common_pb2.Ordering
) -> None:
    # A saver sees their saves and likes marked.
    me = next(m.uid for m in seeded.saved_threads if m.uid in {s.uid for s in xmus.students})
    caller = next(s for s in xmus.students if s.uid == me)
    for board in seeded.boards[:4]:
        expected = ordered((t for t in seeded.threads if t.forum_id == board.id), ordering)
        got: list[forum_thread_pb2.Thread] = []
        while True:
            page = xmus.stubs.forum.GetThreads(
                forum_thread_pb2.GetThreadsReq(forumId=board.id, ordering=ordering, offset=len(got), count=3),
                metadata=xmus.md(caller),
            ).threads
            got += page
            if len(page) < 3:
                break
        assert got == [thread_msg(seeded, t, me) for t in expected]


def test_posts_of_a_thread_replies_to_a_post_and_a_students_posts(xmus: Xmus, seeded: Forum) -> None:
    me = xmus.students[21].uid
    md = xmus.md(xmus.students[21])
    reply = next(p for p in seeded.posts if p.parent_id)
    thread_posts = [p for p in seeded.posts if p.thread_id == reply.thread_id]
    replies = {p.id: sum(1 for c in seeded.posts if c.parent_id == p.id) for p in thread_posts}
    for ordering in ORDERINGS:
        got = xmus.stubs.forum.GetPosts(
            forum_post_pb2.GetPostsReq(threadId=reply.thread_id, ordering=ordering, count=50), metadata=md
        ).posts
        # Seeded posts were never edited: "update" sorts them by creation.
        top = ordered((p for p in thread_posts if not p.parent_id), ordering, replies)
        assert list(got) == [post_msg(seeded, p, me) for p in top]
    children = xmus.stubs.forum.GetPostsByParent(
        forum_post_pb2.GetPostsByParentReq(parentId=reply.parent_id, ordering=Ordering.oldest, count=50),
        metadata=md,
    ).posts
    assert list(children) == [
        post_msg(seeded, p, me)
        for p in ordered((p for p in seeded.posts if p.parent_id == reply.parent_id), 4)
    ]
    author = reply.uid
    mine = xmus.stubs.forum.GetPostsByUid(
        forum_post_pb2.GetPostsByUidReq(uid=author.upper(), ordering=Ordering.latest, count=50), metadata=md
    ).posts
    assert list(mine) == [
        post_msg(seeded, p, me)
        for p in ordered((p for p in seeded.posts if p.uid == author), Ordering.latest)
    ]


def test_saved_threads_and_posts_newest_save_first(xmus: Xmus, seeded: Forum) -> None:
    saver = next(m.uid for m in seeded.saved_posts)
    who = next(s for s in xmus.students if s.uid == saver)
    threads = {t.id: t for t in seeded.threads}
    posts = {p.id: p for p in seeded.posts}
    saved_threads = sorted(
        (m for m in seeded.saved_threads if m.uid == saver), key=lambda m: m.create_at, reverse=True
    )
    saved_posts = sorted(
        (m for m in seeded.saved_posts if m.uid == saver), key=lambda m: m.create_at, reverse=True
    )
    got_threads = xmus.stubs.forum.GetSavedThreads(
        forum_saved_pb2.GetSavedThreadsReq(count=50), metadata=xmus.md(who)
    ).threads
    got_posts = xmus.stubs.forum.GetSavedPosts(
        forum_saved_pb2.GetSavedPostsReq(count=50), metadata=xmus.md(who)
    ).posts
    assert list(got_threads) == [thread_msg(seeded, threads[m.target], saver) for m in saved_threads]
    assert list(got_posts) == [post_msg(seeded, posts[m.target], saver) for m in saved_posts]
    assert got_posts, "the saver saved a post"


def test_notifications_of_replies_with_what_they_refer_to(xmus: Xmus, seeded: Forum) -> None:
    # The seeded user with the most notifications, both kinds if any has them.
    by_uid: dict[str, list[Any]] = {}
    for n in seeded.notifs:
        by_uid.setdefault(n.uid, []).append(n)
    uid, notifs = max(by_uid.items(), key=lambda kv: (len({n.type for n in kv[1]}), len(kv[1])))
    who = next(s for s in xmus.students if s.uid == uid)
    threads = {t.id: t for t in seeded.threads}
    posts = {p.id: p for p in seeded.posts}
    num = xmus.stubs.forum.GetNotifNum(Empty(), metadata=xmus.md(who)).num
    assert num == sum(1 for n in notifs if not n.has_read)
    expected = [
        forum_notif_pb2.Notif(
            id=n.id, type=n.type, refId=n.ref_id, objId=n.obj_id,
            refContent=threads[n.ref_id].title if n.type == POST_REPLY else text_of(posts[n.ref_id].content),
            objContent=text_of(posts[n.obj_id].content), hasRead=n.has_read, createTime=sec(n.create_at),
            senderUid=n.sender_uid,
        )
        for n in sorted(notifs, key=lambda n: (n.create_at, n.id), reverse=True)
    ]  # fmt: skip
    pages = [
        xmus.stubs.forum.GetNotif(
            forum_notif_pb2.GetNotifReq(pageNo=i, pageSize=2), metadata=xmus.md(who)
        ).notifs
        for i in range((len(expected) + 1) // 2 + 1)
    ]
    assert [n for page in pages for n in page] == expected


def test_report_types_are_the_real_ones(xmus: Xmus) -> None:
    got = xmus.stubs.forum.GetReportTypes(Empty(), metadata=xmus.md(xmus.students[22])).types
    assert [(t.id, t.name) for t in got] == list(REPORT_TYPES)


# ----- writes on threads of our own ----------------------------------------------------------


def make_thread(xmus: Xmus, author: seed.Student, **body: Any) -> int:
    title = f"Test thread {uuid.uuid4().hex[:8]}"
    body = body or {"plainContent": forum_common_pb2.PlainContent(content="What time is it?")}
    reply = xmus.stubs.forum.CreateThread(
        forum_thread_pb2.CreateThreadReq(forumId=WRITES_FORUM, title=title, **body), metadata=xmus.md(author)
    )
    return int(reply.threadId)


def thread_as(xmus: Xmus, thread_id: int, who: seed.Student) -> forum_thread_pb2.Thread:
    page = xmus.stubs.forum.GetThreads(
        forum_thread_pb2.GetThreadsReq(forumId=WRITES_FORUM, ordering=Ordering.latest, count=100),
        metadata=xmus.md(who),
    ).threads
    [thread] = [t for t in page if t.id == thread_id]
    found: forum_thread_pb2.Thread = thread
    return found


def test_a_new_thread_is_stored_as_the_real_forum_stores_it(xmus: Xmus, xmux_postgres: Any) -> None:
    author = xmus.students[23]
    body = forum_common_pb2.PlainContent(
        content="Lost my notes", images=[forum_common_pb2.Image(url="/v4/oss/forum/x.png")]
    )
    before = int(time.time())
    tid = make_thread(xmus, author, plainContent=body)
    got = thread_as(xmus, tid, author)
    assert (got.uid, got.likes, got.posts, got.pinned, got.digest, got.liked, got.saved) == (
        author.uid, 0, 0, False, False, 0, False,
    )  # fmt: skip
    assert got.plainContent == body and before - 5 <= got.createAt.seconds <= time.time() + 5
    assert got.createAt == got.updateAt == got.lastUpdate
    row = xmux_postgres.execute(
        "SELECT uid, forum_id, body_type, body, status FROM forum.thread WHERE id = %s", (tid,)
    ).fetchone()
    assert row == (
        author.uid,
        WRITES_FORUM,
        30,
        {"content": "Lost my notes", "images": ["/v4/oss/forum/x.png"]},
        0,
    )
    markdown = make_thread(xmus, author, markdownContent=forum_common_pb2.MarkdownContent(content="**bold**"))
    assert thread_as(xmus, markdown, author).markdownContent.content == "**bold**"


def test_only_the_author_updates_or_removes_a_thread(xmus: Xmus) -> None:
    author, other = xmus.students[24], xmus.students[25]
    tid = make_thread(
        xmus,
        author,
        plainContent=forum_common_pb2.PlainContent(
            content="old", images=[forum_common_pb2.Image(url="/a.png")]
        ),
    )
    update = forum_thread_pb2.UpdateThreadReq(id=tid, title="New title", body="new text")
    denied = rpc_error(lambda: xmus.stubs.forum.UpdateThread(update, metadata=xmus.md(other)))
    assert (denied.code, denied.reason) == (grpc.StatusCode.PERMISSION_DENIED, "")
    xmus.stubs.forum.UpdateThread(update, metadata=xmus.md(author))
    got = thread_as(xmus, tid, author)
    assert (got.title, got.plainContent.content, [i.url for i in got.plainContent.images]) == (
        "New title", "new text", ["/a.png"],
    )  # fmt: skip
    removal = forum_thread_pb2.RemoveThreadReq(threadId=tid)
    assert rpc_error(lambda: xmus.stubs.forum.RemoveThread(removal, metadata=xmus.md(other))).code == (
        grpc.StatusCode.PERMISSION_DENIED
    )
    xmus.stubs.forum.RemoveThread(removal, metadata=xmus.md(author))
    with pytest.raises(ValueError):
        thread_as(xmus, tid, author)
    gone = rpc_error(lambda: xmus.stubs.forum.RemoveThread(removal, metadata=xmus.md(author)))
    assert (gone.code, gone.message) == (grpc.StatusCode.INVALID_ARGUMENT, "Thread does not exist")


def test_a_reply_counts_and_notifies_the_thread_author_exactly_once(xmus: Xmus, xmux_postgres: Any) -> None:
    author, replier, second = xmus.students[26], xmus.students[27], xmus.students[28]
    tid = make_thread(xmus, author)
    unread = xmus.stubs.forum.GetNotifNum(Empty(), metadata=xmus.md(author)).num
    text = forum_common_pb2.PlainContent(content="Half past two")
    pid = xmus.stubs.forum.CreatePost(
        forum_post_pb2.CreatePostReq(threadId=tid, plainContent=text), metadata=xmus.md(replier)
    ).postId
    answer = xmus.stubs.forum.CreatePost(
        forum_post_pb2.CreatePostReq(
            threadId=tid, parentId=pid, refPostId=pid, refPostUid=replier.uid,
            plainContent=forum_common_pb2.PlainContent(content="Thanks"),
        ),
        metadata=xmus.md(second),
    ).postId  # fmt: skip
    thread = thread_as(xmus, tid, author)
    assert thread.posts == 2 and thread.lastUpdate.seconds >= thread.createAt.seconds
    [top] = xmus.stubs.forum.GetPosts(
        forum_post_pb2.GetPostsReq(threadId=tid, count=10), metadata=xmus.md(author)
    ).posts
    assert (top.id, top.uid, top.parentId, top.plainContent.content) == (pid, replier.uid, 0, "Half past two")
    [child] = xmus.stubs.forum.GetPostsByParent(
        forum_post_pb2.GetPostsByParentReq(parentId=pid, count=10), metadata=xmus.md(author)
    ).posts
    assert (child.id, child.parentId, child.refPostId, child.refPostUid) == (answer, pid, pid, replier.uid)

    def newest(who: seed.Student) -> forum_notif_pb2.Notif | None:
        page = xmus.stubs.forum.GetNotif(
            forum_notif_pb2.GetNotifReq(pageSize=1), metadata=xmus.md(who)
        ).notifs
        return page[0] if page and page[0].objId in (pid, answer) else None

    to_author = eventually(lambda: newest(author))
    assert to_author is not None
    assert (to_author.type, to_author.refId, to_author.objId, to_author.refContent, to_author.objContent) == (
        POST_REPLY, tid, pid, thread.title, "Half past two",
    )  # fmt: skip
    assert (to_author.senderUid, to_author.hasRead) == (replier.uid, False)
    to_replier = eventually(lambda: newest(replier))
    assert to_replier is not None
    assert (to_replier.type, to_replier.refId, to_replier.objId, to_replier.refContent) == (
        REPLY_REPLY, pid, answer, "Half past two",
    )  # fmt: skip
    assert xmus.stubs.forum.GetNotifNum(Empty(), metadata=xmus.md(author)).num == unread + 1
    xmus.stubs.forum.NotifMarkAsRead(
        forum_notif_pb2.NotifMarkAsReadReq(ids=[to_author.id]), metadata=xmus.md(author)
    )
    assert xmus.stubs.forum.GetNotifNum(Empty(), metadata=xmus.md(author)).num == unread
    read = newest(author)
    assert read is not None and read.hasRead
    xmux_postgres.commit()
    rows = xmux_postgres.execute(
        "SELECT n.uid, n.sender_uid, n.type, n.ref_id, n.obj_id FROM forum.notif n "
        "JOIN xmus.notif_event e ON e.notif_id = n.id WHERE e.event_id = %s",
        (f"post:{pid}",),
    ).fetchall()
    assert rows == [(author.uid, replier.uid, POST_REPLY, tid, pid)]


def test_votes_count_once_and_flip(xmus: Xmus) -> None:
    author, fan = xmus.students[29], xmus.students[30]
    tid = make_thread(xmus, author)

    def vote(like: int) -> tuple[int, int]:
        xmus.stubs.forum.LikeThread(
            forum_thread_pb2.LikeThreadReq(threadId=tid, like=like), metadata=xmus.md(fan)
        )
        t = thread_as(xmus, tid, fan)
        return t.likes, t.liked

    assert [vote(1), vote(1), vote(-1), vote(0), vote(0)] == [(1, 1), (1, 1), (-1, -1), (0, 0), (0, 0)]
    pid = xmus.stubs.forum.CreatePost(
        forum_post_pb2.CreatePostReq(threadId=tid, plainContent=forum_common_pb2.PlainContent(content="+1")),
        metadata=xmus.md(author),
    ).postId
    xmus.stubs.forum.LikePost(forum_post_pb2.LikePostReq(postId=pid, like=1), metadata=xmus.md(fan))
    [post] = xmus.stubs.forum.GetPosts(
        forum_post_pb2.GetPostsReq(threadId=tid, count=5), metadata=xmus.md(fan)
    ).posts
    assert (post.likes, post.liked) == (1, 1)


def test_the_forum_creator_pins_and_digests_the_thread_author_pins_posts(xmus: Xmus, seeded: Forum) -> None:
    creator_uid = seeded.boards[WRITES_FORUM - 1].creator_uid
    creator = next(s for s in xmus.students if s.uid == creator_uid)
    author, other = xmus.students[31], xmus.students[32]
    tid = make_thread(xmus, author)
    for call, req in (
        (xmus.stubs.forum.PinThread, forum_thread_pb2.PinThreadReq(threadId=tid, pinned=True)),
        (xmus.stubs.forum.DigestThread, forum_thread_pb2.DigestThreadReq(threadId=tid, digest=True)),
    ):
        assert (
            rpc_error(partial(call, req, metadata=xmus.md(author))).code == grpc.StatusCode.PERMISSION_DENIED
        )
        call(req, metadata=xmus.md(creator))
    got = thread_as(xmus, tid, author)
    assert (got.pinned, got.digest) == (True, True)
    pid = xmus.stubs.forum.CreatePost(
        forum_post_pb2.CreatePostReq(
            threadId=tid, plainContent=forum_common_pb2.PlainContent(content="pin me")
        ),
        metadata=xmus.md(other),
    ).postId
    pin = forum_post_pb2.PinPostReq(postId=pid, pinned=True)
    assert (
        rpc_error(lambda: xmus.stubs.forum.PinPost(pin, metadata=xmus.md(other))).code
        == grpc.StatusCode.PERMISSION_DENIED
    )
    xmus.stubs.forum.PinPost(pin, metadata=xmus.md(author))
    [post] = xmus.stubs.forum.GetPosts(
        forum_post_pb2.GetPostsReq(threadId=tid, count=5), metadata=xmus.md(author)
    ).posts
    assert post.pinned


def test_save_and_unsave_threads_and_posts(xmus: Xmus) -> None:
    author, me = xmus.students[33], xmus.students[34]
    tid = make_thread(xmus, author)
    pid = xmus.stubs.forum.CreatePost(
        forum_post_pb2.CreatePostReq(
            threadId=tid, plainContent=forum_common_pb2.PlainContent(content="keep")
        ),
        metadata=xmus.md(author),
    ).postId

    def saved() -> tuple[list[int], list[int]]:
        threads = xmus.stubs.forum.GetSavedThreads(
            forum_saved_pb2.GetSavedThreadsReq(count=100), metadata=xmus.md(me)
        )
        posts = xmus.stubs.forum.GetSavedPosts(
            forum_saved_pb2.GetSavedPostsReq(count=100), metadata=xmus.md(me)
        )
        return [t.id for t in threads.threads], [p.id for p in posts.posts]

    before = saved()
    for _ in range(2):  # saving twice is one save
        xmus.stubs.forum.SaveThread(forum_saved_pb2.SaveThreadReq(threadId=tid), metadata=xmus.md(me))
        xmus.stubs.forum.SavePost(forum_saved_pb2.SavePostReq(postId=pid), metadata=xmus.md(me))
    assert saved() == ([tid, *before[0]], [pid, *before[1]])
    assert thread_as(xmus, tid, me).saved
    xmus.stubs.forum.UnsaveThread(forum_saved_pb2.UnsaveThreadReq(threadId=tid), metadata=xmus.md(me))
    xmus.stubs.forum.UnsavePost(forum_saved_pb2.UnsavePostReq(postId=pid), metadata=xmus.md(me))
    assert saved() == before


def test_reports_are_taken_once_per_target(xmus: Xmus, xmux_postgres: Any) -> None:
    author, reporter = xmus.students[35], xmus.students[36]
    tid = make_thread(xmus, author)
    report = forum_report_pb2.ReportPostOrThreadReq(threadId=tid, typeId=0, description="spam link")

    def send(req: forum_report_pb2.ReportPostOrThreadReq) -> tuple[bool, str]:
        r = xmus.stubs.forum.ReportPostOrThread(req, metadata=xmus.md(reporter))
        return r.success, r.message

    assert send(report) == (True, "")
    assert send(report) == (False, "report.msg.already_reported")
    missing = forum_report_pb2.ReportPostOrThreadReq(postId=10**8, typeId=6)
    assert send(missing) == (False, "report.msg.target_not_found")
    xmux_postgres.commit()
    assert xmux_postgres.execute(
        "SELECT uid, type_id, target_type, reason FROM forum.report WHERE target_id = %s", (tid,)
    ).fetchall() == [(reporter.uid, 0, 0, "spam link")]


def test_only_the_author_removes_a_post_and_its_replies_go_with_it(xmus: Xmus) -> None:
    author, other = xmus.students[37], xmus.students[38]
    tid = make_thread(xmus, other)
    pid = xmus.stubs.forum.CreatePost(
        forum_post_pb2.CreatePostReq(
            threadId=tid, plainContent=forum_common_pb2.PlainContent(content="10pm")
        ),
        metadata=xmus.md(author),
    ).postId
    xmus.stubs.forum.CreatePost(
        forum_post_pb2.CreatePostReq(
            threadId=tid, parentId=pid, plainContent=forum_common_pb2.PlainContent(content="ok")
        ),
        metadata=xmus.md(other),
    )
    assert thread_as(xmus, tid, other).posts == 2
    removal = forum_post_pb2.RemovePostReq(postId=pid)
    denied = rpc_error(lambda: xmus.stubs.forum.RemovePost(removal, metadata=xmus.md(other)))
    assert (denied.code, denied.message) == (
        grpc.StatusCode.PERMISSION_DENIED,
        "Not the owner of the resource",
    )
    xmus.stubs.forum.RemovePost(removal, metadata=xmus.md(author))
    assert (
        list(
            xmus.stubs.forum.GetPosts(
                forum_post_pb2.GetPostsReq(threadId=tid, count=5), metadata=xmus.md(other)
            ).posts
        )
        == []
    )
    assert (
        list(
            xmus.stubs.forum.GetPostsByParent(
                forum_post_pb2.GetPostsByParentReq(parentId=pid, count=5), metadata=xmus.md(other)
            ).posts
        )
        == []
    )
    assert thread_as(xmus, tid, other).posts == 0


def test_every_forum_method_answered(xmus: Xmus) -> None:
    services = [("forum", forum_service_pb2.DESCRIPTOR.services_by_name["Forum"])]
    assert every_method_answered(xmus, services) == []
