"""`--during SCENARIO`: a scenario's fault timeline played against the stack while locust runs.

Only the faults are taken from the scenario (its workload, probes and invariants are the
scenario runner's business); they are injected and healed on the load run's clock, so
``at: 5`` means five seconds after locust started, and recorded on a timeline whose
windows the summary and plots show.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xmux_sim.errors import XmuxSimError
from xmux_sim.faults.base import Fault, FaultError, Timeline
from xmux_sim.load.summary import FaultSpan
from xmux_sim.scenario.model import Scenario, TimedFault
from xmux_sim.topology.model import Stack

__all__ = ["FaultPlayer", "load_fault_timeline", "spans"]

Say = Callable[[str], None]


def load_fault_timeline(
    path: str | Path, stack: Stack, seed: int, horizon: float | None = None
) -> tuple[Scenario, list[TimedFault]]:
    """The scenario's faults (generated ones expanded with ``seed``), checked against ``stack``.

    With ``horizon`` (the load's length) a fault injected at or after it is an error: it would
    never go in, and the report would show a run without the fault it was asked for.
    """
    from xmux_sim.faults.spec import FaultSpecError
    from xmux_sim.scenario import load_scenario
    from xmux_sim.scenario.schedule import expand

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


@dataclass
class FaultPlayer:
    """Injects and heals ``schedule`` on ``timeline``'s clock in a thread; heals everything on stop."""

    run: Any
    schedule: list[TimedFault]
    timeline: Timeline
    horizon: float
    """Faults without a duration are healed here (the load's length)."""
    say: Say = lambda _line: None
    error: str | None = None
    active: dict[str, str] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _injected: list[Fault] = field(default_factory=list)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._play, name="fault-player", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=120)
        self._heal_all()

    def _play(self) -> None:
        events: list[tuple[float, int, str, TimedFault]] = []
        for i, tf in enumerate(self.schedule):
            events.append((tf.at, i, "inject", tf))
            if not tf.instant:
                events.append((min(tf.heal_at(self.horizon), self.horizon), i, "heal", tf))
        # At one instant a heal goes before an inject, so back-to-back faults do not overlap.
        events.sort(key=lambda e: (e[0], e[2] == "inject"))
        faults = self.run.faults(self.timeline)
        by_index: dict[int, Fault] = {}
        for at, i, what, tf in events:
            delay = at - self.timeline.clock.now()
            if delay > 0 and self._stop.wait(delay):
                return
            if what == "inject":
                try:
                    fault: Fault = faults.inject(tf.spec)
                except (FaultError, XmuxSimError) as exc:
                    self.error = f"fault {tf.describe()} could not be injected: {exc}"
                    self.say(self.error)
                    return
                by_index[i] = fault
                self._injected.append(fault)
                self.active[fault.id] = tf.spec.describe()
                self.say(f"[{self.timeline.clock.now():6.1f}s] injected {tf.spec.describe()}")
            elif i in by_index:
                fault = by_index.pop(i)
                self._heal(fault)
                self.say(f"[{self.timeline.clock.now():6.1f}s] healed {tf.spec.describe()}")

    def _heal(self, fault: Fault) -> None:
        try:
            fault.heal()
        except FaultError as exc:
            self.say(f"healing {fault.describe()} failed: {exc}")
        self.active.pop(fault.id, None)
        if fault in self._injected:
            self._injected.remove(fault)

    def _heal_all(self) -> None:
        for fault in list(self._injected):
            self._heal(fault)
        try:
            for entry in self.run.faults(self.timeline).heal_all():
                self.say(f"healed leftover fault {entry.spec.describe()}")
        except FaultError as exc:
            self.say(f"healing leftover faults failed: {exc}")


def spans(timeline: Timeline) -> list[FaultSpan]:
    return [FaultSpan(e.id, e.kind, e.description, e.inject_t, e.heal_t) for e in timeline.events]
