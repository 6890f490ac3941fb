"""Client side of the XMUS API, as the XMUX app uses it: one channel to nginx, basic auth per call.

Used by the tests, the benchmark and (later) load generators.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import grpc

from xmux_sim.xmus.credentials import basic_header
from xmux_sim.xmus.protos import (
    aaos_pb2,
    aaos_pb2_grpc,
    forum_pb2_grpc,
    lost_found_pb2_grpc,
    oss_pb2_grpc,
    user_pb2,
    user_pb2_grpc,
)

POD_HEADER = "x-xmus-pod"


def auth_metadata(campus_id: str, password: str) -> tuple[tuple[str, str], ...]:
    return (("authorization", basic_header(campus_id, password)),)


@dataclass
class Stubs:
    """Every public service of the API v4 on one channel."""

    channel: grpc.Channel
    user: Any
    aaos: Any
    forum: Any
    lost_found: Any
    oss: Any

    @classmethod
    def over(cls, channel: grpc.Channel) -> Stubs:
        return cls(
            channel=channel,
            user=user_pb2_grpc.UserStub(channel),
            aaos=aaos_pb2_grpc.AAOSStub(channel),
            forum=forum_pb2_grpc.ForumStub(channel),
            lost_found=lost_found_pb2_grpc.LostAndFoundStub(channel),
            oss=oss_pb2_grpc.OSSStub(channel),
        )


def connect(address: str, ca_file: str | None = None) -> Stubs:
    """A channel to nginx: TLS trusting ``ca_file`` (the ``grpc`` port), else cleartext h2c."""
    if ca_file is None:
        return Stubs.over(grpc.insecure_channel(address))
    with open(ca_file, "rb") as f:
        credentials = grpc.ssl_channel_credentials(root_certificates=f.read())
    return Stubs.over(grpc.secure_channel(address, credentials))


def app_start_calls(stubs: Any) -> list[tuple[Any, Any]]:
    """The five calls the XMUX app fires at once when it starts: (method, request)."""
    return [
        (stubs.user.GetProfile, user_pb2.GetProfileReq()),
        (stubs.aaos.GetTimetable, aaos_pb2.GetTimetableReq()),
        (stubs.aaos.GetExams, aaos_pb2.GetExamsReq()),
        (stubs.aaos.GetTranscript, aaos_pb2.GetTranscriptReq()),
        (stubs.aaos.GetCourses, aaos_pb2.GetCoursesReq()),
    ]


def pod_of(call: Any) -> str:
    """The pod that answered a call made with ``.with_call`` (its initial metadata)."""
    for key, value in call.initial_metadata() or ():
        if key == POD_HEADER:
            return str(value)
    return ""
