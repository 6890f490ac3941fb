"""Checkers: pure functions from a history (plus parameters) to a `Verdict`.

Nothing here touches Docker, the network or the clock; a checker can be
re-run on a saved ``history.jsonl`` and must give the same verdict. Each checker
module declares its :class:`~xmux_sim.checkers.kind.CheckerKind`, which is how a
scenario file names it (``CHECKERS``).
"""

from xmux_sim.checkers.availability import WindowCounts, availability, availability_series
from xmux_sim.checkers.convergence import (
    RouterConvergence,
    RouteTarget,
    convergence,
    convergence_time,
    sampling_interval,
)
from xmux_sim.checkers.kind import CHECKERS, CheckerKind, RunEvidence
from xmux_sim.checkers.latency import latency, quantile
from xmux_sim.checkers.lost_writes import WRITE_OPS, lost_writes
from xmux_sim.checkers.rebuild import Rebuild, rebuild_time, rebuilds
from xmux_sim.checkers.recovery import FaultRecovery, fault_recoveries, recovery_time
from xmux_sim.checkers.verdict import EVIDENCE_LIMIT, UNKNOWN, Figure, Validity, Verdict, compose, merge_valid

__all__ = [
    "CHECKERS",
    "EVIDENCE_LIMIT",
    "UNKNOWN",
    "WRITE_OPS",
    "CheckerKind",
    "FaultRecovery",
    "Figure",
    "Rebuild",
    "RouteTarget",
    "RouterConvergence",
    "RunEvidence",
    "Validity",
    "Verdict",
    "WindowCounts",
    "availability",
    "availability_series",
    "compose",
    "convergence",
    "convergence_time",
    "fault_recoveries",
    "latency",
    "lost_writes",
    "merge_valid",
    "quantile",
    "rebuild_time",
    "rebuilds",
    "recovery_time",
    "sampling_interval",
]
