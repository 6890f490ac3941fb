"""The XMUS stand-ins through nginx's TLS port, as the XMUX app calls them, on the session stack.

Each test compares answers with the deterministic seed the run loaded (regenerated here
from the same seed), or writes through the API and reads the effect back, directly from
PostgreSQL or MongoDB where the API cannot show it.
"""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import timedelta
from functools import partial
from typing import Any

import grpc
import pytest
from bson import ObjectId
from google.protobuf import timestamp_pb2

from tests.stack.conftest import status_json
from tests.stack.xmus_support import Xmus, connect, eventually, rpc_error
from xmux_sim.xmus import client, seed
from xmux_sim.xmus.credentials import basic_header
from xmux_sim.xmus.protos import (
    aaos_pb2,
    auth_internal_pb2,
    auth_internal_pb2_grpc,
    forum_pb2,
    lost_found_pb2,
    oss_pb2,
    user_pb2,
)

AFTER_SEED = seed.EPOCH + seed.SPAN + timedelta(days=1)
"""Pages read `before` this instant see seeded data only, whatever other tests added."""


def ts(at: Any) -> timestamp_pb2.Timestamp:
    t = timestamp_pb2.Timestamp()
    t.FromDatetime(at)
    return t


@pytest.fixture(scope="module")
def xmus(xmux_stack: Any) -> Xmus:
    return connect(xmux_stack)


def https_get(x: Xmus, path_or_url: str, **kwargs: Any) -> tuple[int, bytes]:
    url = path_or_url if "://" in path_or_url else x.https + path_or_url
    ctx = ssl.create_default_context(cafile=x.ca_file)
    try:
        with urllib.request.urlopen(urllib.request.Request(url, **kwargs), context=ctx, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


# ----- user and aaos -----------------------------------------------------------------------


def test_login_returns_the_seeded_profile(xmus: Xmus) -> None:
    me = xmus.students[0]
    reply = xmus.stubs.user.Login(user_pb2.LoginReq(), metadata=xmus.md(me))
    p = reply.profile
    assert (p.campus_id, p.name, p.email, p.programme, p.intake_year) == (
        me.campus_id, me.name, me.email, me.programme, me.intake_year,
    )  # fmt: skip


def test_get_profile_of_another_student_and_of_staff(xmus: Xmus) -> None:
    me, other = xmus.students[1], xmus.students[2]
    staff = next(s for s in xmus.students if s.staff)
    got = xmus.stubs.user.GetProfile(
        user_pb2.GetProfileReq(campus_id=other.campus_id.lower()), metadata=xmus.md(me)
    )
    assert (got.campus_id, got.name) == (other.campus_id, other.name)
    got = xmus.stubs.user.GetProfile(user_pb2.GetProfileReq(campus_id=staff.campus_id), metadata=xmus.md(me))
    assert got.staff and got.name == staff.name
    missing = rpc_error(
        lambda: xmus.stubs.user.GetProfile(
            user_pb2.GetProfileReq(campus_id="ZZZ0000000"), metadata=xmus.md(me)
        )
    )
    assert (missing.code, missing.reason) == (grpc.StatusCode.NOT_FOUND, "USER_NOT_FOUND")


def test_app_start_burst_answers_the_seeded_academic_record(xmus: Xmus) -> None:
    me = xmus.students[3]
    record: dict[str, Any] = seed.academic_record(xmus.seed, me.campus_id, me.intake_year)
    # Fired at once, as the app does at start.
    futures = [method.future(req, metadata=xmus.md(me)) for method, req in client.app_start_calls(xmus.stubs)]
    profile, timetable, exams, transcript, courses = (f.result(timeout=10) for f in futures)
    assert profile.campus_id == me.campus_id
    assert timetable.session == record["session"]
    assert [(c.course_code, c.day_of_week, c.start, c.room, c.type) for c in timetable.classes] == [
        (c["course_code"], c["day_of_week"], c["start"], c["room"], c["type"]) for c in record["timetable"]
    ]
    assert [(e.course_code, e.date, e.seat) for e in exams.exams] == [
        (e["course_code"], e["date"], e["seat"]) for e in record["exams"]
    ]
    assert transcript.cgpa == pytest.approx(record["transcript"]["cgpa"])
    assert transcript.total_credits == record["transcript"]["total_credits"]
    assert [(s.session, round(s.gpa, 2), [c.grade for c in s.courses]) for s in transcript.sessions] == [
        (s["session"], s["gpa"], [c["grade"] for c in s["courses"]]) for s in record["transcript"]["sessions"]
    ]
    assert [c.code for c in courses.courses] == [c["code"] for c in record["courses"]]


# ----- authentication ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "code", "reason"),
    [
        (None, grpc.StatusCode.UNAUTHENTICATED, "MISSING_AUTHORIZATION"),
        ("bearer abc", grpc.StatusCode.UNAUTHENTICATED, "MALFORMED_AUTHORIZATION"),
        ("basic !!!not-base64!!!", grpc.StatusCode.UNAUTHENTICATED, "MALFORMED_AUTHORIZATION"),
        (basic_header("SWE19", "pw"), grpc.StatusCode.INVALID_ARGUMENT, "INVALID_CAMPUS_ID"),
        (basic_header("12345678", "pw"), grpc.StatusCode.INVALID_ARGUMENT, "INVALID_CAMPUS_ID"),
        ("WRONG", grpc.StatusCode.PERMISSION_DENIED, "WRONG_PASSWORD"),
        (basic_header("QQQ0000001", "pw"), grpc.StatusCode.NOT_FOUND, "USER_NOT_FOUND"),
    ],
)
def test_authentication_failures_have_kratos_reasons(
    xmus: Xmus, header: str | None, code: grpc.StatusCode, reason: str
) -> None:
    if header == "WRONG":
        header = basic_header(xmus.students[0].campus_id, "not-the-password")
    metadata = (("authorization", header),) if header is not None else ()
    for call in (
        lambda: xmus.stubs.user.Login(user_pb2.LoginReq(), metadata=metadata),
        lambda: xmus.stubs.aaos.GetTimetable(aaos_pb2.GetTimetableReq(), metadata=metadata),
        lambda: xmus.stubs.lost_found.GetBriefs(lost_found_pb2.GetBriefsReq(), metadata=metadata),
    ):
        info = rpc_error(call)
        assert (info.code, info.reason, info.domain) == (code, reason, "api.xmux.xdea.io")


