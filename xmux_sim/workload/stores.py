"""Unique-key writers for PostgreSQL, MongoDB, JetStream and MinIO, and an HTTP reader.

Where a client library cannot tell "never sent" from "sent, answer lost", the error is
recorded as unknown: a lost-write verdict may only rest on what the client knew.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import os
import re
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Iterable
from typing import Any

import nats
import nats.errors
import nats.js.errors
import psycopg
import pymongo
import pymongo.errors
import urllib3
from minio import Minio
from minio.error import S3Error
from nats.js.api import Placement, StreamConfig

from xmux_sim.clients import nats_connect_once
from xmux_sim.services.mongo import MongoRuntime
from xmux_sim.services.postgres import PostgresRuntime
from xmux_sim.workload.base import Indeterminate, Refused, WorkloadClient

IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


def _ident(name: str) -> str:
    if not IDENT.match(name):
        raise ValueError(f"not a plain identifier: {name!r}")
    return name


class SqlInsert(WorkloadClient):
    kind = "sql-insert"

    def _connect(self, autocommit: bool = True) -> psycopg.Connection[Any]:
        t = self.spec.timeout
        # tcp_user_timeout: a black-holed server fails the request after `timeout`, instead of
        # the kernel retrying for minutes.
        return psycopg.connect(
            PostgresRuntime.url(self.endpoint),
            connect_timeout=max(1, int(t)),
            tcp_user_timeout=int(t * 1000),
            autocommit=autocommit,
        )

    @property
    def table(self) -> str:
        return _ident(str(self.params.get("table") or "xmux_sim_writes"))

    def setup(self) -> None:
        with self._connect() as conn:
            columns = "key text PRIMARY KEY, at timestamptz DEFAULT now()"
            conn.execute(f"CREATE TABLE IF NOT EXISTS {self.table} ({columns})")

    def connect(self) -> Any:
        try:
            return self._connect()
        except psycopg.Error as exc:
            raise Refused() from exc

    def attempt(self, conn: Any, key: str) -> object:
        # libpq has no client-side deadline: a server that holds the request (a paused pod, a
        # synchronous commit waiting for a standby) would block past `timeout`. The timer
        # breaks the socket instead, and the insert ends as unknown. (Cancelling the query
        # would not do: a cancelled wait for a standby still commits locally.)
        timer = threading.Timer(self.spec.timeout, _break_socket, args=(conn,))
        timer.start()
        try:
            conn.execute(f"INSERT INTO {self.table} (key) VALUES (%s)", (key,))
        except (psycopg.errors.IntegrityError, psycopg.errors.ReadOnlySqlTransaction) as exc:
            raise Refused() from exc  # the server answered this request: not applied
        except psycopg.OperationalError as exc:
            raise Indeterminate() from exc  # the connection broke with the request in flight
        except psycopg.Error as exc:
            raise Refused() from exc
        finally:
            timer.cancel()
        return key

    def close(self, conn: Any) -> None:
        conn.close()

    def final_read(self) -> Iterable[str]:
        with self._connect() as conn:
            try:
                rows = conn.execute(f"SELECT key FROM {self.table} WHERE key LIKE %s", (f"{self.name}:%",))
            except psycopg.errors.UndefinedTable:
                return []  # the table itself is gone (the only copy of the database was lost)
            return [r[0] for r in rows]


def _break_socket(conn: psycopg.Connection[Any]) -> None:
    with contextlib.suppress(OSError, psycopg.Error):
        socket.socket(fileno=os.dup(conn.fileno())).shutdown(socket.SHUT_RDWR)


class MongoInsert(WorkloadClient):
    kind = "mongo-insert"

    def _client(self) -> pymongo.MongoClient[dict[str, Any]]:
        ms = int(self.spec.timeout * 1000)
        return pymongo.MongoClient(
            MongoRuntime.url(self.endpoint),
            directConnection=True,
            serverSelectionTimeoutMS=ms,
            connectTimeoutMS=ms,
            socketTimeoutMS=ms,
            retryWrites=False,  # one attempt per operation: the history must say what happened
        )

    @property
    def collection(self) -> str:
        return str(self.params.get("collection") or "xmux_sim_writes")

    def connect(self) -> Any:
        return self._client()

    def attempt(self, conn: Any, key: str) -> object:
        db = conn[self.endpoint.credentials.get("database", "xmux")]
        try:
            db[self.collection].insert_one({"_id": key})
        except pymongo.errors.ServerSelectionTimeoutError as exc:
            raise Refused() from exc  # no server was selected: nothing was sent
        except (
            pymongo.errors.AutoReconnect,
            pymongo.errors.NetworkTimeout,
            pymongo.errors.WriteConcernError,  # applied on the primary, not yet where it was asked
            pymongo.errors.WTimeoutError,
        ) as exc:
            raise Indeterminate() from exc
        except pymongo.errors.PyMongoError as exc:
            raise Refused() from exc
        return key

    def close(self, conn: Any) -> None:
        conn.close()

    def final_read(self) -> Iterable[str]:
        with self._client() as client:
            db = client[self.endpoint.credentials.get("database", "xmux")]
            cursor = db[self.collection].find({"_id": {"$regex": f"^{re.escape(self.name)}:"}}, {"_id": 1})
            return [str(d["_id"]) for d in cursor]


class _Loop:
    """A private asyncio loop in a thread: nats-py is async-only, our workers are threads."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    def close(self) -> None:
        self.loop.close()


