"""Fault schedules as data: generated schedules -> concrete timed faults, from one seed.

A generated schedule is placed one fault at a time, each at the earliest moment the
limits allow (at most ``max_concurrent`` at once, every injection at least
``min_gap`` after every earlier injection and heal, never two faults on the same
target at once) plus a random share of the window's spare time, and each fault is
chosen among those whose target is free then. Every schedule is valid by
construction, and the rest of the schedule always still fits the window.

The random choices go through a :class:`Chooser`, so the same placement serves a
seeded ``random.Random`` (:func:`expand`) and hypothesis draws (which shrink towards
fewer, shorter, earlier faults: see :mod:`xmux_sim.scenario.strategies`).

Times sit on a 0.1 s grid, so printed schedules stay short and exact.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import replace
from itertools import product
from typing import Any, Protocol, TypeVar

from xmux_sim.faults.kind import FAULT_KINDS, FaultKind
from xmux_sim.faults.spec import FaultSpec, FaultSpecError
from xmux_sim.scenario.model import GeneratedSchedule, Scenario, TimedFault
from xmux_sim.topology.model import Stack

__all__ = [
    "EPSILON",
    "Chooser",
    "RandomChooser",
    "candidate_specs",
    "check_fits",
    "choose_seed",
    "expand",
    "generate",
    "limit_violations",
    "max_fitting",
    "with_faults",
]

T = TypeVar("T")
EPSILON = 1e-6
TICKS_PER_S = 10
MAX_COMBINATIONS = 10_000

Span = tuple[int, int]
"""Inject and heal time of a placed fault, in ticks."""


class Chooser(Protocol):
    """The source of every random choice in a schedule."""

    def integer(self, low: int, high: int) -> int: ...

    def pick(self, options: Sequence[T]) -> T: ...


class RandomChooser:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def integer(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)

    def pick(self, options: Sequence[T]) -> T:
        return self.rng.choice(options)


def choose_seed(scenario: Scenario, override: int | None = None) -> int:
    """The run's seed: the command line's, else the file's, else a fresh one (print and store it)."""
    if override is not None:
        return override
    if scenario.seed is not None:
        return scenario.seed
    return random.SystemRandom().randrange(2**32)


def expand(scenario: Scenario, stack: Stack, seed: int) -> list[TimedFault]:
    """Every fault of the run, generated ones included, in injection order; the same seed, the same list.

    Each schedule draws from its own generator derived from the seed, so adding a
    schedule to a file leaves the others' faults as they were.
    """
    faults = list(scenario.faults)
    for i, schedule in enumerate(scenario.schedules):
        specs = candidate_specs(schedule, scenario.source, stack)
        chooser = RandomChooser(random.Random(f"xmux-sim:{seed}:schedule:{i}"))
        faults.extend(generate(schedule, specs, chooser, source=scenario.source))
    return sorted(faults, key=lambda f: f.at)


def with_faults(scenario: Scenario, faults: Sequence[TimedFault]) -> Scenario:
    """The scenario with this concrete schedule instead of its faults and generators (replay, printing)."""
    return replace(scenario, faults=tuple(sorted(faults, key=lambda f: f.at)), schedules=())


def generate(
    schedule: GeneratedSchedule,
    specs: Mapping[str, Sequence[FaultSpec]],
    chooser: Chooser,
    count: int | None = None,
    source: str = "<scenario>",
) -> list[TimedFault]:
    """``count`` (default: the schedule's) concrete faults; ``specs`` from :func:`candidate_specs`."""
    n = schedule.count if count is None else count
    low, high = _durations(schedule)
    durations = [chooser.integer(low, high) for _ in range(n)]
    if _tight_end(schedule, [], durations) > _window(schedule)[1]:
        durations = [low] * n
    if _tight_end(schedule, [], durations) > _window(schedule)[1]:
        raise schedule.error(source, f"{n} faults do not fit the window", "count")
    return [
        TimedFault(
            at=inject / TICKS_PER_S,
            duration=(heal - inject) / TICKS_PER_S,
            spec=spec,
            line=schedule.line,
            path=schedule.path,
            lines=schedule.lines,
        )
        for inject, heal, spec in _place(schedule, specs, chooser, durations)
    ]