def test_forum_rejects_a_call_when_the_auth_service_says_no(xmus: Xmus, xmux_postgres: Any) -> None:
    me = xmus.students[0]
    title = f"must not exist {uuid.uuid4().hex}"
    info = rpc_error(
        lambda: xmus.stubs.forum.CreateThread(
            forum_pb2.CreateThreadReq(forum_id=1, title=title, body="x"),
            metadata=client.auth_metadata(me.campus_id, "wrong-password"),
        )
    )
    assert (info.code, info.reason) == (grpc.StatusCode.PERMISSION_DENIED, "WRONG_PASSWORD")
    assert xmux_postgres.execute("SELECT count(*) FROM threads WHERE title = %s", (title,)).fetchone() == (0,)


def test_the_internal_auth_service_is_not_routed_by_nginx(xmus: Xmus) -> None:
    stub = auth_internal_pb2_grpc.AuthInternalStub(xmus.stubs.channel)
    me = xmus.students[0]
    with pytest.raises(grpc.RpcError) as exc:
        stub.AuthUser(auth_internal_pb2.AuthUserReq(authorization=basic_header(me.campus_id, me.password)))
    assert exc.value.code() == grpc.StatusCode.UNIMPLEMENTED


# ----- forum -------------------------------------------------------------------------------


def test_get_threads_pages_newest_first(xmus: Xmus) -> None:
    me = xmus.students[0]
    threads, posts = seed.forum(xmus.seed, xmus.size)
    expected = sorted(threads, key=lambda t: (t.created_at, t.id), reverse=True)
    got: list[forum_pb2.Thread] = []
    before = ts(AFTER_SEED)
    while True:
        page = xmus.stubs.forum.GetThreads(
            forum_pb2.GetThreadsReq(before=before, limit=7), metadata=xmus.md(me)
        ).threads
        got.extend(page)
        if len(page) < 7:
            break
        before = page[-1].created_at
    assert [t.id for t in got] == [t.id for t in expected]
    first = got[0]
    want = expected[0]
    assert (first.author, first.title, first.forum_id) == (want.author, want.title, want.forum_id)
    assert first.posts == sum(1 for p in posts if p.thread_id == want.id)

    forum_2 = xmus.stubs.forum.GetThreads(
        forum_pb2.GetThreadsReq(forum_id=2, before=ts(AFTER_SEED), limit=50), metadata=xmus.md(me)
    ).threads
    assert [t.id for t in forum_2] == [t.id for t in expected if t.forum_id == 2]


