"""xmux.lost_found.v4.LostAndFound on MongoDB, as the real service behaves.

Collection ``items`` holds the documents the real service reads and writes (see
``seed.items``). GetBriefs and GetDetail are anonymous; AddItem and DeleteItem ask the
auth service. A malformed id is INVALID_ITEM_ID and a missing item ITEM_NOT_FOUND (the
real reasons); an AddItem that breaks the proto's validation rules is refused with a bare
UNKNOWN status and protoc-gen-validate's message, because the real service returns the
validator's error unconverted. DeleteItem deletes only the caller's own item and answers
the same whether or not there was one.
"""

from __future__ import annotations

import re
from datetime import UTC
from typing import Any

import grpc
import grpc.aio
from bson import ObjectId
from google.protobuf import empty_pb2

from xmux_sim.xmus import seed
from xmux_sim.xmus.app import Context, from_timestamp, length_rule, rpc, timestamp
from xmux_sim.xmus.errors import PlainStatus, bad_request, not_found
from xmux_sim.xmus.protos.xmux.lost_found.v4 import lost_found_pb2, lost_found_pb2_grpc
from xmux_sim.xmus.seeding import mongo_part

PAGE = 10
OBJECT_ID = re.compile(r"[0-9a-fA-F]{24}")
BRIEF_PROJECTION = {"description": False, "contacts": False, "pictures": False}
MAX_CONTACTS = 10


def object_id(value: str) -> ObjectId:
    if not OBJECT_ID.fullmatch(value):
        raise bad_request("INVALID_ITEM_ID", "invalid item ID")
    return ObjectId(value)


def add_item_problem(request: lost_found_pb2.AddItemReq) -> str | None:
    """protoc-gen-validate's message for an AddItemReq that breaks the real proto's rules."""
    if request.type not in lost_found_pb2.LostAndFoundType.values():
        return "invalid AddItemReq.Type: value must be one of the defined enum values"
    if not request.HasField("time"):
        return "invalid AddItemReq.Time: value is required"
    if len(request.contacts) > MAX_CONTACTS:
        return f"invalid AddItemReq.Contacts: value must contain no more than {MAX_CONTACTS} pair(s)"
    for key, value in request.contacts.items():
        problem = length_rule(f"AddItemReq.Contacts[{key[:50]}]", key, 50) or length_rule(
            f"AddItemReq.Contacts[{key[:50]}]", value, 100
        )
        if problem:
            return problem
    return (
        length_rule("AddItemReq.Name", request.name, 50)
        or length_rule("AddItemReq.Location", request.location, 100)
        or length_rule("AddItemReq.Description", request.description, 500)
    )


class LostAndFound(lost_found_pb2_grpc.LostAndFoundServicer):
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        assert ctx.auth is not None
        self.auth = ctx.auth

    @rpc
    async def GetBriefs(
        self, request: lost_found_pb2.GetBriefsReq, context: grpc.aio.ServicerContext[Any, Any]
    ) -> lost_found_pb2.GetBriefsResp:
        before = from_timestamp(request.before, request.HasField("before"))
        db = await self.ctx.backends.mongo()
        cursor = (
            db.items.find({"timestamp": {"$lt": before}}, BRIEF_PROJECTION)
            .sort([("timestamp", -1), ("_id", -1)])
            .limit(PAGE)
        )
        return lost_found_pb2.GetBriefsResp(
            briefs=[
                lost_found_pb2.LostAndFoundBrief(
                    id=str(d["_id"]),
                    uid=d["uid"],
                    type=d["type"],
                    name=d["name"],
                    time=timestamp(d["timestamp"]),
                    location=d["location"],
                )
                async for d in cursor
            ]
        )

    @rpc
    async def GetDetail(
        self, request: lost_found_pb2.GetDetailReq, context: Any
    ) -> lost_found_pb2.LostAndFoundDetail:
        oid = object_id(request.id)
        db = await self.ctx.backends.mongo()
        d = await db.items.find_one({"_id": oid})
        if d is None:
            raise not_found("ITEM_NOT_FOUND", "item not found")
        return lost_found_pb2.LostAndFoundDetail(
            uid=d["uid"],
            type=d["type"],
            name=d["name"],
            time=timestamp(d["timestamp"]),
            location=d["location"],
            description=d["description"],
            contacts=d.get("contacts") or {},
            pictures=d.get("pictures") or [],
        )

    @rpc
    async def AddItem(self, request: lost_found_pb2.AddItemReq, context: Any) -> empty_pb2.Empty:
        me = await self.auth.caller(context)
        problem = add_item_problem(request)
        if problem:
            raise PlainStatus(grpc.StatusCode.UNKNOWN, problem)
        db = await self.ctx.backends.mongo()
        await db.items.insert_one(
            {
                "uid": me.uid,
                "type": request.type,
                "name": request.name,
                "timestamp": request.time.ToDatetime(tzinfo=UTC),
                "location": request.location,
                "description": request.description,
                "contacts": dict(request.contacts),
                "pictures": [],
            }
        )
        return empty_pb2.Empty()

    @rpc
    async def DeleteItem(self, request: lost_found_pb2.DeleteItemReq, context: Any) -> empty_pb2.Empty:
        me = await self.auth.caller(context)
        oid = object_id(request.id)
        db = await self.ctx.backends.mongo()
        await db.items.delete_one({"_id": oid, "uid": me.uid})
        return empty_pb2.Empty()


def register(server: grpc.aio.Server, ctx: Context) -> None:
    lost_found_pb2_grpc.add_LostAndFoundServicer_to_server(LostAndFound(ctx), server)


def seeded_documents(seed_no: int, size: str) -> list[dict[str, Any]]:
    return [{**d, "_id": ObjectId(str(d["_id"]))} for d in seed.items(seed_no, size)]


async def init(ctx: Context) -> None:
    s = ctx.settings
    db = await ctx.backends.mongo()
    await db.items.create_index([("timestamp", -1), ("_id", -1)])
    await mongo_part(ctx.backends, "items", "items", seeded_documents(s.seed, s.size))
