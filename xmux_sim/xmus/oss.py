"""xmux.core.oss.v4.OSS: presigned MinIO URLs, and ``GET /v4/oss/{biz}/{name}`` over HTTP.

Presigned URLs name the host the client used (nginx's published address, passed on as
X-Forwarded-Host): nginx proxies the bucket path to MinIO with that Host header kept,
so MinIO checks the signature against the same host it was made for.
"""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import grpc.aio
from aiohttp import web
from minio import Minio
from minio.datatypes import PostPolicy
from minio.error import S3Error

from xmux_sim.xmus import seed
from xmux_sim.xmus.app import Context, metadata_value, rpc
from xmux_sim.xmus.errors import XmusError, bad_request, not_found
from xmux_sim.xmus.protos import oss_pb2, oss_pb2_grpc
from xmux_sim.xmus.seeding import minio_part

NAME = re.compile(r"[A-Za-z0-9._-]{1,100}")
MAX_UPLOAD = 10 * 2**20
EXPIRES = timedelta(minutes=10)


def check_object(biz: str, name: str) -> str:
    if biz not in seed.BIZ:
        raise bad_request("INVALID_BIZ", f"biz must be one of {', '.join(seed.BIZ)}", field="biz")
    if not NAME.fullmatch(name) or name.startswith("."):
        raise bad_request("INVALID_FILE_NAME", "file names are 1..100 of [A-Za-z0-9._-]", field="name")
    return f"{biz}/{name}"


@cache
def signer(host: str, secure: bool, access_key: str, secret_key: str) -> Minio:
    # Only signs (the region is given, so it never calls out): the URL carries the public host.
    return Minio(host, access_key=access_key, secret_key=secret_key, secure=secure, region="us-east-1")


class OSS(oss_pb2_grpc.OSSServicer):
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        assert ctx.auth is not None
        self.auth = ctx.auth

    def public(self, context: Any) -> tuple[Minio, str]:
        host = metadata_value(context, "x-forwarded-host") or self.ctx.settings.minio_endpoint
        proto = metadata_value(context, "x-forwarded-proto") or "http"
        s = self.ctx.settings
        return signer(host, proto == "https", s.minio_access_key, s.minio_secret_key), f"{proto}://{host}"

    @rpc
    async def GetUploadCredentials(
        self, request: oss_pb2.GetUploadCredentialsReq, context: Any
    ) -> oss_pb2.UploadCredentials:
        await self.auth.caller(context)
        obj = check_object(request.biz, request.file_name)
        if not 1 <= request.size <= MAX_UPLOAD:
            raise bad_request("INVALID_SIZE", f"size must be 1..{MAX_UPLOAD} bytes", field="size")
        client, base = self.public(context)
        bucket = self.ctx.settings.minio_bucket
        policy = PostPolicy(bucket, datetime.now(UTC) + EXPIRES)
        policy.add_equals_condition("key", obj)
        policy.add_content_length_range_condition(1, request.size)
        if request.content_type:
            policy.add_equals_condition("Content-Type", request.content_type)
        fields = await asyncio.to_thread(client.presigned_post_policy, policy)
        fields = {**fields, "key": obj}
        if request.content_type:
            fields["Content-Type"] = request.content_type
        return oss_pb2.UploadCredentials(
            url=f"{base}/{bucket}", fields=fields, object=obj, expires_in=int(EXPIRES.total_seconds())
        )

    @rpc
    async def GetDownloadURL(self, request: oss_pb2.GetDownloadURLReq, context: Any) -> oss_pb2.DownloadURL:
        await self.auth.caller(context)
        obj = check_object(request.biz, request.name)
        bucket = self.ctx.settings.minio_bucket
        internal = self.ctx.backends.minio()
        try:
            await asyncio.to_thread(internal.stat_object, bucket, obj)
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject"):
                raise not_found("OBJECT_NOT_FOUND", f"no object {obj}") from None
            raise
        client, _ = self.public(context)
        url = await asyncio.to_thread(client.presigned_get_object, bucket, obj, EXPIRES)
        return oss_pb2.DownloadURL(url=url, expires_in=int(EXPIRES.total_seconds()))


async def download(ctx: Context, request: web.Request) -> web.StreamResponse:
    """GET /v4/oss/{biz}/{name}: the object's bytes, read from MinIO."""
    try:
        obj = check_object(request.match_info["biz"], request.match_info["name"])
    except XmusError as exc:
        return web.json_response({"reason": exc.reason, "message": exc.message}, status=exc.code)
    bucket = ctx.settings.minio_bucket
    internal = ctx.backends.minio()

    def read() -> tuple[bytes, str]:
        resp = internal.get_object(bucket, obj)
        try:
            return resp.read(), resp.headers.get("Content-Type", "application/octet-stream")
        finally:
            resp.close()
            resp.release_conn()

    try:
        data, content_type = await asyncio.to_thread(read)
    except S3Error as exc:
        if exc.code in ("NoSuchKey", "NoSuchObject"):
            return web.json_response({"reason": "OBJECT_NOT_FOUND"}, status=404)
        raise
    return web.Response(
        body=data, content_type=content_type.split(";")[0], headers={"X-Xmus-Pod": ctx.settings.pod}
    )


def register(server: grpc.aio.Server, ctx: Context) -> None:
    oss_pb2_grpc.add_OSSServicer_to_server(OSS(ctx), server)


def routes(ctx: Context) -> list[web.RouteDef]:
    async def handler(request: web.Request) -> web.StreamResponse:
        return await download(ctx, request)

    return [web.get("/v4/oss/{biz}/{name}", handler)]


async def init(ctx: Context) -> None:
    s = ctx.settings
    await minio_part(ctx.backends, "objects", seed.objects(s.seed, s.size))
