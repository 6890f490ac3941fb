"""Availability: the share of operations that succeeded, overall and per time window.

A window is attributed by invoke time. Pending and timed-out operations count
as not available (``unknown``): a client that got no answer was not served.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from xmux_sim.checkers._windows import check_window, chunks, coarsen_factor, index_range, window_index
from xmux_sim.checkers.kind import FILTERS, Arg, CheckerKind
from xmux_sim.checkers.verdict import EVIDENCE_LIMIT, UNKNOWN, Figure, Validity, Verdict
from xmux_sim.history import Operation, Outcome, select

__all__ = ["AVAILABILITY", "WindowCounts", "availability", "availability_series"]


@dataclass(frozen=True, slots=True)
class WindowCounts:
    t: float  # start of the window, run-clock seconds
    ok: int
    fail: int
    unknown: int

    @property
    def total(self) -> int:
        return self.ok + self.fail + self.unknown

    @property
    def ratio(self) -> float | None:
        return self.ok / self.total if self.total else None

    def to_dict(self) -> dict[str, Any]:
        return {"t": self.t, "ok": self.ok, "fail": self.fail, "unknown": self.unknown}


def availability_series(
    history: Iterable[Operation],
    window_s: float = 1.0,
    *,
    store: str | Collection[str] | None = None,
    op: str | Collection[str] | None = None,
    process: str | Collection[str] | None = None,
) -> list[WindowCounts]:
    """Counts per window, every window from the first to the last operation (for plots)."""
    check_window(window_s)
    filtered = any(f is not None for f in (store, op, process))
    ops = select(history, store=store, op=op, process=process) if filtered else history
    # Counter's C loop does the counting; the generator only computes the bucket.
    counts = Counter((window_index(o.invoke_t, window_s), o.outcome) for o in ops)
    indices = index_range(i for i, _ in counts)
    return [
        WindowCounts(
            t=i * window_s,
            ok=counts[i, Outcome.ok],
            fail=counts[i, Outcome.fail],
            unknown=counts[i, Outcome.unknown],
        )
        for i in indices
    ]


def _merge(windows: Iterable[WindowCounts]) -> WindowCounts:
    items = list(windows)
    return WindowCounts(
        t=items[0].t,
        ok=sum(w.ok for w in items),
        fail=sum(w.fail for w in items),
        unknown=sum(w.unknown for w in items),
    )


def availability(
    history: Iterable[Operation],
    *,
    window_s: float = 1.0,
    min_ratio: float = 0.99,
    min_window_ratio: float | None = None,
    store: str | Collection[str] | None = None,
    op: str | Collection[str] | None = None,
    process: str | Collection[str] | None = None,
    name: str = "availability",
) -> Verdict:
    """Valid when ok / all >= ``min_ratio`` overall and, if given, in every non-empty window."""
    series = availability_series(history, window_s, store=store, op=op, process=process)
    ok = sum(w.ok for w in series)
    fail = sum(w.fail for w in series)
    unknown = sum(w.unknown for w in series)
    total = ok + fail + unknown

    threshold = min_window_ratio if min_window_ratio is not None else min_ratio
    measured = [w for w in series if w.total]
    below = [w for w in measured if w.ok / w.total < threshold]
    worst = min(measured, key=lambda w: (w.ok / w.total, w.t), default=None)
    overall = ok / total if total else None

    factor = coarsen_factor(len(series))
    coarse = series if factor == 1 else [_merge(c) for c in chunks(series, factor)]

    figures: dict[str, Figure] = {
        "ok": ok,
        "fail": fail,
        "unknown": unknown,
        "overall_ratio": overall,
        "worst_window_ratio": worst.ratio if worst else None,
        "worst_window_t": worst.t if worst else None,
        "windows": len(series),
        "windows_below": len(below),
        "window_s": window_s,
        "min_ratio": min_ratio,
    }
    evidence: dict[str, Any] = {
        "series_window_s": window_s * factor,
        "series": [w.to_dict() for w in coarse],
        "below": [w.to_dict() for w in below[:EVIDENCE_LIMIT]],
    }

    valid: Validity
    if overall is None:
        valid, message = UNKNOWN, "no operations matched, availability cannot be judged"
    else:
        failures = []
        if overall < min_ratio:
            failures.append(f"overall {overall:.4f} < {min_ratio}")
        if min_window_ratio is not None and below:
            failures.append(f"{len(below)} of {len(measured)} windows of {window_s:g} s below {threshold}")
        valid = not failures
        detail = "; ".join(failures) if failures else f"overall {overall:.4f} >= {min_ratio}"
        worst_text = (
            f", worst window {worst.ratio:.4f} at {worst.t:g} s" if worst and worst.ratio is not None else ""
        )
        message = f"availability {detail} ({ok}/{total} ok{worst_text})"
    return Verdict(name=name, valid=valid, figures=figures, evidence=evidence, message=message)


AVAILABILITY = CheckerKind(
    "availability",
    availability,
    "the share of operations that succeed, overall and per time window",
    evidence=("history",),
    args={
        "window_s": Arg("window length, seconds", above=0),
        "min_ratio": Arg("lowest share of ok operations overall", minimum=0, maximum=1),
        "min_window_ratio": Arg("lowest share in every non-empty window [min_ratio]", minimum=0, maximum=1),
        **FILTERS,
    },
)
