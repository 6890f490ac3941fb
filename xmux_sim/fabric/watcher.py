"""Watching routers' tables while a fault happens.

A watcher polls every router in its own thread, because one read (an exec in the router)
takes longer than the interval we want: polling routers one after another would stretch
the interval by the number of routers. Each sample is stamped when its read completed, so
a convergence time computed from samples (:mod:`xmux_sim.checkers.convergence`) is an
upper bound, off by at most one interval plus one read; `achieved_interval` says what
that interval really was.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import TracebackType

from xmux_sim.checkers.convergence import sampling_interval
from xmux_sim.timeline import RouteSample

RouteReader = Callable[[str], frozenset[str]]


@dataclass(frozen=True)
class ReadError:
    t: float
    router: str
    error: str


class RouteWatcher:
    """Samples each router's learned routes every ``interval`` seconds until stopped.

    Use as a context manager, or call `start` and `stop`. A failed read (a stopped router
    in a power fault, say) is recorded in `errors` and produces no sample: an absent table
    is not an empty one.
    """

    def __init__(
        self,
        read_routes: RouteReader,
        routers: Iterable[str],
        interval: float = 0.2,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if interval <= 0:
            raise ValueError(f"sampling interval must be > 0, got {interval}")
        self.read_routes = read_routes
        self.routers = tuple(routers)
        if not self.routers:
            raise ValueError("RouteWatcher needs at least one router")
        self.interval = interval
        self.clock = clock
        self._samples: list[RouteSample] = []
        self._errors: list[ReadError] = []
        self._read_s: list[float] = []
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    # ----- lifecycle ------------------------------------------------------------------------

    def start(self) -> RouteWatcher:
        if self._threads:
            raise RuntimeError("RouteWatcher already started")
        self._stop.clear()
        for router in self.routers:
            thread = threading.Thread(
                target=self._poll, args=(router,), name=f"route-watch-{router}", daemon=True
            )
            self._threads.append(thread)
            thread.start()
        return self

    def stop(self) -> list[RouteSample]:
        """Stop sampling (waiting for reads in flight) and return every sample taken."""
        self._stop.set()
        for thread in self._threads:
            thread.join()
        self._threads = []
        with self._changed:
            self._changed.notify_all()
        return self.samples

    def __enter__(self) -> RouteWatcher:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _poll(self, router: str) -> None:
        while not self._stop.is_set():
            started = self.clock()
            try:
                routes = frozenset(self.read_routes(router))
            except Exception as exc:  # one failing read must not end the watch
                error = f"{type(exc).__name__}: {exc}"
                outcome: RouteSample | ReadError = ReadError(self.clock(), router, error)
            else:
                outcome = RouteSample(self.clock(), router, routes)
            with self._changed:
                if isinstance(outcome, ReadError):
                    self._errors.append(outcome)
                else:
                    self._samples.append(outcome)
                    self._read_s.append(outcome.t - started)
                self._changed.notify_all()
            self._stop.wait(max(0.0, started + self.interval - self.clock()))

    # ----- reading --------------------------------------------------------------------------

    @property
    def samples(self) -> list[RouteSample]:
        with self._lock:
            return sorted(self._samples, key=lambda s: (s.t, s.router))

    @property
    def errors(self) -> list[ReadError]:
        with self._lock:
            return list(self._errors)

    def latest(self) -> dict[str, frozenset[str]]:
        """Each router's most recent table (routers not read yet are missing)."""
        with self._lock:
            return _latest(self._samples)

    def achieved_interval(self) -> float | None:
        """Median gap between consecutive samples of one router: the watch's real resolution."""
        return sampling_interval(self.samples)

    def median_read_s(self) -> float | None:
        """Median duration of one read: how stale a sample can be when it is stamped."""
        with self._lock:
            return statistics.median(self._read_s) if self._read_s else None

    def wait_until(self, predicate: Callable[[Mapping[str, frozenset[str]]], bool], timeout: float) -> bool:
        """Block until ``predicate(latest tables)`` holds, every router having been read; False on timeout."""
        deadline = self.clock() + timeout
        with self._changed:
            while True:
                latest = _latest(self._samples)
                if len(latest) == len(self.routers) and predicate(latest):
                    return True
                remaining = deadline - self.clock()
                if remaining <= 0 or (self._stop.is_set() and not self._threads):
                    return False
                self._changed.wait(remaining)


def _latest(samples: Iterable[RouteSample]) -> dict[str, frozenset[str]]:
    latest: dict[str, RouteSample] = {}
    for s in samples:
        if s.router not in latest or s.t >= latest[s.router].t:
            latest[s.router] = s
    return {router: s.routes for router, s in latest.items()}
