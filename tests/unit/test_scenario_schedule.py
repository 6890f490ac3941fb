"""Generated fault schedules: seeded and replayable, within their limits, printable as scenario files."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xmux_sim.errors import ScenarioFileError
from xmux_sim.faults.spec import FaultSpec
from xmux_sim.scenario import (
    GeneratedSchedule,
    Scenario,
    TimedFault,
    choose_seed,
    expand,
    limit_violations,
    parse_scenario,
    resolve_stack,
    to_yaml,
    with_faults,
)
from xmux_sim.scenario.schedule import candidate_specs
from xmux_sim.scenario.strategies import fault_schedules, from_schedule
from xmux_sim.topology import Stack, load_stack

SCENARIO = """\
name: generated
seed: 11
workload:
  duration: 60
  clients: [{kind: sql-insert}, {kind: http-get}]
faults:
  - {at: 2, duration: 5, kind: drop-node, node: node-3}
  - generate:
      count: 6
      kinds: [kill, pause, latency]
      targets: {pod: [postgres-0, nats-0, mongo-0], ms: [100, 400]}
      max_concurrent: 2
      min_gap: 1.5
      duration: [2, 9]
      window: [10, 60]
  - generate:
      count: 2
      kinds: [partition]
      targets: {a: [[node-1]], b: [[node-2], [node-2, node-3]]}
      duration: 3
      window: [0, 10]
"""


@pytest.fixture(scope="module")
def stack() -> Stack:
    return load_stack()


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return parse_scenario(SCENARIO, "generated.yaml")


def generated(faults: list[TimedFault], line: int) -> list[TimedFault]:
    return [f for f in faults if f.line == line]


def test_same_seed_same_schedule(scenario: Scenario, stack: Stack) -> None:
    first = expand(scenario, stack, 42)
    assert first == expand(scenario, stack, 42)
    assert [f.describe() for f in first] == [f.describe() for f in expand(scenario, stack, 42)]
    assert len(first) == 1 + 6 + 2


def test_different_seed_different_schedule(scenario: Scenario, stack: Stack) -> None:
    schedules = {tuple(f.describe() for f in expand(scenario, stack, seed)) for seed in range(20)}
    assert len(schedules) == 20


def test_schedules_draw_independently(scenario: Scenario, stack: Stack) -> None:
    """Dropping one generate entry leaves the others' faults as they were."""
    alone = replace(scenario, schedules=scenario.schedules[:1])
    line = scenario.schedules[0].line
    assert generated(expand(alone, stack, 5), line) == generated(expand(scenario, stack, 5), line)


def test_expanded_schedule_respects_limits(scenario: Scenario, stack: Stack) -> None:
    for seed in range(50):
        faults = expand(scenario, stack, seed)
        assert [f.at for f in faults] == sorted(f.at for f in faults)
        for g in scenario.schedules:
            mine = generated(faults, g.line)
            assert len(mine) == g.count
            assert {f.spec.kind for f in mine} <= set(g.kinds)
            assert all(g.duration[0] <= (f.duration or 0) <= g.duration[1] for f in mine)
            problems = limit_violations(
                mine, max_concurrent=g.max_concurrent, min_gap=g.min_gap, window=g.window
            )
            assert problems == [], (seed, problems)


def test_candidates_cover_kinds_and_one_of_params(scenario: Scenario, stack: Stack) -> None:
    specs = candidate_specs(scenario.schedules[0], "x", stack)
    assert len(specs["kill"]) == 3 and len(specs["pause"]) == 3
    # latency takes service or pod: pods from the targets, each with each ms.
    assert {(s.params["pod"], s.params["ms"]) for s in specs["latency"]} == {
        (p, ms) for p in ("postgres-0", "nats-0", "mongo-0") for ms in (100.0, 400.0)
    }
    assert {s.params["b"] for s in candidate_specs(scenario.schedules[1], "x", stack)["partition"]} == {
        ("node-2",),
        ("node-2", "node-3"),
    }


def test_a_full_window_packs_faults_back_to_back(stack: Stack) -> None:
    text = (
        "name: s\nworkload: {duration: 12}\nfaults:\n  - generate:\n      count: 3\n      kinds: [kill]\n"
        "      targets: {pod: [postgres-0]}\n      min_gap: 1\n      duration: 2.5\n      window: [1.5, 11]\n"
    )
    faults = expand(parse_scenario(text), stack, 3)
    assert [(f.at, f.duration) for f in faults] == [(1.5, 2.5), (5.0, 2.5), (8.5, 2.5)]
    with pytest.raises(
        ScenarioFileError, match=r"need until 11s; the window is 1.5s to 10s \(at most 2 fit\)"
    ):
        parse_scenario(text.replace("[1.5, 11]", "[1.5, 10]"))


def test_limit_violations_finds_each_broken_limit() -> None:
    def kill(at: float, duration: float, pod: str = "postgres-0") -> TimedFault:
        return TimedFault(at=at, duration=duration, spec=FaultSpec.parse("kill", {"pod": pod}))

    assert limit_violations([kill(0, 2), kill(3, 2)], max_concurrent=1, min_gap=1, window=(0, 10)) == []
    assert (
        "less than 2s"
        in limit_violations([kill(0, 2), kill(3, 2)], max_concurrent=1, min_gap=2, window=(0, 10))[0]
    )
    concurrent = limit_violations(
        [kill(0, 5), kill(1, 2, "nats-0")], max_concurrent=1, min_gap=0, window=(0, 10)
    )
    assert "2 faults active at once" in concurrent[0]
    same = limit_violations([kill(0, 5), kill(1, 2)], max_concurrent=2, min_gap=0, window=(0, 10))
    assert any("same target" in p for p in same)
    assert (
        "not within the window"
        in limit_violations([kill(8, 5)], max_concurrent=1, min_gap=0, window=(0, 10))[0]
    )


