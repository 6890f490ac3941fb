"""`--during SCENARIO`: a scenario's fault timeline played against the stack while locust runs.

Only the faults are taken from the scenario (its workload, probes and invariants are the
experiment runner's business); the experiment's `FaultPlayer` injects and heals them on
the load run's clock, so ``at: 5`` means five seconds after locust started, and records
them on a timeline whose windows the summary and plots show.
"""

from __future__ import annotations

from pathlib import Path

from xmux_sim.faults.spec import FaultSpecError
from xmux_sim.scenario.loader import load_scenario
from xmux_sim.scenario.model import Scenario, TimedFault
from xmux_sim.scenario.schedule import expand
from xmux_sim.topology.model import Stack

__all__ = ["load_fault_timeline"]


def load_fault_timeline(
    path: str | Path, stack: Stack, seed: int, horizon: float | None = None
) -> tuple[Scenario, list[TimedFault]]:
    """The scenario's faults (generated ones expanded with ``seed``), checked against ``stack``.

    With ``horizon`` (the load's length) a fault injected at or after it is an error: it would
    never go in, and the report would show a run without the fault it was asked for.
    """
    scenario = load_scenario(path)
    for tf in scenario.faults:
        try:
            tf.spec.check(stack)
        except FaultSpecError as exc:
            raise tf.error(scenario.source, exc.message, exc.param) from None
    schedule = expand(scenario, stack, seed)
    if horizon is not None:
        for tf in schedule:
            if tf.at >= horizon:
                raise tf.error(
                    scenario.source,
                    f"at {tf.at:g}s is after the load ends ({horizon:g}s); give a longer --duration",
                )
    return scenario, schedule