def test_get_posts_and_replies_of_a_seeded_thread(xmus: Xmus) -> None:
    me = xmus.students[0]
    _, posts = seed.forum(xmus.seed, xmus.size)
    reply = next(p for p in posts if p.parent_id is not None)
    got = xmus.stubs.forum.GetPosts(
        forum_pb2.GetPostsReq(thread_id=reply.thread_id), metadata=xmus.md(me)
    ).posts
    seeded = [p for p in posts if p.thread_id == reply.thread_id]
    assert [(p.id, p.author, p.body) for p in got[: len(seeded)]] == [
        (p.id, p.author, p.body) for p in seeded
    ]
    children = xmus.stubs.forum.GetPostsByParent(
        forum_pb2.GetPostsByParentReq(parent_id=reply.parent_id), metadata=xmus.md(me)
    ).posts
    assert reply.id in [c.id for c in children]
    assert all(c.parent_id == reply.parent_id for c in children)


def test_create_post_notifies_the_thread_author_once(xmus: Xmus, xmux_postgres: Any) -> None:
    threads, _ = seed.forum(xmus.seed, xmus.size)
    thread = threads[0]
    replier = next(s for s in xmus.students if s.campus_id != thread.author)
    post = xmus.stubs.forum.CreatePost(
        forum_pb2.CreatePostReq(thread_id=thread.id, body="see you at the library"), metadata=xmus.md(replier)
    )
    assert post.thread_id == thread.id and post.author == replier.campus_id

    def rows() -> list[Any]:
        xmux_postgres.commit()
        return list(
            xmux_postgres.execute(
                "SELECT recipient, actor, kind FROM notifications WHERE event_id = %s", (f"post:{post.id}",)
            ).fetchall()
        )

    assert eventually(rows) == [(thread.author, replier.campus_id, "reply")]


def test_likes_count_once_per_student(xmus: Xmus) -> None:
    threads, _ = seed.forum(xmus.seed, xmus.size)
    thread = threads[1]
    fan = next(s for s in xmus.students[5:] if s.campus_id != thread.author)
    first = xmus.stubs.forum.LikeThread(forum_pb2.LikeThreadReq(thread_id=thread.id), metadata=xmus.md(fan))
    second = xmus.stubs.forum.LikeThread(forum_pb2.LikeThreadReq(thread_id=thread.id), metadata=xmus.md(fan))
    assert (first.changed, second.changed) == (True, False)
    assert second.likes == first.likes
    _, posts = seed.forum(xmus.seed, xmus.size)
    post = next(p for p in posts if p.author != fan.campus_id)
    liked = xmus.stubs.forum.LikePost(forum_pb2.LikePostReq(post_id=post.id), metadata=xmus.md(fan))
    again = xmus.stubs.forum.LikePost(forum_pb2.LikePostReq(post_id=post.id), metadata=xmus.md(fan))
    assert (liked.changed, again.changed, again.likes) == (True, False, liked.likes)
    [shown] = [
        p
        for p in xmus.stubs.forum.GetPosts(
            forum_pb2.GetPostsReq(thread_id=post.thread_id), metadata=xmus.md(fan)
        ).posts
        if p.id == post.id
    ]
    assert shown.likes == liked.likes


def test_save_and_unsave_a_thread(xmus: Xmus) -> None:
    me = xmus.students[6]
    threads, _ = seed.forum(xmus.seed, xmus.size)
    newest = max(threads, key=lambda t: (t.created_at, t.id))

    def saved() -> bool:
        page = xmus.stubs.forum.GetThreads(
            forum_pb2.GetThreadsReq(before=ts(AFTER_SEED), limit=1), metadata=xmus.md(me)
        )
        assert page.threads[0].id == newest.id
        return bool(page.threads[0].saved)

    assert xmus.stubs.forum.SaveThread(
        forum_pb2.SaveThreadReq(thread_id=newest.id), metadata=xmus.md(me)
    ).saved
    assert saved()
    xmus.stubs.forum.UnsaveThread(forum_pb2.SaveThreadReq(thread_id=newest.id), metadata=xmus.md(me))
    assert not saved()