def test_choose_seed(scenario: Scenario) -> None:
    assert choose_seed(scenario, 3) == 3
    assert choose_seed(scenario) == 11
    fresh = {choose_seed(replace(scenario, seed=None)) for _ in range(5)}
    assert len(fresh) > 1 and all(isinstance(s, int) for s in fresh)


def test_round_trip_of_an_expanded_schedule(scenario: Scenario, stack: Stack) -> None:
    faults = expand(scenario, stack, 9)
    text = to_yaml(scenario, faults, comment="seed 9\nreplay of a generated schedule")
    assert text.startswith("# seed 9\n# replay of a generated schedule\n")
    again = parse_scenario(text, "replay.yaml")
    assert again == with_faults(scenario, faults)
    assert list(again.faults) == faults and not again.schedules
    resolve_stack(again)


def test_round_trip_of_a_whole_scenario(scenario: Scenario) -> None:
    assert parse_scenario(to_yaml(scenario), "generated.yaml") == scenario


def test_a_bare_schedule_prints_as_a_valid_scenario() -> None:
    faults = [
        TimedFault(at=1.0, duration=2.5, spec=FaultSpec.parse("pause", {"pod": "nats-0"})),
        TimedFault(at=4.2, duration=None, spec=FaultSpec.parse("latency", {"service": "mongo", "ms": 150})),
    ]
    s = parse_scenario(to_yaml(faults))
    assert list(s.faults) == faults and s.workload.duration == 6.0
    resolve_stack(s)


# -- hypothesis: the strategies give valid schedules, and printed schedules read back the same --

KINDS = ["kill", "pause", "drop-node", "latency", "partition"]
TARGETS: dict[str, list[Any]] = {
    "pod": ["postgres-0", "nats-0", "mongo-0"],
    "node": ["node-1", "node-2"],
    "service": ["mongo"],
    "ms": [50, 500],
    "a": [["node-1"]],
    "b": [["node-2", "node-3"], ["node-3"]],
}


@st.composite
def limits(draw: st.DrawFn) -> tuple[int, float, tuple[float, float], float]:
    max_concurrent = draw(st.integers(1, 3))
    min_gap = draw(st.sampled_from([0.0, 0.5, 1.0, 2.5]))
    low = draw(st.sampled_from([0.1, 1.0, 2.0]))
    high = low + draw(st.sampled_from([0.0, 0.3, 5.0]))
    horizon = draw(st.sampled_from([10.0, 30.0, 60.0]))
    return max_concurrent, min_gap, (low, high), horizon


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), limit=limits())
def test_strategy_schedules_respect_their_limits(
    data: st.DataObject, limit: tuple[int, float, tuple[float, float], float]
) -> None:
    max_concurrent, min_gap, durations, horizon = limit
    stack = load_stack()
    strategy = fault_schedules(
        KINDS,
        TARGETS,
        horizon,
        max_concurrent=max_concurrent,
        min_gap=min_gap,
        durations=durations,
        max_faults=8,
        stack=stack,
    )
    faults = data.draw(strategy)
    assert 1 <= len(faults) <= 8
    assert (
        limit_violations(faults, max_concurrent=max_concurrent, min_gap=min_gap, window=(0.0, horizon)) == []
    )
    for f in faults:
        assert f.spec.kind in KINDS and durations[0] - 1e-9 <= (f.duration or 0) <= durations[1] + 1e-9
        f.spec.check(stack)


@settings(max_examples=40, deadline=None)
@given(
    fault_schedules(KINDS, TARGETS, 30.0, max_concurrent=2, min_gap=0.5, durations=(0.5, 6.0), max_faults=6)
)
def test_strategy_schedules_round_trip_through_yaml(faults: list[TimedFault]) -> None:
    text = to_yaml(faults)
    again = parse_scenario(text, "shrunk.yaml")
    assert list(again.faults) == faults, text
    resolve_stack(again)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_any_seed_expands_within_limits(seed: int) -> None:
    scenario = parse_scenario(SCENARIO, "generated.yaml")
    faults = expand(scenario, load_stack(), seed)
    for g in scenario.schedules:
        mine = generated(faults, g.line)
        assert (
            limit_violations(mine, max_concurrent=g.max_concurrent, min_gap=g.min_gap, window=g.window) == []
        )
    # The whole run, explicit faults included, prints as a file that parses back to it.
    assert list(parse_scenario(to_yaml(scenario, faults), "replay.yaml").faults) == faults


def test_a_scenario_schedule_as_a_strategy_shrinks_to_one_short_early_fault(
    scenario: Scenario, stack: Stack
) -> None:
    """Any schedule shrinks to the simplest: one fault, shortest, first target, at the window start."""
    from hypothesis import find

    g: GeneratedSchedule = scenario.schedules[0]
    smallest = find(
        from_schedule(g, stack), lambda faults: len(faults) >= 1, settings=settings(database=None)
    )
    (fault,) = smallest
    assert (fault.at, fault.duration, fault.spec.kind) == (g.window[0], g.duration[0], g.kinds[0])
    assert fault.spec.params == {"pod": "postgres-0"}


def test_strategy_refuses_limits_nothing_fits() -> None:
    with pytest.raises(ValueError, match="not even 2 fault"):
        fault_schedules(["kill"], {"pod": ["postgres-0"]}, 5.0, durations=(4.0, 4.0), min_faults=2)
    with pytest.raises(ScenarioFileError, match="distinct target"):
        fault_schedules(["kill"], {"pod": ["postgres-0"]}, 30.0, max_concurrent=2)