class JetStreamPublish(WorkloadClient):
    kind = "jetstream-publish"
    op = "publish"

    @property
    def stream(self) -> str:
        return str(self.params.get("stream") or "XMUX_SIM")

    @property
    def subject(self) -> str:
        return str(self.params.get("subject") or "xmux-sim.writes")

    @property
    def replicas(self) -> int:
        """The stream's replicas: as asked, else one per server of the service (JetStream's maximum is 5)."""
        asked = int(self.params.get("replicas") or 0)
        return asked or min(self.service_replicas, 5)

    def stream_config(self) -> StreamConfig:
        tag = self.params.get("placement")
        return StreamConfig(
            name=self.stream,
            subjects=[self.subject],
            num_replicas=self.replicas,
            placement=Placement(tags=[str(tag)]) if tag else None,
        )

    async def _nc(self) -> Any:
        return await nats_connect_once(self.endpoint, self.spec.timeout)

    def setup(self) -> None:
        async def create() -> None:
            nc = await self._nc()
            try:
                js = nc.jetstream()
                try:
                    await js.stream_info(self.stream)
                except nats.js.errors.NotFoundError:
                    await js.add_stream(self.stream_config())
            finally:
                await nc.close()

        asyncio.run(create())

    def connect(self) -> Any:
        loop = _Loop()
        try:
            return loop, loop.run(self._nc())
        except (OSError, TimeoutError, nats.errors.Error) as exc:
            loop.close()
            raise Refused() from exc

    def attempt(self, conn: Any, key: str) -> object:
        loop, nc = conn
        try:
            ack = loop.run(nc.jetstream().publish(self.subject, key.encode(), timeout=self.spec.timeout))
        except nats.js.errors.APIError as exc:
            raise Refused() from exc  # JetStream answered no
        except nats.errors.NoRespondersError as exc:
            raise Refused() from exc  # nobody took the message
        except (TimeoutError, nats.errors.Error, OSError) as exc:
            raise Indeterminate() from exc
        return ack.seq

    def close(self, conn: Any) -> None:
        loop, nc = conn
        try:
            loop.run(nc.close())
        finally:
            loop.close()

    def final_read(self) -> Iterable[str]:
        async def read() -> list[str]:
            nc = await self._nc()
            try:
                js = nc.jetstream()
                try:
                    info = await js.stream_info(self.stream)
                except nats.js.errors.NotFoundError:
                    return []  # the stream itself is gone (its only replica's disk was lost)
                prefix = f"{self.name}:".encode()
                keys = []
                for seq in range(info.state.first_seq, info.state.last_seq + 1):
                    try:
                        msg = await js.get_msg(self.stream, seq)
                    except nats.js.errors.NotFoundError:
                        continue  # a deleted or purged sequence
                    if msg.data and msg.data.startswith(prefix):
                        keys.append(msg.data.decode())
                return keys
            finally:
                await nc.close()

        return asyncio.run(read())


def payload(key: str, size: int) -> bytes:
    """Deterministic content for a key, so a final read can tell a damaged object from a good one."""
    block = hashlib.sha256(key.encode()).digest()
    return (block * (size // len(block) + 1))[:size]


class MinioPut(WorkloadClient):
    kind = "minio-put"
    op = "put"

    def _client(self) -> Minio:
        t = self.spec.timeout
        http = urllib3.PoolManager(timeout=urllib3.Timeout(connect=t, read=t), retries=False)
        ep = self.endpoint
        return Minio(
            ep.address("api"),
            access_key=ep.credentials["access_key"],
            secret_key=ep.credentials["secret_key"],
            secure=False,
            http_client=http,
        )

    @property
    def bucket(self) -> str:
        return str(self.params.get("bucket") or "xmux-sim-writes")

    def setup(self) -> None:
        client = self._client()
        if not client.bucket_exists(self.bucket):
            client.make_bucket(self.bucket)

    def connect(self) -> Any:
        return self._client()

    def attempt(self, conn: Any, key: str) -> object:
        data = payload(key, int(self.params.get("size", 1024)))
        try:
            conn.put_object(self.bucket, key, io.BytesIO(data), len(data))
        except S3Error as exc:
            raise Refused() from exc
        except urllib3.exceptions.NewConnectionError as exc:
            raise Refused() from exc
        except urllib3.exceptions.MaxRetryError as exc:
            if isinstance(exc.reason, urllib3.exceptions.NewConnectionError):
                raise Refused() from exc
            raise Indeterminate() from exc
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise Indeterminate() from exc
        return hashlib.sha256(data).hexdigest()[:16]

    def final_read(self) -> Iterable[str]:
        client = self._client()
        size = int(self.params.get("size", 1024))
        keys: list[str] = []
        if not client.bucket_exists(self.bucket):
            return keys  # the bucket itself is gone (its only drive was lost)
        for obj in client.list_objects(self.bucket, prefix=f"{self.name}:", recursive=True):
            name = str(obj.object_name)
            resp = client.get_object(self.bucket, name)
            try:
                # An object whose bytes are wrong was not kept: it counts as lost.
                if resp.read() == payload(name, size):
                    keys.append(name)
            finally:
                resp.close()
                resp.release_conn()
        return keys


class HttpGet(WorkloadClient):
    kind = "http-get"
    op = "read"

    def connect(self) -> Any:
        port = str(self.params.get("port") or "http")
        return f"http://{self.endpoint.address(port)}{self.params.get('path') or '/'}"

    def attempt(self, conn: Any, key: str) -> object:
        try:
            with urllib.request.urlopen(conn, timeout=self.spec.timeout) as resp:
                resp.read()
                return int(resp.status)
        except urllib.error.HTTPError as exc:
            raise Refused() from exc  # the server answered with an error status
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError | socket.timeout):
                raise Indeterminate() from exc
            raise Refused() from exc  # refused, unreachable: no request was taken
        except (TimeoutError, OSError) as exc:
            raise Indeterminate() from exc
