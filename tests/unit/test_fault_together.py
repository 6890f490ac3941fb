"""Coordinated faults (`nodes: [...]`, `pods: [...]`): read and checked like single ones, carried
out as one fault per target in threads released together, healed together, the spread recorded.

Concurrency is tested with fakes of our own fault interface whose actions block on a barrier
that opens only when every target's action has started: one after another, they would time out.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from tests.unit.test_fault_roles import FakeRun, Recorded
from xmux_sim.checkers.convergence import CONVERGENCE
from xmux_sim.checkers.kind import RunEvidence
from xmux_sim.faults.base import Fault, FaultError, State
from xmux_sim.faults.spec import FaultSpec, FaultSpecError
from xmux_sim.faults.together import Together, at_once
from xmux_sim.history import History
from xmux_sim.services.roles import aim
from xmux_sim.timeline import FaultEvent, RouteSample, Timeline
from xmux_sim.topology import load_stack, parse_stack

REPLICATED = load_stack("replicated")
THREE = ["node-1", "node-2", "node-3"]


# ----- reading and checking --------------------------------------------------------------------


def test_several_targets_are_one_spec_and_one_spec_per_target() -> None:
    spec = FaultSpec.parse("drop-node", {"nodes": THREE, "mode": "power"})
    assert spec == FaultSpec.from_args("drop-node", ["nodes=node-1,node-2,node-3", "mode=power"])
    assert spec.describe() == "drop-node nodes=node-1,node-2,node-3 mode=power"
    assert spec.each_target() == [FaultSpec.parse("drop-node", {"node": n, "mode": "power"}) for n in THREE]
    assert FaultSpec.from_json(spec.to_json()) == spec  # the ledger keeps it whole
    single = FaultSpec.parse("drop-node", {"node": "node-2"})
    assert single.each_target() == [single]
    spec.check(REPLICATED)


def test_pods_may_mix_pods_and_roles() -> None:
    spec = FaultSpec.from_args("kill", ["pods=postgres-1,leader-of(nats, stream=S)"])
    assert spec.params["pods"] == ("postgres-1", "leader-of(nats, stream=S)")
    assert spec.roles == ["leader-of(nats, stream=S)"]
    spec.check(REPLICATED)


@pytest.mark.parametrize(
    ("kind", "raw", "param", "message"),
    [
        ("drop-node", {"nodes": []}, "nodes", "expected a list of node or pod names"),
        ("drop-node", {"nodes": ["node-1", "node-1"]}, "nodes", "node-1 is named twice"),
        ("drop-node", {"node": "node-1", "nodes": ["node-2"]}, None, "exactly one of: node, nodes"),
        ("drop-node", {"mode": "power"}, None, "exactly one of: node, nodes"),
        ("wipe-volume", {"pods": ["nats-0", "nats-0"]}, "pods", "nats-0 is named twice"),
        ("kill", {"pod": "nats-0", "pods": ["nats-1"]}, None, "exactly one of: pod, pods"),
        ("kill", {"pods": "nats-0,leader-of(nats"}, "pods", "expected a role"),
    ],
)
def test_bad_lists_name_the_parameter(
    kind: str, raw: dict[str, object], param: str | None, message: str
) -> None:
    with pytest.raises(FaultSpecError) as err:
        FaultSpec.parse(kind, raw)
    assert err.value.param == param and message in str(err.value), str(err.value)


@pytest.mark.parametrize(
    ("kind", "raw", "message"),
    [
        ("drop-node", {"nodes": ["node-1", "node-9"]}, "no node 'node-9'"),
        ("kill", {"pods": ["nats-0", "nats-5"]}, "no pod 'nats-5'"),
        ("kill", {"pods": ["nats-0", "leader-of(minio)"]}, "minio service, which has no leader"),
    ],
)
def test_every_target_is_checked_against_the_stack(kind: str, raw: dict[str, object], message: str) -> None:
    with pytest.raises(FaultSpecError, match=message):
        FaultSpec.parse(kind, raw).check(REPLICATED)


def test_several_nodes_need_a_routed_stack() -> None:
    one_node = parse_stack("name: one\nservices:\n  db: {kind: postgres}\n")
    with pytest.raises(FaultSpecError, match="two or more nodes"):
        FaultSpec.parse("drop-node", {"nodes": ["node-1"]}).check(one_node)


def test_roles_in_a_list_that_meet_on_one_pod_stop_the_fault() -> None:
    spec = FaultSpec.parse("wipe-volume", {"pods": ["nats-2", "leader-of(nats, stream=S)"]})
    nats = Recorded("nats", ["nats-2"])
    with pytest.raises(FaultError, match="two targets are the same pod now"):
        aim(spec, FakeRun(), 0, runtimes=lambda kind: nats)
    nats.answers = ["nats-0"]
    aimed = aim(spec, FakeRun(), 0, runtimes=lambda kind: nats)
    assert aimed.spec.params["pods"] == ("nats-2", "nats-0") and aimed.aimed == {
        "nats-0": "leader-of(nats, stream=S)"
    }


# ----- at once ---------------------------------------------------------------------------------


def test_at_once_runs_every_action_together_and_measures_the_spread() -> None:
    meet = threading.Barrier(3, timeout=5)  # opens only when all three actions are in flight
    landed_at = {"fault-node-1": 10.0, "fault-node-2": 10.004, "fault-node-3": 10.0015}
    done: list[str] = []

    def action(name: str) -> Callable[[], None]:
        def act() -> None:
            meet.wait()
            done.append(name)

        return act

    spread = at_once(
        [(n, action(n)) for n in THREE], clock=lambda: landed_at[threading.current_thread().name]
    )
    assert sorted(done) == THREE and spread == pytest.approx(4.0)


def test_one_after_another_would_not_pass_the_barrier() -> None:
    """The control: the same barrier, waited on in turn, breaks (so the test above means something)."""
    meet = threading.Barrier(2, timeout=0.2)
    with pytest.raises(threading.BrokenBarrierError):
        for _ in range(2):
            meet.wait()


def test_at_once_runs_every_action_even_when_one_fails() -> None:
    done: list[str] = []

    def fail() -> None:
        raise RuntimeError("engine said no")

    with pytest.raises(FaultError, match="node-2: engine said no"):
        at_once(
            [
                ("node-1", lambda: done.append("node-1")),
                ("node-2", fail),
                ("node-3", lambda: done.append("3")),
            ]
        )
    assert len(done) == 2


# ----- a fault of several targets ---------------------------------------------------------------


class Part(Fault):
    """One target's fault, of our own interface: applying and reverting wait for every other target."""

    def __init__(self, spec: FaultSpec, meet: threading.Barrier, log: list[str], fail: bool = False) -> None:
        super().__init__(spec)
        self.meet, self.log, self.fail = meet, log, fail

    def _prepare(self) -> State:
        return {"target": self.spec.params["node"]}

    def _apply(self, state: State) -> None:
        self.meet.wait()
        self.log.append(f"cut {state['target']}")
        if self.fail:
            raise FaultError("router gone")
        # A power cut reports what each lazy volume lost; node-3's pod is on a plain volume.
        number = state["target"][-1]
        self.unsynced[f"nats-{number}"] = None if number == "3" else 1000 * int(number)

    def _revert(self, state: State) -> None:
        self.meet.wait()
        self.log.append(f"back {state['target']}")

    def _record(self, state: State) -> None:
        raise AssertionError("a part is never recorded on its own")

    def _forget(self) -> None:
        raise AssertionError("a part is never recorded on its own")


