"""The experiment: a scenario carried out against a run, its faults played, its invariants judged.

The scenario file model lives in :mod:`xmux_sim.scenario`; this package brings it to
life through the provider protocols, the fault player, the workload clients and the
steady-state probes, and hands the evidence to the checkers and the report.
"""

from xmux_sim.experiment.runner import RunOptions, RunOutcome, ScenarioRunner

__all__ = ["RunOptions", "RunOutcome", "ScenarioRunner"]
