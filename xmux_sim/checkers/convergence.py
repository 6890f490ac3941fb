"""Route convergence: how long after an event every router reached its expected routes and stayed.

Routers are sampled, so the true moment lies between the last sample that did
not match and the first one of the final matching run; the checker reports
the later (an upper bound) and states the sampling interval, which is the
resolution of every figure here. The same computation gives tests and benchmarks
their figure (:func:`convergence_time`).
"""

from __future__ import annotations

import statistics
from collections.abc import Collection, Iterable, Mapping
from dataclasses import asdict, dataclass
from itertools import pairwise
from typing import Any

from xmux_sim.checkers.kind import Arg, CheckerKind, RunEvidence
from xmux_sim.checkers.verdict import EVIDENCE_LIMIT, UNKNOWN, Figure, Validity, Verdict, compose
from xmux_sim.timeline import RouteSample

__all__ = [
    "CONVERGENCE",
    "RouteTarget",
    "RouterConvergence",
    "convergence",
    "convergence_time",
    "router_convergences",
    "sampling_interval",
]


@dataclass(frozen=True)
class RouteTarget:
    """The state a router should end in: some routes present, some absent, or an exact set."""

    present: frozenset[str] = frozenset()
    absent: frozenset[str] = frozenset()
    exact: frozenset[str] | None = None

    @classmethod
    def withdrawn(cls, *routes: str) -> RouteTarget:
        return cls(absent=frozenset(routes))

    @classmethod
    def regained(cls, *routes: str) -> RouteTarget:
        return cls(present=frozenset(routes))

    def matches(self, routes: Collection[str]) -> bool:
        if self.exact is not None and frozenset(routes) != self.exact:
            return False
        return self.present.issubset(routes) and self.absent.isdisjoint(routes)

    def describe(self) -> str:
        if self.exact is not None:
            return "exactly {" + ", ".join(sorted(self.exact)) + "}"
        parts = [f"+{r}" for r in sorted(self.present)] + [f"-{r}" for r in sorted(self.absent)]
        return " ".join(parts) or "anything"


@dataclass(frozen=True, slots=True)
class RouterConvergence:
    router: str
    samples_after_event: int
    last_mismatch_t: float | None
    converged_t: float | None  # None: not in the expected state at its last sample
    convergence_s: float | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _target(spec: RouteTarget | Collection[str]) -> RouteTarget:
    return spec if isinstance(spec, RouteTarget) else RouteTarget(exact=frozenset(spec))


def _router(
    router: str, samples: list[RouteSample], event_t: float, target: RouteTarget
) -> RouterConvergence:
    after = sum(1 for s in samples if s.t >= event_t)
    if not after or not target.matches(samples[-1].routes):
        return RouterConvergence(router, after, None, None, None)
    start = len(samples) - 1
    while start > 0 and target.matches(samples[start - 1].routes):
        start -= 1
    last_mismatch_t = samples[start - 1].t if start > 0 else None
    # A router already in the expected state before the event, and never leaving it, took no time.
    converged_t = max(samples[start].t, event_t)
    return RouterConvergence(router, after, last_mismatch_t, converged_t, converged_t - event_t)


def _by_router(
    samples: Iterable[RouteSample | tuple[float, str, frozenset[str]]],
) -> dict[str, list[RouteSample]]:
    by_router: dict[str, list[RouteSample]] = {}
    for raw in samples:
        s = RouteSample(*raw)
        by_router.setdefault(s.router, []).append(s)
    for series in by_router.values():
        series.sort(key=lambda s: (s.t, sorted(s.routes)))
    return by_router


def router_convergences(
    samples: Iterable[RouteSample | tuple[float, str, frozenset[str]]],
    event_t: float,
    expected: Mapping[str, RouteTarget | Collection[str]],
) -> list[RouterConvergence]:
    """Per router in ``expected`` (by name): when it reached its target for good after ``event_t``.

    A router converged at the first sample of its final unbroken run of matching samples,
    so a route that flaps back counts from the last time it settled; a router whose last
    sample does not match, or that has no sample at or after ``event_t``, did not converge.
    """
    by_router = _by_router(samples)
    return [
        _router(router, by_router.get(router, []), event_t, _target(spec))
        for router, spec in sorted(expected.items())
    ]


