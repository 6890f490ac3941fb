"""A small lost-and-found of our own, configured only as the real one is.

It stands for a user's service built from its source tree with ``build:``: the gRPC address
comes from the ``-conf`` file, MongoDB from DB_ADDR, DB_NAME, DB_USER and DB_PASS (the user
lives in DB_NAME, which is also the authSource), the auth service from AUTH_ENDPOINT (one
host:port); it serves grpc.health.v1. The protos come from ``xmus.pyz`` in the build
context (tests/stack/test_xmus_swap.py puts it there).
"""

from __future__ import annotations

import argparse
import base64
import os
import re
import signal
import sys
from concurrent import futures
from datetime import UTC
from typing import Any

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "xmus.pyz"))

import grpc
import pymongo
from bson import ObjectId
from google.protobuf import empty_pb2

from xmux_sim.xmus.protos import health_pb2, health_pb2_grpc
from xmux_sim.xmus.protos.xmux.core.auth.v4 import auth_pb2, auth_pb2_grpc
from xmux_sim.xmus.protos.xmux.lost_found.v4 import lost_found_pb2, lost_found_pb2_grpc

VERSION = "1"
"""Sent as x-service-version: which build answered."""


def grpc_address(conf: str) -> str:
    with open(conf) as f:
        match = re.search(r"grpc:\s*\n\s+addr:\s*(\S+)", f.read())
    if match is None:
        raise SystemExit(f"{conf}: no server.grpc.addr")
    return match.group(1)


class LostAndFound(lost_found_pb2_grpc.LostAndFoundServicer):
    def __init__(self) -> None:
        env = os.environ
        mongo: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(
            env["DB_ADDR"],
            username=env["DB_USER"],
            password=env["DB_PASS"],
            authSource=env["DB_NAME"],
            serverSelectionTimeoutMS=3000,
            tz_aware=True,
        )
        self.items = mongo[env["DB_NAME"]]["items"]
        self.auth = auth_pb2_grpc.AuthInternalStub(grpc.insecure_channel(env["AUTH_ENDPOINT"]))

    def uid(self, context: Any) -> str:
        """The caller, as AuthInternal says; its refusal is passed on unchanged."""
        header = dict(context.invocation_metadata()).get("authorization", "")
        try:
            campus_id, _, password = base64.b64decode(header.split(" ", 1)[1]).decode().partition(":")
        except (IndexError, ValueError):
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "expected basic credentials")
        credential = auth_pb2.CampusIdPasswordCredential(campus_id=campus_id.lower(), password=password)
        try:
            return str(self.auth.AuthUser(auth_pb2.AuthUserReq(campus_id_password=credential), timeout=5).uid)
        except grpc.RpcError as exc:
            call: Any = exc
            context.set_trailing_metadata(call.trailing_metadata() or ())
            context.abort(call.code(), call.details())
            raise

    def GetBriefs(self, request: Any, context: Any) -> Any:
        context.send_initial_metadata((("x-service-version", VERSION),))
        query = (
            {"timestamp": {"$lt": request.before.ToDatetime(tzinfo=UTC)}}
            if request.HasField("before")
            else {}
        )
        docs = self.items.find(query).sort("timestamp", -1).limit(10)
        return lost_found_pb2.GetBriefsResp(
            briefs=[
                lost_found_pb2.LostAndFoundBrief(
                    id=str(d["_id"]),
                    uid=d["uid"],
                    type=d["type"],
                    name=d["name"],
                    location=d["location"],
                    time=_ts(d["timestamp"]),
                )
                for d in docs
            ]
        )

    def GetDetail(self, request: Any, context: Any) -> Any:
        context.send_initial_metadata((("x-service-version", VERSION),))
        d = self.items.find_one({"_id": ObjectId(request.id)})
        if d is None:
            context.abort(grpc.StatusCode.NOT_FOUND, "item not found")
        assert d is not None  # abort raised
        return lost_found_pb2.LostAndFoundDetail(
            uid=d["uid"],
            type=d["type"],
            name=d["name"],
            time=_ts(d["timestamp"]),
            location=d["location"],
            description=d["description"],
            contacts=d["contacts"],
            pictures=d["pictures"],
        )

    def AddItem(self, request: Any, context: Any) -> Any:
        context.send_initial_metadata((("x-service-version", VERSION),))
        uid = self.uid(context)
        self.items.insert_one(
            {
                "uid": uid,
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

    def DeleteItem(self, request: Any, context: Any) -> Any:
        self.items.delete_one({"_id": ObjectId(request.id), "uid": self.uid(context)})
        return empty_pb2.Empty()


def _ts(at: Any) -> Any:
    from google.protobuf.timestamp_pb2 import Timestamp

    t = Timestamp()
    t.FromDatetime(at)
    return t


class Health(health_pb2_grpc.HealthServicer):
    def Check(self, request: Any, context: Any) -> Any:
        return health_pb2.HealthCheckResponse(status=health_pb2.HealthCheckResponse.SERVING)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-conf", required=True)
    address = grpc_address(parser.parse_args().conf)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    lost_found_pb2_grpc.add_LostAndFoundServicer_to_server(LostAndFound(), server)
    health_pb2_grpc.add_HealthServicer_to_server(Health(), server)
    server.add_insecure_port(address)
    server.start()
    signal.signal(signal.SIGTERM, lambda *_: server.stop(2))
    print(f"lost-found {VERSION} serving on {address}", flush=True)
    server.wait_for_termination()


if __name__ == "__main__":
    main()
