"""xmux.core.oss.v4: OSS (uploads, presigned URLs) and OSSInternal.ConfirmObject, on MinIO;
and ``GET /v4/oss/{biz}/{name}`` over HTTP, the objects' static URLs.

An uploaded object is tagged ``status: unconfirmed`` until the service that keeps it (the
forum, lost-and-found) confirms it with ConfirmObject. Presigned URLs name the host the
client used (nginx's published address, passed on as X-Forwarded-Host): nginx proxies the
bucket path to MinIO with that Host header kept, so MinIO checks the signature against the
same host it was made for. Errors carry the real reasons (UNSUPPORTED_BIZ,
UNSUPPORTED_FORMAT, UNKNOWN), with the real default code 500.
"""

from __future__ import annotations

import asyncio
import io
import re
import uuid
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any
from urllib.parse import urlparse

import grpc.aio
from aiohttp import web
from google.protobuf import empty_pb2
from minio import Minio
from minio.commonconfig import Tags
from minio.datatypes import PostPolicy
from minio.error import S3Error

from xmux_sim.xmus import seed
from xmux_sim.xmus.app import Context, metadata_value, rpc
from xmux_sim.xmus.errors import XmusError, invalid
from xmux_sim.xmus.protos.xmux.core.oss.v4 import (
    oss_internal_pb2,
    oss_internal_pb2_grpc,
    oss_pb2,
    oss_pb2_grpc,
)
from xmux_sim.xmus.seeding import minio_part

NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}")
STATIC_PATH = re.compile(r"/v4/oss/([^/]+)/([^/]+)")
MAX_UPLOAD = 10 * 2**20
EXPIRES = timedelta(minutes=10)
UNCONFIRMED = ("status", "unconfirmed")
# What Upload accepts: pictures, recognised by their first bytes.
FORMATS = (
    (b"\xff\xd8\xff", "jpg", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png", "image/png"),
    (b"GIF8", "gif", "image/gif"),
)


def check_biz(biz: str) -> str:
    if biz not in seed.BIZ:
        raise XmusError(500, "UNSUPPORTED_BIZ", f"biz must be one of {', '.join(seed.BIZ)}")
    return biz


def check_name(name: str) -> str:
    if not NAME.fullmatch(name):
        raise invalid("invalid GetDownloadURLRequest.Name: value does not match regex pattern")
    return name


def picture_format(data: bytes) -> tuple[str, str]:
    """(file extension, content type) of a picture, or UNSUPPORTED_FORMAT."""
    for magic, extension, content_type in FORMATS:
        if data.startswith(magic) and len(data) <= MAX_UPLOAD:
            return extension, content_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP" and len(data) <= MAX_UPLOAD:
        return "webp", "image/webp"
    raise XmusError(
        500, "UNSUPPORTED_FORMAT", f"not a JPEG, PNG, GIF or WebP picture of at most {MAX_UPLOAD} bytes"
    )


@cache
def signer(host: str, secure: bool, access_key: str, secret_key: str) -> Minio:
    # Only signs (the region is given, so it never calls out): the URL carries the public host.
    return Minio(host, access_key=access_key, secret_key=secret_key, secure=secure, region="us-east-1")


def unconfirmed() -> Tags:
    tags = Tags(for_object=True)
    tags[UNCONFIRMED[0]] = UNCONFIRMED[1]
    return tags


class OSS(oss_pb2_grpc.OSSServicer):
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        assert ctx.auth is not None
        self.auth = ctx.auth

    def public(self, context: Any) -> tuple[Minio, str]:
        """A signer for the host the client used, and that host's base URL."""
        host = metadata_value(context, "x-forwarded-host") or self.ctx.settings.minio_endpoint
        proto = metadata_value(context, "x-forwarded-proto") or "http"
        s = self.ctx.settings
        return signer(host, proto == "https", s.minio_access_key, s.minio_secret_key), f"{proto}://{host}"

    def download_url(self, context: Any, obj: str) -> str:
        client, _ = self.public(context)
        return client.presigned_get_object(self.ctx.settings.minio_bucket, obj, EXPIRES)

    @rpc
    async def Upload(self, request: oss_pb2.UploadReq, context: Any) -> oss_pb2.UploadResp:
        await self.auth.caller(context)
        biz = check_biz(request.biz)
        extension, content_type = picture_format(request.data)
        obj = f"{biz}/{uuid.uuid4().hex}.{extension}"
        data = request.data
        internal = self.ctx.backends.minio()
        await asyncio.to_thread(
            internal.put_object,
            self.ctx.settings.minio_bucket,
            obj,
            io.BytesIO(data),
            len(data),
            content_type=content_type,
            tags=unconfirmed(),
        )
        _, base = self.public(context)
        url = await asyncio.to_thread(self.download_url, context, obj)
        return oss_pb2.UploadResp(url=f"{base}/v4/oss/{obj}", download_url=url)

    @rpc
    async def GetUploadCredentials(
        self, request: oss_pb2.GetUploadCredentialsRequest, context: Any
    ) -> oss_pb2.GetUploadCredentialsResponse:
        await self.auth.caller(context)
        obj = f"{check_biz(request.biz)}/{uuid.uuid4().hex}"
        client, base = self.public(context)
        bucket = self.ctx.settings.minio_bucket
        policy = PostPolicy(bucket, datetime.now(UTC) + EXPIRES)
        policy.add_equals_condition("key", obj)
        policy.add_content_length_range_condition(1, MAX_UPLOAD)
        form = await asyncio.to_thread(client.presigned_post_policy, policy)
        return oss_pb2.GetUploadCredentialsResponse(
            url=f"{base}/v4/oss/{obj}", upload_url=f"{base}/{bucket}", form_data={**form, "key": obj}
        )

    @rpc
    async def GetDownloadURL(
        self, request: oss_pb2.GetDownloadURLRequest, context: Any
    ) -> oss_pb2.GetDownloadURLResponse:
        await self.auth.caller(context)
        obj = f"{check_biz(request.biz)}/{check_name(request.name)}"
        return oss_pb2.GetDownloadURLResponse(url=await asyncio.to_thread(self.download_url, context, obj))


class OSSInternal(oss_internal_pb2_grpc.OSSInternalServicer):
    """Asked by other services inside the cluster, without a caller's credentials."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    @rpc
    async def ConfirmObject(
        self, request: oss_internal_pb2.ConfirmObjectRequest, context: Any
    ) -> empty_pb2.Empty:
        match = STATIC_PATH.fullmatch(urlparse(request.url).path)
        if match is None:
            raise XmusError(500, "UNKNOWN", "not a static object URL (…/v4/oss/{biz}/{name})")
        obj = f"{check_biz(match.group(1))}/{match.group(2)}"
        bucket = self.ctx.settings.minio_bucket
        internal = self.ctx.backends.minio()
        try:
            await asyncio.to_thread(internal.stat_object, bucket, obj)
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject"):
                raise XmusError(500, "UNKNOWN", f"no object {obj}") from None
            raise
        await asyncio.to_thread(internal.delete_object_tags, bucket, obj)
        return empty_pb2.Empty()


async def download(ctx: Context, request: web.Request) -> web.StreamResponse:
    """GET /v4/oss/{biz}/{name}: the object's bytes, read from MinIO."""
    biz, name = request.match_info["biz"], request.match_info["name"]
    if biz not in seed.BIZ or not NAME.fullmatch(name):
        return web.json_response({"reason": "UNSUPPORTED_BIZ"}, status=404)
    bucket = ctx.settings.minio_bucket
    internal = ctx.backends.minio()

    def read() -> tuple[bytes, str]:
        resp = internal.get_object(bucket, f"{biz}/{name}")
        try:
            return resp.read(), resp.headers.get("Content-Type", "application/octet-stream")
        finally:
            resp.close()
            resp.release_conn()

    try:
        data, content_type = await asyncio.to_thread(read)
    except S3Error as exc:
        if exc.code in ("NoSuchKey", "NoSuchObject"):
            return web.json_response({"reason": "NOT_FOUND"}, status=404)
        raise
    return web.Response(
        body=data, content_type=content_type.split(";")[0], headers={"X-Xmus-Pod": ctx.settings.pod}
    )


def register(server: grpc.aio.Server, ctx: Context) -> None:
    oss_pb2_grpc.add_OSSServicer_to_server(OSS(ctx), server)
    oss_internal_pb2_grpc.add_OSSInternalServicer_to_server(OSSInternal(ctx), server)


def routes(ctx: Context) -> list[web.RouteDef]:
    async def handler(request: web.Request) -> web.StreamResponse:
        return await download(ctx, request)

    return [web.get("/v4/oss/{biz}/{name}", handler)]


async def init(ctx: Context) -> None:
    s = ctx.settings
    await minio_part(ctx.backends, "objects", seed.objects(s.seed, s.size))
