"""One fault on several targets at once: a shared power feed fails, every node on it goes dark.

Injected one after another, three node faults land a second or more apart (each takes
its own engine round trips), and a cluster sees three small failures instead of one big
one. Here each target's effect runs in its own thread, released together, so the cuts
land within milliseconds; heal brings the targets back together too. The spread (last
cut - first cut) is recorded with the fault, so a report shows how together "together" was.

A provider builds a :class:`Together` from one fault per target (``FaultSpec.each_target``)
and a :class:`Ledger` of its own; the parts are never injected on their own, only their
``_prepare`` / ``_apply`` / ``_revert`` are used.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from functools import partial
from typing import Protocol

from xmux_sim.faults.base import Fault, FaultError, State
from xmux_sim.faults.spec import FaultSpec
from xmux_sim.timeline import Timeline

__all__ = ["Ledger", "Together", "at_once"]

START_TIMEOUT_S = 30.0
"""How long the threads may take to all be ready before a cut (a stuck thread must not hang a run)."""

Action = tuple[str, Callable[[], None]]
"""(what it acts on, the action), so an error names its target."""


class Ledger(Protocol):
    """Where a provider keeps active faults for another process to heal."""

    def record(self, fault_id: str, spec: FaultSpec, state: State) -> None: ...

    def forget(self, fault_id: str) -> None: ...


def at_once(actions: Sequence[Action], clock: Callable[[], float] = time.monotonic) -> float:
    """Run every action in its own thread, released together; milliseconds from the first to land
    to the last. Every action runs even when another fails; FaultError then names each failure."""
    landed: dict[int, float] = {}
    failed: list[str] = []
    # Released only once every thread runs, so starting threads is not part of the spread.
    gate = threading.Barrier(len(actions), timeout=START_TIMEOUT_S)

    def run(i: int, target: str, action: Callable[[], None]) -> None:
        try:
            gate.wait()
            action()
            landed[i] = clock()
        except Exception as exc:  # reported with its target once every thread is done
            failed.append(f"{target}: {exc}")

    threads = [
        threading.Thread(target=run, args=(i, target, action), name=f"fault-{target}", daemon=True)
        for i, (target, action) in enumerate(actions)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failed:
        raise FaultError("; ".join(sorted(failed)))
    return (max(landed.values()) - min(landed.values())) * 1000.0


class Together(Fault):
    """A fault whose parts (one fault per target) go in at once and come out at once."""

    def __init__(
        self,
        spec: FaultSpec,
        parts: Sequence[Fault],
        ledger: Ledger,
        fault_id: str | None = None,
        timeline: Timeline | None = None,
    ) -> None:
        super().__init__(spec, fault_id, timeline)
        if not parts:
            raise FaultError(f"{spec.describe()}: no target")
        self.parts = list(parts)
        self.ledger = ledger

    def _prepare(self) -> State:
        return {"parts": [part._prepare() for part in self.parts]}

    def _apply(self, state: State) -> None:
        self.spread_ms = at_once(self._each(state, "_apply"))
        for part in self.parts:
            self.unsynced.update(part.unsynced)

    def _revert(self, state: State) -> None:
        at_once(self._each(state, "_revert"))

    def _each(self, state: State, step: str) -> list[Action]:
        """Each part's ``step`` on its own state, named by its target."""
        pairs = zip(self.parts, state["parts"], strict=True)
        return [(part.spec.describe(), partial(getattr(part, step), s)) for part, s in pairs]

    def _record(self, state: State) -> None:
        self.ledger.record(self.id, self.spec, state)

    def _forget(self) -> None:
        self.ledger.forget(self.id)