def test_only_the_author_removes_a_post(xmus: Xmus) -> None:
    author, other = xmus.students[7], xmus.students[8]
    thread = xmus.stubs.forum.CreateThread(
        forum_pb2.CreateThreadReq(forum_id=3, title="Bus times?", body="When is the last bus?"),
        metadata=xmus.md(author),
    )
    post = xmus.stubs.forum.CreatePost(
        forum_pb2.CreatePostReq(thread_id=thread.id, body="10pm"), metadata=xmus.md(author)
    )
    denied = rpc_error(
        lambda: xmus.stubs.forum.RemovePost(forum_pb2.RemovePostReq(post_id=post.id), metadata=xmus.md(other))
    )
    assert (denied.code, denied.reason) == (grpc.StatusCode.PERMISSION_DENIED, "NOT_OWNER")
    xmus.stubs.forum.RemovePost(forum_pb2.RemovePostReq(post_id=post.id), metadata=xmus.md(author))
    [after] = xmus.stubs.forum.GetPosts(
        forum_pb2.GetPostsReq(thread_id=thread.id), metadata=xmus.md(other)
    ).posts
    assert (after.id, after.removed, after.body) == (post.id, True, "")


# ----- lost and found ----------------------------------------------------------------------


def test_get_briefs_pages_of_ten_newest_first_and_details(xmus: Xmus) -> None:
    me = xmus.students[0]
    items = sorted(seed.items(xmus.seed, xmus.size), key=lambda d: d["timestamp"], reverse=True)  # type: ignore[arg-type, return-value]
    pages: list[list[lost_found_pb2.Brief]] = []
    before = ts(AFTER_SEED)
    while True:
        page = list(
            xmus.stubs.lost_found.GetBriefs(
                lost_found_pb2.GetBriefsReq(before=before), metadata=xmus.md(me)
            ).briefs
        )
        pages.append(page)
        if len(page) < 10:
            break
        before = page[-1].timestamp
    assert [len(p) for p in pages[:-1]] == [10] * (len(pages) - 1)
    assert [b.id for p in pages for b in p] == [d["_id"] for d in items]
    want = items[3]
    detail = xmus.stubs.lost_found.GetDetail(
        lost_found_pb2.GetDetailReq(id=str(want["_id"])), metadata=xmus.md(me)
    )
    assert (detail.name, detail.location, detail.description, detail.uploader) == (
        want["name"], want["location"], want["description"], want["uploader"],
    )  # fmt: skip
    assert lost_found_pb2.ItemType.Name(detail.type) == want["type"]


def test_add_and_delete_an_item(xmus: Xmus) -> None:
    owner, other = xmus.students[9], xmus.students[10]
    added = xmus.stubs.lost_found.AddItem(
        lost_found_pb2.AddItemReq(
            type=lost_found_pb2.LOST, name="Blue umbrella", location="Library", contact="call me"
        ),
        metadata=xmus.md(owner),
    )
    assert len(added.id) == 24
    newest = xmus.stubs.lost_found.GetBriefs(lost_found_pb2.GetBriefsReq(), metadata=xmus.md(other)).briefs
    assert added.id in [b.id for b in newest]
    denied = rpc_error(
        lambda: xmus.stubs.lost_found.DeleteItem(
            lost_found_pb2.DeleteItemReq(id=added.id), metadata=xmus.md(other)
        )
    )
    assert denied.reason == "NOT_OWNER"
    xmus.stubs.lost_found.DeleteItem(lost_found_pb2.DeleteItemReq(id=added.id), metadata=xmus.md(owner))
    gone = rpc_error(
        lambda: xmus.stubs.lost_found.GetDetail(
            lost_found_pb2.GetDetailReq(id=added.id), metadata=xmus.md(owner)
        )
    )
    assert (gone.code, gone.reason) == (grpc.StatusCode.NOT_FOUND, "ITEM_NOT_FOUND")


# ----- bad input ---------------------------------------------------------------------------


