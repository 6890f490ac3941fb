"""Plays a fault schedule against a run: inject and heal on a timeline's clock, in a thread.

Shared by the experiment runner and `xmux-sim load --during`. ``at`` counts from
``origin`` on the timeline's clock (the workload's start). A fault that cannot go in
stops the schedule and is reported in ``error``; a heal that fails at its time is
retried by `stop`, which heals whatever is still in, newest first (faults nest: a
partition injected while a node was frozen goes before the node thaws), and then
anything left in the run's ledger. A fault aimed at a role (``leader-of(...)``) is
resolved by ``aim`` just before it goes in, and the pod it hit is recorded with it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from xmux_sim.errors import XmuxSimError
from xmux_sim.faults.base import Fault, FaultError
from xmux_sim.faults.spec import FaultSpec
from xmux_sim.providers.base import HasFaults, RunFaults
from xmux_sim.scenario.model import TimedFault
from xmux_sim.services.roles import Aimed
from xmux_sim.timeline import Timeline, unsynced_text

Say = Callable[[str], None]
Aim = Callable[[FaultSpec], Aimed]
"""Resolves a spec's role targets against the live run (see `xmux_sim.services.roles.aim`)."""


@dataclass
class FaultPlayer:
    run: HasFaults
    schedule: list[TimedFault]
    timeline: Timeline
    horizon: float
    """Faults without a duration are healed here (the workload's length)."""
    origin: float = 0.0
    say: Say = lambda _line: None
    aim: Aim | None = None
    """None: a spec with a role target cannot go in (the caller has no endpoints to ask)."""
    error: str | None = None
    """Why a fault could not be injected (the run could not be carried out)."""
    heal_problems: list[str] = field(default_factory=list)
    active: dict[str, str] = field(default_factory=dict)
    """Fault id -> description, of what is in now (for live views)."""
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _injected: list[Fault] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> FaultPlayer:
        self._thread = threading.Thread(target=self._play, name="fault-player", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop playing (waiting for an inject or heal in progress), then heal everything."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=180)
        self.heal_everything()

    def _elapsed(self) -> float:
        return self.timeline.clock.now() - self.origin

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
            delay = at - self._elapsed()
            if delay > 0 and self._stop.wait(delay):
                return
            if self._stop.is_set():
                return
            if what == "inject":
                try:
                    fault: Fault = self._inject(faults, tf.spec)
                except (FaultError, XmuxSimError) as exc:
                    self.error = f"fault {tf.describe()} could not be injected: {exc}"
                    self.say(self.error)
                    return
                by_index[i] = fault
                with self._lock:
                    self._injected.append(fault)
                    self.active[fault.id] = fault.spec.describe(fault.aimed)
                lost = unsynced_text(fault.unsynced)
                self.say(f"[{self._elapsed():6.1f}s] injected {fault.spec.describe(fault.aimed)}{lost}")
            elif i in by_index:
                fault = by_index.pop(i)
                if self._heal(fault):
                    self.say(f"[{self._elapsed():6.1f}s] healed {tf.spec.describe()}")

    def _inject(self, faults: RunFaults, spec: FaultSpec) -> Fault:
        aim = self.aim
        if spec.roles and aim is None:
            raise FaultError(f"{spec.describe()}: role targets need a run whose services can be asked")
        return inject_aimed(faults, spec, aim) if aim is not None else faults.inject(spec)

    def _heal(self, fault: Fault) -> bool:
        try:
            fault.heal()
        except Exception as exc:  # e.g. a pod on a powered-off node: retried in heal_everything
            self.say(f"healing {fault.describe()} failed for now: {exc}")
            return False
        with self._lock:
            self.active.pop(fault.id, None)
            if fault in self._injected:
                self._injected.remove(fault)
        return True

    def heal_everything(self) -> None:
        """Heal what this player injected, newest first, then whatever the run's ledger still holds."""
        with self._lock:
            injected = list(self._injected)
        for fault in reversed(injected):
            self._heal(fault)
        try:
            for entry in self.run.faults(self.timeline).heal_all():
                self.say(f"healed leftover fault {entry.spec.describe()}")
        except Exception as exc:
            self.heal_problems.append(str(exc))
            self.say(f"faults could not be healed: {exc}")


def inject_aimed(faults: RunFaults, spec: FaultSpec, aim: Aim) -> Fault:
    """``spec`` injected, its role targets resolved by ``aim`` just before and kept on the fault
    (the player and ``xmux-sim fault`` both go through here)."""
    if not spec.roles:
        return faults.inject(spec)
    aimed = aim(spec)
    fault = faults.make(aimed.spec)
    fault.aimed = aimed.aimed
    return fault.inject()
