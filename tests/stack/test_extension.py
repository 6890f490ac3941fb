"""A new fault kind and a new checker, declared in this module alone, run through a scenario file.

Nothing else in the repository knows ``reject-port`` or ``fails-fast``: registering the
declarations (and the docker provider's implementation of the kind) is all it takes for a
scenario file to name them, for the file to be validated against their parameters, for the
fault player to inject and heal the fault, and for the runner to judge the invariant.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path

from xmux_sim.checkers import CHECKERS, UNKNOWN, CheckerKind, Verdict
from xmux_sim.checkers.kind import Arg
from xmux_sim.experiment import RunOptions, ScenarioRunner
from xmux_sim.faults.base import State
from xmux_sim.faults.kind import FAULT_KINDS, FaultKind
from xmux_sim.history import Operation, Outcome
from xmux_sim.params import POD, TEXT, Param
from xmux_sim.providers.docker.faults import DOCKER_FAULTS
from xmux_sim.providers.docker.faults.core import DockerFault
from xmux_sim.providers.docker.faults.netfilter import chain_name, install_chain, uninstall_chain
from xmux_sim.providers.docker.faults.targets import run_in
from xmux_sim.report import ExitStatus
from xmux_sim.scenario import load_scenario
from xmux_sim.timeline import FaultWindow

# ----- the new fault kind: its declaration, and how the docker provider carries it out --------

REJECT_PORT = FaultKind(
    "reject-port",
    "refuse every packet to one named port of a pod with a TCP reset, from inside the pod",
    (
        Param("pod", POD, "the pod", required=True),
        Param("port", TEXT, "a named port of its service (sql, http, ...)", required=True),
    ),
)


class RejectPort(DockerFault):
    implements = ("reject-port",)

    def _prepare(self) -> State:
        pod = self.targets.pod(self.spec.params["pod"])
        return {
            "chain": chain_name(self.id),
            "holder": pod.holder.name,
            "port": pod.ports[self.spec.params["port"]],
        }

    def _apply(self, state: State) -> None:
        rule = f"-p tcp --dport {state['port']} -j REJECT --reject-with tcp-reset"
        script = install_chain(state["chain"], ["INPUT"], [rule])
        run_in(self.container(state["holder"]), script, f"{self.spec.describe()}: adding the rule")

    def _revert(self, state: State) -> None:
        holder = self.targets.container(state["holder"])
        if holder is not None:
            self.clean_up(holder, uninstall_chain(state["chain"], ["INPUT"]))


# ----- the new checker ------------------------------------------------------------------------


def fails_fast(
    history: Iterable[Operation],
    fault_windows: Iterable[FaultWindow],
    *,
    max_s: float,
    name: str = "fails-fast",
) -> Verdict:
    """Valid when every operation that did not succeed while a fault was in ended within ``max_s``."""
    windows = list(fault_windows)
    failed = [
        o
        for o in history
        if o.outcome is not Outcome.ok
        and any(w.inject_t <= o.invoke_t < (math.inf if w.heal_t is None else w.heal_t) for w in windows)
    ]
    slow = [o for o in failed if o.latency is None or o.latency > max_s]
    figures: dict[str, float | int | str | None] = {"failed": len(failed), "slow": len(slow), "max_s": max_s}
    if not failed:
        return Verdict(name, UNKNOWN, figures=figures, message="nothing failed while a fault was in")
    message = f"{len(slow)} of {len(failed)} failed operations took longer than {max_s:g} s"
    return Verdict(name, not slow, figures=figures, message=message)


FAILS_FAST = CheckerKind(
    "fails-fast",
    fails_fast,
    "operations that fail while a fault is in fail quickly (no client hangs)",
    evidence=("history", "faults"),
    args={"max_s": Arg("longest a failing operation may take, seconds", minimum=0)},
)

# ----- a scenario file naming both --------------------------------------------------------------

STACK = """\
name: toy
nodes: [{name: node-1, cidr: 198.18.151.0/24}]
services:
  postgres: {kind: postgres}
"""

SCENARIO = """\
name: toy-extension
stack: stack.yaml
workload:
  duration: 9
  clients:
    - {kind: sql-insert, concurrency: 2, rate: 20, timeout: 2}
faults:
  - {at: 2, duration: 3, kind: reject-port, pod: postgres-0, port: sql}
invariants:
  - {name: quick-errors, checker: fails-fast, max_s: 1.0}
  - {name: no-lost-writes, checker: lost-writes, store: postgres}
"""


def test_a_fault_kind_and_a_checker_from_one_test_module(tmp_path: Path) -> None:
    (tmp_path / "stack.yaml").write_text(STACK)
    path = tmp_path / "scenario.yaml"
    path.write_text(SCENARIO)
    with FAULT_KINDS.added(REJECT_PORT), CHECKERS.added(FAILS_FAST), DOCKER_FAULTS.added(RejectPort):
        scenario = load_scenario(path)
        outcome = ScenarioRunner(scenario, RunOptions(report_dir=tmp_path / "reports", seed=1)).run()
    assert outcome.report is not None, outcome.error
    assert outcome.status == ExitStatus.OK, [i.verdict.message for i in outcome.report.invariants]
    (fault,) = outcome.report.faults
    assert fault.kind == "reject-port" and fault.heal_t is not None
    verdicts = {i.name: i.verdict for i in outcome.report.invariants}
    # The fault had its effect (writes failed while it was in), and they failed fast.
    assert verdicts["quick-errors"].valid is True and verdicts["quick-errors"].figures["failed"], verdicts
    ok_after = [
        o for o in outcome.report.history if o.outcome is Outcome.ok and o.invoke_t > fault.heal_t + 1
    ]
    assert ok_after, "writes did not come back after the heal"
