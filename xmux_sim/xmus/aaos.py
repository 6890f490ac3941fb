"""xmux.core.aaos.v4.AAOS: one MongoDB document per student (collection ``academics``).

The real AAOS reads the campus system with the caller's credentials; the stand-in keeps
what it would have read. MongoDB not answering is the real AC_SERVICE_UNAVAILABLE.
"""

from __future__ import annotations

from typing import Any

import grpc.aio
from google.protobuf import empty_pb2

from xmux_sim.xmus import seed
from xmux_sim.xmus.app import Context, rpc, timestamp
from xmux_sim.xmus.errors import XmusError
from xmux_sim.xmus.protos.xmux.core.aaos.v4 import aaos_pb2, aaos_pb2_grpc
from xmux_sim.xmus.seed_academics import academic_record
from xmux_sim.xmus.seeding import mongo_part


class AAOS(aaos_pb2_grpc.AAOSServicer):
    outage_reason = "AC_SERVICE_UNAVAILABLE"

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        assert ctx.auth is not None
        self.auth = ctx.auth

    async def record(self, context: grpc.aio.ServicerContext[Any, Any], part: str) -> dict[str, Any]:
        caller = await self.auth.caller(context)
        db = await self.ctx.backends.mongo()
        doc = await db.academics.find_one({"_id": caller.uid}, {part: 1, "last_update": 1})
        if doc is None:
            raise XmusError(403, "AC_ACCOUNT_BLOCKED", f"the campus system has no record of {caller.uid}")
        return doc

    @rpc
    async def GetInfo(self, request: empty_pb2.Empty, context: Any) -> aaos_pb2.Info:
        info = (await self.record(context, "info"))["info"]
        reply = aaos_pb2.Info(
            name=info["name"],
            gender=info["gender"],
            id=info["id"],
            programme=info["programme"],
            nationality=info["nationality"],
        )
        if info["intake"] is not None:
            reply.intake.CopyFrom(timestamp(info["intake"]))
        return reply

    @rpc
    async def GetTimetable(self, request: empty_pb2.Empty, context: Any) -> aaos_pb2.Timetable:
        doc = await self.record(context, "timetable")
        return aaos_pb2.Timetable(
            classes=[
                aaos_pb2.Timetable.Class(
                    cid=c["cid"],
                    name=c["name"],
                    lecturer=c["lecturer"],
                    room=c["room"],
                    begin=timestamp(c["begin"]),
                    end=timestamp(c["end"]),
                    day=c["day"],
                )
                for c in doc["timetable"]
            ],
            lastUpdate=timestamp(doc["last_update"]),
        )

    @rpc
    async def GetCourses(self, request: empty_pb2.Empty, context: Any) -> aaos_pb2.Courses:
        doc = await self.record(context, "courses")
        return aaos_pb2.Courses(courses=[aaos_pb2.Courses.Course(**c) for c in doc["courses"]])

    @rpc
    async def GetExams(self, request: empty_pb2.Empty, context: Any) -> aaos_pb2.Exams:
        doc = await self.record(context, "exams")
        return aaos_pb2.Exams(
            exams=[
                aaos_pb2.Exams.Exam(
                    exam=e["exam"],
                    begin=timestamp(e["begin"]),
                    end=timestamp(e["end"]),
                    venue=e["venue"],
                    courseName=e["courseName"],
                    type=e["type"],
                    status=e["status"],
                )
                for e in doc["exams"]
            ],
            lastUpdate=timestamp(doc["last_update"]),
        )

    @rpc
    async def GetTranscript(self, request: empty_pb2.Empty, context: Any) -> aaos_pb2.Transcript:
        doc = await self.record(context, "transcript")
        Session = aaos_pb2.Transcript.Session
        return aaos_pb2.Transcript(
            sessions=[
                Session(
                    session=s["session"],
                    courses=[Session.Course(**c) for c in s["courses"]],
                    gpa=s["gpa"],
                    cGpa=s["cGpa"],
                )
                for s in doc["transcript"]
            ]
        )


def register(server: grpc.aio.Server, ctx: Context) -> None:
    aaos_pb2_grpc.add_AAOSServicer_to_server(AAOS(ctx), server)


async def init(ctx: Context) -> None:
    s = ctx.settings
    docs = [academic_record(s.seed, p) for p in seed.students(s.seed, s.size)]
    await mongo_part(ctx.backends, "academics", "academics", docs)
