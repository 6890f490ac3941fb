"""xmux.core.aaos.v4.AAOS: one MongoDB document per student (collection ``academics``)."""

from __future__ import annotations

from typing import Any

import grpc.aio

from xmux_sim.xmus import seed
from xmux_sim.xmus.app import Context, rpc
from xmux_sim.xmus.errors import not_found
from xmux_sim.xmus.protos import aaos_pb2, aaos_pb2_grpc
from xmux_sim.xmus.seeding import mongo_part


class AAOS(aaos_pb2_grpc.AAOSServicer):
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        assert ctx.auth is not None
        self.auth = ctx.auth

    async def record(self, context: grpc.aio.ServicerContext[Any, Any], field: str) -> dict[str, Any]:
        caller = await self.auth.caller(context)
        db = await self.ctx.backends.mongo()
        doc = await db.academics.find_one({"_id": caller.campus_id}, {field: 1, "session": 1})
        if doc is None:
            raise not_found("RECORD_NOT_FOUND", f"no academic record for {caller.campus_id}")
        return doc

    @rpc
    async def GetTimetable(self, request: aaos_pb2.GetTimetableReq, context: Any) -> aaos_pb2.Timetable:
        doc = await self.record(context, "timetable")
        return aaos_pb2.Timetable(
            session=doc["session"], classes=[aaos_pb2.Class(**c) for c in doc["timetable"]]
        )

    @rpc
    async def GetExams(self, request: aaos_pb2.GetExamsReq, context: Any) -> aaos_pb2.Exams:
        doc = await self.record(context, "exams")
        return aaos_pb2.Exams(exams=[aaos_pb2.Exam(**e) for e in doc["exams"]])

    @rpc
    async def GetTranscript(self, request: aaos_pb2.GetTranscriptReq, context: Any) -> aaos_pb2.Transcript:
        t = (await self.record(context, "transcript"))["transcript"]
        return aaos_pb2.Transcript(
            sessions=[
                aaos_pb2.SessionResult(
                    session=s["session"],
                    gpa=s["gpa"],
                    courses=[aaos_pb2.CourseResult(**c) for c in s["courses"]],
                )
                for s in t["sessions"]
            ],
            cgpa=t["cgpa"],
            total_credits=t["total_credits"],
        )

    @rpc
    async def GetCourses(self, request: aaos_pb2.GetCoursesReq, context: Any) -> aaos_pb2.Courses:
        doc = await self.record(context, "courses")
        return aaos_pb2.Courses(
            session=doc["session"], courses=[aaos_pb2.Course(**c) for c in doc["courses"]]
        )


def register(server: grpc.aio.Server, ctx: Context) -> None:
    aaos_pb2_grpc.add_AAOSServicer_to_server(AAOS(ctx), server)


async def init(ctx: Context) -> None:
    s = ctx.settings
    docs = [seed.academic_record(s.seed, p.campus_id, p.intake_year) for p in seed.students(s.seed, s.size)]
    await mongo_part(ctx.backends, "academics", "academics", docs)
