"""The auth service: AuthInternal.AuthUser checks basic credentials against PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import Any

import grpc.aio
import psycopg

from xmux_sim.xmus import seed
from xmux_sim.xmus.app import Context, rpc
from xmux_sim.xmus.credentials import hash_password, parse_basic, verify_password
from xmux_sim.xmus.errors import XmusError, not_found
from xmux_sim.xmus.protos import auth_internal_pb2, auth_internal_pb2_grpc
from xmux_sim.xmus.seeding import pg_part

DDL = """
CREATE TABLE IF NOT EXISTS users (
    campus_id text PRIMARY KEY,
    password_hash text NOT NULL,
    staff boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
)
"""


class AuthInternal(auth_internal_pb2_grpc.AuthInternalServicer):
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    @rpc
    async def AuthUser(
        self, request: auth_internal_pb2.AuthUserReq, context: grpc.aio.ServicerContext[Any, Any]
    ) -> auth_internal_pb2.AuthUserResp:
        campus_id, password = parse_basic(request.authorization)
        pool = await self.ctx.backends.pg()
        async with pool.connection() as conn:
            cur = await conn.execute(
                "SELECT password_hash, staff FROM users WHERE campus_id = %s", (campus_id,)
            )
            row = await cur.fetchone()
        if row is None:
            raise not_found("USER_NOT_FOUND", f"no user {campus_id}")
        if not verify_password(password, row[0]):
            raise XmusError(403, "WRONG_PASSWORD", "the password is wrong")
        return auth_internal_pb2.AuthUserResp(campus_id=campus_id, staff=bool(row[1]))


def register(server: grpc.aio.Server, ctx: Context) -> None:
    auth_internal_pb2_grpc.add_AuthInternalServicer_to_server(AuthInternal(ctx), server)


async def init(ctx: Context) -> None:
    people = seed.students(ctx.settings.seed, ctx.settings.size)

    async def load(conn: psycopg.AsyncConnection[Any]) -> int:
        # Hashing 10,000 passwords takes seconds: off the event loop, so health checks answer.
        rows = await asyncio.to_thread(
            lambda: [(s.campus_id, hash_password(s.password, s.salt), s.staff) for s in people]
        )
        async with (
            conn.cursor() as cur,
            cur.copy("COPY users (campus_id, password_hash, staff) FROM STDIN") as copy,
        ):
            for row in rows:
                await copy.write_row(row)
        return len(rows)

    await pg_part(ctx.backends, "users", DDL, load)