def test_bad_input_gets_a_clear_error_and_writes_nothing(
    xmus: Xmus, xmux_postgres: Any, xmux_mongo: Any
) -> None:
    me = xmus.students[11]
    md = xmus.md(me)

    def counts() -> tuple[Any, ...]:
        xmux_postgres.commit()
        pg = xmux_postgres.execute(
            "SELECT (SELECT count(*) FROM threads), (SELECT count(*) FROM posts), "
            "(SELECT count(*) FROM outbox), (SELECT count(*) FROM forums)"
        ).fetchone()
        return (*pg, xmux_mongo.items.count_documents({}))

    before = counts()
    forum, lf, oss = xmus.stubs.forum, xmus.stubs.lost_found, xmus.stubs.oss
    bad, missing = grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND
    upload = oss_pb2.GetUploadCredentialsReq
    cases: list[tuple[Any, Any, grpc.StatusCode, str]] = [
        (
            forum.CreateThread,
            forum_pb2.CreateThreadReq(forum_id=1, title="x" * 121, body="b"),
            bad,
            "INVALID_ARGUMENT",
        ),
        (
            forum.CreateThread,
            forum_pb2.CreateThreadReq(forum_id=1, title="t", body=""),
            bad,
            "INVALID_ARGUMENT",
        ),
        (
            forum.CreateThread,
            forum_pb2.CreateThreadReq(forum_id=999, title="t", body="b"),
            missing,
            "FORUM_NOT_FOUND",
        ),
        (forum.CreatePost, forum_pb2.CreatePostReq(thread_id=10**9, body="b"), missing, "THREAD_NOT_FOUND"),
        (forum.CreatePost, forum_pb2.CreatePostReq(thread_id=1, body="b" * 5001), bad, "INVALID_ARGUMENT"),
        (
            forum.CreatePost,
            forum_pb2.CreatePostReq(thread_id=1, parent_id=10**9, body="b"),
            bad,
            "INVALID_PARENT",
        ),
        (forum.GetThreads, forum_pb2.GetThreadsReq(limit=500), bad, "INVALID_ARGUMENT"),
        (lf.GetDetail, lost_found_pb2.GetDetailReq(id="not-an-object-id"), bad, "INVALID_ITEM_ID"),
        (lf.GetDetail, lost_found_pb2.GetDetailReq(id=str(ObjectId())), missing, "ITEM_NOT_FOUND"),
        (
            lf.AddItem,
            lost_found_pb2.AddItemReq(type=lost_found_pb2.LOST, name="n" * 65, location="Library"),
            bad,
            "INVALID_ARGUMENT",
        ),
        (lf.AddItem, lost_found_pb2.AddItemReq(name="keys", location="Library"), bad, "INVALID_ITEM_TYPE"),
        (lf.DeleteItem, lost_found_pb2.DeleteItemReq(id="zz" * 12), bad, "INVALID_ITEM_ID"),
        (
            oss.GetUploadCredentials,
            upload(biz="forum", file_name="../etc/passwd", size=10),
            bad,
            "INVALID_FILE_NAME",
        ),
        (oss.GetUploadCredentials, upload(biz="secrets", file_name="a.jpg", size=10), bad, "INVALID_BIZ"),
        (
            oss.GetUploadCredentials,
            upload(biz="forum", file_name="a.jpg", size=11 * 2**20),
            bad,
            "INVALID_SIZE",
        ),
    ]
    for method, request, code, reason in cases:
        info = rpc_error(partial(method, request, metadata=md))
        assert (info.code, info.reason) == (code, reason), info.message
    assert counts() == before


# ----- object storage ----------------------------------------------------------------------


def test_presigned_upload_then_download_through_nginx(xmus: Xmus) -> None:
    me = xmus.students[12]
    data = uuid.uuid4().bytes * 100
    name = f"{uuid.uuid4().hex}.bin"
    creds = xmus.stubs.oss.GetUploadCredentials(
        oss_pb2.GetUploadCredentialsReq(biz="forum", file_name=name, size=len(data)), metadata=xmus.md(me)
    )
    assert creds.url.startswith(xmus.https) and creds.object == f"forum/{name}"
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in creds.fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    status, body = https_get(
        xmus, creds.url, data=b"".join(parts), method="POST",
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )  # fmt: skip
    assert status == 204, body[:300]
    assert https_get(xmus, f"/v4/oss/forum/{name}") == (200, data)
    url = xmus.stubs.oss.GetDownloadURL(
        oss_pb2.GetDownloadURLReq(biz="forum", name=name), metadata=xmus.md(me)
    ).url
    assert https_get(xmus, url) == (200, data)
    # A presigned URL is tied to its signature.
    assert https_get(xmus, url.replace("X-Amz-Signature=", "X-Amz-Signature=0"))[0] == 403


