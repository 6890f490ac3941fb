"""--during: the fault player injects and heals on the load's clock, and heals what is left on stop;
a scenario's faults are checked against the stack and the load's length before anything starts.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from xmux_sim.errors import XmuxSimError
from xmux_sim.experiment.player import FaultPlayer
from xmux_sim.faults.base import ActiveFault, Fault, State
from xmux_sim.faults.spec import FaultSpec
from xmux_sim.load.during import load_fault_timeline
from xmux_sim.scenario.model import TimedFault
from xmux_sim.timeline import RunClock, Timeline
from xmux_sim.topology import load_stack, stack_path

ROOT = Path(__file__).resolve().parents[2]
LOAD_STACK = stack_path("load")


class FakeFault(Fault):
    """A fault of our own interface that logs its inject and heal (no provider)."""

    def __init__(self, spec: FaultSpec, timeline: Timeline, log: list[tuple[str, str]]) -> None:
        super().__init__(spec, f"f{len(log)}", timeline)
        self.log = log

    def _prepare(self) -> State:
        return {}

    def _apply(self, state: State) -> None:
        self.log.append(("inject", self.spec.describe()))

    def _revert(self, state: State) -> None:
        self.log.append(("heal", self.spec.describe()))

    def _record(self, state: State) -> None:
        pass

    def _forget(self) -> None:
        pass


class FakeFaults:
    def __init__(self, timeline: Timeline | None, log: list[tuple[str, str]]) -> None:
        self.timeline, self.log = timeline, log

    def make(self, spec: FaultSpec) -> FakeFault:
        assert self.timeline is not None
        return FakeFault(spec, self.timeline, self.log)

    def inject(self, spec: FaultSpec) -> FakeFault:
        return self.make(spec).inject()

    def active(self) -> list[ActiveFault]:
        return []

    def heal(self, fault_id: str) -> ActiveFault:
        raise AssertionError("the player heals its own faults")

    def heal_all(self) -> list[ActiveFault]:
        self.log.append(("heal_all", ""))
        return []


class FakeRun:
    def __init__(self) -> None:
        self.log: list[tuple[str, str]] = []

    def faults(self, timeline: Timeline | None = None) -> FakeFaults:
        return FakeFaults(timeline, self.log)


def timed(at: float, duration: float | None, node: str) -> TimedFault:
    spec = FaultSpec.parse("drop-node", {"node": node, "mode": "link"})
    return TimedFault(path="faults[0]", line=1, lines={}, at=at, duration=duration, spec=spec)


def test_faults_go_in_and_out_on_the_load_clock() -> None:
    run = FakeRun()
    timeline = Timeline(RunClock())
    player = FaultPlayer(run, [timed(0.1, 0.2, "node-1"), timed(0.15, None, "node-2")], timeline, horizon=0.5)
    player.start()
    time.sleep(0.8)
    player.stop()
    kinds = [what for what, _ in run.log]
    assert kinds == ["inject", "inject", "heal", "heal", "heal_all"]
    [first, second] = timeline.events
    assert first.inject_t == pytest.approx(0.1, abs=0.08) and first.heal_t == pytest.approx(0.3, abs=0.08)
    assert second.heal_t == pytest.approx(0.5, abs=0.08)  # no duration: healed when the load ends
    assert player.error is None and not player.active


def test_stopping_early_heals_what_is_in() -> None:
    run = FakeRun()
    player = FaultPlayer(run, [timed(0.0, 10.0, "node-1")], Timeline(RunClock()), horizon=20)
    player.start()
    time.sleep(0.2)
    player.stop()
    assert [what for what, _ in run.log] == ["inject", "heal", "heal_all"]


def scenario(tmp_path: Path, fault: str) -> Path:
    path = tmp_path / "during.yaml"
    path.write_text(
        "name: during\nstack: load\n"
        "workload:\n  duration: 30\n  clients:\n"
        "    - {kind: http-get, service: nginx, concurrency: 1, rate: 1, timeout: 1,\n"
        "       params: {path: /healthz}}\n"
        f"faults:\n{fault}"
    )
    return path


def test_the_shipped_during_scenario_fits_the_load_stack() -> None:
    _, schedule = load_fault_timeline(
        ROOT / "loadtests" / "during" / "drop-node-2.yaml", load_stack(LOAD_STACK), 1
    )
    assert [tf.spec.kind for tf in schedule] == ["drop-node"]


def test_a_fault_after_the_load_ends_is_refused(tmp_path: Path) -> None:
    path = scenario(tmp_path, "  - {at: 12, duration: 2, kind: drop-node, node: node-2, mode: link}\n")
    with pytest.raises(XmuxSimError, match="after the load ends"):
        load_fault_timeline(path, load_stack(LOAD_STACK), 1, horizon=10)
    assert load_fault_timeline(path, load_stack(LOAD_STACK), 1, horizon=20)[1]


def test_a_fault_on_a_node_the_stack_lacks_is_located(tmp_path: Path) -> None:
    path = scenario(tmp_path, "  - {at: 1, duration: 2, kind: drop-node, node: node-9, mode: link}\n")
    one_node = tmp_path / "one.yaml"
    one_node.write_text(
        "name: one\nnodes: [{name: node-1, cidr: 198.18.219.0/24}]\nservices: {nginx: {kind: nginx}}\n"
    )
    with pytest.raises(XmuxSimError, match=r"during.yaml:\d+: .*node"):
        load_fault_timeline(path, load_stack(one_node), 1)
