"""What every service process shares: the RPC wrappers, the auth client, health, metrics.

A service module provides ``register(server, ctx)`` (its gRPC servicers, before the
server starts) and ``async init(ctx)`` (schema, seed data, background tasks); the process
reports SERVING on grpc.health.v1 only once ``init`` is done.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import grpc
import grpc.aio
from google.protobuf import timestamp_pb2

from xmux_sim.xmus import metrics
from xmux_sim.xmus.backends import BACKEND_ERRORS, Backends
from xmux_sim.xmus.credentials import parse_basic
from xmux_sim.xmus.errors import (
    DETAILS_KEY,
    HTTP_TO_GRPC,
    PlainStatus,
    XmusError,
    error_info,
    unavailable,
)
from xmux_sim.xmus.protos import health_pb2, health_pb2_grpc
from xmux_sim.xmus.protos.xmux.core.auth.v4 import auth_pb2, auth_pb2_grpc
from xmux_sim.xmus.settings import Settings

log = logging.getLogger("xmus")
POD_HEADER = "x-xmus-pod"
GRPC_TO_HTTP = {code: http for http, code in HTTP_TO_GRPC.items()}
OUTAGE = "DEPENDENCY_UNAVAILABLE"
"""The reason of a call that failed because a backing service did not answer (a stand-in's own;
a servicer whose real service has a reason for it sets ``outage_reason``)."""

Req = TypeVar("Req")
Resp = TypeVar("Resp")
Handler = Callable[[Any, Req, grpc.aio.ServicerContext[Any, Any]], Awaitable[Resp]]
StreamHandler = Callable[[Any, Req, grpc.aio.ServicerContext[Any, Any]], AsyncIterator[Resp]]
Failure = XmusError | PlainStatus


@dataclass
class Context:
    settings: Settings
    backends: Backends
    auth: AuthClient | None = None
    ready: bool = False
    servicers: dict[str, Any] = field(default_factory=dict)
    """Registered servicers by name, for init() to start their background work."""
    tasks: list[Any] = field(default_factory=list)
    """Background tasks (kept referenced so they are not garbage-collected)."""


def _failure(servicer: Any, method: str, exc: BaseException) -> Failure | None:
    """The answer for an exception a handler raised; None when it is not ours to answer."""
    if isinstance(exc, XmusError | PlainStatus):
        return exc
    if isinstance(exc, BACKEND_ERRORS):
        log.warning("%s: backend failed: %r", method, exc)
        reason = getattr(servicer, "outage_reason", OUTAGE)
        return unavailable(reason, f"a backing service did not answer: {type(exc).__name__}")
    return None


# The gRPC codes an HTTP gateway answers with a 5xx: the server's fault, not the caller's.
_SERVER_CODES = frozenset(
    {
        grpc.StatusCode.UNKNOWN,
        grpc.StatusCode.INTERNAL,
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.DATA_LOSS,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.UNIMPLEMENTED,
    }
)


def _observe_failure(method: str, error: Failure, started: float) -> None:
    server = error.code >= 500 if isinstance(error, XmusError) else error.grpc_code in _SERVER_CODES
    metrics.observe(
        method, error.reason or error.grpc_code.name, time.monotonic() - started, server_error=server
    )


async def _abort(context: grpc.aio.ServicerContext[Any, Any], error: Failure) -> None:
    if isinstance(error, XmusError):
        await context.abort(
            error.grpc_code, error.message, trailing_metadata=((DETAILS_KEY, error.status_details()),)
        )
    await context.abort(error.grpc_code, error.message)


def rpc(fn: Handler[Req, Resp]) -> Handler[Req, Resp]:
    """Wrap a unary method: pod header, errors as the real service sends them, backend faults as 503."""
    method = fn.__name__

    @functools.wraps(fn)
    async def wrapper(self: Any, request: Req, context: grpc.aio.ServicerContext[Any, Any]) -> Resp:
        started = time.monotonic()
        await context.send_initial_metadata(((POD_HEADER, self.ctx.settings.pod),))
        try:
            result = await fn(self, request, context)
        except Exception as exc:
            error = _failure(self, method, exc)
            if error is None:
                raise
        else:
            metrics.observe(method, "OK", time.monotonic() - started)
            return result
        _observe_failure(method, error, started)
        await _abort(context, error)
        raise AssertionError("unreachable: abort raises")

    return wrapper


def rpc_stream(fn: StreamHandler[Req, Resp]) -> StreamHandler[Req, Resp]:
    """Wrap a server-streaming method as ``rpc`` wraps a unary one (metrics count the whole stream)."""
    method = fn.__name__

    @functools.wraps(fn)
    async def wrapper(
        self: Any, request: Req, context: grpc.aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[Resp]:
        started = time.monotonic()
        await context.send_initial_metadata(((POD_HEADER, self.ctx.settings.pod),))
        try:
            async for item in fn(self, request, context):
                yield item
        except Exception as exc:
            error = _failure(self, method, exc)
            if error is None:
                raise
        else:
            metrics.observe(method, "OK", time.monotonic() - started)
            return
        _observe_failure(method, error, started)
        await _abort(context, error)

    return wrapper


def metadata_value(context: grpc.aio.ServicerContext[Any, Any], name: str) -> str:
    for key, value in context.invocation_metadata() or ():
        if key == name:
            return str(value)
    return ""


@dataclass(frozen=True)
class Caller:
    uid: str
    """The lower-case campus id."""
    role: int
    """xmux.core.auth.v4.CampusRole."""

    @property
    def staff(self) -> bool:
        return self.role == auth_pb2.teacher


class AuthClient:
    """AuthInternal.AuthUser over the network, balanced over every auth replica."""

    def __init__(self, target: str) -> None:
        self.channel = grpc.aio.insecure_channel(
            target,
            options=[
                ("grpc.lb_policy_name", "round_robin"),
                # Fail over quickly when a replica disappears.
                ("grpc.initial_reconnect_backoff_ms", 200),
                ("grpc.max_reconnect_backoff_ms", 2000),
            ],
        )
        self.stub = auth_pb2_grpc.AuthInternalStub(self.channel)

    async def authenticate(self, campus_id: str, password: str) -> Caller:
        credential = auth_pb2.CampusIdPasswordCredential(campus_id=campus_id.lower(), password=password)
        try:
            reply = await self.stub.AuthUser(auth_pb2.AuthUserReq(campus_id_password=credential), timeout=8)
        except grpc.aio.AioRpcError as exc:
            info = error_info(exc)
            if info.reason:
                # The auth service said no: pass its verdict on unchanged, as a Kratos client does.
                raise XmusError(GRPC_TO_HTTP.get(info.code, 500), info.reason, info.message) from None
            raise unavailable(
                "AUTH_UNAVAILABLE", f"the auth service did not answer: {info.code.name}"
            ) from None
        return Caller(reply.uid, reply.campus_role)

    async def caller(self, context: grpc.aio.ServicerContext[Any, Any]) -> Caller:
        """Who makes the call, from its ``authorization: basic`` metadata."""
        return await self.authenticate(*parse_basic(metadata_value(context, "authorization")))


class Health(health_pb2_grpc.HealthServicer):
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    async def Check(
        self, request: health_pb2.HealthCheckRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> health_pb2.HealthCheckResponse:
        status = (
            health_pb2.HealthCheckResponse.SERVING
            if self.ctx.ready
            else health_pb2.HealthCheckResponse.NOT_SERVING
        )
        return health_pb2.HealthCheckResponse(status=status)


def timestamp(at: datetime) -> timestamp_pb2.Timestamp:
    ts = timestamp_pb2.Timestamp()
    ts.FromDatetime(at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC))
    return ts


def from_timestamp(ts: timestamp_pb2.Timestamp, present: bool) -> datetime:
    """The time a request names, or now when the field is unset."""
    if not present:
        return datetime.now(UTC)
    return ts.ToDatetime(tzinfo=UTC)


def length_rule(where: str, value: str, most: int, least: int = 0) -> str | None:
    """How protoc-gen-validate words a string outside ``least..most`` characters, or None."""
    if least <= len(value) <= most:
        return None
    if least == 0:
        return f"invalid {where}: value length must be at most {most} runes"
    return f"invalid {where}: value length must be between {least} and {most} runes, inclusive"


async def supervise(name: str, run: Callable[[], Awaitable[None]]) -> None:
    """Run a background loop forever, restarting it when it fails (a backend went away)."""
    while True:
        try:
            await run()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a background loop must outlive any single failure
            log.warning("%s stopped (%r); restarting in 1s", name, exc)
            await asyncio.sleep(1.0)
