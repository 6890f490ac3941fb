"""Errors as the real services send them.

Kratos services (auth, user, aaos, lost-and-found, oss) answer with a gRPC status that
carries a ``google.rpc.ErrorInfo`` (reason, domain, metadata) in the
``grpc-status-details-bin`` trailer; the status code is mapped from the error's HTTP code,
and the reason is one of the service's real ``ErrorReason`` values. Clients switch on the
reason, so the reason is the contract, not the message. Where a real service answers with
a bare status instead (the Java forum; an unvalidated request to lost-and-found), the
stand-in sends a :class:`PlainStatus`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import grpc
from google.protobuf import any_pb2

from xmux_sim.xmus.protos import rpc_status_pb2

DOMAIN = "api.xmux.xdea.io"
DETAILS_KEY = "grpc-status-details-bin"

# Kratos' errors.ToGRPCCode.
HTTP_TO_GRPC: Mapping[int, grpc.StatusCode] = {
    400: grpc.StatusCode.INVALID_ARGUMENT,
    401: grpc.StatusCode.UNAUTHENTICATED,
    403: grpc.StatusCode.PERMISSION_DENIED,
    404: grpc.StatusCode.NOT_FOUND,
    409: grpc.StatusCode.ABORTED,
    429: grpc.StatusCode.RESOURCE_EXHAUSTED,
    500: grpc.StatusCode.INTERNAL,
    503: grpc.StatusCode.UNAVAILABLE,
    504: grpc.StatusCode.DEADLINE_EXCEEDED,
}
VALIDATOR = "VALIDATOR"
"""The reason Kratos' validate middleware gives a request that breaks its proto's rules."""


@dataclass
class XmusError(Exception):
    code: int
    """HTTP-like code, as Kratos errors carry (400, 401, 403, 404, 500, 503...)."""
    reason: str
    message: str
    metadata: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.code} {self.reason}: {self.message}"

    @property
    def grpc_code(self) -> grpc.StatusCode:
        return HTTP_TO_GRPC.get(self.code, grpc.StatusCode.UNKNOWN)

    def status_details(self) -> bytes:
        info = rpc_status_pb2.ErrorInfo(reason=self.reason, domain=DOMAIN, metadata=self.metadata)
        packed = any_pb2.Any()
        packed.Pack(info)
        status = rpc_status_pb2.Status(code=self.grpc_code.value[0], message=self.message, details=[packed])
        return status.SerializeToString()


@dataclass
class PlainStatus(Exception):
    """A bare gRPC status without ErrorInfo, as a non-Kratos service (or an unhandled error) sends."""

    grpc_code: grpc.StatusCode
    message: str

    @property
    def reason(self) -> str:
        return self.grpc_code.name


def bad_request(reason: str, message: str, **metadata: str) -> XmusError:
    return XmusError(400, reason, message, dict(metadata))


def invalid(message: str) -> XmusError:
    """A request that breaks its proto's validation rules (message as protoc-gen-validate words it)."""
    return XmusError(400, VALIDATOR, message)


def not_found(reason: str, message: str, **metadata: str) -> XmusError:
    return XmusError(404, reason, message, dict(metadata))


def unavailable(reason: str, message: str) -> XmusError:
    return XmusError(503, reason, message)


@dataclass(frozen=True)
class ErrorInfo:
    """What a client reads back from a failed call."""

    code: grpc.StatusCode
    reason: str
    domain: str
    message: str


def error_info(exc: grpc.RpcError) -> ErrorInfo:
    """The Kratos reason of a failed call (empty when the server sent none: nginx, the forum)."""
    call: Any = exc  # the raised RpcError is also a Call (code, details, trailers)
    code: grpc.StatusCode = call.code()
    message: str = call.details() or ""
    for key, value in call.trailing_metadata() or ():
        if key == DETAILS_KEY:
            status = rpc_status_pb2.Status.FromString(value)
            for detail in status.details:
                info = rpc_status_pb2.ErrorInfo()
                if detail.Unpack(info):
                    return ErrorInfo(code, info.reason, info.domain, status.message)
    return ErrorInfo(code, "", "", message)
