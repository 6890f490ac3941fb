"""xmux.core.user.v4.User: Login and profiles (PostgreSQL table ``profiles``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import grpc.aio
import psycopg

from xmux_sim.xmus import seed
from xmux_sim.xmus.app import Context, rpc, timestamp
from xmux_sim.xmus.credentials import check_campus_id
from xmux_sim.xmus.errors import not_found
from xmux_sim.xmus.protos import user_pb2, user_pb2_grpc
from xmux_sim.xmus.seeding import pg_part

DDL = """
CREATE TABLE IF NOT EXISTS profiles (
    campus_id text PRIMARY KEY,
    name text NOT NULL,
    email text NOT NULL,
    programme text NOT NULL,
    intake_year int NOT NULL,
    avatar text NOT NULL DEFAULT '',
    staff boolean NOT NULL DEFAULT false
)
"""
COLUMNS = "campus_id, name, email, programme, intake_year, avatar, staff"


async def profile(ctx: Context, campus_id: str) -> user_pb2.Profile:
    pool = await ctx.backends.pg()
    async with pool.connection() as conn:
        cur = await conn.execute(f"SELECT {COLUMNS} FROM profiles WHERE campus_id = %s", (campus_id,))
        row = await cur.fetchone()
    if row is None:
        raise not_found("USER_NOT_FOUND", f"no user {campus_id}")
    return user_pb2.Profile(
        campus_id=row[0],
        name=row[1],
        email=row[2],
        programme=row[3],
        intake_year=row[4],
        avatar=row[5],
        staff=row[6],
    )


class User(user_pb2_grpc.UserServicer):
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        assert ctx.auth is not None
        self.auth = ctx.auth

    @rpc
    async def Login(
        self, request: user_pb2.LoginReq, context: grpc.aio.ServicerContext[Any, Any]
    ) -> user_pb2.LoginResp:
        caller = await self.auth.caller(context)
        return user_pb2.LoginResp(
            profile=await profile(self.ctx, caller.campus_id), logged_in_at=timestamp(datetime.now(UTC))
        )

    @rpc
    async def GetProfile(
        self, request: user_pb2.GetProfileReq, context: grpc.aio.ServicerContext[Any, Any]
    ) -> user_pb2.Profile:
        caller = await self.auth.caller(context)
        who = check_campus_id(request.campus_id) if request.campus_id else caller.campus_id
        return await profile(self.ctx, who)


def register(server: grpc.aio.Server, ctx: Context) -> None:
    user_pb2_grpc.add_UserServicer_to_server(User(ctx), server)


async def init(ctx: Context) -> None:
    people = seed.students(ctx.settings.seed, ctx.settings.size)

    async def load(conn: psycopg.AsyncConnection[Any]) -> int:
        async with conn.cursor() as cur, cur.copy(f"COPY profiles ({COLUMNS}) FROM STDIN") as copy:
            for s in people:
                await copy.write_row((s.campus_id, s.name, s.email, s.programme, s.intake_year, "", s.staff))
        return len(people)

    await pg_part(ctx.backends, "profiles", DDL, load)
