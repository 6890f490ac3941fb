"""The auth service: AuthInternal.AuthUser checks campus credentials against PostgreSQL.

PostgreSQL plays the campus directory (LDAP) the real service asks, so its outage is the
real LDAP_SERVER_DOWN. There is no Firebase here: a Firebase ID token never verifies.
"""

from __future__ import annotations

import asyncio
from typing import Any

import grpc.aio
import psycopg

from xmux_sim.xmus import seed
from xmux_sim.xmus.app import Context, rpc
from xmux_sim.xmus.credentials import check_campus_id, check_password, hash_password, verify_password
from xmux_sim.xmus.errors import XmusError
from xmux_sim.xmus.protos.xmux.core.auth.v4 import auth_pb2, auth_pb2_grpc
from xmux_sim.xmus.seeding import pg_part

DDL = """
CREATE TABLE IF NOT EXISTS users (
    uid text PRIMARY KEY,
    password_hash text NOT NULL,
    campus_role int NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
)
"""
WRONG = "wrong campus id or password"


class AuthInternal(auth_pb2_grpc.AuthInternalServicer):
    outage_reason = "LDAP_SERVER_DOWN"

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    @rpc
    async def AuthUser(
        self, request: auth_pb2.AuthUserReq, context: grpc.aio.ServicerContext[Any, Any]
    ) -> auth_pb2.AuthUserResp:
        which = request.WhichOneof("credential")
        if which == "firebase_id_token":
            raise XmusError(403, "WRONG_FIREBASE_ID_TOKEN", "wrong / revoked firebase id token")
        if which != "campus_id_password":
            raise XmusError(401, "INVALID_CREDENTIAL", "no credential given")
        uid = check_campus_id(request.campus_id_password.campus_id)
        password = check_password(request.campus_id_password.password)
        pool = await self.ctx.backends.pg()
        async with pool.connection() as conn:
            cur = await conn.execute("SELECT password_hash, campus_role FROM users WHERE uid = %s", (uid,))
            row = await cur.fetchone()
        # An unknown campus id and a wrong password are one answer, as a directory gives them.
        if row is None or not verify_password(password, row[0]):
            raise XmusError(403, "WRONG_PASSWORD", WRONG)
        return auth_pb2.AuthUserResp(uid=uid, campus_role=row[1])


def register(server: grpc.aio.Server, ctx: Context) -> None:
    auth_pb2_grpc.add_AuthInternalServicer_to_server(AuthInternal(ctx), server)


def campus_role(person: seed.Student) -> int:
    return int(auth_pb2.teacher if person.staff else auth_pb2.student)


async def init(ctx: Context) -> None:
    people = seed.students(ctx.settings.seed, ctx.settings.size)

    async def load(conn: psycopg.AsyncConnection[Any]) -> int:
        # Hashing 10,000 passwords takes seconds: off the event loop, so health checks answer.
        rows = await asyncio.to_thread(
            lambda: [(s.uid, hash_password(s.password, s.salt), campus_role(s)) for s in people]
        )
        async with (
            conn.cursor() as cur,
            cur.copy("COPY users (uid, password_hash, campus_role) FROM STDIN") as copy,
        ):
            for row in rows:
                await copy.write_row(row)
        return len(rows)

    await pg_part(ctx.backends, "users", DDL, load)
