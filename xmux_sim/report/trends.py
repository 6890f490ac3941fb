"""The figures a dashboard follows from run to run, and when a change is a regression.

Figures come from each run's results.json:

| figure | from | better |
|---|---|---|
| throughput (ok ops/s) | ``summary.ok_per_s`` | higher |
| latency p50, p99 (ms) | ``summary.latency_ok_s`` | lower |
| recovery time (s), per invariant | ``recovery-time`` verdicts' ``max_recovery_s`` | lower |
| steady state back (s) | the ``steady-state`` verdict's ``recovered_in_s`` | lower |
| convergence (s), per invariant | ``convergence`` verdicts' ``slowest_converged_s`` | lower |
| lost writes, per invariant | ``lost-writes`` verdicts' ``lost`` | lower |
| rebuild time (s), per invariant | ``rebuild-time`` verdicts' ``max_rebuild_s`` | lower |

**The regression rule.** A run's figure is compared with the median of the same figure in
the scenario's previous runs (up to ``BASELINE_RUNS``, oldest dropped first; runs that could
not be carried out take no part). It is a regression when it is worse than that median by
more than the figure's relative margin *and* by more than its absolute slack, so noise
on small numbers does not count:

- times: 25 % and 0.5 s (rebuild 1 s); latency: 25 % and 2 ms (p99 5 ms);
- throughput: 20 % lower and 1 op/s;
- lost writes: any more than the median (no margin: a lost write is never noise).

A verdict regresses when an invariant that held in the previous run that judged it is now
violated or unknown. Every run is judged against the runs before it, so the page shows
where each regression started, not only the newest.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

__all__ = ["BASELINE_RUNS", "Metric", "Regression", "figures_of", "regressions"]

BASELINE_RUNS: Final = 5


@dataclass(frozen=True)
class Metric:
    key: str
    """Unique per scenario: ``p99_ms``, ``recovery_s:postgres-writes-recover``."""
    label: str
    unit: str
    higher_is_better: bool = False
    ratio: float = 0.25
    slack: float = 0.5

    def worse(self, value: float, baseline: float) -> bool:
        if self.higher_is_better:
            return baseline - value > self.slack and value < baseline * (1 - self.ratio)
        return value - baseline > self.slack and value > baseline * (1 + self.ratio)


# Per checker: the figure of its verdicts that is followed, and how.
_BY_CHECKER: Final = {
    "recovery-time": ("max_recovery_s", "recovery time", "s", 0.25, 0.5),
    "steady-state": ("recovered_in_s", "steady state back", "s", 0.25, 0.5),
    "convergence": ("slowest_converged_s", "convergence", "s", 0.25, 0.5),
    "lost-writes": ("lost", "lost writes", "writes", 0.0, 0.0),
    "rebuild-time": ("max_rebuild_s", "rebuild time", "s", 0.25, 1.0),
}


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None  # null, or "inf"/"nan" as results.json writes them
    return float(value)


def figures_of(results: Mapping[str, Any]) -> dict[Metric, float | None]:
    """The followed figures of one run's results.json (None: the run did not measure it)."""
    summary = results.get("summary") or {}
    latency = summary.get("latency_ok_s") or {}
    ms = {q: _number(latency.get(q)) for q in ("p50", "p99")}
    found: dict[Metric, float | None] = {
        Metric("ok_per_s", "throughput", "ok ops/s", higher_is_better=True, ratio=0.2, slack=1.0): _number(
            summary.get("ok_per_s")
        ),
        Metric("p50_ms", "latency p50", "ms", slack=2.0): None if ms["p50"] is None else ms["p50"] * 1000,
        Metric("p99_ms", "latency p99", "ms", slack=5.0): None if ms["p99"] is None else ms["p99"] * 1000,
    }
    for verdict in results.get("verdicts") or ():
        followed = _BY_CHECKER.get(str(verdict.get("checker")))
        if followed is None:
            continue
        figure, label, unit, ratio, slack = followed
        name = str(verdict.get("name"))
        metric = Metric(f"{figure}:{name}", f"{label}: {name}", unit, ratio=ratio, slack=slack)
        found[metric] = _number((verdict.get("figures") or {}).get(figure))
    return found


@dataclass(frozen=True)
class Regression:
    index: int
    """Of the run, in the scenario's runs (oldest first)."""
    subject: str
    """The metric's key, or ``verdict:<invariant>``."""
    message: str


def regressions(
    figures: Sequence[Mapping[Metric, float | None]],
    verdicts: Sequence[Mapping[str, str] | None],
) -> list[Regression]:
    """Every regression in a scenario's runs, oldest first.

    ``figures`` and ``verdicts`` are per run, oldest first; a run that could not be carried
    out has ``verdicts`` None and takes no part.
    """
    found: list[Regression] = []
    metrics = list(dict.fromkeys(m for f in figures for m in f))
    for metric in metrics:
        previous: list[float] = []
        for i, (run, judged) in enumerate(zip(figures, verdicts, strict=True)):
            value = run.get(metric)
            if judged is None or value is None:
                continue
            if previous:
                baseline = statistics.median(previous[-BASELINE_RUNS:])
                if metric.worse(value, baseline):
                    found.append(
                        Regression(
                            i,
                            metric.key,
                            f"{metric.label}: {value:.4g} {metric.unit} against a median of "
                            f"{baseline:.4g} {metric.unit} in the "
                            f"{len(previous[-BASELINE_RUNS:])} runs before",
                        )
                    )
            previous.append(value)
    last: dict[str, str] = {}
    for i, judged in enumerate(verdicts):
        for name, word in (judged or {}).items():
            if last.get(name) == "holds" and word != "holds":
                found.append(Regression(i, f"verdict:{name}", f"{name}: held in the run before, now {word}"))
            last[name] = word
    return sorted(found, key=lambda r: (r.index, r.subject))
