"""History model: operations, JSON Lines, the run clock and the thread-safe recorder."""

from __future__ import annotations

import asyncio
import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xmux_sim.history import FIELDS, FinalRead, History, Operation, Outcome, Recorder
from xmux_sim.timeline import RunClock


class FakeTime:
    """A monotonic source the test moves by hand."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def op(
    key: str | None = "k1",
    outcome: Outcome = Outcome.ok,
    *,
    t: float = 0.0,
    d: float | None = 0.01,
    kind: str = "write",
    process: str = "p0",
    store: str | None = "postgres",
) -> Operation:
    return Operation(process, kind, key, None, t, None if d is None else t + d, outcome, store)


def make_recorder(start: float = 1000.0) -> tuple[Recorder, FakeTime]:
    source = FakeTime(start)
    return Recorder(RunClock(source=source)), source


# --- Operation and History -------------------------------------------------------------------


def test_operation_latency_and_pending() -> None:
    assert op(t=1.0, d=0.25).latency == pytest.approx(0.25)
    pending = op(d=None, outcome=Outcome.unknown)
    assert pending.pending and pending.latency is None


def test_operation_hashable_even_with_extra() -> None:
    a = Operation("p", "write", "k", 1, 0.0, 1.0, Outcome.ok, extra={"attempt": 2})
    assert hash(a) == hash(Operation("p", "write", "k", 1, 0.0, 1.0, Outcome.ok, extra={"attempt": 2}))


def test_from_dict_rejects_unknown_fields() -> None:
    data = op().to_dict() | {"colour": "red"}
    with pytest.raises(ValueError, match="colour"):
        Operation.from_dict(data)


def test_filter_by_store_op_and_process() -> None:
    h = History(
        [
            op("a", store="postgres", process="p0"),
            op("b", store="nats", kind="publish", process="p1"),
            op("c", store="postgres", kind="read", process="p1"),
        ]
    )
    assert [o.key for o in h.filter(store="postgres")] == ["a", "c"]
    assert [o.key for o in h.filter(op="publish")] == ["b"]
    assert [o.key for o in h.filter(process="p1", op=("read", "publish"))] == ["b", "c"]
    assert [o.key for o in h.filter(outcome=Outcome.ok, where=lambda o: o.key != "a")] == ["b", "c"]
    assert h.stores() == {"postgres", "nats"}
    assert h.processes() == {"p0", "p1"}


def test_history_sequence_behaviour() -> None:
    h = History()
    h.append(op("a", t=2.0))
    h.extend([op("b", t=1.0), op("c", t=3.0)])
    assert len(h) == 3 and h[0].key == "a"
    assert isinstance(h[1:], History) and [o.key for o in h[1:]] == ["b", "c"]
    assert [o.key for o in h.by_invoke_time()] == ["b", "a", "c"]
    assert h == History(list(h)) and h != History()


# --- JSON Lines -------------------------------------------------------------------------------


def test_jsonl_uses_exactly_the_contract_fields(tmp_path: Path) -> None:
    path = tmp_path / "history.jsonl"
    History([op(), op("k2", Outcome.unknown, d=None)]).write_jsonl(path)
    lines = path.read_text().splitlines()
    assert len(lines) == 2
    for line in lines:
        assert tuple(json.loads(line)) == FIELDS
    assert json.loads(lines[1])["complete_t"] is None
    assert json.loads(lines[1])["outcome"] == "unknown"


def test_jsonl_round_trip_by_hand(tmp_path: Path) -> None:
    path = tmp_path / "h.jsonl"
    original = History(
        [
            Operation("p0", "write", "k1", {"n": 1}, 0.5, 0.75, Outcome.ok, "postgres"),
            Operation(
                "p1", "read", None, ["k1", "k2"], 1.0, 1.5, Outcome.ok, "postgres", extra={"node": "n1"}
            ),
            Operation("p2", "publish", "m1", None, 2.0, None, Outcome.unknown, "nats", "TimeoutError"),
            Operation("p3", "call", None, None, 3.0, 3.1, Outcome.fail, None, "UNAVAILABLE"),
        ]
    )
    original.write_jsonl(path)
    assert History.read_jsonl(path) == original


def test_jsonl_keeps_sets_as_sorted_lists(tmp_path: Path) -> None:
    path = tmp_path / "h.jsonl"
    History([Operation("p", "read", None, {"b", "a"}, 0.0, 1.0, Outcome.ok)]).write_jsonl(path)
    assert History.read_jsonl(path)[0].value == ["a", "b"]


def test_read_jsonl_names_the_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "h.jsonl"
    good = json.dumps(op().to_dict())
    path.write_text(f"{good}\n\n{json.dumps({'process': 'p'})}\n")
    with pytest.raises(ValueError, match=r"h\.jsonl:3:"):
        History.read_jsonl(path)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
times = st.floats(min_value=0, max_value=1e6, allow_nan=False)
operations = st.builds(
    Operation,
    process=st.text(min_size=1, max_size=8),
    op=st.sampled_from(["write", "read", "call", "publish", "put"]),
    key=st.none() | st.text(max_size=12),
    value=json_values,
    invoke_t=times,
    complete_t=st.none() | times,
    outcome=st.sampled_from(list(Outcome)),
    store=st.none() | st.sampled_from(["postgres", "nats", "minio", "mongo"]),
    error=st.none() | st.text(max_size=20),
    extra=st.dictionaries(st.text(max_size=5), json_values, max_size=2),
)


@given(st.lists(operations, max_size=20))
def test_jsonl_round_trip_property(tmp_path_factory: pytest.TempPathFactory, ops: list[Operation]) -> None:
    path = tmp_path_factory.mktemp("rt") / "h.jsonl"
    History(ops).write_jsonl(path)
    assert History.read_jsonl(path) == History(ops)


# --- RunClock ---------------------------------------------------------------------------------


def test_run_clock_counts_from_start_and_maps_to_wall_time() -> None:
    source = FakeTime(500.0)
    start = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    clock = RunClock(source=source, started_at=start)
    assert clock.now() == 0.0
    source.now = 512.5
    assert clock.now() == 12.5
    assert clock.wall(12.5) == start + timedelta(seconds=12.5)


def test_run_clock_default_is_real_and_monotonic() -> None:
    clock = RunClock()
    a = clock.now()
    assert 0 <= a <= clock.now()
    assert clock.started_at.tzinfo is not None


# --- Recorder ---------------------------------------------------------------------------------


def test_recorder_times_an_ok_operation() -> None:
    rec, source = make_recorder()
    source.now = 1001.0
    with rec.operation("p0", "write", "k1", "v1", store="postgres"):
        source.now = 1001.5
    (o,) = rec.history
    assert (o.invoke_t, o.complete_t, o.outcome) == (1.0, 1.5, Outcome.ok)
    assert (o.process, o.op, o.key, o.value, o.store, o.error) == (
        "p0",
        "write",
        "k1",
        "v1",
        "postgres",
        None,
    )


def test_recorder_ok_replaces_value_and_fail_records_error() -> None:
    rec, _ = make_recorder()
    with rec.operation("p0", "read", "k1") as r:
        r.ok(value=42)
    with rec.operation("p0", "write", "k2", 7) as r:
        r.fail("WRONG_PASSWORD")
    with rec.operation("p0", "write", "k3") as r:
        r.unknown("DEADLINE_EXCEEDED")
    read, failed, unsure = rec.history
    assert (read.outcome, read.value) == (Outcome.ok, 42)
    assert (failed.outcome, failed.error, failed.value) == (Outcome.fail, "WRONG_PASSWORD", 7)
    assert (unsure.outcome, unsure.error) == (Outcome.unknown, "DEADLINE_EXCEEDED")


def test_recorder_timeout_is_unknown_never_fail() -> None:
    rec, _ = make_recorder()
    with pytest.raises(TimeoutError), rec.operation("p0", "write", "k1") as r:
        r.fail("marked before the timeout")  # the exception decides, not the earlier mark
        raise TimeoutError("deadline")
    (o,) = rec.history
    assert o.outcome is Outcome.unknown
    assert o.error == "TimeoutError: deadline"
    assert o.complete_t is not None


def test_recorder_asyncio_timeout_is_unknown() -> None:
    rec, _ = make_recorder()

    async def body() -> None:
        async with rec.operation("p0", "publish", "m1", store="nats"):
            await asyncio.wait_for(asyncio.sleep(10), timeout=0.001)

    with pytest.raises(asyncio.TimeoutError):
        asyncio.run(body())
    assert rec.history[0].outcome is Outcome.unknown


def test_recorder_cancellation_is_unknown() -> None:
    rec, _ = make_recorder()

    async def body() -> None:
        with rec.operation("p0", "write", "k1"):
            await asyncio.sleep(10)

    async def main() -> None:
        task = asyncio.create_task(body())
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert rec.history[0].outcome is Outcome.unknown


class DeadlineExceeded(Exception):
    pass


def test_registered_indeterminate_exception_is_unknown() -> None:
    rec, _ = make_recorder()
    rec.register_indeterminate(DeadlineExceeded)
    with pytest.raises(DeadlineExceeded), rec.operation("p0", "write", "k1"):
        raise DeadlineExceeded
    assert rec.history[0].outcome is Outcome.unknown
    assert rec.history[0].error == "DeadlineExceeded"

    also = Recorder(indeterminate=[DeadlineExceeded])
    with pytest.raises(DeadlineExceeded), also.operation("p0", "write", "k1"):
        raise DeadlineExceeded
    assert also.history[0].outcome is Outcome.unknown


def test_other_exception_is_fail_with_text_and_propagates() -> None:
    rec, _ = make_recorder()
    with pytest.raises(ConnectionRefusedError), rec.operation("p0", "write", "k1") as r:
        r.ok()
        raise ConnectionRefusedError("connection refused")
    (o,) = rec.history
    assert o.outcome is Outcome.fail
    assert o.error == "ConnectionRefusedError: connection refused"


def test_snapshot_shows_operations_in_flight_as_pending_unknown() -> None:
    rec, source = make_recorder()
    with rec.operation("p0", "write", "done"):
        pass
    scope = rec.operation("p1", "write", "in-flight")
    scope.__enter__()
    source.now += 3
    snap = rec.snapshot()
    assert [o.key for o in snap] == ["done", "in-flight"]
    assert snap[1].pending and snap[1].outcome is Outcome.unknown
    assert [o.key for o in rec.snapshot(include_pending=False)] == ["done"]
    scope.__exit__(None, None, None)
    assert [o.key for o in rec.snapshot()] == ["done", "in-flight"]
    assert not rec.snapshot()[1].pending


def test_recorder_is_thread_safe() -> None:
    rec = Recorder()

    def worker(n: int) -> None:
        for i in range(500):
            with rec.operation(f"p{n}", "write", f"{n}-{i}"):
                pass

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(rec.history) == 4000
    assert len({o.key for o in rec.history}) == 4000
    assert rec.snapshot() == rec.history


def test_record_appends_a_prebuilt_operation() -> None:
    rec, _ = make_recorder()
    rec.record(op("x"))
    assert rec.history[0].key == "x"


# --- FinalRead --------------------------------------------------------------------------------


def test_final_read_counts_duplicates_across_calls() -> None:
    read = FinalRead()
    read.add("nats", ["m1", "m2", "m1"])
    read.add("nats", ["m2"])
    assert read.counts("nats") == {"m1": 2, "m2": 2}
    assert set(read.keys("nats")) == {"m1", "m2"}
    assert read.has("nats") and not read.has("postgres")
    assert not read.keys("postgres")


def test_final_read_dict_round_trip() -> None:
    read = FinalRead.of(postgres={"a", "b"}, nats=["m", "m"])
    again = FinalRead.from_dict(json.loads(json.dumps(read.to_dict())))
    assert again == read
    assert FinalRead.from_dict({"minio": ["o1", "o2"]}).counts("minio") == {"o1": 1, "o2": 1}
