"""lost_writes: set semantics over acknowledged writes and a final read."""

from __future__ import annotations

import json
import random

from hypothesis import given
from hypothesis import strategies as st

from xmux_sim.checkers import UNKNOWN, lost_writes
from xmux_sim.history import FinalRead, History, Operation, Outcome

OK, FAIL, UNK = Outcome.ok, Outcome.fail, Outcome.unknown


def w(
    key: str, outcome: Outcome = OK, t: float = 0.0, store: str = "postgres", kind: str = "write"
) -> Operation:
    return Operation("p0", kind, key, None, t, None if outcome is UNK else t + 0.01, outcome, store)


def read_all(keys: list[str], t: float, store: str = "postgres") -> Operation:
    return Operation("r0", "read", None, keys, t, t + 0.01, OK, store)


def test_all_acknowledged_writes_present_is_valid() -> None:
    h = History([w("a"), w("b"), w("c", FAIL), w("d", UNK)])
    v = lost_writes(h, FinalRead.of(postgres={"a", "b"}), "postgres")
    assert v.valid is True
    assert v.figures["attempted"] == 4 and v.figures["acknowledged"] == 2 and v.figures["lost"] == 0
    assert "all 2 acknowledged writes present" in v.message


def test_missing_acknowledged_write_is_lost_and_named() -> None:
    h = History([w("a"), w("b"), w("c")])
    v = lost_writes(h, FinalRead.of(postgres={"a", "c"}), "postgres")
    assert v.valid is False
    assert v.evidence["lost"] == ["b"]
    assert v.figures["lost"] == 1
    assert "b" in v.message and "lost" in v.message


def test_never_written_key_is_unexpected() -> None:
    v = lost_writes(History([w("a")]), FinalRead.of(postgres={"a", "zz"}), "postgres")
    assert v.valid is False
    assert v.evidence["unexpected"] == ["zz"]


def test_unknown_write_present_is_recovered_and_fine() -> None:
    v = lost_writes(History([w("a"), w("b", UNK)]), FinalRead.of(postgres={"a", "b"}), "postgres")
    assert v.valid is True
    assert v.evidence["recovered"] == ["b"]
    assert v.figures["recovered"] == 1


def test_failed_write_present_is_phantom_a_violation_only_on_request() -> None:
    h = History([w("a"), w("b", FAIL)])
    read = FinalRead.of(postgres={"a", "b"})
    relaxed = lost_writes(h, read, "postgres")
    assert relaxed.valid is True and relaxed.evidence["phantom"] == ["b"]
    strict = lost_writes(h, read, "postgres", phantom_is_violation=True)
    assert strict.valid is False and "b" in strict.message


def test_strongest_outcome_per_key_wins() -> None:
    # A retried write: the first attempt timed out, the retry was acknowledged.
    h = History([w("a", UNK), w("a", OK, t=1), w("b", FAIL), w("b", UNK, t=1)])
    v = lost_writes(h, FinalRead.of(postgres={"b"}), "postgres")
    assert v.valid is False and v.evidence["lost"] == ["a"]
    assert v.evidence["recovered"] == ["b"] and v.evidence["phantom"] == []


def test_duplicates_violate_unless_allowed() -> None:
    h = History([w("m1", store="nats", kind="publish"), w("m2", store="nats", kind="publish")])
    read = FinalRead()
    read.add("nats", ["m1", "m2", "m2"])
    strict = lost_writes(h, read, "nats")
    assert strict.valid is False and strict.evidence["duplicates"] == [["m2", 2]]
    assert lost_writes(h, read, "nats", allow_duplicates=True).valid is True


def test_other_stores_and_non_write_ops_are_ignored() -> None:
    h = History([w("a"), w("x", store="nats"), w("y", kind="read")])
    v = lost_writes(h, FinalRead.of(postgres={"a"}, nats=set()), "postgres")
    assert v.valid is True and v.figures["attempted"] == 1


def test_empty_history_and_empty_read_is_unknown() -> None:
    v = lost_writes(History(), FinalRead.of(postgres=set()), "postgres")
    assert v.valid == UNKNOWN


def test_empty_history_with_keys_present_is_invalid() -> None:
    v = lost_writes(History(), FinalRead.of(postgres={"ghost"}), "postgres")
    assert v.valid is False and v.evidence["unexpected"] == ["ghost"]


def test_store_never_read_is_unknown() -> None:
    v = lost_writes(History([w("a")]), FinalRead.of(nats={"a"}), "postgres")
    assert v.valid == UNKNOWN and "no final read" in v.message


def test_all_unknown_writes_nothing_acknowledged_nothing_lost() -> None:
    h = History([w("a", UNK), w("b", UNK), w("c", UNK)])
    v = lost_writes(h, FinalRead.of(postgres={"b"}), "postgres")
    assert v.valid is True
    assert v.figures["acknowledged"] == 0 and v.figures["recovered"] == 1


