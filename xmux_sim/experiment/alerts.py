"""Listening to the stack's monitoring during a run: Alertmanager's notifications on the timeline.

When the stack has an Alertmanager, the run listens on its webhook (the host's address on
the Alertmanager pod's node network) from the start, and first proves the pod can reach
the harness (a post from inside the pod), so a firewall in the way is an error, not a
silent "the alert never fired". With ``alert`` invariants the run also

- waits, before the workload, until Alertmanager holds no active alert (start-up noise,
  a previous run's alerts) and records what is still active as active at the start;
- keeps listening after recovery until every ``alert`` invariant has had its bounds
  (or already holds), so late notifications are judged rather than missed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from xmux_sim.checkers.alert import listen_until
from xmux_sim.errors import XmuxSimError
from xmux_sim.providers.base import Run
from xmux_sim.scenario.model import Invariant
from xmux_sim.services.alert_webhook import AlertReceiver
from xmux_sim.services.alertmanager import active_alerts, webhook_host
from xmux_sim.services.base import ProbeFailed
from xmux_sim.timeline import Timeline
from xmux_sim.topology.model import Stack

__all__ = ["MAX_SETTLE_S", "QUIET_TIMEOUT_S", "AlertWatch"]

Say = Callable[[str], None]
QUIET_TIMEOUT_S = 90.0
MAX_SETTLE_S = 180.0


@dataclass
class AlertWatch:
    """The receiver of one run, and when it listened."""

    run: Run
    service: str
    timeline: Timeline
    receiver: AlertReceiver
    say: Say
    start_t: float | None = None
    end_t: float | None = None
    _stopped: bool = field(default=False, repr=False)

    @classmethod
    def open(cls, run: Run, stack: Stack, timeline: Timeline, say: Say, required: bool) -> AlertWatch | None:
        """Listening on the stack's Alertmanager webhook; None when it has none (or, not ``required``,
        when it cannot be heard: the run goes on without alerts)."""
        managers = [s for s in stack.services.values() if s.kind == "alertmanager"]
        if not managers:
            return None
        service = managers[0]
        creds = run.endpoint(service.name).credentials
        try:
            receiver = AlertReceiver(
                webhook_host(stack, service),
                int(creds["webhook_port"]),
                creds["webhook_token"],
                timeline.alerted,
                timeline.clock.now,
            ).start()
        except (OSError, KeyError, ValueError) as exc:
            if required:
                raise XmuxSimError(f"alerts cannot be received: {exc}") from None
            say(f"not listening for alerts: {exc}")
            return None
        watch = cls(run, service.name, timeline, receiver, say)
        try:
            watch._prove_reachable(creds["webhook_token"])
        except XmuxSimError as exc:
            watch.stop()
            if required:
                raise
            say(f"not listening for alerts: {exc}")
            return None
        say(f"listening for {service.name}'s notifications at {receiver.url}")
        return watch

    def _prove_reachable(self, token: str) -> None:
        """A post from inside the Alertmanager pod to the receiver, as Alertmanager will post."""
        before = self.receiver.pings
        code, output = self.run.exec(
            self.service,
            [
                "curl", "-sS", "-f", "-m", "5", "-H", f"Authorization: Bearer {token}",
                "-H", "Content-Type: application/json", "-d", json.dumps({"alerts": []}), self.receiver.url,
            ],
        )  # fmt: skip
        if code != 0 or self.receiver.pings <= before:
            raise XmuxSimError(
                f"{self.service}'s pod cannot reach the harness at {self.receiver.url} "
                f"({output.strip() or code}): a firewall on the host's INPUT chain may drop "
                "traffic from the stack's bridges"
            )

    def await_quiet(self, timeout: float = QUIET_TIMEOUT_S) -> None:
        """Wait until Alertmanager holds no active alert, then mark the start of listening; what is
        still active then goes on the timeline as active at the start."""
        deadline = time.monotonic() + timeout
        while True:
            problem = ""
            try:
                active = active_alerts(self.run.endpoint(self.service), self.timeline.clock.now())
            except ProbeFailed as exc:
                active, problem = [], str(exc)
            if not (active or problem) or time.monotonic() >= deadline:
                break
            time.sleep(1.0)
        self.start_t = self.timeline.clock.now()
        for event in active:
            self.timeline.alerted(event)
        if active:
            self.say(f"still active when the experiment starts: {', '.join(a.title for a in active[:5])}")
        if problem:
            self.say(f"Alertmanager's active alerts could not be read: {problem}")

    def settle(self, invariants: Sequence[Invariant], workload_end: float, holds: Callable[[], bool]) -> None:
        """Listen until every ``alert`` invariant's bounds have passed. ``must: fire`` invariants
        may end it early, once ``holds()`` says they all hold; silence takes its full time."""
        faults = self.timeline.events
        now = self.timeline.clock.now

        def deadline(which: Sequence[Invariant]) -> float:
            until = max((listen_until(inv.kwargs, faults, workload_end) for inv in which), default=0.0)
            return min(until, now() + MAX_SETTLE_S)

        silent = deadline([inv for inv in invariants if inv.kwargs.get("must") == "stay-silent"])
        until = max(silent, deadline(invariants))

        def done() -> bool:
            return now() >= until or (now() >= silent and holds())

        if not done():
            self.say(f"listening for alert notifications until {until:.0f}s of the run at most")
            while not done():
                time.sleep(0.5)

    @property
    def window(self) -> tuple[float, float] | None:
        if self.start_t is None:
            return None
        return (self.start_t, self.end_t if self.end_t is not None else self.timeline.clock.now())

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        if self.start_t is not None and self.end_t is None:
            self.end_t = self.timeline.clock.now()
        self.receiver.stop()
