"""Scenario files: steady state, workload, fault timeline and invariants, validated on load.

``load_scenario`` checks a file on its own, ``resolve_stack`` against its stack, and
``expand`` turns generated schedules into concrete faults from one seed. The runner
consumes the model; nothing here touches Docker. Hypothesis strategies live in
``xmux_sim.scenario.strategies`` (dev extra).
"""

from xmux_sim.scenario.dump import scenario_data, to_yaml
from xmux_sim.scenario.kinds import CHECKERS, CLIENT_KINDS, PROBE_KINDS
from xmux_sim.scenario.loader import load_scenario, parse_scenario, resolve_stack
from xmux_sim.scenario.model import (
    ClientSpec,
    Expectation,
    GeneratedSchedule,
    Invariant,
    Overrides,
    Phase,
    Probe,
    Recovery,
    Scenario,
    ServiceOverride,
    StackRef,
    SteadyState,
    TimedFault,
    Workload,
    target_key,
)
from xmux_sim.scenario.schedule import choose_seed, expand, limit_violations, with_faults

__all__ = [
    "CHECKERS",
    "CLIENT_KINDS",
    "PROBE_KINDS",
    "ClientSpec",
    "Expectation",
    "GeneratedSchedule",
    "Invariant",
    "Overrides",
    "Phase",
    "Probe",
    "Recovery",
    "Scenario",
    "ServiceOverride",
    "StackRef",
    "SteadyState",
    "TimedFault",
    "Workload",
    "choose_seed",
    "expand",
    "limit_violations",
    "load_scenario",
    "parse_scenario",
    "resolve_stack",
    "scenario_data",
    "target_key",
    "to_yaml",
    "with_faults",
]
