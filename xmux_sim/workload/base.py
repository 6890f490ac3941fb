"""Workload clients that record every operation, honestly, on the run's clock.

A client runs `concurrency` worker threads, each with its own connection, paced so the
client as a whole offers `rate` operations per second (0: as fast as answers come).
Each operation ends in one of three outcomes, and the difference matters to the
lost-write checker:

- ``fail``: the store cannot have applied it (no connection, an error the server
  returned for this very request);
- ``unknown``: the request may have been applied (a timeout, a connection that broke
  after the request left) — a later final read decides;
- ``ok``: the store acknowledged it.

A worker whose connection broke drops it and reconnects on its next operation, as a
real client pool would.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from xmux_sim.history import Recorder
from xmux_sim.registry import Registry, subclasses
from xmux_sim.scenario.model import ClientSpec
from xmux_sim.services.base import Endpoint
from xmux_sim.topology.model import Stack


@dataclass(frozen=True)
class ClientContext:
    """What some clients need beyond their endpoint: the stack, and the run's other endpoints."""

    stack: Stack
    endpoint: Callable[[str], Endpoint]
    seed: int = 0
    """The run's seed: clients draw their random choices (which student, ...) from it."""

    def service_of_kind(self, kind: str) -> str:
        return next(s.name for s in self.stack.services.values() if s.kind == kind)


class Refused(Exception):
    """The operation was definitely not applied."""


class Indeterminate(Exception):
    """The operation may or may not have been applied; the connection is not to be trusted."""


class WorkloadClient:
    """A kind implements connect and attempt; setup, close and final_read as it needs.

    ``kind`` names the client kind a subclass carries out (declared in
    :data:`~xmux_sim.scenario.kinds.CLIENT_KINDS`); :data:`CLIENTS` finds it by that name.
    """

    kind: ClassVar[str]
    op: ClassVar[str] = "write"
    service_replicas: int = 1
    """Replicas of the client's service in the stack (the runner sets it): what "replicated" means."""

    def __init__(
        self,
        spec: ClientSpec,
        endpoint: Endpoint,
        recorder: Recorder,
        name: str,
        context: ClientContext | None = None,
    ) -> None:
        self.context = context
        self.spec = spec
        self.endpoint = endpoint
        self.recorder = recorder
        self.name = name
        self.params: dict[str, Any] = dict(spec.params)
        self.counts = {"ok": 0, "fail": 0, "unknown": 0}
        self._lock = threading.Lock()

    @property
    def store(self) -> str:
        return self.spec.service

    def key(self, worker: int, n: int) -> str:
        return f"{self.name}:{worker}:{n}"

    # ----- what each kind provides --------------------------------------------------------

    def setup(self) -> None:
        """Create what the operations need (a table, a stream, a bucket) before the clock starts."""

    def connect(self) -> Any:
        """A connection for one worker; raise Refused when none can be had."""
        raise NotImplementedError

    def attempt(self, conn: Any, key: str) -> object:
        """One operation; returns the value to record. Raises Refused or Indeterminate."""
        raise NotImplementedError

    def close(self, conn: Any) -> None:
        """Release a worker's connection (errors are ignored)."""

    def final_read(self) -> Iterable[str] | None:
        """The keys of this client the store holds after recovery (None: nothing to read)."""
        return None

    # ----- the loop ---------------------------------------------------------------------------

    def run(self, stop: threading.Event) -> list[threading.Thread]:
        threads = [
            threading.Thread(target=self._worker, args=(w, stop), name=f"{self.name}/{w}", daemon=True)
            for w in range(self.spec.concurrency)
        ]
        for t in threads:
            t.start()
        return threads

    def _worker(self, worker: int, stop: threading.Event) -> None:
        interval = self.spec.concurrency / self.spec.rate if self.spec.rate > 0 else 0.0
        # Workers of one client start spread over one interval, not in lock-step.
        next_at = time.monotonic() + interval * worker / max(1, self.spec.concurrency)
        conn: Any = None
        n = 0
        process = f"{self.name}/{worker}"
        while not stop.is_set():
            if interval:
                if stop.wait(max(0.0, next_at - time.monotonic())):
                    break
                # Behind schedule (a slow answer): skip the missed slots rather than burst.
                next_at = max(next_at + interval, time.monotonic())
            key = self.key(worker, n)
            n += 1
            conn = self._one(conn, process, key, stop)
        if conn is not None:
            self._close(conn)

    def _one(self, conn: Any, process: str, key: str, stop: threading.Event) -> Any:
        with self.recorder.operation(process, self.op, key, None, store=self.store) as rec:
            try:
                if conn is None:
                    conn = self.connect()
                rec.ok(self.attempt(conn, key))
                outcome = "ok"
            except Refused as exc:
                rec.fail(_cause(exc))
                outcome = "fail"
                conn = self._drop(conn)
            except Indeterminate as exc:
                rec.unknown(_cause(exc))
                outcome = "unknown"
                conn = self._drop(conn)
            except Exception as exc:
                # A client library's error we did not classify: we cannot say the request was
                # not applied, so it is unknown; the worker goes on with a fresh connection.
                rec.unknown(_cause(exc))
                outcome = "unknown"
                conn = self._drop(conn)
        with self._lock:
            self.counts[outcome] += 1
        if outcome != "ok":
            # A failing store answers at once; do not spin on it.
            stop.wait(0.05)
        return conn

    def _drop(self, conn: Any) -> Any:
        """Close a connection that can no longer be trusted; the next operation reconnects."""
        if conn is not None:
            self._close(conn)
        return None

    def _close(self, conn: Any) -> None:
        # Closing a broken connection may fail in many ways; it is gone either way.
        with contextlib.suppress(Exception):
            self.close(conn)


def _cause(exc: BaseException) -> BaseException | str:
    inner = exc.__cause__ or exc
    text = str(inner).strip().splitlines()[0] if str(inner).strip() else ""
    return f"{type(inner).__name__}: {text[:200]}" if text else type(inner).__name__


CLIENTS: Registry[type[WorkloadClient]] = Registry(
    "workload client", ["xmux_sim.workload"], subclasses(WorkloadClient, "kind"), lambda cls: (cls.kind,)
)
"""Client kind -> the class that carries it out."""
