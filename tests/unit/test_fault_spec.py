"""Fault specs: parsed and checked before anything runs; the timeline of a fault's life."""

from __future__ import annotations

import pytest

from xmux_sim.faults.base import Fault, FaultError, State
from xmux_sim.faults.kind import FAULT_KINDS
from xmux_sim.faults.spec import FaultSpec, FaultSpecError
from xmux_sim.timeline import RunClock, Timeline
from xmux_sim.topology import load_stack, parse_stack


def test_cli_form_and_scenario_form_agree() -> None:
    a = FaultSpec.from_args("drop-node", ["node-2", "mode=bgp"])
    b = FaultSpec.parse("drop-node", {"node": "node-2", "mode": "bgp"})
    assert a == b and a.describe() == "drop-node node=node-2 mode=bgp"


def test_defaults_and_normalisation() -> None:
    assert FaultSpec.parse("drop-node", {"node": "node-1"}).params["mode"] == "link"
    assert FaultSpec.parse("wipe-volume", {"pod": "nats-1"}).params["restart"] == "at-once"
    lose = FaultSpec.parse("lose-unsynced", {"pod": "nats-1", "path": "jetstream/x.blk"})
    assert lose.params == {"pod": "nats-1", "path": "jetstream/x.blk", "fraction": 1.0, "seed": 1}
    spec = FaultSpec.from_args("partition", ["a=node-1", "b=node-2,node-3"])
    assert spec.params == {"a": ("node-1",), "b": ("node-2", "node-3"), "direction": "both"}
    assert FaultSpec.from_args("latency", ["service=mongo", "ms=200ms"]).params["ms"] == 200.0
    assert FaultSpec.from_args("loss", ["node=node-2", "percent=30%"]).params["percent"] == 30.0


@pytest.mark.parametrize(
    ("kind", "raw", "param", "message"),
    [
        ("meteor", {}, "kind", "unknown fault kind"),
        ("kill", {}, None, "exactly one of: pod, pods"),
        ("kill", {"pod": "postgres"}, "pod", "SERVICE-REPLICA"),
        ("kill", {"pod": "postgres-0", "node": "node-1"}, "node", "takes no"),
        ("drop-node", {"node": "node-1", "mode": "flood"}, "mode", "link, bgp, power"),
        ("wipe-volume", {"pod": "nats-1", "restart": "later"}, "restart", "at-once, at-heal"),
        ("power-off", {}, None, "exactly one of: pod, pods"),
        ("lose-unsynced", {"pod": "nats-1", "fraction": 1.5}, "fraction", "above the maximum 1"),
        ("lose-unsynced", {"pod": "nats-1", "path": "../etc/passwd"}, "path", "inside the data volume"),
        ("lose-unsynced", {"pod": "nats-1", "path": "/abs"}, "path", "inside the data volume"),
        ("lose-unsynced", {"pod": "nats-1", "path": "a/./b"}, "path", "no '..' or empty parts"),
        ("lose-unsynced", {"pod": "nats-1", "path": "x" * 256}, "path", "1 to 255 characters"),
        ("lose-unsynced", {"pod": "nats-1", "seed": -1}, "seed", "below the minimum 0"),
        ("loss", {"node": "node-1", "percent": 130}, "percent", "out of range"),
        ("loss", {"percent": 10}, None, "exactly one of: node, pod"),
        ("latency", {"service": "mongo"}, "ms", "ms > 0"),
        ("jitter", {"service": "mongo", "ms": 10}, "jitter", "jitter > 0"),
        ("bandwidth", {"node": "node-1", "rate": "fast"}, "rate", "tc rate"),
        ("partition", {"a": [], "b": ["node-1"]}, "a", "list of node or pod names"),
    ],
)
def test_bad_specs_name_the_parameter(
    kind: str, raw: dict[str, object], param: str | None, message: str
) -> None:
    with pytest.raises(FaultSpecError) as err:
        FaultSpec.parse(kind, raw)
    assert err.value.param == param and message in str(err.value)


def test_check_against_the_stack() -> None:
    stack = load_stack()
    FaultSpec.parse("partition", {"a": ["node-1", "mongo-0"], "b": ["node-3"]}).check(stack)
    with pytest.raises(FaultSpecError, match="no node 'node-9'"):
        FaultSpec.parse("drop-node", {"node": "node-9"}).check(stack)
    with pytest.raises(FaultSpecError, match="no pod 'postgres-1'"):
        FaultSpec.parse("kill", {"pod": "postgres-1"}).check(stack)
    with pytest.raises(FaultSpecError, match="overlap"):
        FaultSpec.parse("partition", {"a": ["node-1"], "b": ["node-1"]}).check(stack)
    one_node = parse_stack("name: one\nservices: {db: {kind: postgres}}\n")
    with pytest.raises(FaultSpecError, match="two or more nodes"):
        FaultSpec.parse("drop-node", {"node": "node-1"}).check(one_node)


def test_json_round_trip_for_the_ledger() -> None:
    spec = FaultSpec.parse("partition", {"a": ["node-1"], "b": ["node-2", "postgres-0"], "direction": "one"})
    assert FaultSpec.from_json(spec.to_json()) == spec


def test_every_kind_documents_its_parameters() -> None:
    for info in FAULT_KINDS.values():
        assert info.help and all(p.help for p in info.params)


class Recorded(Fault):
    """A fault of our own interface, recording calls (no provider)."""

    def __init__(self, timeline: Timeline, fail: bool = False) -> None:
        super().__init__(FaultSpec.parse("kill", {"pod": "db-0"}), "f1", timeline)
        self.calls: list[str] = []
        self.fail = fail

    def _prepare(self) -> State:
        return {"x": 1}

    def _apply(self, state: State) -> None:
        self.calls.append("apply")
        if self.fail:
            raise FaultError("boom")

    def _revert(self, state: State) -> None:
        self.calls.append("revert")

    def _record(self, state: State) -> None:
        self.calls.append("record")

    def _forget(self) -> None:
        self.calls.append("forget")


def test_fault_life_on_the_timeline() -> None:
    ticks = iter([0.0, 1.0, 3.5])
    timeline = Timeline(RunClock(source=lambda: next(ticks)))
    fault = Recorded(timeline)
    with fault:
        assert fault.active
        with pytest.raises(FaultError, match="already injected"):
            fault.inject()
    fault.heal()  # a second heal does nothing
    assert fault.calls == ["record", "apply", "revert", "forget"]
    (event,) = timeline.events
    assert (event.inject_t, event.heal_t) == (1.0, 3.5)
    assert timeline.windows()[0].name == "kill pod=db-0 [f1]"


def test_a_failed_inject_is_undone_and_not_on_the_timeline() -> None:
    timeline = Timeline()
    fault = Recorded(timeline, fail=True)
    with pytest.raises(FaultError, match="boom"):
        fault.inject()
    assert fault.calls == ["record", "apply", "revert", "forget"] and not fault.active
    assert timeline.events == []