def test_seeded_objects_are_served_over_http(xmus: Xmus) -> None:
    name, data, _ = seed.objects(xmus.seed, xmus.size)[0]
    assert https_get(xmus, f"/v4/oss/{name}") == (200, data)
    with urllib.request.urlopen(f"{xmus.http}/v4/oss/{name}", timeout=10) as resp:
        assert resp.read() == data
    assert https_get(xmus, "/v4/oss/forum/no-such-object.bin")[0] == 404
    missing = rpc_error(
        lambda: xmus.stubs.oss.GetDownloadURL(
            oss_pb2.GetDownloadURLReq(biz="forum", name="no-such-object.bin"),
            metadata=xmus.md(xmus.students[0]),
        )
    )
    assert missing.reason == "OBJECT_NOT_FOUND"


# ----- REST v2 -----------------------------------------------------------------------------


def test_v2_rest_envelopes(xmus: Xmus) -> None:
    status, body = https_get(xmus, "/test")
    assert status == 200 and json.loads(body)["status"] == "success"
    status, body = https_get(xmus, "/v2/homepage/news")
    doc = json.loads(body)
    assert status == 200 and set(doc) == {"status", "timestamp", "data"}
    assert [n["id"] for n in doc["data"]] == [n["id"] for n in seed.news(xmus.seed, xmus.size)]

    me = xmus.students[0]

    def login(payload: Any) -> tuple[int, dict[str, Any]]:
        code, raw = https_get(
            xmus,
            "/v2/login",
            data=json.dumps(payload).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        return code, json.loads(raw)

    code, ok = login({"campusId": me.campus_id, "password": me.password})
    assert code == 200 and ok["data"]["name"] == me.name
    code, wrong = login({"campusId": me.campus_id, "password": "nope"})
    assert (code, wrong["status"], wrong["error"]) == (403, "error", "WRONG_PASSWORD")
    code, bad = login({"campusId": "x:y", "password": "nope"})
    assert (code, bad["error"]) == (400, "INVALID_CAMPUS_ID")
    code, bad = login(["not", "an", "object"])
    assert (code, bad["error"]) == (400, "INVALID_ARGUMENT")


def test_status_json_names_the_grpc_port_and_its_ca(xmux_stack: Any, xmus: Xmus) -> None:
    nginx = status_json(xmux_stack.run_id)["services"]["nginx"]
    assert nginx["url"] == xmus.http
    assert "https://" + nginx["grpc"] == xmus.https
    api = client.connect(nginx["grpc"], nginx["ca_file"])
    me = xmus.students[0]
    assert api.user.Login(user_pb2.LoginReq(), metadata=xmus.md(me)).profile.campus_id == me.campus_id
    # Without the run's CA the TLS port is not trusted.
    stranger = client.Stubs.over(grpc.secure_channel(nginx["grpc"], grpc.ssl_channel_credentials()))
    with pytest.raises(grpc.RpcError) as exc:
        stranger.user.Login(user_pb2.LoginReq(), metadata=xmus.md(me), timeout=5)
    assert exc.value.code() == grpc.StatusCode.UNAVAILABLE
    # The cleartext HTTP/2 port serves the same API.
    h2c = client.connect(nginx["h2c"])
    assert h2c.user.Login(user_pb2.LoginReq(), metadata=xmus.md(me)).profile.campus_id == me.campus_id


def test_services_spread_auth_calls_over_every_auth_replica(xmux_stack: Any, xmus: Xmus) -> None:
    auth = [ep for ep in xmux_stack.endpoints.get("auth", []) if ep.kind == "xmus-auth"]
    assert len(auth) >= 2, "the default stack runs two auth replicas"
    me = xmus.students[13]
    for _ in range(20):
        xmus.stubs.user.GetProfile(user_pb2.GetProfileReq(), metadata=xmus.md(me))
    query = 'sum by (replica) (xmus_requests_total{job="auth",method="AuthUser",code="OK"})'
    url = (
        f"http://{xmux_stack.endpoint('prometheus').address('http')}/api/v1/query?"
        + urllib.parse.urlencode({"query": query})
    )

    def answered_by() -> set[str]:
        with urllib.request.urlopen(url, timeout=5) as resp:
            result = json.load(resp)["data"]["result"]
        return {r["metric"]["replica"] for r in result if float(r["value"][1]) > 0}

    assert eventually(lambda: answered_by() == {str(ep.replica) for ep in auth}, timeout=20)
