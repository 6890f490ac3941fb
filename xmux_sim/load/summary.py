"""Our summary of a load run, computed from every request (not from locust's rounded buckets).

Per call (``type name``, e.g. ``grpc AAOS/GetTimetable``): requests, failures, error rate,
requests per second, p50/p95/p99/max, the failures by reason, and at a fixed arrival rate
the coordinated-omission-corrected quantiles. For the whole run the same figures, a
series of one-second windows for the plots, the fault windows of ``--during``, per stage
throughput and p99 (ramp, spike), and locust's own counts for the same calls, which must
agree with ours.
"""

from __future__ import annotations

import csv
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from xmux_sim.checkers.latency import quantile
from xmux_sim.errors import InputError
from xmux_sim.inputfile import read_json
from xmux_sim.load.profile import COMPARE, LIMITS, Compare, Profile
from xmux_sim.load.records import Record
from xmux_sim.params import Param, float_at_least, int_at_least
from xmux_sim.timeline import FaultEvent

__all__ = ["build_summary", "knee", "locust_counts", "read_summary", "stage_figures"]

QUANTILES = (("p50_ms", 0.5), ("p95_ms", 0.95), ("p99_ms", 0.99))


def _fault_json(event: FaultEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "kind": event.kind,
        "description": event.description,
        "inject_t": round(event.inject_t, 3),
        "heal_t": None if event.heal_t is None else round(event.heal_t, 3),
    }


def _quantiles(sorted_ms: Sequence[float], prefix: str = "") -> dict[str, float | None]:
    if not sorted_ms:
        return {f"{prefix}{k}": None for k, _ in QUANTILES}
    return {f"{prefix}{k}": round(quantile(sorted_ms, q), 2) for k, q in QUANTILES}


def _figures(records: Sequence[Record], seconds: float, paced: bool) -> dict[str, Any]:
    n = len(records)
    failures = sum(1 for r in records if not r.ok)
    # Latency quantiles of successful calls only: a fast failure must not make a call look faster.
    ok_ms = sorted(r.ms for r in records if r.ok)
    out: dict[str, Any] = {
        "requests": n,
        "failures": failures,
        "error_rate": round(failures / n, 5) if n else 0.0,
        "rps": round(n / seconds, 2) if seconds > 0 else 0.0,
        **_quantiles(ok_ms),
        "max_ms": round(ok_ms[-1], 2) if ok_ms else None,
    }
    if paced:
        out["corrected"] = _quantiles(sorted(r.corrected_ms for r in records if r.ok))
    errors = Counter(r.error for r in records if not r.ok)
    if errors:
        out["errors"] = dict(errors.most_common())
    return out


