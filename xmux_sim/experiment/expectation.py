"""Whether a run came out as its scenario file expects: `expect: hold` or `expect: violated`.

`pytest scenarios/` and `xmux-sim suite` judge alike: a deliberately unsafe variant
(`expect: violated`) passes only when a checker of one of its own invariants says
"violated"; an "unknown" (nothing to judge, no final read) or a steady state that did not
return is not the evidence sought.
"""

from __future__ import annotations

from dataclasses import dataclass

from xmux_sim.report import ExitStatus, RunReport
from xmux_sim.scenario.model import Expectation, Scenario

__all__ = ["Expected", "expected"]


@dataclass(frozen=True)
class Expected:
    met: bool
    reason: str
    """Why not, or what was caught; one line."""
    caught: tuple[str, ...] = ()
    """``expect: violated``: the invariants whose checker said violated."""


def expected(scenario: Scenario, status: ExitStatus, report: RunReport | None, error: str | None) -> Expected:
    if status == ExitStatus.ERROR:
        return Expected(False, f"the run could not be carried out: {error or 'see the report'}")
    if scenario.expect == Expectation.hold:
        if status == ExitStatus.OK:
            return Expected(True, "every invariant holds")
        return Expected(False, "an invariant is violated (or could not be shown to hold)")
    names = {inv.name for inv in scenario.invariants}
    caught = tuple(
        inv.name
        for inv in (report.invariants if report else ())
        if inv.name in names and inv.verdict.valid is False
    )
    if caught:
        return Expected(True, f"violated as this unsafe variant expects: {', '.join(caught)}", caught)
    return Expected(False, "expected an invariant to be violated, none was")
