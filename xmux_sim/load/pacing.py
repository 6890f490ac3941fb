"""Fixed arrival rate for closed-loop users, and the lag that coordinated-omission correction adds.

A locust user waits for its reply before it sends the next request, so when the system
stalls the user stops sending and the stall hides in fewer, not slower, samples
(coordinated omission). At a fixed arrival rate each action has an intended start time;
an action that starts late has waited ``lag`` seconds in a queue it did not see, and the
latency a student would have seen is the measured latency plus that lag (wrk2's
correction, at the granularity of a user action).
"""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["Pacer"]


class Pacer:
    """Intended start times ``first, first + period, ...`` for one user; never skips one.

    ``start()`` is called when an action begins and returns its lag (how late it is);
    ``wait()`` is how long to sleep before the next intended start (0 when behind).
    """

    def __init__(self, period_s: float, phase_s: float = 0.0, clock: Callable[[], float] = time.monotonic):
        if not period_s > 0:
            raise ValueError(f"period_s must be > 0, got {period_s}")
        self.period_s = period_s
        self.clock = clock
        # Users start together; a phase spreads their arrivals over the first period.
        self.next_s = clock() + phase_s % period_s
        self.lag_s = 0.0

    def wait(self) -> float:
        return max(0.0, self.next_s - self.clock())

    def start(self) -> float:
        """Mark the start of the action scheduled at ``next_s``; returns and keeps its lag."""
        intended = self.next_s
        self.next_s = intended + self.period_s
        self.lag_s = max(0.0, self.clock() - intended)
        return self.lag_s
