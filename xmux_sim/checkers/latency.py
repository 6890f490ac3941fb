"""Latency quantiles of successful operations, overall and per time window.

Only ``ok`` operations contribute to quantiles. A failure is often fast (a
refused connection) and would flatter the figures; an ``unknown`` operation
has no true latency, only the client's timeout, which would merely measure
the timeout setting. Both are counted in the figures so they are not hidden.

Quantiles use the nearest-rank method: every reported value is a latency an
operation really had, never an interpolation below it.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from itertools import chain
from typing import Any

from xmux_sim.checkers._windows import check_window, chunks, coarsen_factor, index_range, window_index
from xmux_sim.checkers.kind import FILTERS, Arg, CheckerKind
from xmux_sim.checkers.verdict import EVIDENCE_LIMIT, UNKNOWN, Figure, Validity, Verdict
from xmux_sim.history import Operation, Outcome, select
from xmux_sim.params import ParamError

__all__ = ["LATENCY", "latency", "quantile", "quantile_label"]


def quantile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank quantile of already sorted values."""
    if not sorted_values:
        raise ValueError("quantile of no values")
    rank = max(1, math.ceil(q * len(sorted_values)))
    return sorted_values[rank - 1]


def quantile_label(q: float) -> str:
    return f"p{q * 100:g}"


def _summary(sorted_values: Sequence[float], qs: Sequence[float]) -> dict[str, float]:
    return {quantile_label(q): quantile(sorted_values, q) for q in qs} | {"max": sorted_values[-1]}


def latency(
    history: Iterable[Operation],
    *,
    quantiles: Sequence[float] = (0.5, 0.95, 0.99),
    limits: Mapping[float, float] | None = None,
    window_s: float | None = 1.0,
    store: str | Collection[str] | None = None,
    op: str | Collection[str] | None = None,
    process: str | Collection[str] | None = None,
    name: str = "latency",
) -> Verdict:
    """Valid when every quantile in ``limits`` (quantile -> seconds) is at most its limit."""
    limits = dict(limits or {})
    qs = sorted(set(quantiles) | set(limits))
    for q in qs:
        if not 0 < q <= 1:
            raise ValueError(f"quantile must be in (0, 1], got {q}")
    if window_s is not None:
        check_window(window_s)

    filtered = any(f is not None for f in (store, op, process))
    ops = select(history, store=store, op=op, process=process) if filtered else history
    values: list[float] = []
    per_window: dict[int, list[float]] = {}
    failed = unknown = 0
    for o in ops:
        if o.outcome is Outcome.ok and o.complete_t is not None:
            d = o.complete_t - o.invoke_t
            values.append(d)
            if window_s is not None:
                per_window.setdefault(window_index(o.invoke_t, window_s), []).append(d)
        elif o.outcome is Outcome.fail:
            failed += 1
        else:
            unknown += 1
    values.sort()

    figures: dict[str, Figure] = {"count": len(values), "fail": failed, "unknown": unknown}
    evidence: dict[str, Any] = {}
    overall: dict[str, float] = {}
    if values:
        overall = _summary(values, qs)
        figures |= {"min": values[0], "mean": math.fsum(values) / len(values), **overall}
    figures |= {f"limit_{quantile_label(q)}": s for q, s in sorted(limits.items())}

    if window_s is not None and per_window:
        n_over, over, series_window_s, series = _windowed(per_window, window_s, qs, limits)
        figures |= {"windows": len(index_range(per_window)), "windows_over_limit": n_over}
        evidence |= {"series_window_s": series_window_s, "series": series, "over_limit": over}

    exceeded = {q: s for q, s in limits.items() if values and overall[quantile_label(q)] > s}
    valid: Validity
    if not values:
        valid = UNKNOWN
        message = f"no successful operations to measure ({failed} failed, {unknown} unknown)"
    else:
        valid = not exceeded
        shown = ", ".join(f"{quantile_label(q)}={overall[quantile_label(q)] * 1000:.1f} ms" for q in qs)
        if exceeded:
            over_text = ", ".join(
                f"{quantile_label(q)} {overall[quantile_label(q)] * 1000:.1f} ms > {s * 1000:.1f} ms"
                for q, s in sorted(exceeded.items())
            )
            message = f"latency over limit: {over_text} ({len(values)} ok ops)"
        else:
            message = f"latency {shown} over {len(values)} ok ops"
            if limits:
                message += " (within limits)"
    return Verdict(name=name, valid=valid, figures=figures, evidence=evidence, message=message)


def _windowed(
    per_window: dict[int, list[float]],
    window_s: float,
    qs: Sequence[float],
    limits: Mapping[float, float],
) -> tuple[int, list[dict[str, Any]], float, list[dict[str, Any]]]:
    """Windows over a limit (full resolution) and a series coarsened to the evidence bound."""
    indices = index_range(per_window)
    over: list[dict[str, Any]] = []
    n_over = 0
    for i in indices:
        window = per_window.get(i)
        if not window:
            continue
        window.sort()
        if any(quantile(window, q) > s for q, s in limits.items()):
            n_over += 1
            if len(over) < EVIDENCE_LIMIT:
                over.append({"t": i * window_s, "count": len(window), **_summary(window, qs)})

    factor = coarsen_factor(len(indices))
    series: list[dict[str, Any]] = []
    for group in chunks(indices, factor):
        # Sorted runs concatenated: Timsort merges them in linear time.
        merged = sorted(chain.from_iterable(per_window.get(i, ()) for i in group))
        point: dict[str, Any] = {"t": group[0] * window_s, "count": len(merged)}
        if merged:
            point |= _summary(merged, qs)
        series.append(point)
    return n_over, over, window_s * factor, series


def _check_args(kwargs: Mapping[str, Any]) -> None:
    """What ``latency`` would refuse after the run, refused when the file is read."""
    for q in kwargs.get("quantiles", ()):
        if not 0 < q <= 1:
            raise ParamError("quantiles", f"{q:g} is not a quantile in (0, 1]")
    for q, limit in (kwargs.get("limits") or {}).items():
        if not 0 < q <= 1:
            raise ParamError("limits", f"{q:g} is not a quantile in (0, 1]")
        if limit < 0:
            raise ParamError("limits", f"the limit of {quantile_label(q)}, {limit:g} s, is below 0")


LATENCY = CheckerKind(
    "latency",
    latency,
    "latency quantiles of the completed operations, against limits",
    evidence=("history",),
    args={
        "quantiles": Arg("quantiles to report, each in (0, 1]"),
        "limits": Arg("quantile -> seconds it may take at most, e.g. {0.99: 0.5}"),
        "window_s": Arg("window of the per-window quantiles, seconds (null: none)", above=0),
        **FILTERS,
    },
    validate=_check_args,
)
