"""The old REST API v2 (Node.js in production): ``{status, timestamp, data}`` envelopes."""

from __future__ import annotations

import json
import time
from typing import Any

import grpc.aio
import psycopg
from aiohttp import web

from xmux_sim.xmus import seed
from xmux_sim.xmus.app import Context
from xmux_sim.xmus.backends import BACKEND_ERRORS
from xmux_sim.xmus.credentials import check_campus_id
from xmux_sim.xmus.errors import XmusError, bad_request
from xmux_sim.xmus.seeding import pg_part
from xmux_sim.xmus.user import profile

DDL = """
CREATE TABLE IF NOT EXISTS news (
    id int PRIMARY KEY,
    title text NOT NULL,
    url text NOT NULL,
    published_at timestamptz NOT NULL
)
"""


def envelope(data: Any, status: int = 200, pod: str = "") -> web.Response:
    body = {"status": "success", "timestamp": int(time.time() * 1000), "data": data}
    return web.json_response(body, status=status, headers={"X-Xmus-Pod": pod})


def failure(error: XmusError, pod: str = "") -> web.Response:
    body = {
        "status": "error",
        "timestamp": int(time.time() * 1000),
        "error": error.reason,
        "message": error.message,
    }
    return web.json_response(body, status=error.code, headers={"X-Xmus-Pod": pod})


def routes(ctx: Context) -> list[web.RouteDef]:
    pod = ctx.settings.pod

    def guarded(fn: Any) -> Any:
        async def handler(request: web.Request) -> web.Response:
            if not ctx.ready:
                return failure(XmusError(503, "NOT_READY", "the service is starting"), pod)
            try:
                return envelope(await fn(request), pod=pod)
            except XmusError as exc:
                return failure(exc, pod)
            except BACKEND_ERRORS as exc:
                return failure(XmusError(503, "DEPENDENCY_UNAVAILABLE", type(exc).__name__), pod)

        return handler

    async def health(request: web.Request) -> Any:
        return "ok"

    async def news(request: web.Request) -> Any:
        pool = await ctx.backends.pg()
        async with pool.connection() as conn:
            cur = await conn.execute(
                "SELECT id, title, url, published_at FROM news ORDER BY published_at DESC, id DESC"
            )
            rows = await cur.fetchall()
        return [
            {"id": r[0], "title": r[1], "url": r[2], "publishedAt": int(r[3].timestamp() * 1000)}
            for r in rows
        ]

    async def login(request: web.Request) -> Any:
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise bad_request("INVALID_JSON", "the body is not JSON") from None
        if (
            not isinstance(body, dict)
            or not isinstance(body.get("campusId"), str)
            or not isinstance(body.get("password"), str)
        ):
            raise bad_request("INVALID_ARGUMENT", "expected {campusId, password} strings")
        campus_id = check_campus_id(body["campusId"])
        assert ctx.auth is not None
        caller = await ctx.auth.authenticate(campus_id, body["password"])
        p = await profile(ctx, caller.uid)
        return {
            "campusId": p.id,
            "uid": p.uid,
            "name": p.name,
            "email": p.email,
            "displayName": p.displayName,
        }

    return [
        web.get("/test", guarded(health)),
        web.get("/v2/homepage/news", guarded(news)),
        web.post("/v2/login", guarded(login)),
    ]


def register(server: grpc.aio.Server, ctx: Context) -> None:
    """v2 is REST only; its gRPC port serves grpc.health.v1 for the stack's probe."""


async def init(ctx: Context) -> None:
    s = ctx.settings

    async def load(conn: psycopg.AsyncConnection[Any]) -> int:
        rows = seed.news(s.seed, s.size)
        for n in rows:
            await conn.execute(
                "INSERT INTO news VALUES (%s, %s, %s, %s)", (n["id"], n["title"], n["url"], n["published_at"])
            )
        return len(rows)

    await pg_part(ctx.backends, "news", DDL, load)
    # v2 reads profiles (for login) that the user service owns: make sure the table exists.
    from xmux_sim.xmus import user

    await user.init(ctx)
