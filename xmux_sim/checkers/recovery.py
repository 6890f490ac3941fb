"""Recovery time: how long after a fault is healed the service is steady again.

Steady means a streak of ``streak`` consecutive operations (in invoke order,
of the filtered stream) that are healthy; the service is "back" at the invoke
time of the first operation of the first such streak that starts at or after
the heal. A single lucky success in the middle of errors does not count.

A streak is only searched for until the next fault is injected: if the service
had not recovered by then, its recovery from this fault was never observed.

Time to impact is when the client first saw a problem: the completion time
(or, for a pending operation, the invoke time) of the earliest unhealthy
operation invoked between the inject and the recovery.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from xmux_sim.checkers.kind import FILTERS, Arg, CheckerKind
from xmux_sim.checkers.verdict import EVIDENCE_LIMIT, UNKNOWN, Figure, Validity, Verdict
from xmux_sim.history import Operation, Outcome, select
from xmux_sim.timeline import FaultWindow

__all__ = ["RECOVERY_TIME", "FaultRecovery", "fault_recoveries", "recovery_time"]


@dataclass(frozen=True, slots=True)
class FaultRecovery:
    name: str
    inject_t: float
    heal_t: float | None
    first_error_t: float | None
    time_to_impact_s: float | None
    recovered_t: float | None
    recovery_s: float | None
    ops_after_heal: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _order(o: Operation) -> tuple[float, float, str, str]:
    # Ties on invoke time are broken on everything else, so the input order never matters.
    return (o.invoke_t, math.inf if o.complete_t is None else o.complete_t, o.process, o.outcome.value)


def _is_ok(o: Operation) -> bool:
    return o.outcome is Outcome.ok


def fault_recoveries(
    history: Iterable[Operation],
    fault_windows: Iterable[FaultWindow | tuple[str, float, float | None]],
    *,
    streak: int = 5,
    healthy: Callable[[Operation], bool] = _is_ok,
    store: str | Collection[str] | None = None,
    op: str | Collection[str] | None = None,
    process: str | Collection[str] | None = None,
) -> list[FaultRecovery]:
    """Impact and recovery of each fault, in the order the faults were given."""
    if streak < 1:
        raise ValueError(f"streak must be >= 1, got {streak}")
    faults = [FaultWindow(*f) for f in fault_windows]
    ops = sorted(select(history, store=store, op=op, process=process), key=_order)
    invoke_times = [o.invoke_t for o in ops]
    return [_recover(ops, invoke_times, f, faults, streak, healthy) for f in faults]


def _recover(
    ops: Sequence[Operation],
    invoke_times: Sequence[float],
    fault: FaultWindow,
    faults: Sequence[FaultWindow],
    streak: int,
    healthy: Callable[[Operation], bool],
) -> FaultRecovery:
    heal_t = fault.heal_t
    next_inject = min(
        (f.inject_t for f in faults if heal_t is not None and f.inject_t > heal_t),
        default=math.inf,
    )

    recovered_t: float | None = None
    ops_after_heal = 0
    if heal_t is not None:
        run = 0
        for i in range(bisect_left(invoke_times, heal_t), len(ops)):
            o = ops[i]
            if o.invoke_t >= next_inject:
                break
            ops_after_heal += 1
            run = run + 1 if healthy(o) else 0
            if run == streak:
                recovered_t = ops[i - streak + 1].invoke_t
                break

    impact_end = recovered_t if recovered_t is not None else next_inject
    first_error_t: float | None = None
    for i in range(bisect_left(invoke_times, fault.inject_t), len(ops)):
        o = ops[i]
        if o.invoke_t >= impact_end:
            break
        if not healthy(o):
            seen = o.complete_t if o.complete_t is not None else o.invoke_t
            first_error_t = seen if first_error_t is None else min(first_error_t, seen)

    return FaultRecovery(
        name=fault.name,
        inject_t=fault.inject_t,
        heal_t=heal_t,
        first_error_t=first_error_t,
        time_to_impact_s=None if first_error_t is None else first_error_t - fault.inject_t,
        recovered_t=recovered_t,
        recovery_s=None if recovered_t is None or heal_t is None else recovered_t - heal_t,
        ops_after_heal=ops_after_heal,
    )


def recovery_time(
    history: Iterable[Operation],
    fault_windows: Iterable[FaultWindow | tuple[str, float, float | None]],
    *,
    limit_s: float,
    streak: int = 5,
    healthy: Callable[[Operation], bool] = _is_ok,
    store: str | Collection[str] | None = None,
    op: str | Collection[str] | None = None,
    process: str | Collection[str] | None = None,
    name: str = "recovery_time",
) -> Verdict:
    """Valid when the service recovered from every fault within ``limit_s`` of its heal."""
    results = fault_recoveries(
        history, fault_windows, streak=streak, healthy=healthy, store=store, op=op, process=process
    )
    unhealed = [r for r in results if r.heal_t is None]
    never = [r for r in results if r.heal_t is not None and r.recovered_t is None]
    slow = [r for r in results if r.recovery_s is not None and r.recovery_s > limit_s]
    recoveries = [r.recovery_s for r in results if r.recovery_s is not None]
    impacts = [r.time_to_impact_s for r in results if r.time_to_impact_s is not None]

    figures: dict[str, Figure] = {
        "faults": len(results),
        "recovered": len(recoveries),
        "not_recovered": len(never),
        "unhealed": len(unhealed),
        "over_limit": len(slow),
        "max_recovery_s": max(recoveries, default=None),
        "max_time_to_impact_s": max(impacts, default=None),
        "limit_s": limit_s,
        "streak": streak,
    }
    evidence: dict[str, Any] = {"faults": [r.to_dict() for r in results[:EVIDENCE_LIMIT]]}

    problems = [
        f"{r.name}: no {streak} healthy ops in a row after heal at {r.heal_t:g} s "
        f"({r.ops_after_heal} ops seen before the run or the next fault ended)"
        for r in never
    ] + [f"{r.name}: recovered after {r.recovery_s:.2f} s > {limit_s:g} s" for r in slow]

    valid: Validity
    if problems:
        valid, message = False, "; ".join(problems)
    elif not results:
        valid, message = UNKNOWN, "no fault windows, recovery time not measured"
    elif unhealed:
        valid = UNKNOWN
        message = "never healed: " + ", ".join(r.name for r in unhealed) + "; recovery not measurable"
    else:
        worst = max(recoveries)
        valid = True
        message = f"all {len(results)} faults recovered within {limit_s:g} s (worst {worst:.2f} s)"
    return Verdict(name=name, valid=valid, figures=figures, evidence=evidence, message=message)


RECOVERY_TIME = CheckerKind(
    "recovery-time",
    recovery_time,
    "after each fault is healed, the operations are healthy again (streak in a row) within limit_s",
    evidence=("history", "faults"),
    args={
        "limit_s": Arg("seconds from the heal to the first of the healthy streak", minimum=0),
        "streak": Arg("healthy operations in a row that count as recovered", minimum=1),
        **FILTERS,
    },
)
