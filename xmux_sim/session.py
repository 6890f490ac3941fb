"""One way to hold a stack for a piece of work: bring it up or attach, then keep it or take it down.

Every command that runs something against a stack (`up`, `run`, `load`, `smoke`), the
Python API and the pytest plugin use :func:`run_session`. Inside it, SIGTERM takes
Ctrl-C's way out (in the main thread), and whichever way the block is left:

- interrupted (Ctrl-C, SIGTERM): every fault in the run's ledger is healed, and the
  stack is taken down unless it was attached to;
- otherwise: relays this process started are removed; an attached stack stays up, a
  kept one is released to outlive the process, any other is taken down.

A SIGKILLed process leaves the clean-up to the run's reaper.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from xmux_sim.providers import DEFAULT, open_provider
from xmux_sim.providers.base import Progress, Provider, Run
from xmux_sim.topology.model import Stack

__all__ = ["Session", "run_session", "signals_as_interrupt"]

Say = Callable[[str], None]


@dataclass
class Session:
    run: Run
    provider: Provider
    attached: bool
    keep: bool
    say: Say
    _finished: bool = False

    def finish(self) -> None:
        """End the session now (what leaving the with-block would do); later calls do nothing."""
        if self._finished:
            return
        self._finished = True
        self.run.remove_relays()
        if self.attached:
            return
        if self.keep:
            self.run.keep()
            self.say(f"stack kept as run {self.run.run_id}: `xmux-sim down --run {self.run.run_id}`")
        else:
            self.run.down()

    def abandon(self) -> None:
        """Interrupted: heal what is in, and take the stack down unless it was attached to."""
        if self._finished:
            return
        self._finished = True
        self.say("interrupted: healing faults and cleaning up")
        try:
            for entry in self.run.faults().heal_all():
                self.say(f"healed leftover fault {entry.spec.describe()}")
        except Exception as exc:  # the stack goes anyway; an attached one keeps what could not heal
            self.say(f"faults could not be healed: {exc}")
        self.run.remove_relays()
        if not self.attached:
            self.run.down()


@contextmanager
def run_session(
    stack: Stack | None = None,
    *,
    attach: str | None = None,
    keep: bool = False,
    provider: Provider | str = DEFAULT,
    progress: Progress | None = None,
    say: Say | None = None,
) -> Iterator[Session]:
    """``stack`` up for the with-block, or ``attach`` (a run id; "" = the only run) instead.

    ``progress`` gets the provider's lines while it works, ``say`` the session's own notes.
    """
    chosen = open_provider(provider, progress) if isinstance(provider, str) else provider
    if attach is None and stack is None:
        raise ValueError("run_session needs a stack to bring up, or a run to attach to")
    with signals_as_interrupt():
        if attach is not None:
            run = chosen.attach(attach or None)
        else:
            assert stack is not None
            run = chosen.up(stack)
        session = Session(run, chosen, attach is not None, keep, say or (lambda _line: None))
        try:
            yield session
        except KeyboardInterrupt:
            session.abandon()
            raise
        finally:
            session.finish()


@contextmanager
def signals_as_interrupt() -> Iterator[None]:
    """SIGTERM takes the same way out as Ctrl-C: heal, clean up, then exit."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
