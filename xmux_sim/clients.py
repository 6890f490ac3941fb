"""Client connections to a stack's services, from their endpoints.

The same code serves the stand-in and the real programs: pymongo for FerretDB or
SecantusDB as for the official mongo image, psycopg for PostgreSQL, and so on.
"""

from __future__ import annotations

from typing import Any

import nats
import psycopg
import pymongo
from minio import Minio
from nats.aio.client import Client as NatsClient

from xmux_sim.services.base import Endpoint
from xmux_sim.services.mongo import MongoRuntime
from xmux_sim.services.postgres import PostgresRuntime


def postgres(ep: Endpoint, **kwargs: Any) -> psycopg.Connection[Any]:
    return psycopg.connect(PostgresRuntime.url(ep), connect_timeout=5, **kwargs)


def mongo(ep: Endpoint) -> pymongo.MongoClient[dict[str, Any]]:
    return pymongo.MongoClient(MongoRuntime.url(ep), serverSelectionTimeoutMS=5000, directConnection=True)


async def nats_connect(ep: Endpoint) -> NatsClient:
    return await nats.connect(
        f"nats://{ep.address('client')}",
        user=ep.credentials["user"],
        password=ep.credentials["password"],
        connect_timeout=5,
    )


async def nats_connect_once(ep: Endpoint, timeout: float) -> NatsClient:
    """A connection that never reconnects and reports trouble only by raising.

    For probes and recording clients: each attempt must stand for itself (a reconnect
    behind our back would blur what the history says), and their own result tells what
    went wrong, so nats-py's printing of every connection error is switched off.
    """
    return await nats.connect(
        f"nats://{ep.address('client')}",
        user=ep.credentials["user"],
        password=ep.credentials["password"],
        connect_timeout=timeout,
        allow_reconnect=False,
        max_reconnect_attempts=0,
        error_cb=_quiet,
    )


async def _quiet(_exc: Exception) -> None:
    """nats-py reports connection errors through this callback; the caller sees them raised."""


def minio(ep: Endpoint) -> Minio:
    return Minio(
        ep.address("api"),
        access_key=ep.credentials["access_key"],
        secret_key=ep.credentials["secret_key"],
        secure=False,
    )


def http_url(ep: Endpoint, port: str = "http") -> str:
    return f"http://{ep.address(port)}"
