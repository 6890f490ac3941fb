"""Whether a run came out as its scenario file expects (shared by `pytest scenarios/` and `suite`)."""

from __future__ import annotations

from tests.unit.test_report import make_report
from tests.unit.test_suite_report import broken, held
from xmux_sim.checkers import Verdict
from xmux_sim.experiment.expectation import expected
from xmux_sim.report import ExitStatus, Invariant
from xmux_sim.scenario import parse_scenario

HOLD = """\
name: s
workload:
  duration: 5
  clients: [{kind: sql-insert, service: postgres}]
invariants:
  - {name: lossy, checker: lost-writes, store: postgres}
"""
UNSAFE = HOLD + "expect: violated\n"


def test_a_hold_scenario_passes_only_when_every_invariant_holds() -> None:
    scenario = parse_scenario(HOLD)
    ok = make_report(invariants=[held("lossy")], exit_status=ExitStatus.OK)
    assert expected(scenario, ExitStatus.OK, ok, None).met
    bad = make_report(invariants=[broken("lossy")])
    assert not expected(scenario, ExitStatus.VIOLATED, bad, None).met
    error = expected(scenario, ExitStatus.ERROR, None, "image(s) not built")
    assert not error.met and "could not be carried out: image(s) not built" in error.reason


def test_an_unsafe_variant_passes_only_when_its_own_invariant_is_violated() -> None:
    scenario = parse_scenario(UNSAFE)
    caught = expected(scenario, ExitStatus.VIOLATED, make_report(invariants=[broken("lossy")]), None)
    assert caught.met and caught.caught == ("lossy",)
    # "unknown" is not the evidence sought, nor a violation of an invariant the file did not name.
    unknown = Invariant("lossy", "lost-writes", "-", Verdict("lossy", "unknown", message="no final read"))
    assert not expected(scenario, ExitStatus.VIOLATED, make_report(invariants=[unknown]), None).met
    other = make_report(invariants=[broken("steady-state")])
    assert not expected(scenario, ExitStatus.VIOLATED, other, None).met
    assert not expected(scenario, ExitStatus.OK, make_report(invariants=[held("lossy")]), None).met