def _series(records: Sequence[Record], t0: float, seconds: float, window_s: float) -> list[dict[str, Any]]:
    n_windows = max(1, math.ceil(seconds / window_s))
    buckets: list[list[Record]] = [[] for _ in range(n_windows)]
    for r in records:
        # The few requests sent while the clock started count in the first window, late ones in the last.
        i = min(max(int((r.start - t0) // window_s), 0), n_windows - 1)
        buckets[i].append(r)
    out = []
    for i, bucket in enumerate(buckets):
        ok_ms = sorted(r.ms for r in bucket if r.ok)
        out.append(
            {
                "t": round(i * window_s, 3),
                "requests": len(bucket),
                "failures": sum(1 for r in bucket if not r.ok),
                "p50_ms": round(quantile(ok_ms, 0.5), 2) if ok_ms else None,
                "p99_ms": round(quantile(ok_ms, 0.99), 2) if ok_ms else None,
            }
        )
    return out


def stage_figures(
    records: Sequence[Record], t0: float, profile: Profile, settle_s: float = 3.0
) -> list[dict[str, Any]]:
    """Throughput and p99 per stage, leaving out each stage's first ``settle_s`` (users still spawning)."""
    out = []
    start = 0.0
    for stage in profile.stages:
        lo = min(start + settle_s, (start + stage.until) / 2)
        inside = [r for r in records if lo <= r.start - t0 < stage.until]
        seconds = stage.until - lo
        ok_ms = sorted(r.ms for r in inside if r.ok)
        out.append(
            {
                "until": stage.until,
                "users": stage.users,
                "requests": len(inside),
                "rps": round(len(inside) / seconds, 2) if seconds > 0 else 0.0,
                "error_rate": round(sum(1 for r in inside if not r.ok) / len(inside), 5) if inside else 0.0,
                "p99_ms": round(quantile(ok_ms, 0.99), 2) if ok_ms else None,
            }
        )
        start = stage.until
    return out


def knee(stages: Sequence[dict[str, Any]], p99_limit_ms: float) -> dict[str, Any]:
    """The highest throughput of a stage whose p99 stays within the limit, and the first that does not."""
    within = [s for s in stages if s["p99_ms"] is not None and s["p99_ms"] <= p99_limit_ms]
    crossed = next((s for s in stages if s["p99_ms"] is None or s["p99_ms"] > p99_limit_ms), None)
    best = max(within, key=lambda s: s["rps"], default=None)
    return {
        "p99_limit_ms": p99_limit_ms,
        "max_rps_within_limit": best["rps"] if best else None,
        "at_users": best["users"] if best else None,
        "crossed_at_users": crossed["users"] if crossed else None,
        "crossed_at_rps": crossed["rps"] if crossed else None,
    }


def build_summary(
    records: Iterable[Record],
    *,
    profile: Profile,
    t0: float,
    duration_s: float,
    faults: Sequence[FaultEvent] = (),
    window_s: float = 1.0,
    locust: dict[str, dict[str, int]] | None = None,
    meta: dict[str, Any] | None = None,
) -> dict[str, Any]:
    rows = sorted(records, key=lambda r: r.start)
    # The run lasts from the load start to its last request, at least its nominal length.
    seconds = max(duration_s, (rows[-1].start - t0) if rows else 0.0, 1e-9)
    paced = profile.arrival_rate is not None
    by_call: dict[str, list[Record]] = defaultdict(list)
    for r in rows:
        by_call[r.key].append(r)
    calls = {}
    for key in sorted(by_call):
        first = by_call[key][0]
        calls[key] = {"type": first.type, "name": first.name, **_figures(by_call[key], seconds, paced)}
    summary: dict[str, Any] = {
        "profile": profile.name,
        **(meta or {}),
        "duration_s": round(seconds, 3),
        "users": profile.peak_users,
        "arrival_rate": profile.arrival_rate,
        "total": _figures(rows, seconds, paced),
        "calls": calls,
        "faults": [_fault_json(f) for f in faults],
        "series": {"window_s": window_s, "windows": _series(rows, t0, seconds, window_s)},
        "thresholds": {"compare": profile.compare.__dict__, "limits": profile.limits.__dict__},
    }
    if profile.stages:
        stages = stage_figures(rows, t0, profile)
        summary["stages"] = stages
        if profile.limits.p99_ms is not None:
            summary["knee"] = knee(stages, profile.limits.p99_ms)
    if locust is not None:
        summary["locust"] = locust
    return summary


def locust_counts(stats_csv: Path) -> dict[str, dict[str, int]]:
    """Locust's request and failure counts per ``type name`` from its ``*_stats.csv``."""
    counts: dict[str, dict[str, int]] = {}
    with stats_csv.open(newline="") as f:
        for row in csv.DictReader(f):
            if row["Name"] == "Aggregated":
                continue
            counts[f"{row['Type']} {row['Name']}"] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
            }
    return counts


class SummaryError(InputError):
    """A summary.json (a baseline, or a run judged again) that is not one: names file and field."""


_RATE = float_at_least(0)
_SHARE = float_at_least(0, 1)
_COUNT = int_at_least(0)


def read_summary(path: str | Path) -> dict[str, Any]:
    """A summary written by `xmux-sim load`, read like any input and checked where `compare` looks."""
    data = read_json(path, error=SummaryError)

    def need(value: object, field: str, read: Callable[[object], object]) -> None:
        try:
            read(value)
        except ValueError as exc:
            raise SummaryError(f"{path}: {field}: {exc}") from None

    def section(value: object, field: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise SummaryError(
                f"{path}: {field}: expected an object; is this a summary.json of xmux-sim load?"
            )
        return value

    top = section(data, "(top level)")
    total = section(top.get("total"), "total")
    need(total.get("rps"), "total.rps", _RATE.read)
    need(total.get("error_rate"), "total.error_rate", _SHARE.read)
    for key, call in section(top.get("calls", {}), "calls").items():
        figures = section(call, f"calls.{key}")
        need(figures.get("requests"), f"calls.{key}.requests", _COUNT.read)
        if figures.get("p95_ms") is not None:
            need(figures["p95_ms"], f"calls.{key}.p95_ms", _RATE.read)
    thresholds = section(top.get("thresholds", {}), "thresholds")
    for name, params in (("compare", COMPARE), ("limits", LIMITS)):
        for key, value in section(thresholds.get(name, {}), f"thresholds.{name}").items():
            param: Param | None = params.get(key)
            if param is None:
                raise SummaryError(f"{path}: thresholds.{name}.{key}: unknown field")
            if value is not None or name == "compare":  # a limit may be null (none); a threshold not
                need(value, f"thresholds.{name}.{key}", param.read)
    return dict(top)


def stored_thresholds(summary: Mapping[str, Any]) -> Compare:
    """The `compare` thresholds a (checked) summary was judged with."""
    return Compare(**summary.get("thresholds", {}).get("compare", {}))
