"""Judging a finished experiment: each invariant by its checker, and the steady state by its probes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from xmux_sim.checkers.kind import CHECKERS, RunEvidence
from xmux_sim.checkers.verdict import UNKNOWN, Verdict
from xmux_sim.report import ExitStatus
from xmux_sim.scenario.model import Invariant, Scenario
from xmux_sim.timeline import Phase, ProbeResult

__all__ = ["Judged", "exit_status", "judge"]

Judged = list[tuple[Invariant | None, Verdict]]
"""Each verdict with the invariant it judged (None: the steady state)."""


def judge(scenario: Scenario, evidence: RunEvidence, recovered_in: float | None) -> Judged:
    verdicts: Judged = []
    steady = steady_verdict(scenario, evidence.probes, recovered_in)
    if steady is not None:
        verdicts.append((None, steady))
    for inv in scenario.invariants:
        try:
            verdict = CHECKERS[inv.checker].run(evidence, inv.name, inv.kwargs)
        except Exception as exc:  # a checker that cannot judge says so; it does not crash the report
            verdict = Verdict(inv.name, UNKNOWN, message=f"checker failed: {type(exc).__name__}: {exc}")
        verdicts.append((inv, verdict))
    return verdicts


def steady_verdict(
    scenario: Scenario, probes: Sequence[ProbeResult], recovered_in: float | None
) -> Verdict | None:
    """The steady state held before, during (within each probe's tolerance) and after the faults."""
    steady = scenario.steady_state
    if not steady.probes:
        return None
    problems = []
    figures: dict[str, Any] = {}
    for probe in steady.probes:
        during = [r for r in probes if r.probe == probe.name and r.phase == Phase.during]
        if during:
            failed = sum(1 for r in during if not r.ok) / len(during)
            figures[f"{probe.name}.during_failed"] = round(failed, 3)
            if failed > probe.tolerance:
                problems.append(
                    f"{probe.name} failed {failed:.0%} of rounds during the run > {probe.tolerance:.0%}"
                )
    if Phase.after in {ph for p in steady.probes for ph in p.phases}:
        figures["recovered_in_s"] = None if recovered_in is None else round(recovered_in, 2)
        if recovered_in is None:
            problems.append(f"did not hold again within {scenario.recovery.timeout:g}s of healing")
    message = "; ".join(problems) or "held before, during (within tolerance) and after"
    return Verdict("steady-state", not problems, figures=figures, message=message)


def exit_status(error: str | None, verdicts: Judged) -> ExitStatus:
    if error:
        return ExitStatus.ERROR
    # "unknown" is not "holds": a run that could not show an invariant holds does not pass.
    return ExitStatus.OK if all(v.holds for _, v in verdicts) else ExitStatus.VIOLATED
