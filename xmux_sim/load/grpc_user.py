"""A locust user that speaks gRPC over HTTP/2 and reports every RPC to locust.

Imported only inside locust processes: it switches grpcio to gevent (locust's concurrency),
which must happen before the first channel exists. Each user gets its own channel and its
own HTTP/2 connection (a local subchannel pool), as each phone running the app has one.

Every call is reported under ``Service/Method`` with request type ``grpc``; a failure is
reported as ``CODE REASON`` (the gRPC status and the Kratos ErrorInfo reason), or
``CODE: details`` when no reason came back (an nginx error, a deadline), so locust's
failure table groups failures by what went wrong rather than by message text.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import grpc
import grpc.experimental.gevent as grpc_gevent
from locust import User
from locust.env import Environment

from xmux_sim.xmus.client import Stubs
from xmux_sim.xmus.errors import error_info

__all__ = ["GrpcClient", "GrpcUser", "RpcFailure", "failure_of"]

grpc_gevent.init_gevent()

REQUEST_TYPE = "grpc"
_DETAILS_CHARS = 80


class RpcFailure(Exception):
    """What locust shows for a failed RPC: the status code and the reason."""


def failure_of(exc: grpc.RpcError) -> RpcFailure:
    info = error_info(exc)
    if info.reason:
        return RpcFailure(f"{info.code.name} {info.reason}")
    return RpcFailure(f"{info.code.name}: {info.message[:_DETAILS_CHARS]}")


def method_name(full: str) -> str:
    """``/xmux.core.aaos.v4.AAOS/GetTimetable`` -> ``AAOS/GetTimetable``."""
    service, _, method = full.lstrip("/").rpartition("/")
    return f"{service.rpartition('.')[2]}/{method}"


class _Reporter(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor):
    """Times each call to its end (the reply, the stream's last message, or a status) and fires
    locust's request event; a server stream is one request, as long as it stays open."""

    def __init__(self, environment: Environment, context: Callable[[], dict[str, Any]]) -> None:
        self.environment = environment
        self.context = context

    def _fire(
        self,
        details: Any,
        start_time: float,
        t0: float,
        context: Any,
        length: int,
        exc: Exception | None,
        response: Any = None,
    ) -> None:
        events: Any = self.environment.events  # locust's event hooks are untyped
        events.request.fire(
            request_type=REQUEST_TYPE,
            name=method_name(details.method),
            response_time=(time.perf_counter() - t0) * 1000,
            response_length=length,
            response=response,
            context=context,
            exception=exc,
            start_time=start_time,
            url=details.method,
        )

    def intercept_unary_stream(self, continuation: Any, client_call_details: Any, request: Any) -> Any:
        start_time, t0, context = time.time(), time.perf_counter(), self.context()
        responses = continuation(client_call_details, request)

        def reported() -> Iterator[Any]:
            length = 0
            try:
                for response in responses:
                    length += response.ByteSize()
                    yield response
            except grpc.RpcError as exc:
                self._fire(client_call_details, start_time, t0, context, length, failure_of(exc))
                raise
            self._fire(client_call_details, start_time, t0, context, length, None)

        return reported()

    def intercept_unary_unary(self, continuation: Any, client_call_details: Any, request: Any) -> Any:
        start_time, t0, context = time.time(), time.perf_counter(), self.context()
        outcome = continuation(client_call_details, request)
        exception: Exception | None = None
        length = 0
        try:
            length = outcome.result().ByteSize()
        except grpc.RpcError as exc:
            exception = failure_of(exc)
        self._fire(client_call_details, start_time, t0, context, length, exception, outcome)
        return outcome


class GrpcClient:
    """Stubs of the XMUS API on one channel whose every call is reported to locust."""

    def __init__(
        self,
        target: str,
        environment: Environment,
        context: Callable[[], dict[str, Any]] = dict,
        ca_file: str | None = None,
    ) -> None:
        options = [("grpc.use_local_subchannel_pool", 1)]
        if ca_file is None:
            channel = grpc.insecure_channel(target, options=options)
        else:
            with open(ca_file, "rb") as f:
                creds = grpc.ssl_channel_credentials(root_certificates=f.read())
            channel = grpc.secure_channel(target, creds, options=options)
        self.channel = channel
        self.stubs = Stubs.over(grpc.intercept_channel(channel, _Reporter(environment, context)))

    def close(self) -> None:
        self.channel.close()


class GrpcUser(User):
    """A locust user with a gRPC client (``self.grpc``) to ``grpc_target`` (host:port, h2c)."""

    abstract = True
    grpc_target: str = ""
    grpc_ca_file: str | None = None

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        if not self.grpc_target:
            raise ValueError(f"{type(self).__name__}.grpc_target is not set (host:port of nginx's h2c port)")
        self.grpc = GrpcClient(self.grpc_target, environment, self.context, self.grpc_ca_file)

    def on_stop(self) -> None:
        self.grpc.close()
