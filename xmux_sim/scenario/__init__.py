"""Scenario files: steady state, workload, fault timeline and invariants, validated on load.

``load_scenario`` checks a file on its own, ``resolve_stack`` against its stack, and
``expand`` turns generated schedules into concrete faults from one seed. This is the
file model only: :mod:`xmux_sim.experiment` carries a scenario out; nothing here
touches a provider. Hypothesis strategies live in ``xmux_sim.scenario.strategies``
(dev extra).
"""

from xmux_sim.scenario.dump import scenario_data, to_yaml
from xmux_sim.scenario.kinds import CLIENT_KINDS, PROBE_KINDS
from xmux_sim.scenario.loader import default_scenario_path, load_scenario, parse_scenario, resolve_stack
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
)
from xmux_sim.scenario.schedule import choose_seed, expand, limit_violations, with_faults

__all__ = [
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
    "default_scenario_path",
    "expand",
    "limit_violations",
    "load_scenario",
    "parse_scenario",
    "resolve_stack",
    "scenario_data",
    "to_yaml",
    "with_faults",
]
