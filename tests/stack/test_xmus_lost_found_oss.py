"""Lost and found, and object storage, through nginx's TLS port on the session stack.

Answers are compared field by field with the seed; writes are read back through the API
and as the documents and objects the real services read (MongoDB ``items``, MinIO tags).
"""

from __future__ import annotations

import ssl
import urllib.error
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import pytest
from bson import ObjectId
from bson.int64 import Int64

from tests.stack.xmus_support import Xmus, connect, every_method_answered, rpc_error, ts
from xmux_sim.xmus import seed
from xmux_sim.xmus.protos.xmux.core.oss.v4 import oss_internal_pb2, oss_internal_pb2_grpc, oss_pb2
from xmux_sim.xmus.protos.xmux.lost_found.v4 import lost_found_pb2

AFTER_SEED = seed.EPOCH + seed.SPAN + timedelta(days=1)
"""Pages read `before` this instant see seeded data only, whatever other tests added."""
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


@pytest.fixture(scope="module")
def xmus(xmux_stack: Any) -> Xmus:
    return connect(xmux_stack)


def fetch(x: Xmus, url: str, **kwargs: Any) -> tuple[int, bytes]:
    ctx = ssl.create_default_context(cafile=x.ca_file)
    try:
        with urllib.request.urlopen(urllib.request.Request(url, **kwargs), context=ctx, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


# ----- lost and found ----------------------------------------------------------------------


def test_briefs_are_anonymous_pages_of_ten_newest_first(xmus: Xmus) -> None:
    items = sorted(seed.items(xmus.seed, xmus.size), key=lambda d: d["timestamp"], reverse=True)
    pages: list[list[lost_found_pb2.LostAndFoundBrief]] = []
    before = ts(AFTER_SEED)
    while True:
        # No authorization: the real service asks for none to list and show items.
        page = list(xmus.stubs.lost_found.GetBriefs(lost_found_pb2.GetBriefsReq(before=before)).briefs)
        pages.append(page)
        if len(page) < 10:
            break
        before = page[-1].time
    assert [len(p) for p in pages[:-1]] == [10] * (len(pages) - 1)
    assert [b for p in pages for b in p] == [
        lost_found_pb2.LostAndFoundBrief(
            id=str(d["_id"]), uid=d["uid"], type=d["type"], name=d["name"], time=ts(d["timestamp"]),
            location=d["location"],
        )
        for d in items
    ]  # fmt: skip


def test_details_are_anonymous_and_complete(xmus: Xmus) -> None:
    items = seed.items(xmus.seed, xmus.size)
    with_pictures = next(d for d in items if d["pictures"])
    with_two_contacts = next(d for d in items if len(d["contacts"]) == 2)
    for d in (items[0], with_pictures, with_two_contacts):
        got = xmus.stubs.lost_found.GetDetail(lost_found_pb2.GetDetailReq(id=str(d["_id"])))
        assert got == lost_found_pb2.LostAndFoundDetail(
            uid=d["uid"], type=d["type"], name=d["name"], time=ts(d["timestamp"]), location=d["location"],
            description=d["description"], contacts=d["contacts"], pictures=d["pictures"],
        )  # fmt: skip


def test_an_added_item_is_the_document_the_real_service_reads_and_only_its_owner_deletes_it(
    xmus: Xmus, xmux_mongo: Any
) -> None:
    owner, other = xmus.students[40], xmus.students[41]
    name = f"Blue umbrella {uuid.uuid4().hex[:6]}"
    when = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    xmus.stubs.lost_found.AddItem(
        lost_found_pb2.AddItemReq(
            type=lost_found_pb2.Lost, name=name, time=ts(when), location="Library",
            description="black handle", contacts={"phone": "+60 12-345", "wechat": "wx_1"},
        ),
        metadata=xmus.md(owner),
    )  # fmt: skip
    [brief] = [
        b for b in xmus.stubs.lost_found.GetBriefs(lost_found_pb2.GetBriefsReq()).briefs if b.name == name
    ]
    assert (brief.uid, brief.type, brief.time, brief.location) == (
        owner.uid,
        lost_found_pb2.Lost,
        ts(when),
        "Library",
    )
    doc = xmux_mongo.items.find_one({"_id": ObjectId(brief.id)})
    assert doc == {
        "_id": ObjectId(brief.id), "uid": owner.uid, "type": 0, "name": name, "timestamp": doc["timestamp"],
        "location": "Library", "description": "black handle",
        "contacts": {"phone": "+60 12-345", "wechat": "wx_1"}, "pictures": [],
    }  # fmt: skip
    assert type(doc["type"]) is int and not isinstance(doc["type"], Int64), "type is an int32"
    assert doc["timestamp"].replace(tzinfo=UTC) == when, "timestamp is a BSON date"
    # Somebody else's delete deletes nothing (and says nothing), as the real service's.
    xmus.stubs.lost_found.DeleteItem(lost_found_pb2.DeleteItemReq(id=brief.id), metadata=xmus.md(other))
    assert xmus.stubs.lost_found.GetDetail(lost_found_pb2.GetDetailReq(id=brief.id)).name == name
    xmus.stubs.lost_found.DeleteItem(lost_found_pb2.DeleteItemReq(id=brief.id), metadata=xmus.md(owner))
    gone = rpc_error(lambda: xmus.stubs.lost_found.GetDetail(lost_found_pb2.GetDetailReq(id=brief.id)))
    assert (gone.code, gone.reason) == (grpc.StatusCode.NOT_FOUND, "ITEM_NOT_FOUND")


# ----- object storage ----------------------------------------------------------------------


def test_an_uploaded_picture_is_unconfirmed_until_a_service_confirms_it(xmus: Xmus, xmux_minio: Any) -> None:
    me = xmus.students[42]
    reply = xmus.stubs.oss.Upload(oss_pb2.UploadReq(biz="lost_found", data=PNG), metadata=xmus.md(me))
    assert reply.url.startswith(f"{xmus.https}/v4/oss/lost_found/") and reply.url.endswith(".png")
    assert fetch(xmus, reply.url) == (200, PNG)
    assert fetch(xmus, reply.download_url) == (200, PNG)
    obj = reply.url.removeprefix(f"{xmus.https}/v4/oss/")
    bucket = str(xmus.config("minio")["bucket"])
    assert dict(xmux_minio.get_object_tags(bucket, obj) or {}) == {"status": "unconfirmed"}
    internal = oss_internal_pb2_grpc.OSSInternalStub(xmus.pod_channel("oss"))
    internal.ConfirmObject(oss_internal_pb2.ConfirmObjectRequest(url=reply.url))
    assert dict(xmux_minio.get_object_tags(bucket, obj) or {}) == {}
    # Clients cannot confirm: nginx does not route OSSInternal.
    outside = oss_internal_pb2_grpc.OSSInternalStub(xmus.stubs.channel)
    blocked = rpc_error(lambda: outside.ConfirmObject(oss_internal_pb2.ConfirmObjectRequest(url=reply.url)))
    assert blocked.code == grpc.StatusCode.UNIMPLEMENTED
    unknown = rpc_error(
        lambda: internal.ConfirmObject(
            oss_internal_pb2.ConfirmObjectRequest(url=f"{xmus.https}/v4/oss/forum/nope")
        )
    )
    assert (unknown.code, unknown.reason) == (grpc.StatusCode.INTERNAL, "UNKNOWN")


def test_presigned_upload_then_the_static_url_serves_it(xmus: Xmus) -> None:
    me = xmus.students[43]
    creds = xmus.stubs.oss.GetUploadCredentials(
        oss_pb2.GetUploadCredentialsRequest(biz="forum"), metadata=xmus.md(me)
    )
    assert creds.upload_url == f"{xmus.https}/xmux" and creds.url.startswith(f"{xmus.https}/v4/oss/forum/")
    assert creds.form_data["key"] == creds.url.removeprefix(f"{xmus.https}/v4/oss/")
    data = uuid.uuid4().bytes * 100
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in creds.form_data.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="x.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    status, body = fetch(
        xmus, creds.upload_url, data=b"".join(parts), method="POST",
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )  # fmt: skip
    assert status == 204, body[:300]
    assert fetch(xmus, creds.url) == (200, data)


