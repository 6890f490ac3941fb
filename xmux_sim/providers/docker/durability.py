"""One program alone on a volume (lazy or not): acknowledged writes, power cuts, what survived.

PostgreSQL and NATS JetStream as our images run them, each in one container (see
providers/docker/solo.py), written to with acknowledgements from the host: the lazy
volume's stack tests and benchmark count which acknowledged writes a power cut lost.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any, Protocol

import nats.errors
import nats.js.api
import nats.js.errors
import psycopg

from xmux_sim.clients import nats_connect_once
from xmux_sim.providers.docker.solo import SoloApp, SoloRun
from xmux_sim.services.base import Endpoint
from xmux_sim.services.nats import DATA_DIR as NATS_DATA_DIR
from xmux_sim.services.postgres import PostgresRuntime

STREAM = "LAZY"


@dataclass
class Writes:
    acknowledged: list[int] = field(default_factory=list)
    """Ids whose write was acknowledged (committed, or stored by JetStream)."""
    unknown: int = 0
    """Writes in flight when the program went away: they may or may not have happened."""
    latencies_s: list[float] = field(default_factory=list)


class Alone(Protocol):
    app: SoloApp

    def wait_ready(self, timeout: float = 120.0) -> None: ...

    def write(self, ids: range, stop: threading.Event) -> Writes: ...

    def present(self) -> set[int]: ...


def wait_until(check: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            check()
            return
        except Exception as exc:  # the program is still starting: any error means "not yet"
            last = exc
        time.sleep(0.2)
    raise TimeoutError(f"{what} not ready after {timeout:g}s: {last!r}")


class PostgresAlone:
    """PostgreSQL; ``fsync=False`` turns fsync off (commits acknowledged, never synced)."""

    def __init__(self, run: SoloRun, *, lazy: bool, fsync: bool = True, name: str = "postgres") -> None:
        self.password = secrets.token_hex(8)
        env = {"POSTGRES_USER": "xmux", "POSTGRES_PASSWORD": self.password, "POSTGRES_DB": "xmux"}
        if not fsync:
            env["POSTGRES_ARGS"] = "-c fsync=off"
        self.app = run.app(
            "postgres", PostgresRuntime.data_dir, lazy_volume=lazy, environment=env, ports=(5432,), name=name
        )

    @property
    def url(self) -> str:
        return f"postgresql://xmux:{self.password}@127.0.0.1:{self.app.ports[5432]}/xmux"

    def wait_ready(self, timeout: float = 120.0) -> None:
        def ready() -> None:
            with psycopg.connect(self.url, connect_timeout=2, autocommit=True) as conn:
                conn.execute("CREATE TABLE IF NOT EXISTS acked (id bigint PRIMARY KEY, pad text)")

        wait_until(ready, timeout, f"postgres on {self.app.name}")

    def write(self, ids: range, stop: threading.Event) -> Writes:
        """One INSERT per transaction, each acknowledged by its commit, until ``stop`` or an error."""
        writes = Writes()
        try:
            with psycopg.connect(self.url, connect_timeout=5, autocommit=True) as conn:
                for i in ids:
                    if stop.is_set():
                        break
                    t0 = time.perf_counter()
                    writes.unknown = 1
                    conn.execute("INSERT INTO acked VALUES (%s, repeat('x', 200))", (i,))
                    writes.unknown = 0
                    writes.latencies_s.append(time.perf_counter() - t0)
                    writes.acknowledged.append(i)
        except psycopg.Error:
            pass  # the power went: the last insert, if any, is unknown
        return writes

    def present(self) -> set[int]:
        with psycopg.connect(self.url, connect_timeout=5) as conn:
            exists = conn.execute("SELECT to_regclass('acked') IS NOT NULL").fetchone()
            if not exists or not exists[0]:
                return set()  # the table itself was lost
            return {int(r[0]) for r in conn.execute("SELECT id FROM acked").fetchall()}


class NatsAlone:
    """A NATS server with a file-stored JetStream stream; ``sync``: "always" or "default" (2 min)."""

    def __init__(self, run: SoloRun, *, lazy: bool, sync: str = "always", name: str = "nats") -> None:
        self.password = secrets.token_hex(8)
        jetstream: dict[str, Any] = {"store_dir": NATS_DATA_DIR}
        if sync != "default":
            jetstream["sync_interval"] = sync
        config = {
            "server_name": name,
            "listen": "0.0.0.0:4222",
            "authorization": {"user": "xmux", "password": self.password},
            "jetstream": jetstream,
        }
        self.app = run.app(
            "nats",
            NATS_DATA_DIR,
            lazy_volume=lazy,
            environment={"NATS_CONFIG": "/tmp/nats.conf"},
            files={"/tmp/nats.conf": json.dumps(config).encode()},
            ports=(4222,),
            name=name,
        )

    async def _connect(self) -> Any:
        endpoint = Endpoint(
            service=self.app.name,
            replica=0,
            kind="nats",
            ports={"client": self.app.ports[4222]},
            pod_ip="127.0.0.1",
            credentials={"user": "xmux", "password": self.password},
        )
        return await nats_connect_once(endpoint, timeout=2)

    def wait_ready(self, timeout: float = 120.0) -> None:
        async def ready() -> None:
            nc = await self._connect()
            try:
                js = nc.jetstream()
                try:
                    await js.stream_info(STREAM)
                except nats.js.errors.NotFoundError:
                    await js.add_stream(name=STREAM, subjects=["lazy.>"], storage="file", num_replicas=1)
            finally:
                await nc.close()

        wait_until(lambda: asyncio.run(ready()), timeout, f"nats on {self.app.name}")

    def write(self, ids: range, stop: threading.Event) -> Writes:
        return asyncio.run(self._publish(ids, stop))

    async def _publish(self, ids: range, stop: threading.Event) -> Writes:
        writes = Writes()
        try:
            nc = await self._connect()
        except (OSError, nats.errors.Error, TimeoutError):
            return writes
        try:
            js = nc.jetstream()
            for i in ids:
                if stop.is_set():
                    break
                t0 = time.perf_counter()
                writes.unknown = 1
                await js.publish(f"lazy.{i % 16}", str(i).encode().ljust(200), timeout=5)
                writes.unknown = 0
                writes.latencies_s.append(time.perf_counter() - t0)
                writes.acknowledged.append(i)
        except (OSError, TimeoutError, nats.errors.Error, nats.js.errors.Error):
            pass
        finally:
            with suppress(TimeoutError, nats.errors.Error):
                await asyncio.wait_for(nc.close(), 2)
        return writes

    def present(self) -> set[int]:
        return asyncio.run(self._read_all())

    async def _read_all(self) -> set[int]:
        nc = await self._connect()
        try:
            js = nc.jetstream()
            try:
                info = await js.stream_info(STREAM)
            except nats.js.errors.NotFoundError:
                return set()
            found: set[int] = set()
            if info.state.messages == 0:
                return found
            # No acks: a consumer that waits for acks stops delivering after max_ack_pending (1000).
            config = nats.js.api.ConsumerConfig(ack_policy=nats.js.api.AckPolicy.NONE)
            sub = await js.pull_subscribe("lazy.>", stream=STREAM, config=config)
            while len(found) < info.state.messages:
                try:
                    batch = await sub.fetch(500, timeout=5)
                except TimeoutError:
                    break
                for msg in batch:
                    found.add(int(msg.data.strip()))
            return found
        finally:
            await nc.close()


@dataclass
class CutRound:
    writes: Writes
    lost: list[int]
    """Acknowledged ids missing after the restart."""
    unsynced_bytes_before: int | None
    """What the lazy volume held unsynced just before the cut (None: not lazy)."""


def power_cut_round(system: Alone, ids: range, after_s: float, lazy: bool) -> CutRound:
    """Write while the power goes off after ``after_s``; restart; which acknowledged writes survived."""
    stop = threading.Event()
    result: list[Writes] = []
    writer = threading.Thread(target=lambda: result.append(system.write(ids, stop)), daemon=True)
    writer.start()
    time.sleep(after_s)
    unsynced = system.app.ask("status")["unsynced_bytes"] if lazy else None
    system.app.power_cut()
    stop.set()
    writer.join(timeout=60)
    writes = result[0] if result else Writes()
    system.app.start()
    system.wait_ready()
    present = system.present()
    return CutRound(writes, [i for i in writes.acknowledged if i not in present], unsynced)