class FakeLedger:
    def __init__(self) -> None:
        self.entries: dict[str, State] = {}
        self.log: list[str] = []

    def record(self, fault_id: str, spec: FaultSpec, state: State) -> None:
        self.entries[fault_id] = state
        self.log.append(f"record {spec.describe()}")

    def forget(self, fault_id: str) -> None:
        self.entries.pop(fault_id, None)
        self.log.append("forget")


def together(timeline: Timeline, fail: str | None = None) -> tuple[Together, list[str], FakeLedger]:
    spec = FaultSpec.parse("drop-node", {"nodes": THREE, "mode": "power"})
    meet, ledger = threading.Barrier(3, timeout=5), FakeLedger()
    log: list[str] = []
    parts = [Part(s, meet, log, fail=s.params["node"] == fail) for s in spec.each_target()]
    return Together(spec, parts, ledger, "t1", timeline), log, ledger


def test_several_targets_go_in_together_and_come_out_together() -> None:
    timeline = Timeline()
    fault, log, ledger = together(timeline)
    fault.inject()
    assert sorted(log) == [f"cut {n}" for n in THREE]
    assert ledger.entries == {"t1": {"parts": [{"target": n} for n in THREE]}}  # one entry for all
    (event,) = timeline.events
    assert event.spread_ms is not None and 0 <= event.spread_ms < 5000
    assert event.description.startswith("drop-node nodes=node-1,node-2,node-3 mode=power (together within ")
    assert event.unsynced == {"nats-1": 1000, "nats-2": 2000, "nats-3": None}, "every part's losses"
    lost = " [unsynced lost: nats-1 1000 B, nats-2 2.0 KiB; page cache kept: nats-3]"
    assert event.description.endswith(lost)
    fault.heal()
    assert sorted(log[3:]) == [f"back {n}" for n in THREE]
    assert ledger.log == ["record drop-node nodes=node-1,node-2,node-3 mode=power", "forget"]
    assert timeline.events[0].heal_t is not None


def test_a_target_that_fails_undoes_them_all() -> None:
    timeline = Timeline()
    fault, log, ledger = together(timeline, fail="node-2")
    with pytest.raises(FaultError, match="drop-node node=node-2 mode=power: router gone"):
        fault.inject()
    assert sorted(log) == sorted([f"cut {n}" for n in THREE] + [f"back {n}" for n in THREE])
    assert ledger.entries == {} and not fault.active and timeline.events == []


def test_a_fault_of_several_targets_is_healed_from_its_ledger_state() -> None:
    first, _, ledger = together(Timeline())
    first.inject()
    # Another process: a new object from the spec and the state the ledger kept.
    again, log, _ = together(Timeline())
    again.ledger = ledger
    again.state = ledger.entries["t1"]
    again.heal()
    assert sorted(log) == [f"back {n}" for n in THREE] and ledger.entries == {}


def test_convergence_judges_each_node_dropped_together() -> None:
    nodes = {
        "node-1": "10.1.0.0/24",
        "node-2": "10.2.0.0/24",
        "node-3": "10.3.0.0/24",
        "node-4": "10.4.0.0/24",
    }
    spec = FaultSpec.parse("drop-node", {"nodes": ["node-1", "node-2"]})
    event = FaultEvent("t1", spec, 1.0, 5.0, spread_ms=2.0)
    everything = frozenset(nodes.values())
    routes = [RouteSample(0.5, r, everything - {nodes[r]}) for r in nodes]
    routes += [
        RouteSample(2.0, r, frozenset({nodes["node-3"], nodes["node-4"]}) - {nodes[r]})
        for r in ("node-3", "node-4")
    ]
    run = RunEvidence(history=History([]), faults=[event], routes=routes, nodes=nodes)
    verdict = CONVERGENCE.run(run, "routes", {"limit_s": 3})
    assert verdict.valid is True, verdict.message
