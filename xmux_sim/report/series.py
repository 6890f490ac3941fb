"""Per-window figures of a history, for the report's charts and summary.

Windows are attributed by invoke time, like the availability and latency
checkers, so a dip in the chart is the same dip a verdict talks about.
Latency quantiles use only ``ok`` operations, for the reasons given in the
latency checker; pending operations count as ``unknown``.

Histories reach millions of operations, so the history is read once: counts
and latencies go into per-window buckets, and everything else is computed
from the (at most a few hundred) buckets.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain
from typing import Final

from xmux_sim.checkers.latency import quantile
from xmux_sim.history import Operation, Outcome

__all__ = ["MAX_WINDOWS", "RunSeries", "Window", "aggregate", "pick_window"]

# A chart about 1000 px wide cannot show more points than this usefully.
MAX_WINDOWS: Final = 600
# Window lengths people read easily; each one is a multiple of the one before.
_NICE_WINDOWS_S: Final = (1, 2, 10, 20, 60, 120, 600, 1200, 3600, 7200, 21600, 43200, 86400)


@dataclass(frozen=True, slots=True)
class Window:
    t: float  # start, run-clock seconds
    ok: int
    fail: int
    unknown: int
    p50_s: float | None  # None: no ok operation in the window
    p99_s: float | None


@dataclass(frozen=True)
class RunSeries:
    window_s: float
    windows: tuple[Window, ...]
    ops: int
    ok: int
    fail: int
    unknown: int
    p50_s: float | None  # of ok operations over the whole run
    p99_s: float | None
    max_s: float | None

    @property
    def ok_ratio(self) -> float | None:
        return self.ok / self.ops if self.ops else None


def pick_window(span_s: float, max_windows: int = MAX_WINDOWS) -> float:
    """The shortest nice window that cuts ``span_s`` into at most ``max_windows`` windows."""
    for w in _NICE_WINDOWS_S:
        if span_s / w <= max_windows:
            return float(w)
    return float(math.ceil(span_s / max_windows))


def aggregate(
    history: Iterable[Operation],
    duration_s: float,
    *,
    window_s: float | None = None,
    max_windows: int = MAX_WINDOWS,
) -> RunSeries:
    """Counts and latency quantiles per window, every window from run start to the last operation."""
    w = window_s if window_s is not None else pick_window(duration_s, max_windows)
    if not w > 0:
        raise ValueError(f"window_s must be > 0, got {w}")

    # The hot loop: local names, no per-operation objects beyond the latency float.
    lat: dict[int, list[float]] = {}
    fail: dict[int, int] = {}
    unknown: dict[int, int] = {}
    ok_outcome, fail_outcome = Outcome.ok, Outcome.fail
    for o in history:
        i = int(o.invoke_t // w)
        outcome = o.outcome
        if outcome is ok_outcome and o.complete_t is not None:
            bucket = lat.get(i)
            if bucket is None:
                lat[i] = bucket = []
            bucket.append(o.complete_t - o.invoke_t)
        elif outcome is fail_outcome:
            fail[i] = fail.get(i, 0) + 1
        else:
            unknown[i] = unknown.get(i, 0) + 1

    seen = (*lat, *fail, *unknown)
    first = min((0, *seen))
    # The window holding the run's end, not one starting at it: an empty one would look like an outage.
    last = max((math.ceil(duration_s / w) - 1 if duration_s > 0 else 0, *seen))
    # Operations far outside the run (a bad clock, a late final read) must not blow up the chart.
    factor = max(1, math.ceil((last - first + 1) / max_windows))
    if factor > 1:
        lat = _coarsen_latencies(lat, factor)
        fail, unknown = _coarsen_counts(fail, factor), _coarsen_counts(unknown, factor)
        first, last, w = first // factor, last // factor, w * factor

    windows: list[Window] = []
    for i in range(first, last + 1):
        bucket = lat.get(i)
        if bucket:
            bucket.sort()
        windows.append(
            Window(
                t=i * w,
                ok=len(bucket) if bucket else 0,
                fail=fail.get(i, 0),
                unknown=unknown.get(i, 0),
                p50_s=quantile(bucket, 0.5) if bucket else None,
                p99_s=quantile(bucket, 0.99) if bucket else None,
            )
        )

    # Buckets are sorted and in time order: Timsort merges the runs in near-linear time.
    every = sorted(chain.from_iterable(lat[i] for i in sorted(lat)))
    n_fail, n_unknown = sum(fail.values()), sum(unknown.values())
    return RunSeries(
        window_s=w,
        windows=tuple(windows),
        ops=len(every) + n_fail + n_unknown,
        ok=len(every),
        fail=n_fail,
        unknown=n_unknown,
        p50_s=quantile(every, 0.5) if every else None,
        p99_s=quantile(every, 0.99) if every else None,
        max_s=every[-1] if every else None,
    )


def _coarsen_latencies(buckets: dict[int, list[float]], factor: int) -> dict[int, list[float]]:
    merged: dict[int, list[float]] = {}
    for i, values in buckets.items():
        merged.setdefault(i // factor, []).extend(values)
    return merged


def _coarsen_counts(buckets: dict[int, int], factor: int) -> dict[int, int]:
    merged: dict[int, int] = {}
    for i, n in buckets.items():
        merged[i // factor] = merged.get(i // factor, 0) + n
    return merged
