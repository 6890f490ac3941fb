"""`--compare BASELINE.json`: is this run worse than the baseline beyond the profile's thresholds?

A pure function of two summaries and the thresholds. Judged: each call's p95 (relative
increase, ignoring increases below a few milliseconds), the run's requests per second
(relative decrease) and its error rate (absolute increase). Calls with too few requests in
either run are shown but not judged; a call missing from one side is shown, not judged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from xmux_sim.load.profile import Compare

__all__ = ["Comparison", "Row", "compare"]


@dataclass(frozen=True)
class Row:
    what: str
    metric: str
    baseline: float | None
    current: float | None
    limit: str
    verdict: str
    """ok | worse | better | not judged (few requests, only in one run)"""

    @property
    def change(self) -> float | None:
        if self.baseline is None or self.current is None or self.baseline == 0:
            return None
        return (self.current - self.baseline) / self.baseline

    def to_json(self) -> dict[str, Any]:
        return {
            "what": self.what,
            "metric": self.metric,
            "baseline": self.baseline,
            "current": self.current,
            "change": None if self.change is None else round(self.change, 4),
            "limit": self.limit,
            "verdict": self.verdict,
        }


@dataclass(frozen=True)
class Comparison:
    rows: list[Row] = field(default_factory=list)

    @property
    def regressions(self) -> list[Row]:
        return [r for r in self.rows if r.verdict == "worse"]

    @property
    def ok(self) -> bool:
        return not self.regressions

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "rows": [r.to_json() for r in self.rows]}


def compare(current: dict[str, Any], baseline: dict[str, Any], t: Compare) -> Comparison:
    rows = [_throughput(current, baseline, t), _errors(current, baseline, t)]
    calls = sorted(set(current.get("calls", {})) | set(baseline.get("calls", {})))
    for key in calls:
        rows.append(_p95(key, current.get("calls", {}).get(key), baseline.get("calls", {}).get(key), t))
    return Comparison(rows)


def _throughput(current: dict[str, Any], baseline: dict[str, Any], t: Compare) -> Row:
    now, then = float(current["total"]["rps"]), float(baseline["total"]["rps"])
    floor = then * (1 - t.throughput_decrease)
    verdict = "worse" if now < floor else ("better" if now > then else "ok")
    return Row(
        "all calls", "requests/s", then, now, f">= {floor:.1f} (-{t.throughput_decrease:.0%})", verdict
    )


def _errors(current: dict[str, Any], baseline: dict[str, Any], t: Compare) -> Row:
    now, then = float(current["total"]["error_rate"]), float(baseline["total"]["error_rate"])
    ceiling = then + t.error_rate_increase
    verdict = "worse" if now > ceiling else ("better" if now < then else "ok")
    return Row("all calls", "error rate", then, now, f"<= {ceiling:.4f}", verdict)


def _p95(key: str, now: dict[str, Any] | None, then: dict[str, Any] | None, t: Compare) -> Row:
    if now is None or then is None:
        side = "baseline" if now is None else "this run"
        value = (then or now or {}).get("p95_ms")
        return Row(
            key,
            "p95 ms",
            value if now is None else None,
            value if then is None else None,
            "-",
            f"not judged (only in {side})",
        )
    p_now, p_then = now.get("p95_ms"), then.get("p95_ms")
    few = min(int(now["requests"]), int(then["requests"])) < t.min_requests
    if few or p_now is None or p_then is None:
        return Row(key, "p95 ms", p_then, p_now, "-", f"not judged (< {t.min_requests} requests)")
    ceiling = max(p_then * (1 + t.p95_increase), p_then + t.p95_slack_ms)
    verdict = "worse" if p_now > ceiling else ("better" if p_now < p_then else "ok")
    return Row(key, "p95 ms", p_then, p_now, f"<= {ceiling:.1f} (+{t.p95_increase:.0%})", verdict)