def test_pending_writes_count_as_unknown() -> None:
    pending = Operation("p0", "write", "a", None, 1.0, None, UNK, "postgres")
    v = lost_writes(History([pending]), FinalRead.of(postgres=set()), "postgres")
    assert v.valid is True and v.figures["lost"] == 0 and v.figures["attempted"] == 1


def test_stale_reads_flagged_and_violating_only_when_linearizable() -> None:
    h = History(
        [
            w("a", t=0.0),
            w("b", t=0.0),
            read_all(["a"], t=1.0),  # began after b was acknowledged, yet missed it
            read_all(["a"], t=0.001),  # began before the acknowledgement: not stale
        ]
    )
    read = FinalRead.of(postgres={"a", "b"})
    v = lost_writes(h, read, "postgres")
    assert v.valid is True and v.evidence["stale"] == ["b"] and v.figures["set_reads"] == 2
    strict = lost_writes(h, read, "postgres", linearizable=True)
    assert strict.valid is False and "b" in strict.message


def test_read_that_saw_the_key_is_not_stale() -> None:
    h = History([w("a"), read_all(["a"], t=1.0), read_all(["a"], t=2.0)])
    v = lost_writes(h, FinalRead.of(postgres={"a"}), "postgres", linearizable=True)
    assert v.valid is True and v.figures["stale"] == 0


def test_evidence_is_bounded_and_json_able() -> None:
    h = History(w(f"k{i:04d}") for i in range(1000))
    v = lost_writes(h, FinalRead.of(postgres=set()), "postgres")
    assert v.figures["lost"] == 1000
    assert v.evidence["lost"] == [f"k{i:04d}" for i in range(50)]
    assert "..." in v.message
    json.dumps(v.to_dict())


def test_accepts_a_one_shot_iterator() -> None:
    ops = [w("a"), read_all(["a"], t=1.0)]
    v = lost_writes(iter(ops), FinalRead.of(postgres={"a"}), "postgres")
    assert v.valid is True and v.figures["set_reads"] == 1


# --- properties -------------------------------------------------------------------------------

keys = st.text(alphabet="abcdefgh", min_size=1, max_size=3)
outcomes = st.sampled_from([OK, FAIL, UNK])


@st.composite
def runs(draw: st.DrawFn) -> tuple[list[Operation], set[str]]:
    """A history of writes and a final read consistent with it (nothing lost or unexpected)."""
    writes = [
        w(k, o, t=draw(st.floats(0, 100)))
        for k, o in draw(st.lists(st.tuples(keys, outcomes), min_size=1, max_size=40))
    ]
    acked = {o.key for o in writes if o.outcome is OK and o.key}
    maybe = sorted({o.key for o in writes if o.outcome is not OK and o.key} - acked)
    survivors = set(draw(st.lists(st.sampled_from(maybe), unique=True))) if maybe else set()
    return writes, acked | survivors


@given(runs())
def test_consistent_final_read_is_valid(run: tuple[list[Operation], set[str]]) -> None:
    writes, present = run
    assert lost_writes(writes, FinalRead.of(postgres=present), "postgres").valid is True


@given(runs(), st.data())
def test_dropping_an_acknowledged_key_names_exactly_that_key(
    run: tuple[list[Operation], set[str]], data: st.DataObject
) -> None:
    writes, present = run
    acked = sorted({o.key for o in writes if o.outcome is OK and o.key})
    if not acked:
        return
    dropped = data.draw(st.sampled_from(acked))
    v = lost_writes(writes, FinalRead.of(postgres=present - {dropped}), "postgres")
    assert v.valid is False
    assert v.evidence["lost"] == [dropped]


@given(runs(), st.sets(st.text(alphabet="XYZ", min_size=1, max_size=3), min_size=1, max_size=5))
def test_never_written_keys_are_exactly_the_unexpected(
    run: tuple[list[Operation], set[str]], extra: set[str]
) -> None:
    writes, present = run
    v = lost_writes(writes, FinalRead.of(postgres=present | extra), "postgres")
    assert v.valid is False
    assert v.evidence["unexpected"] == sorted(extra)
    assert v.figures["lost"] == 0


@given(runs(), st.randoms(use_true_random=False))
def test_permuting_operations_does_not_change_the_verdict(
    run: tuple[list[Operation], set[str]], rnd: random.Random
) -> None:
    writes, present = run
    read = FinalRead.of(postgres=set(list(present)[1:]))
    shuffled = list(writes)
    rnd.shuffle(shuffled)
    assert lost_writes(shuffled, read, "postgres") == lost_writes(writes, read, "postgres")
