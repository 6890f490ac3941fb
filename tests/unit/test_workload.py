"""The workload loop: outcomes recorded as the client knew them, pacing, reconnects."""

from __future__ import annotations

import threading
import time
from typing import Any

from xmux_sim.history import Outcome, Recorder
from xmux_sim.scenario.model import ClientSpec
from xmux_sim.services.base import Endpoint
from xmux_sim.workload import Indeterminate, Refused, WorkloadClient

EP = Endpoint(service="db", replica=0, kind="postgres", ports={"sql": 1}, pod_ip="198.18.1.10")


class Scripted(WorkloadClient):
    """Answers from a script: 'ok', 'refused', 'lost' (indeterminate), 'down' (connect refused)."""

    def __init__(self, script: list[str], rate: float = 0.0, concurrency: int = 1) -> None:
        spec = ClientSpec(kind="sql-insert", service="db", concurrency=concurrency, rate=rate)
        super().__init__(spec, EP, Recorder(), "scripted")
        self.script = script
        self.connects = 0
        self.lock = threading.Lock()

    def next(self) -> str:
        with self.lock:
            return self.script.pop(0) if self.script else "ok"

    def connect(self) -> Any:
        if self.script and self.script[0] == "down":
            self.next()
            raise Refused()
        self.connects += 1
        return object()

    def attempt(self, conn: Any, key: str) -> object:
        answer = self.next()
        if answer == "refused":
            raise Refused() from ValueError("duplicate key")
        if answer == "lost":
            raise Indeterminate() from TimeoutError("no answer")
        return key


def run_for(client: WorkloadClient, seconds: float) -> None:
    stop = threading.Event()
    threads = client.run(stop)
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()


def test_outcomes_follow_what_the_client_knew() -> None:
    client = Scripted(["ok", "refused", "lost", "down", "ok"], rate=100)
    run_for(client, 0.3)
    first = list(client.recorder.history)[:4]
    assert [o.outcome for o in first] == [Outcome.ok, Outcome.fail, Outcome.unknown, Outcome.fail]
    assert first[1].error == "ValueError: duplicate key" and first[2].error == "TimeoutError: no answer"
    assert all(
        o.store == "db" and o.op == "write" and o.key and o.key.startswith("scripted:0:") for o in first
    )
    # After an indeterminate answer the connection is dropped: a later op reconnected.
    assert client.connects >= 2


def test_rate_is_the_whole_clients_rate() -> None:
    client = Scripted([], rate=40, concurrency=4)
    run_for(client, 1.0)
    n = len(client.recorder.history)
    assert 30 <= n <= 50, n
    assert {o.process for o in client.recorder.history} == {f"scripted/{w}" for w in range(4)}
    keys = [o.key for o in client.recorder.history]
    assert len(keys) == len(set(keys)), "keys must be unique"
