"""results.json: the machine-readable outcome of a run.

Keys (schema ``xmux-sim.results/1``; a key is never renamed or removed within
one schema version, only added):

- ``schema``: ``"xmux-sim.results/1"``
- ``run_id``, ``seed`` (int), ``stack`` (name), ``flavours`` (service -> flavour or image)
- ``scenario``: ``{"name", "path"}`` (path null when the scenario was built in Python)
- ``started_at``: ISO 8601 UTC with ``Z``; ``duration_s``: run-clock seconds
- ``exit_status``: 0 every invariant holds, 1 one is violated, 2 the run could not be carried out;
  ``status``: the same as a word (``passed`` / ``violated`` / ``error``); ``error``: text or null
- ``verdicts``: one per invariant, in scenario order:
  ``{"name", "checker", "threshold", "valid", "message", "figures", "evidence"}``;
  ``valid`` is ``true``, ``false`` or the string ``"unknown"`` (the checker saw nothing to judge)
- ``verdict_counts``: ``{"holds", "violated", "unknown"}``
- ``summary``: ``{"ops", "ok", "fail", "unknown", "ok_ratio", "ops_per_s", "ok_per_s",
  "latency_ok_s": {"p50", "p99", "max"}}``; rates are over ``duration_s``, latencies of ok ops only
- ``timeline``: ``{"window_s", "windows": [{"t", "ok", "fail", "unknown", "p50_s", "p99_s"}]}``,
  windows by invoke time, the same series the HTML report plots
- ``faults``: ``[{"id", "kind", "description", "aimed", "spread_ms", "unsynced_lost", "inject_t",
  "heal_t", "duration_s"}]``
  (``aimed``: pod -> the role target that picked it; ``spread_ms``: how far apart the cuts
  of a fault on several targets landed; ``unsynced_lost``: a power cut's pod -> bytes of
  unsynced writes its lazy volume lost, null for a plain volume, whose writes the host's
  page cache kept)
  (``heal_t`` and ``duration_s`` null for a fault never healed)
- ``probes``: ``[{"t", "probe", "phase", "ok", "detail"}]``, ``phase`` one of before / during / after
- ``routes``: null, or router -> ``[{"t", "count"}]`` (number of routes held at ``t``)
- ``alerts``: every notification Alertmanager sent the harness, in order:
  ``[{"t", "alert", "status" (firing | resolved), "labels", "fingerprint", "starts_at", "ends_at",
  "summary", "active_at_start"}]`` (``active_at_start``: already active when listening began)
- ``alert_table``: one row per firing: ``[{"alert", "labels", "summary", "fired_t", "resolved_t",
  "fault", "detection_delay_s", "clear_delay_s", "active_at_start"}]``, delays from the fault
  injected last before the firing and from its heal (null where there is none)

JSON has no infinity or NaN: such floats are written as the strings ``"inf"``,
``"-inf"`` and ``"nan"``. Values JSON cannot hold (sets, objects) become lists
or their ``repr``, so a strange piece of evidence never loses the whole file.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any, Final

from xmux_sim.checkers.verdict import UNKNOWN
from xmux_sim.report.alerts import alert_rows
from xmux_sim.report.formatting import STATUS_WORDS, verdict_word
from xmux_sim.report.model import RunReport
from xmux_sim.report.series import RunSeries

__all__ = ["SCHEMA", "jsonable", "results_dict", "results_json"]

SCHEMA: Final = "xmux-sim.results/1"


def jsonable(value: object) -> Any:
    """``value`` as plain JSON data (see the module docstring for the conversions)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Enum):
        return jsonable(value.value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, set | frozenset):
        items = [jsonable(v) for v in value]
        try:
            return sorted(items)
        except TypeError:  # mixed types: any stable order will do
            return sorted(items, key=repr)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    return repr(value)


def _rate(n: int, duration_s: float) -> float | None:
    return n / duration_s if duration_s > 0 else None


def results_dict(report: RunReport, series: RunSeries) -> dict[str, Any]:
    words = [verdict_word(inv.verdict.valid) for inv in report.invariants]
    data: dict[str, Any] = {
        "schema": SCHEMA,
        "run_id": report.run_id,
        "scenario": {
            "name": report.scenario,
            "path": None if report.scenario_path is None else str(report.scenario_path),
        },
        "seed": report.seed,
        "stack": report.stack,
        "flavours": dict(report.flavours),
        "started_at": report.started_at.isoformat().replace("+00:00", "Z"),
        "duration_s": report.duration_s,
        "exit_status": int(report.exit_status),
        "status": STATUS_WORDS[report.exit_status],
        "error": report.error,
        "verdicts": [
            {
                "name": inv.name,
                "checker": inv.checker,
                "threshold": inv.threshold,
                "valid": inv.verdict.valid,
                "message": inv.verdict.message,
                "figures": inv.verdict.figures,
                "evidence": inv.verdict.evidence,
            }
            for inv in report.invariants
        ],
        "verdict_counts": {w: words.count(w) for w in ("holds", "violated", UNKNOWN)},
        "summary": {
            "ops": series.ops,
            "ok": series.ok,
            "fail": series.fail,
            "unknown": series.unknown,
            "ok_ratio": series.ok_ratio,
            "ops_per_s": _rate(series.ops, report.duration_s),
            "ok_per_s": _rate(series.ok, report.duration_s),
            "latency_ok_s": {"p50": series.p50_s, "p99": series.p99_s, "max": series.max_s},
        },
        "timeline": {
            "window_s": series.window_s,
            "windows": [
                {
                    "t": w.t,
                    "ok": w.ok,
                    "fail": w.fail,
                    "unknown": w.unknown,
                    "p50_s": w.p50_s,
                    "p99_s": w.p99_s,
                }
                for w in series.windows
            ],
        },
        "faults": [
            {
                "id": f.id,
                "kind": f.kind,
                "description": f.description,
                "aimed": dict(f.aimed),
                "spread_ms": f.spread_ms,
                "unsynced_lost": dict(f.unsynced),
                "inject_t": f.inject_t,
                "heal_t": f.heal_t,
                "duration_s": f.duration_s,
            }
            for f in report.faults
        ],
        "probes": [
            {"t": p.t, "probe": p.probe, "phase": p.phase, "ok": p.ok, "detail": p.detail}
            for p in report.probes
        ],
        "routes": None
        if report.routes is None
        else {
            router: [{"t": t, "count": len(routes)} for t, routes in samples]
            for router, samples in report.routes.items()
        },
        "alerts": [a.to_dict() for a in report.alerts],
        "alert_table": [r.to_dict() for r in alert_rows(report.alerts, report.faults)],
    }
    converted: dict[str, Any] = jsonable(data)
    return converted


def results_json(report: RunReport, series: RunSeries) -> str:
    return json.dumps(results_dict(report, series), indent=2, allow_nan=False) + "\n"