def _place(
    schedule: GeneratedSchedule,
    specs: Mapping[str, Sequence[FaultSpec]],
    chooser: Chooser,
    durations: Sequence[int],
) -> list[tuple[int, int, FaultSpec]]:
    """Place faults one by one, each delayed by a random share of the spare time.

    The invariant: the faults still to come, packed as early as allowed, fit the
    window. A delay that would break it is halved until it does not; no delay
    keeps it, since packing early is what it assumes.
    """
    end = _window(schedule)[1]
    room = end - _tight_end(schedule, [], durations)
    cuts = sorted(chooser.integer(0, room) for _ in durations)
    delays = [b - a for a, b in zip([0, *cuts], cuts, strict=False)]
    placed: list[tuple[int, int, FaultSpec]] = []
    for k, (d, delay) in enumerate(zip(durations, delays, strict=True)):
        spans = [(i, h) for i, h, _ in placed]
        earliest = _next_start(spans, schedule)
        at = earliest
        while delay:
            at = _next_start(spans, schedule, earliest + delay)
            if _tight_end(schedule, [*spans, (at, at + d)], durations[k + 1 :]) <= end:
                break
            delay //= 2
        at = at if delay else earliest
        busy = {s.target_key for _, h, s in placed if h > at}
        # Fewer busy targets than max_concurrent (checked by candidate_specs): a free one exists.
        kinds = [kind for kind in schedule.kinds if any(s.target_key not in busy for s in specs[kind])]
        kind = chooser.pick(kinds)
        spec = chooser.pick([s for s in specs[kind] if s.target_key not in busy])
        placed.append((at, at + d, spec))
    return placed


def _next_start(placed: Sequence[Span], schedule: GeneratedSchedule, not_before: int = 0) -> int:
    """The earliest injection after those placed that keeps the concurrency and gap limits."""
    gap = _ticks(schedule.min_gap, up=True)
    at = max(_window(schedule)[0], not_before)
    if placed:
        at = max(at, placed[-1][0] + gap)
    while True:
        active = [h for _, h in placed if h > at]
        recent = [h for _, h in placed if at - gap < h <= at]
        if len(active) >= schedule.max_concurrent:
            at = min(active) + gap
        elif recent:
            at = max(recent) + gap
        else:
            return at


def _tight_end(schedule: GeneratedSchedule, placed: Sequence[Span], durations: Sequence[int]) -> int:
    """When every fault is healed if those still to come are packed as early as the limits allow."""
    spans = list(placed)
    for d in durations:
        at = _next_start(spans, schedule)
        spans.append((at, at + d))
    return max((h for _, h in spans), default=_window(schedule)[0])


def max_fitting(schedule: GeneratedSchedule) -> int:
    """How many of the schedule's faults (at most ``count``) fit its window; 0 if none."""
    low, end = _durations(schedule)[0], _window(schedule)[1]
    return next((n for n in range(schedule.count, 0, -1) if _tight_end(schedule, [], [low] * n) <= end), 0)


def check_fits(schedule: GeneratedSchedule, source: str) -> None:
    start, end = _window(schedule)
    shortest = [_durations(schedule)[0]] * schedule.count
    if _tight_end(schedule, [], shortest) > end:
        need = _tight_end(schedule, [], shortest) / TICKS_PER_S
        raise schedule.error(
            source,
            f"{schedule.count} faults of at least {schedule.duration[0]:g}s, at most "
            f"{schedule.max_concurrent} at once and {schedule.min_gap:g}s apart, need until {need:g}s; "
            f"the window is {start / TICKS_PER_S:g}s to {end / TICKS_PER_S:g}s "
            f"(at most {max_fitting(schedule)} fit)",
            "count",
        )


