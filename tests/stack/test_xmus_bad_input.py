"""Bad input gets the real services' errors and writes nothing, on the session stack.

Each request is refused with what the real service answers (a Kratos reason from its
ErrorReason enum, the validator's reason or message, or the forum's bare status), and no
table, collection or bucket changed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from typing import Any, cast

import grpc
import pytest
from bson import ObjectId
from google.protobuf.empty_pb2 import Empty

from tests.stack.xmus_support import Xmus, connect, rpc_error, ts
from xmux_sim.xmus import client, seed
from xmux_sim.xmus.protos import forum_common_pb2, forum_post_pb2, forum_report_pb2, forum_thread_pb2
from xmux_sim.xmus.protos.xmux.core.oss.v4 import oss_pb2
from xmux_sim.xmus.protos.xmux.core.user.v4 import user_pb2
from xmux_sim.xmus.protos.xmux.lost_found.v4 import lost_found_pb2
from xmux_sim.xmus.protos.xmux.xia.v4 import xia_pb2
from xmux_sim.xmus.seed_forum import forum

BAD, DENIED, UNAUTH = (
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.PERMISSION_DENIED,
    grpc.StatusCode.UNAUTHENTICATED,
)
NOT_FOUND, INTERNAL, UNKNOWN = grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN
PLAIN = forum_common_pb2.PlainContent
NOW = ts(datetime.now(UTC))
PNG = b"\x89PNG\r\n\x1a\nx"


@pytest.fixture(scope="module")
def xmus(xmux_stack: Any) -> Xmus:
    return connect(xmux_stack)


def counts(postgres: Any, mongo: Any, minio: Any, bucket: str) -> tuple[Any, ...]:
    postgres.commit()
    pg = postgres.execute(
        "SELECT (SELECT count(*) FROM forum.thread), (SELECT count(*) FROM forum.post), "
        "(SELECT count(*) FROM forum.report), (SELECT count(*) FROM forum.forum), "
        "(SELECT count(*) FROM xmus.forum_outbox), (SELECT count(*) FROM profiles), "
        "(SELECT count(*) FROM devices), (SELECT sum(likes) FROM forum.thread)"
    ).fetchone()
    objects = sum(1 for _ in minio.list_objects(bucket, recursive=True))
    return (*pg, mongo.items.count_documents({}), objects)


def test_bad_input_gets_the_real_errors_and_writes_nothing(
    xmus: Xmus, xmux_postgres: Any, xmux_mongo: Any, xmux_minio: Any
) -> None:
    me = xmus.students[45]
    md = xmus.md(me)
    wrong_pw = client.auth_metadata(me.campus_id, "wrong-password")
    # The last of the unregistered (test_xmus_api registers the first).
    newcomer = [s for s in seed.students(xmus.seed, xmus.size) if not s.registered][-1]
    not_mine = next(p.id for p in forum(xmus.seed, xmus.size).posts if p.uid != me.uid)
    newcomer_md = client.auth_metadata(newcomer.campus_id, newcomer.password)
    bucket = str(xmus.config("minio")["bucket"])
    fs, lf, oss, user = xmus.stubs.forum, xmus.stubs.lost_found, xmus.stubs.oss, xmus.stubs.user
    item, thread, post = lost_found_pb2.AddItemReq, forum_thread_pb2, forum_post_pb2
    body = PLAIN(content="b")
    # (call, request, metadata, code, reason, words the message must hold)
    cases: list[tuple[Any, Any, Any, grpc.StatusCode, str, str]] = [
        # the forum: bare statuses, as the Java forum sends them
        (
            fs.CreateThread,
            thread.CreateThreadReq(forumId=1, title="t", plainContent=body),
            wrong_pw,
            UNAUTH,
            "",
            "",
        ),
        (
            fs.CreateThread,
            thread.CreateThreadReq(forumId=1, title="x" * 121, plainContent=body),
            md,
            BAD,
            "",
            "CreateThreadReq.Title",
        ),
        (fs.CreateThread, thread.CreateThreadReq(forumId=1, title="t"), md, BAD, "", "plainContent"),
        (
            fs.CreateThread,
            thread.CreateThreadReq(forumId=999, title="t", plainContent=body),
            md,
            BAD,
            "",
            "Forum does not exist",
        ),
        (
            fs.CreatePost,
            post.CreatePostReq(threadId=10**8, plainContent=body),
            md,
            BAD,
            "",
            "Thread does not exist",
        ),
        (
            fs.CreatePost,
            post.CreatePostReq(threadId=1, plainContent=PLAIN(content="b" * 5001)),
            md,
            BAD,
            "",
            "CreatePostReq.Content",
        ),
        (
            fs.CreatePost,
            post.CreatePostReq(threadId=1, parentId=10**8, plainContent=body),
            md,
            BAD,
            "",
            "Parent post does not exist",
        ),
        (fs.GetThreads, thread.GetThreadsReq(forumId=1, count=500), md, BAD, "", "count"),
        (
            fs.GetThreads,
            thread.GetThreadsReq(forumId=1, ordering=cast(forum_common_pb2.Ordering, 9), count=5),
            md,
            BAD,
            "",
            "ordering",
        ),
        (fs.LikeThread, thread.LikeThreadReq(threadId=10**8, like=1), md, BAD, "", "does not exist"),
        (
            fs.ReportPostOrThread,
            forum_report_pb2.ReportPostOrThreadReq(typeId=0),
            md,
            BAD,
            "",
            "postId or threadId",
        ),
        (
            fs.ReportPostOrThread,
            forum_report_pb2.ReportPostOrThreadReq(threadId=1, typeId=99),
            md,
            BAD,
            "",
            "TypeId",
        ),
        (fs.RemovePost, post.RemovePostReq(postId=not_mine), md, DENIED, "", "Not the owner"),
        # lost and found: the real reasons, and the validator's words where the real one passes them on
        (lf.GetDetail, lost_found_pb2.GetDetailReq(id="not-an-object-id"), (), BAD, "INVALID_ITEM_ID", ""),
        (lf.GetDetail, lost_found_pb2.GetDetailReq(id=str(ObjectId())), (), NOT_FOUND, "ITEM_NOT_FOUND", ""),
        (lf.DeleteItem, lost_found_pb2.DeleteItemReq(id="zz" * 12), md, BAD, "INVALID_ITEM_ID", ""),
        (lf.AddItem, item(name="keys", location="Library", time=NOW), wrong_pw, DENIED, "WRONG_PASSWORD", ""),
        (lf.AddItem, item(name="keys", location="Library", time=NOW), (), UNAUTH, "INVALID_CREDENTIAL", ""),
        (
            lf.AddItem,
            item(name="n" * 51, location="Library", time=NOW),
            md,
            UNKNOWN,
            "",
            "invalid AddItemReq.Name: value length must be at most 50 runes",
        ),
        (
            lf.AddItem,
            item(name="keys", location="Library"),
            md,
            UNKNOWN,
            "",
            "AddItemReq.Time: value is required",
        ),
        (
            lf.AddItem,
            item(name="keys", time=NOW, contacts={str(i): "x" for i in range(11)}),
            md,
            UNKNOWN,
            "",
            "no more than 10 pair(s)",
        ),
        (
            lf.AddItem,
            item(name="keys", time=NOW, description="d" * 501),
            md,
            UNKNOWN,
            "",
            "AddItemReq.Description",
        ),
        # object storage: the real reasons
        (oss.Upload, oss_pb2.UploadReq(biz="secrets", data=PNG), md, INTERNAL, "UNSUPPORTED_BIZ", ""),
        (
            oss.Upload,
            oss_pb2.UploadReq(biz="forum", data=b"#!/bin/sh\n"),
            md,
            INTERNAL,
            "UNSUPPORTED_FORMAT",
            "",
        ),
        (
            oss.GetUploadCredentials,
            oss_pb2.GetUploadCredentialsRequest(biz="x"),
            md,
            INTERNAL,
            "UNSUPPORTED_BIZ",
            "",
        ),
        (
            oss.GetDownloadURL,
            oss_pb2.GetDownloadURLRequest(biz="forum", name="../x"),
            md,
            BAD,
            "VALIDATOR",
            "",
        ),
        # user: the validator's reason for a form that breaks the rules
        (user.Register, user_pb2.RegisterReq(email="a@b.c"), newcomer_md, BAD, "VALIDATOR", "DisplayName"),
        (
            user.Register,
            user_pb2.RegisterReq(displayName="n", email="no-at"),
            newcomer_md,
            BAD,
            "VALIDATOR",
            "Email",
        ),
        (user.RefreshDevice, user_pb2.RefreshDeviceReq(deviceId=""), md, BAD, "VALIDATOR", "DeviceId"),
        (xmus.stubs.xia.Chat, xia_pb2.ChatReq(), md, BAD, "VALIDATOR", "user message"),
    ]
    before = counts(xmux_postgres, xmux_mongo, xmux_minio, bucket)
    for method, request, metadata, code, reason, words in cases:
        info = rpc_error(partial(method, request, metadata=metadata))
        assert (info.code, info.reason) == (code, reason), (request, info)
        assert words in info.message, (request, info.message)
        if not reason:  # a bare status: no ErrorInfo at all
            assert info.domain == ""
    assert counts(xmux_postgres, xmux_mongo, xmux_minio, bucket) == before
    # The newcomer is still unregistered after the refused Register calls.
    still = rpc_error(lambda: user.Login(Empty(), metadata=newcomer_md))
    assert still.reason == "NEED_REGISTER"
