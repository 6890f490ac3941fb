"""What every service process shares: the RPC wrapper, the auth client, health, metrics.

A service module provides ``register(server, ctx)`` (its gRPC servicers, before the
server starts) and ``async init(ctx)`` (schema, seed data, background tasks); the process
reports SERVING on grpc.health.v1 only once ``init`` is done.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import grpc
import grpc.aio
from google.protobuf import timestamp_pb2

from xmux_sim.xmus import metrics
from xmux_sim.xmus.backends import BACKEND_ERRORS, Backends
from xmux_sim.xmus.errors import DETAILS_KEY, HTTP_TO_GRPC, XmusError, error_info, unavailable
from xmux_sim.xmus.protos import auth_internal_pb2, auth_internal_pb2_grpc, health_pb2, health_pb2_grpc
from xmux_sim.xmus.settings import Settings

log = logging.getLogger("xmus")
POD_HEADER = "x-xmus-pod"
GRPC_TO_HTTP = {code: http for http, code in HTTP_TO_GRPC.items()}

Req = TypeVar("Req")
Resp = TypeVar("Resp")
Handler = Callable[[Any, Req, grpc.aio.ServicerContext[Any, Any]], Awaitable[Resp]]


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


def rpc(fn: Handler[Req, Resp]) -> Handler[Req, Resp]:
    """Wrap a servicer method: pod header, Kratos errors as gRPC status, backend faults as 503."""
    method = fn.__name__

    @functools.wraps(fn)
    async def wrapper(self: Any, request: Req, context: grpc.aio.ServicerContext[Any, Any]) -> Resp:
        started = time.monotonic()
        await context.send_initial_metadata(((POD_HEADER, self.ctx.settings.pod),))
        try:
            result = await fn(self, request, context)
        except XmusError as exc:
            error = exc
        except BACKEND_ERRORS as exc:
            log.warning("%s: backend failed: %r", method, exc)
            error = unavailable(
                "DEPENDENCY_UNAVAILABLE", f"a backing service did not answer: {type(exc).__name__}"
            )
        else:
            metrics.observe(method, "OK", time.monotonic() - started)
            return result
        metrics.observe(method, error.reason, time.monotonic() - started, server_error=error.code >= 500)
        await context.abort(
            error.grpc_code, error.message, trailing_metadata=((DETAILS_KEY, error.status_details()),)
        )
        raise AssertionError("unreachable: abort raises")

    return wrapper


def authorization(context: grpc.aio.ServicerContext[Any, Any]) -> str:
    for key, value in context.invocation_metadata() or ():
        if key == "authorization":
            return str(value)
    return ""


def metadata_value(context: grpc.aio.ServicerContext[Any, Any], name: str) -> str:
    for key, value in context.invocation_metadata() or ():
        if key == name:
            return str(value)
    return ""


@dataclass(frozen=True)
class Caller:
    campus_id: str
    staff: bool


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
        self.stub = auth_internal_pb2_grpc.AuthInternalStub(self.channel)

    async def authenticate(self, header: str) -> Caller:
        try:
            reply = await self.stub.AuthUser(auth_internal_pb2.AuthUserReq(authorization=header), timeout=8)
        except grpc.aio.AioRpcError as exc:
            info = error_info(exc)
            if info.reason:
                # The auth service said no: pass its verdict on unchanged.
                raise XmusError(GRPC_TO_HTTP.get(info.code, 500), info.reason, info.message) from None
            raise unavailable(
                "AUTH_UNAVAILABLE", f"the auth service did not answer: {info.code.name}"
            ) from None
        return Caller(reply.campus_id, reply.staff)

    async def caller(self, context: grpc.aio.ServicerContext[Any, Any]) -> Caller:
        return await self.authenticate(authorization(context))


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
    ts.FromDatetime(at.astimezone(UTC))
    return ts


def from_timestamp(ts: timestamp_pb2.Timestamp, present: bool) -> datetime:
    """The time a request names, or now when the field is unset."""
    if not present:
        return datetime.now(UTC)
    return ts.ToDatetime(tzinfo=UTC)


def check_length(field_name: str, value: str, lo: int, hi: int) -> str:
    if not lo <= len(value) <= hi:
        raise XmusError(
            400,
            "INVALID_ARGUMENT",
            f"{field_name} must have {lo}..{hi} characters, got {len(value)}",
            {"field": field_name},
        )
    return value


async def supervise(name: str, run: Callable[[], Awaitable[None]]) -> None:
    """Run a background loop forever, restarting it when it fails (a backend went away)."""
    import asyncio

    while True:
        try:
            await run()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a background loop must outlive any single failure
            log.warning("%s stopped (%r); restarting in 1s", name, exc)
            await asyncio.sleep(1.0)
