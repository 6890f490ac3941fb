"""Client side of the XMUS API, as the XMUX app uses it: one channel to nginx, basic auth per call.

Used by the tests, the workload clients, the load-test users and the benchmark.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf import empty_pb2

from xmux_sim.xmus.credentials import basic_header
from xmux_sim.xmus.protos import forum_forum_pb2, forum_service_pb2_grpc, forum_thread_pb2
from xmux_sim.xmus.protos.xmux.core.aaos.v4 import aaos_pb2_grpc
from xmux_sim.xmus.protos.xmux.core.oss.v4 import oss_pb2_grpc
from xmux_sim.xmus.protos.xmux.core.user.v4 import user_pb2, user_pb2_grpc
from xmux_sim.xmus.protos.xmux.lost_found.v4 import lost_found_pb2_grpc
from xmux_sim.xmus.protos.xmux.xia.v4 import xia_pb2_grpc

POD_HEADER = "x-xmus-pod"
EMPTY = empty_pb2.Empty()
THREADS_PER_PAGE = 10
"""The Community tab's page of threads."""


def auth_metadata(campus_id: str, password: str) -> tuple[tuple[str, str], ...]:
    """What the app sends: the campus id lower-cased, as the XMUX client does."""
    return (("authorization", basic_header(campus_id.lower(), password)),)


@dataclass
class Stubs:
    """Every public service of the API v4 on one channel."""

    channel: grpc.Channel
    user: Any
    aaos: Any
    forum: Any
    lost_found: Any
    oss: Any
    xia: Any

    @classmethod
    def over(cls, channel: grpc.Channel) -> Stubs:
        return cls(
            channel=channel,
            user=user_pb2_grpc.UserStub(channel),
            aaos=aaos_pb2_grpc.AAOSStub(channel),
            forum=forum_service_pb2_grpc.ForumStub(channel),
            lost_found=lost_found_pb2_grpc.LostAndFoundStub(channel),
            oss=oss_pb2_grpc.OSSStub(channel),
            xia=xia_pb2_grpc.XiaStub(channel),
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
        (stubs.aaos.GetTimetable, EMPTY),
        (stubs.aaos.GetExams, EMPTY),
        (stubs.aaos.GetTranscript, EMPTY),
        (stubs.aaos.GetCourses, EMPTY),
    ]


def forums_request() -> forum_forum_pb2.GetForumsReq:
    """What the Community tab asks first: the forums (boards) to show."""
    return forum_forum_pb2.GetForumsReq(count=20)


def threads_request(forum_id: int, offset: int = 0) -> forum_thread_pb2.GetThreadsReq:
    """A page of a forum's threads, latest activity first, as the Community tab lists them."""
    return forum_thread_pb2.GetThreadsReq(forumId=forum_id, offset=offset, count=THREADS_PER_PAGE)


def pod_of(call: Any) -> str:
    """The pod that answered a call made with ``.with_call`` (its initial metadata)."""
    for key, value in call.initial_metadata() or ():
        if key == POD_HEADER:
            return str(value)
    return ""
