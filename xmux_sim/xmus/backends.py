"""Connections to the backing services, opened lazily and retried while the stack starts.

Pods start together, so a service may come up before PostgreSQL or NATS answers: it
keeps trying until they do, and reports NOT_SERVING meanwhile (Kubernetes would restart
it; the effect for a client is the same).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import nats
import nats.errors
import nats.js.errors
import psycopg
import psycopg_pool
import pymongo
import pymongo.errors
import urllib3.exceptions
from minio import Minio
from minio.error import MinioException
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext

from xmux_sim.xmus.settings import Settings

log = logging.getLogger("xmus")
T = TypeVar("T")

# A call that fails with one of these failed because a backing service did not answer:
# clients see UNAVAILABLE (503), which they may retry, never INTERNAL.
BACKEND_ERRORS: tuple[type[BaseException], ...] = (
    psycopg.OperationalError,
    psycopg_pool.PoolTimeout,
    pymongo.errors.ConnectionFailure,
    pymongo.errors.ServerSelectionTimeoutError,
    nats.errors.Error,
    nats.js.errors.Error,
    urllib3.exceptions.HTTPError,
    MinioException,
    TimeoutError,
    ConnectionError,
)


async def retry(what: str, attempt: Callable[[], Awaitable[T]], timeout: float = 300.0) -> T:
    """Run ``attempt`` until it succeeds; log the first failure and then every tenth."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    failures = 0
    while True:
        try:
            return await attempt()
        except BACKEND_ERRORS as exc:
            failures += 1
            if loop.time() > deadline:
                raise
            if failures == 1 or failures % 10 == 0:
                log.warning("%s not ready (attempt %d): %s", what, failures, str(exc)[:200])
            await asyncio.sleep(min(2.0, 0.2 * failures))


class Backends:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._pg: psycopg_pool.AsyncConnectionPool | None = None
        self._mongo: pymongo.AsyncMongoClient[dict[str, Any]] | None = None
        self._nats: NatsClient | None = None
        self._minio: Minio | None = None
        # Requests arriving together at start must not open a client each.
        self._opening = asyncio.Lock()

    async def pg(self) -> psycopg_pool.AsyncConnectionPool:
        if self._pg is None:
            async with self._opening:
                return await self._open_pg()
        return self._pg

    async def _open_pg(self) -> psycopg_pool.AsyncConnectionPool:
        if self._pg is None:
            if not self.settings.pg_dsn:
                raise RuntimeError(f"{self.settings.service} needs PostgreSQL, but XMUS_PG_DSN is empty")
            pool = psycopg_pool.AsyncConnectionPool(
                self.settings.pg_dsn,
                min_size=1,
                max_size=10,
                open=False,
                # Shorter than the callers' deadlines (AuthUser: 8 s), so an outage is reported as
                # DEPENDENCY_UNAVAILABLE by the service that saw it, not as a caller's timeout.
                timeout=3.0,
                kwargs={"connect_timeout": 2},
                # A connection cut by a fault is dropped at checkout rather than handed out.
                check=psycopg_pool.AsyncConnectionPool.check_connection,
            )
            await pool.open(wait=False)
            self._pg = pool

            async def ping() -> None:
                async with pool.connection() as conn:
                    await conn.execute("SELECT 1")

            await retry("postgres", ping)
        return self._pg

    async def mongo(self) -> pymongo.asynchronous.database.AsyncDatabase[dict[str, Any]]:
        if self._mongo is None:
            async with self._opening:
                return await self._open_mongo()
        return self._mongo[self.settings.mongo_db]

    async def _open_mongo(self) -> pymongo.asynchronous.database.AsyncDatabase[dict[str, Any]]:
        if self._mongo is None:
            if not self.settings.mongo_url:
                raise RuntimeError(f"{self.settings.service} needs MongoDB, but XMUS_MONGO_URL is empty")
            client: pymongo.AsyncMongoClient[dict[str, Any]] = pymongo.AsyncMongoClient(
                self.settings.mongo_url,
                serverSelectionTimeoutMS=3000,
                connectTimeoutMS=3000,
                directConnection=True,
                tz_aware=True,
            )
            db = client[self.settings.mongo_db]

            async def ping() -> None:
                await db.command("ping")

            await retry("mongo", ping)
            self._mongo = client
        return self._mongo[self.settings.mongo_db]

    async def nats(self) -> NatsClient:
        if self._nats is None:
            async with self._opening:
                return await self._open_nats()
        return self._nats

    async def _open_nats(self) -> NatsClient:
        if self._nats is None:
            if not self.settings.nats_url:
                raise RuntimeError(f"{self.settings.service} needs NATS, but XMUS_NATS_URL is empty")

            async def connect() -> NatsClient:
                return await nats.connect(
                    self.settings.nats_url,
                    user=self.settings.nats_user or None,
                    password=self.settings.nats_password or None,
                    connect_timeout=3,
                    max_reconnect_attempts=-1,
                    reconnect_time_wait=0.5,
                    error_cb=_log_nats_error,
                )

            self._nats = await retry("nats", connect)
        return self._nats

    async def jetstream(self) -> JetStreamContext:
        return (await self.nats()).jetstream(timeout=5)

    def minio(self) -> Minio:
        if self._minio is None:
            if not self.settings.minio_endpoint:
                raise RuntimeError(f"{self.settings.service} needs MinIO, but XMUS_MINIO_ENDPOINT is empty")
            self._minio = Minio(
                self.settings.minio_endpoint,
                access_key=self.settings.minio_access_key,
                secret_key=self.settings.minio_secret_key,
                secure=False,
                region="us-east-1",
            )
        return self._minio

    async def close(self) -> None:
        if self._pg is not None:
            await self._pg.close()
        if self._mongo is not None:
            await self._mongo.close()
        if self._nats is not None:
            await self._nats.close()


async def _log_nats_error(exc: Exception) -> None:
    log.warning("nats: %s", exc)
