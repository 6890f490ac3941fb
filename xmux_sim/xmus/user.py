"""xmux.core.user.v4: User (login, registration, profiles, devices) and UserInternal.GetNames.

PostgreSQL tables ``profiles`` and ``devices`` (the stand-in's own). A campus account
without a profile gets NEED_REGISTER from Login, the reason the app acts on by asking for
a display name and an email and calling Register. Login answers a custom token in the
shape of a Firebase custom token (a JWT with the uid claim); there is no Firebase here, so
it is signed with the run's own key (HS256) instead of a Google service account's.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

import grpc.aio
import psycopg
from google.protobuf import empty_pb2

from xmux_sim.xmus import seed
from xmux_sim.xmus.app import Caller, Context, length_rule, rpc, timestamp
from xmux_sim.xmus.errors import XmusError, invalid, not_found
from xmux_sim.xmus.protos.xmux.core.user.v4 import (
    user_internal_pb2,
    user_internal_pb2_grpc,
    user_pb2,
    user_pb2_grpc,
)
from xmux_sim.xmus.seeding import pg_part

DDL = """
CREATE TABLE IF NOT EXISTS profiles (
    uid text PRIMARY KEY,
    email text NOT NULL,
    display_name text NOT NULL,
    avatar text NOT NULL DEFAULT '',
    name text NOT NULL DEFAULT '',
    nationality text NOT NULL DEFAULT '',
    id text NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS devices (
    uid text NOT NULL,
    device_id text NOT NULL,
    model text NOT NULL,
    name text NOT NULL,
    push_channel int NOT NULL,
    push_key text NOT NULL,
    last_seen timestamptz NOT NULL,
    PRIMARY KEY (uid, device_id)
);
"""
PROFILE_COLUMNS = "uid, email, display_name, avatar, name, nationality, id"
FIREBASE_AUDIENCE = (
    "https://identitytoolkit.googleapis.com/google.identity.identitytoolkit.v1.IdentityToolkit"
)
ISSUER = "xmus-user@xmux-sim"
TOKEN_LIFETIME_S = 3600


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def custom_token(uid: str, key: str, now: datetime) -> str:
    """A JWT with a Firebase custom token's claims, signed HS256 with ``key``."""
    if not key:
        raise XmusError(500, "NO_CUSTOM_TOKEN", "no key to sign custom tokens with")
    issued = int(now.timestamp())
    header = {"alg": "HS256", "typ": "JWT"}
    claims = {
        "iss": ISSUER,
        "sub": ISSUER,
        "aud": FIREBASE_AUDIENCE,
        "iat": issued,
        "exp": issued + TOKEN_LIFETIME_S,
        "uid": uid,
    }
    signing_input = ".".join(
        _b64(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims)
    )
    signature = hmac.new(key.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def profile_of(row: Any) -> user_pb2.Profile:
    uid, email, display_name, avatar, name, nationality, campus_id = row
    return user_pb2.Profile(
        uid=uid,
        email=email,
        displayName=display_name,
        avatar=avatar,
        name=name,
        nationality=nationality,
        id=campus_id,
    )


async def profile(ctx: Context, uid: str) -> user_pb2.Profile:
    pool = await ctx.backends.pg()
    async with pool.connection() as conn:
        cur = await conn.execute(f"SELECT {PROFILE_COLUMNS} FROM profiles WHERE uid = %s", (uid.lower(),))
        row = await cur.fetchone()
    if row is None:
        raise not_found("USER_NOT_FOUND", f"no user {uid[:32]}")
    return profile_of(row)


class User(user_pb2_grpc.UserServicer):
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        assert ctx.auth is not None
        self.auth = ctx.auth

    def token(self, caller: Caller) -> user_pb2.LoginResp:
        return user_pb2.LoginResp(
            customToken=custom_token(caller.uid, self.ctx.settings.token_key, datetime.now(UTC))
        )

    @rpc
    async def Login(
        self, request: empty_pb2.Empty, context: grpc.aio.ServicerContext[Any, Any]
    ) -> user_pb2.LoginResp:
        caller = await self.auth.caller(context)
        try:
            await profile(self.ctx, caller.uid)
        except XmusError as exc:
            if exc.reason != "USER_NOT_FOUND":
                raise
            raise XmusError(500, "NEED_REGISTER", "no XMUX profile for this campus account yet") from None
        return self.token(caller)

    @rpc
    async def Register(self, request: user_pb2.RegisterReq, context: Any) -> user_pb2.LoginResp:
        caller = await self.auth.caller(context)
        problem = length_rule("RegisterReq.DisplayName", request.displayName, 50, least=1) or length_rule(
            "RegisterReq.Email", request.email, 100, least=3
        )
        if problem is None and "@" not in request.email:
            problem = "invalid RegisterReq.Email: value must be a valid email address"
        if problem:
            raise invalid(problem)
        # What the campus directory knows about the account (the stand-in's directory is its seed).
        person = next(
            (s for s in seed.students(self.ctx.settings.seed, self.ctx.settings.size) if s.uid == caller.uid),
            None,
        )
        pool = await self.ctx.backends.pg()
        async with pool.connection() as conn:
            await conn.execute(
                f"INSERT INTO profiles ({PROFILE_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (uid) DO UPDATE SET "
                "display_name = excluded.display_name, email = excluded.email",
                (
                    caller.uid,
                    request.email,
                    request.displayName,
                    person.avatar if person else "",
                    person.name if person else "",
                    person.nationality if person else "",
                    person.campus_id if person else caller.uid.upper(),
                ),
            )
        return self.token(caller)

    @rpc
    async def GetProfile(self, request: user_pb2.GetProfileReq, context: Any) -> user_pb2.Profile:
        caller = await self.auth.caller(context)
        return await profile(self.ctx, request.uid or caller.uid)

    @rpc
    async def RefreshDevice(self, request: user_pb2.RefreshDeviceReq, context: Any) -> empty_pb2.Empty:
        caller = await self.auth.caller(context)
        problem = (
            length_rule("RefreshDeviceReq.DeviceId", request.deviceId, 128, least=1)
            or length_rule("RefreshDeviceReq.DeviceModel", request.deviceModel, 128)
            or length_rule("RefreshDeviceReq.DeviceName", request.deviceName, 128)
            or length_rule("RefreshDeviceReq.PushKey", request.pushKey, 4096)
        )
        if problem:
            raise invalid(problem)
        pool = await self.ctx.backends.pg()
        async with pool.connection() as conn:
            await conn.execute(
                "INSERT INTO devices (uid, device_id, model, name, push_channel, push_key, last_seen) "
                "VALUES (%s, %s, %s, %s, %s, %s, now()) ON CONFLICT (uid, device_id) DO UPDATE SET "
                "model = excluded.model, name = excluded.name, push_channel = excluded.push_channel, "
                "push_key = excluded.push_key, last_seen = excluded.last_seen",
                (
                    caller.uid,
                    request.deviceId,
                    request.deviceModel,
                    request.deviceName,
                    request.pushChannel,
                    request.pushKey,
                ),
            )
        return empty_pb2.Empty()

    @rpc
    async def GetDevices(self, request: empty_pb2.Empty, context: Any) -> user_pb2.GetDevicesResp:
        caller = await self.auth.caller(context)
        pool = await self.ctx.backends.pg()
        async with pool.connection() as conn:
            cur = await conn.execute(
                "SELECT device_id, model, name, last_seen FROM devices WHERE uid = %s "
                "ORDER BY last_seen DESC, device_id",
                (caller.uid,),
            )
            rows = await cur.fetchall()
        return user_pb2.GetDevicesResp(
            devices=[
                user_pb2.GetDevicesResp.Device(
                    deviceId=device_id, deviceModel=model, deviceName=name, lastSeen=timestamp(last_seen)
                )
                for device_id, model, name, last_seen in rows
            ]
        )

    @rpc
    async def RevokeDevices(self, request: empty_pb2.Empty, context: Any) -> empty_pb2.Empty:
        caller = await self.auth.caller(context)
        pool = await self.ctx.backends.pg()
        async with pool.connection() as conn:
            await conn.execute("DELETE FROM devices WHERE uid = %s", (caller.uid,))
        return empty_pb2.Empty()


class UserInternal(user_internal_pb2_grpc.UserInternalServicer):
    """Asked by other services inside the cluster, without a caller's credentials."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    @rpc
    async def GetNames(
        self, request: user_internal_pb2.GetNamesReq, context: Any
    ) -> user_internal_pb2.GetNamesResp:
        uids = sorted({uid.lower() for uid in request.uids})
        pool = await self.ctx.backends.pg()
        async with pool.connection() as conn:
            cur = await conn.execute("SELECT uid, display_name FROM profiles WHERE uid = ANY(%s)", (uids,))
            rows = await cur.fetchall()
        return user_internal_pb2.GetNamesResp(names=dict(rows))


def register(server: grpc.aio.Server, ctx: Context) -> None:
    user_pb2_grpc.add_UserServicer_to_server(User(ctx), server)
    user_internal_pb2_grpc.add_UserInternalServicer_to_server(UserInternal(ctx), server)


async def init(ctx: Context) -> None:
    s = ctx.settings

    async def load(conn: psycopg.AsyncConnection[Any]) -> int:
        people = seed.registered(s.seed, s.size)
        phones = seed.devices(s.seed, s.size)
        async with conn.cursor() as cur:
            async with cur.copy(f"COPY profiles ({PROFILE_COLUMNS}) FROM STDIN") as copy:
                for p in people:
                    await copy.write_row(
                        (p.uid, p.email, p.display_name, p.avatar, p.name, p.nationality, p.campus_id)
                    )
            async with cur.copy(
                "COPY devices (uid, device_id, model, name, push_channel, push_key, last_seen) FROM STDIN"
            ) as copy:
                for d in phones:
                    await copy.write_row(
                        (
                            d.uid,
                            d.device_id,
                            d.model,
                            d.name,
                            user_pb2.RefreshDeviceReq.fcm,
                            d.push_key,
                            d.last_seen,
                        )
                    )
        return len(people) + len(phones)

    await pg_part(ctx.backends, "profiles", DDL, load)
