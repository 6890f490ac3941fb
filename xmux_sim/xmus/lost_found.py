"""xmux.lost_found.v4.LostAndFound on MongoDB (collection ``items``)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import grpc.aio
from bson import ObjectId

from xmux_sim.xmus import seed
from xmux_sim.xmus.app import Context, check_length, from_timestamp, rpc, timestamp
from xmux_sim.xmus.errors import XmusError, bad_request, not_found
from xmux_sim.xmus.protos import lost_found_pb2, lost_found_pb2_grpc
from xmux_sim.xmus.seeding import mongo_part

PAGE = 10
OBJECT_ID = re.compile(r"[0-9a-fA-F]{24}")
TYPES = {lost_found_pb2.LOST: "LOST", lost_found_pb2.FOUND: "FOUND"}
TYPE_NUMBERS = {v: k for k, v in TYPES.items()}
BRIEF_FIELDS = {"type": 1, "name": 1, "location": 1, "timestamp": 1}


def object_id(value: str) -> ObjectId:
    if not OBJECT_ID.fullmatch(value):
        raise bad_request("INVALID_ITEM_ID", "an item id is a 24-character hex ObjectId", field="id")
    return ObjectId(value)


class LostAndFound(lost_found_pb2_grpc.LostAndFoundServicer):
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        assert ctx.auth is not None
        self.auth = ctx.auth

    @rpc
    async def GetBriefs(
        self, request: lost_found_pb2.GetBriefsReq, context: Any
    ) -> lost_found_pb2.GetBriefsResp:
        await self.auth.caller(context)
        before = from_timestamp(request.before, request.HasField("before"))
        db = await self.ctx.backends.mongo()
        cursor = (
            db.items.find({"timestamp": {"$lt": before}}, BRIEF_FIELDS)
            .sort([("timestamp", -1), ("_id", -1)])
            .limit(PAGE)
        )
        briefs = [
            lost_found_pb2.Brief(
                id=str(d["_id"]),
                type=TYPE_NUMBERS[d["type"]],
                name=d["name"],
                location=d["location"],
                timestamp=timestamp(d["timestamp"]),
            )
            async for d in cursor
        ]
        return lost_found_pb2.GetBriefsResp(briefs=briefs)

    @rpc
    async def GetDetail(self, request: lost_found_pb2.GetDetailReq, context: Any) -> lost_found_pb2.Item:
        await self.auth.caller(context)
        oid = object_id(request.id)
        db = await self.ctx.backends.mongo()
        d = await db.items.find_one({"_id": oid})
        if d is None:
            raise not_found("ITEM_NOT_FOUND", f"no item {request.id}")
        return lost_found_pb2.Item(
            id=str(d["_id"]),
            type=TYPE_NUMBERS[d["type"]],
            name=d["name"],
            location=d["location"],
            timestamp=timestamp(d["timestamp"]),
            description=d["description"],
            contact=d["contact"],
            uploader=d["uploader"],
            pictures=d.get("pictures", []),
        )

    @rpc
    async def AddItem(self, request: lost_found_pb2.AddItemReq, context: Any) -> lost_found_pb2.AddItemResp:
        me = await self.auth.caller(context)
        if request.type not in TYPES:
            raise bad_request("INVALID_ITEM_TYPE", "type must be LOST or FOUND", field="type")
        if len(request.pictures) > 6:
            raise bad_request("TOO_MANY_PICTURES", "at most 6 pictures", field="pictures")
        doc = {
            "type": TYPES[request.type],
            "name": check_length("name", request.name.strip(), 1, 64),
            "location": check_length("location", request.location.strip(), 1, 128),
            "description": check_length("description", request.description, 0, 1024),
            "contact": check_length("contact", request.contact, 0, 128),
            "timestamp": from_timestamp(request.timestamp, request.HasField("timestamp")),
            "uploader": me.campus_id,
            "pictures": [check_length("pictures", p, 1, 200) for p in request.pictures],
            "created_at": datetime.now(UTC),
        }
        db = await self.ctx.backends.mongo()
        result = await db.items.insert_one(doc)
        return lost_found_pb2.AddItemResp(id=str(result.inserted_id))

    @rpc
    async def DeleteItem(
        self, request: lost_found_pb2.DeleteItemReq, context: Any
    ) -> lost_found_pb2.DeleteItemResp:
        me = await self.auth.caller(context)
        oid = object_id(request.id)
        db = await self.ctx.backends.mongo()
        d = await db.items.find_one({"_id": oid}, {"uploader": 1})
        if d is None:
            raise not_found("ITEM_NOT_FOUND", f"no item {request.id}")
        if d["uploader"] != me.campus_id and not me.staff:
            raise XmusError(403, "NOT_OWNER", "only the uploader (or staff) may delete an item")
        await db.items.delete_one({"_id": oid})
        return lost_found_pb2.DeleteItemResp()


def register(server: grpc.aio.Server, ctx: Context) -> None:
    lost_found_pb2_grpc.add_LostAndFoundServicer_to_server(LostAndFound(ctx), server)


async def init(ctx: Context) -> None:
    s = ctx.settings
    docs = [{**d, "_id": ObjectId(str(d["_id"]))} for d in seed.items(s.seed, s.size)]
    db = await ctx.backends.mongo()
    await db.items.create_index([("timestamp", -1), ("_id", -1)])
    await mongo_part(ctx.backends, "items", "items", docs)