def test_download_urls_of_seeded_objects(xmus: Xmus) -> None:
    name, data, _ = seed.objects(xmus.seed, xmus.size)[0]
    biz, _, file = name.partition("/")
    url = xmus.stubs.oss.GetDownloadURL(
        oss_pb2.GetDownloadURLRequest(biz=biz, name=file), metadata=xmus.md(xmus.students[0])
    ).url
    assert fetch(xmus, url) == (200, data)
    # A presigned URL is tied to its signature.
    assert fetch(xmus, url.replace("X-Amz-Signature=", "X-Amz-Signature=0"))[0] == 403
    assert fetch(xmus, f"{xmus.https}/v4/oss/{name}") == (200, data)
    with urllib.request.urlopen(f"{xmus.http}/v4/oss/{name}", timeout=10) as resp:
        assert resp.read() == data
    assert fetch(xmus, f"{xmus.https}/v4/oss/forum/no-such-object.bin")[0] == 404


def test_every_lost_found_and_oss_method_answered(xmus: Xmus) -> None:
    services = [
        ("lost-found", lost_found_pb2.DESCRIPTOR.services_by_name["LostAndFound"]),
        ("oss", oss_pb2.DESCRIPTOR.services_by_name["OSS"]),
        ("oss", oss_internal_pb2.DESCRIPTOR.services_by_name["OSSInternal"]),
    ]
    assert every_method_answered(xmus, services) == []
