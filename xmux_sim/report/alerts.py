"""The alerts of a run as a report shows them: one row per firing, with its delay from the fault.

Rows come from the notifications on the timeline (:func:`~xmux_sim.checkers.alert.episodes`
pairs firing and resolved). Each firing is set against the fault injected last before
it: the detection delay is from that injection to the firing notification, the clear
delay from that fault's heal to the resolved notification.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from xmux_sim.checkers.alert import episodes
from xmux_sim.timeline import AlertEvent, FaultEvent, alert_title

__all__ = ["AlertRow", "alert_rows"]


@dataclass(frozen=True)
class AlertRow:
    alert: str
    labels: Mapping[str, str]
    summary: str
    fired_t: float
    resolved_t: float | None
    fault: str | None
    """The fault injected last before the firing (its id)."""
    from_fault_s: float | None
    from_heal_s: float | None
    active_at_start: bool

    @property
    def title(self) -> str:
        return alert_title(self.alert, self.labels)

    def to_dict(self) -> dict[str, Any]:
        return {
            "alert": self.alert,
            "labels": dict(self.labels),
            "summary": self.summary,
            "fired_t": self.fired_t,
            "resolved_t": self.resolved_t,
            "fault": self.fault,
            "detection_delay_s": self.from_fault_s,
            "clear_delay_s": self.from_heal_s,
            "active_at_start": self.active_at_start,
        }


def alert_rows(alerts: Sequence[AlertEvent], faults: Sequence[FaultEvent]) -> list[AlertRow]:
    """Every firing of the run, by alert name, then in order of firing."""
    rows = []
    for ep in episodes(alerts):
        cause = max((f for f in faults if f.inject_t <= ep.fired_t), key=lambda f: f.inject_t, default=None)
        from_heal = None
        if cause is not None and cause.heal_t is not None and ep.resolved_t is not None:
            from_heal = ep.resolved_t - cause.heal_t if ep.resolved_t >= cause.heal_t else None
        rows.append(
            AlertRow(
                alert=ep.alert,
                labels=ep.labels,
                summary=ep.summary,
                fired_t=ep.fired_t,
                resolved_t=ep.resolved_t,
                fault=None if cause is None or ep.before else cause.id,
                from_fault_s=None if cause is None or ep.before else ep.fired_t - cause.inject_t,
                from_heal_s=from_heal,
                active_at_start=ep.before,
            )
        )
    return sorted(rows, key=lambda r: (r.alert, r.fired_t))
