"""Verdict and compose: three-valued validity, composition, bounded evidence."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xmux_sim.checkers import UNKNOWN, Validity, Verdict, availability, compose, lost_writes, merge_valid
from xmux_sim.checkers.verdict import examples
from xmux_sim.history import FinalRead, History, Operation, Outcome


def verdict(name: str, valid: Validity, message: str = "m") -> Verdict:
    return Verdict(name, valid, {"n": 1}, {"keys": ["a"]}, message)


def test_merge_valid_false_beats_unknown_beats_true() -> None:
    assert merge_valid() is True
    assert merge_valid(True, True) is True
    assert merge_valid(True, UNKNOWN) == UNKNOWN
    assert merge_valid(UNKNOWN, False, True) is False


def test_compose_holds_only_if_all_hold() -> None:
    both = compose(verdict("a", True), verdict("b", True))
    assert both.valid is True and both.holds
    assert both.figures == {"checks": 2, "a.n": 1, "b.n": 1, "held": 2}
    assert both.message == "2 of 2 checks hold"

    broken = compose(
        verdict("a", True), verdict("b", False, "2 writes lost"), verdict("c", UNKNOWN, "no data")
    )
    assert broken.valid is False and not broken.holds
    assert broken.message == "1 of 3 checks hold; b: 2 writes lost; c: no data"
    assert broken.evidence["b"]["valid"] is False


def test_compose_keeps_same_named_verdicts_apart() -> None:
    v = compose(verdict("latency", True), verdict("latency", False), name="nginx")
    assert v.name == "nginx"
    assert set(v.evidence) == {"latency", "latency#2"}
    assert "latency#2.n" in v.figures


def test_compose_of_nothing_holds_vacuously() -> None:
    v = compose()
    assert v.valid is True and v.message == "no checks"


def test_compose_of_real_checkers_and_json() -> None:
    h = History([Operation("p", "write", "k", None, 0.0, 0.1, Outcome.ok, "postgres")])
    v = compose(lost_writes(h, FinalRead.of(postgres=set()), "postgres"), availability(h))
    assert v.valid is False and "lost_writes: postgres: 1 of 1 acknowledged writes lost (k)" in v.message
    json.dumps(v.to_dict())


def test_message_is_one_line_and_valid_is_checked() -> None:
    assert verdict("a", True, "two\nlines  here").message == "two lines here"
    with pytest.raises(ValueError):
        Verdict("a", "maybe")  # type: ignore[arg-type]


@given(st.sets(st.text(max_size=4), max_size=200))
def test_examples_are_the_smallest_sorted_and_bounded(items: set[str]) -> None:
    assert examples(items) == sorted(items)[:50]


@given(st.lists(st.sampled_from([True, False, UNKNOWN]), max_size=6))
def test_compose_agrees_with_merge_valid(values: list[Validity]) -> None:
    v = compose(*(verdict(f"c{i}", x) for i, x in enumerate(values)))
    assert v.valid == merge_valid(*values)
    assert v.figures["held"] == sum(x is True for x in values)