def candidate_specs(
    schedule: GeneratedSchedule, source: str, stack: Stack | None = None
) -> dict[str, tuple[FaultSpec, ...]]:
    """Every valid fault per kind from the candidate targets (checked against ``stack`` when given).

    A candidate value that makes no valid fault of any kind is an error at its own line,
    as is a kind no candidate makes valid: a typo must not silently shrink the schedule.
    """
    for key in schedule.targets:
        if not any(FAULT_KINDS[k].param(key) for k in schedule.kinds):
            kinds = ", ".join(schedule.kinds)
            raise schedule.error(source, f"none of the kinds ({kinds}) takes {key!r}", f"targets.{key}")
    out: dict[str, tuple[FaultSpec, ...]] = {}
    usable: set[tuple[str, int]] = set()
    failures: dict[tuple[str, int], str] = {}
    empty: list[tuple[int, str]] = []
    for j, kind in enumerate(schedule.kinds):
        valid: list[FaultSpec] = []
        first_problem = ""
        for combo in _combinations(FAULT_KINDS[kind], schedule.targets, schedule, source):
            raw = {k: schedule.targets[k][i] for k, i in combo.items()}
            try:
                spec = FaultSpec.parse(kind, raw)
                if stack is not None:
                    spec.check(stack)
            except FaultSpecError as exc:
                first_problem = first_problem or str(exc)
                for k, i in combo.items():
                    failures.setdefault((k, i), exc.message if exc.param == k else f"{kind}: {exc}")
                continue
            valid.append(spec)
            usable.update(combo.items())
        out[kind] = tuple(valid)
        if not valid:
            empty.append((j, f"no candidate target makes a valid {kind}: {first_problem}"))
    for (key, i), message in failures.items():
        if (key, i) not in usable:
            raise schedule.error(source, message, f"targets.{key}[{i}]")
    for j, message in empty:
        raise schedule.error(source, message, f"kinds[{j}]")
    targets = {s.target_key for specs in out.values() for s in specs}
    if len(targets) < schedule.max_concurrent:
        raise schedule.error(
            source,
            f"the candidates give {len(targets)} distinct target(s), so no more than {len(targets)} "
            "fault(s) can be active at once",
            "max_concurrent",
        )
    return out


def _combinations(
    info: FaultKind, targets: Mapping[str, Sequence[Any]], schedule: GeneratedSchedule, source: str
) -> list[dict[str, int]]:
    """Parameter -> candidate index, for every combination; one-of parameters take turns."""
    present = [p.name for p in info.params if p.name in targets]
    fixed = [n for n in present if n not in info.one_of]
    alternatives: list[str | None] = [n for n in present if n in info.one_of] or [None]
    groups = [fixed + ([alt] if alt else []) for alt in alternatives]
    total = sum(math.prod(len(targets[k]) for k in keys) for keys in groups)
    if total > MAX_COMBINATIONS:
        raise schedule.error(
            source, f"{total} combinations for {info.name}; at most {MAX_COMBINATIONS}", "targets"
        )
    return [
        dict(zip(keys, idx, strict=True))
        for keys in groups
        for idx in product(*(range(len(targets[k])) for k in keys))
    ]


def limit_violations(
    faults: Sequence[TimedFault], *, max_concurrent: int, min_gap: float, window: tuple[float, float]
) -> list[str]:
    """What in a schedule breaks a generated schedule's limits (empty: nothing). For tests and replays."""
    out: list[str] = []
    spans = [(f, f.at, f.at + (f.duration or 0.0)) for f in faults]
    for f, at, heal in spans:
        if f.duration is None or at < window[0] - EPSILON or heal > window[1] + EPSILON:
            out.append(f"{f.describe()}: not within the window {window[0]:g}s to {window[1]:g}s")
        active = [g for g, a, h in spans if a <= at + EPSILON and h > at + EPSILON]
        if len(active) > max_concurrent:
            out.append(f"{f.describe()}: {len(active)} faults active at once, limit {max_concurrent}")
        for g, a, h in spans:
            if g is f:
                continue
            earlier = [e for e in (a, h) if e <= at + EPSILON]
            if any(at - e < min_gap - EPSILON for e in earlier):
                out.append(f"{f.describe()}: less than {min_gap:g}s after an event of {g.describe()}")
            if a < heal - EPSILON and at < h - EPSILON and g.spec.target_key == f.spec.target_key:
                out.append(f"{f.describe()}: overlaps {g.describe()} on the same target")
    return out


def _ticks(seconds: float, up: bool) -> int:
    x = seconds * TICKS_PER_S
    return math.ceil(x - EPSILON) if up else math.floor(x + EPSILON)


def _durations(schedule: GeneratedSchedule) -> tuple[int, int]:
    low = max(1, _ticks(schedule.duration[0], up=True))
    return low, max(low, _ticks(schedule.duration[1], up=False))


def _window(schedule: GeneratedSchedule) -> tuple[int, int]:
    return _ticks(schedule.window[0], up=True), _ticks(schedule.window[1], up=False)