def convergence_time(
    samples: Iterable[RouteSample | tuple[float, str, frozenset[str]]],
    event_t: float,
    expected: Mapping[str, RouteTarget | Collection[str]],
) -> float | None:
    """Seconds from ``event_t`` until every router in ``expected`` converged; None if one did not."""
    if not expected:
        raise ValueError("convergence_time needs at least one router expectation")
    results = router_convergences(samples, event_t, expected)
    times = [r.convergence_s for r in results]
    return None if any(t is None for t in times) else max(t for t in times if t is not None)


def sampling_interval(samples: Iterable[RouteSample | tuple[float, str, frozenset[str]]]) -> float | None:
    """Median gap between consecutive samples of the same router; None with fewer than two."""
    gaps = [b.t - a.t for series in _by_router(samples).values() for a, b in pairwise(series)]
    return statistics.median(gaps) if gaps else None


def convergence(
    samples: Iterable[RouteSample | tuple[float, str, frozenset[str]]],
    event_t: float,
    expected: Mapping[str, RouteTarget | Collection[str]],
    *,
    limit_s: float,
    name: str = "convergence",
) -> Verdict:
    """Valid when every router in ``expected`` reached its target within ``limit_s`` and stayed."""
    samples = list(samples)
    results = router_convergences(samples, event_t, expected)
    interval = sampling_interval(samples)

    unobserved = [r for r in results if r.samples_after_event == 0]
    stuck = [r for r in results if r.samples_after_event and r.converged_t is None]
    times = [r.convergence_s for r in results if r.convergence_s is not None]
    worst = max(times, default=None)

    figures: dict[str, Figure] = {
        "routers": len(results),
        "converged": len(times),
        "not_converged": len(stuck),
        "unobserved": len(unobserved),
        "convergence_s": worst if len(times) == len(results) else None,
        "slowest_converged_s": worst,
        "sampling_interval_s": interval,
        "samples": len(samples),
        "limit_s": limit_s,
        "event_t": event_t,
    }
    evidence: dict[str, Any] = {
        "routers": [r.to_dict() for r in results[:EVIDENCE_LIMIT]],
        "expected": {
            router: _target(spec).describe() for router, spec in sorted(expected.items())[:EVIDENCE_LIMIT]
        },
    }

    resolution = f"sampled every {interval:.3g} s" if interval is not None else "one sample per router"
    valid: Validity
    if stuck:
        valid = False
        message = "not in the expected state at the last sample: " + ", ".join(r.router for r in stuck[:10])
    elif worst is not None and worst > limit_s:
        valid = False
        message = f"routes converged after {worst:.2f} s > {limit_s:g} s ({resolution})"
    elif not results:
        valid, message = UNKNOWN, "no routers expected, convergence not measured"
    elif unobserved:
        valid = UNKNOWN
        message = "no samples after the event from: " + ", ".join(r.router for r in unobserved[:10])
    else:
        valid = True
        message = f"all {len(results)} routers converged within {worst:.2f} s <= {limit_s:g} s ({resolution})"
    return Verdict(name=name, valid=valid, figures=figures, evidence=evidence, message=message)


def _per_drop(run: RunEvidence, name: str, kwargs: Mapping[str, Any]) -> Verdict:
    """Every surviving router withdraws a dropped node's CIDR within the limit, per drop-node fault."""
    parts = []
    for event in run.faults:
        if event.kind != "drop-node":
            continue
        # Nodes dropped together (`nodes: [...]`) are judged one by one, by the routers left up.
        dropped = [s.params.get("node") for s in event.spec.each_target()]
        end = event.heal_t if event.heal_t is not None else float("inf")
        samples = [s for s in run.routes if s.t < end]
        for node in dropped:
            if not isinstance(node, str) or node not in run.nodes:
                continue
            expected = {n: RouteTarget.withdrawn(run.nodes[node]) for n in run.nodes if n not in dropped}
            what = event.description if len(dropped) == 1 else f"{event.description}: {node}"
            parts.append(convergence(samples, event.inject_t, expected, name=what, **kwargs))
    if not parts:
        return Verdict(name, UNKNOWN, message="no drop-node fault: no route convergence to judge")
    return compose(*parts, name=name)


CONVERGENCE = CheckerKind(
    "convergence",
    convergence,
    "after each drop-node fault, every other node's router withdraws the dropped node's pod CIDR "
    "within limit_s (from the route samples of every router)",
    evidence=("faults", "routes", "nodes"),
    args={"limit_s": Arg("seconds from the drop to the last router withdrawing the route", minimum=0)},
    judge=_per_drop,
)
