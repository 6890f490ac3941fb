"""Load profiles: how many students, how fast they arrive, for how long, and what counts as worse.

A profile is a YAML file (``loadtests/profiles/NAME.yaml``, or any path). It is validated
on load like stack files: a wrong value is reported as ``file:line: field: what is wrong``.
Either a fixed user count for ``duration`` seconds, or ``stages`` (ramp, spike) that change
the user count over time. With ``arrival_rate`` the users are paced to a fixed arrival rate
of actions (an open model), which is what makes coordinated-omission correction possible.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from xmux_sim.errors import StackFileError, XmuxSimError
from xmux_sim.topology.yamldoc import Reader, YamlDoc

__all__ = [
    "ACTIONS",
    "Compare",
    "Limits",
    "Profile",
    "ProfileError",
    "Stage",
    "load_profile",
    "profile_path",
    "users_at",
]


def loadtests_dir() -> Path:
    """The checkout's loadtests/ (editable install), else the one in the working directory."""
    beside = Path(__file__).resolve().parents[2] / "loadtests"
    return beside if beside.is_dir() else Path.cwd() / "loadtests"


PROFILES_DIR = loadtests_dir() / "profiles"

# What a student does in the app; the profile's `mix` weighs them (see `users.XmuxStudent`).
ACTIONS: tuple[str, ...] = ("app_start", "community", "lost_found", "write", "oss", "v2", "xia")
DEFAULT_MIX: dict[str, int] = {
    "app_start": 3,
    "community": 4,
    "lost_found": 3,
    "write": 1,
    "oss": 1,
    "v2": 1,
    "xia": 1,
}


class ProfileError(XmuxSimError):
    """A profile file that does not validate; the message names file, line and field."""


@dataclass(frozen=True)
class Stage:
    """Hold ``users`` (reached at ``spawn_rate`` per second) until ``until`` seconds into the run."""

    until: float
    users: int
    spawn_rate: float


def users_at(stages: Sequence[Stage], t: float) -> tuple[int, float] | None:
    """(users, spawn rate) the stage holding at ``t`` seconds wants; None after the last stage."""
    for stage in stages:
        if t < stage.until:
            return stage.users, stage.spawn_rate
    return None


@dataclass(frozen=True)
class Limits:
    p99_ms: float | None = None
    """Ramp: the throughput where a stage's p99 first exceeds this is the knee."""
    error_rate: float | None = None
    """The run fails (exit 1) above this error rate (not judged while faults run with --during)."""


@dataclass(frozen=True)
class Compare:
    """How much worse than a baseline a run may be before `--compare` fails it."""

    p95_increase: float = 0.5
    """Relative: 0.5 fails a call whose p95 is more than 50 % above the baseline's."""
    throughput_decrease: float = 0.2
    """Relative, of the whole run's requests per second."""
    error_rate_increase: float = 0.01
    """Absolute: 0.01 fails a run whose error rate is one percentage point above the baseline's."""
    min_requests: int = 20
    """Calls with fewer requests than this (in either run) are shown but not judged."""
    p95_slack_ms: float = 2.0
    """An increase below this many milliseconds never fails (sub-millisecond noise on fast calls)."""


@dataclass(frozen=True)
class Profile:
    name: str
    description: str = ""
    users: int = 10
    spawn_rate: float = 10.0
    duration: float = 30.0
    arrival_rate: float | None = None
    """Actions per second over all users (fixed arrival rate); None: closed loop with `think` time."""
    think: tuple[float, float] = (0.5, 2.0)
    stages: tuple[Stage, ...] = ()
    workers: int = 0
    """0: one locust process; N: a master and N worker processes."""
    timeout: float = 5.0
    """Deadline of each call, seconds."""
    tour: bool = False
    """Each user first does every action of the mix once (so a short run sees every call)."""
    mix: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_MIX))
    limits: Limits = Limits()
    compare: Compare = Compare()
    source: str = "<profile>"

    @property
    def total_duration(self) -> float:
        return self.stages[-1].until if self.stages else self.duration

    @property
    def peak_users(self) -> int:
        return max((s.users for s in self.stages), default=self.users)

    def with_overrides(
        self,
        users: int | None = None,
        spawn_rate: float | None = None,
        duration: float | None = None,
        workers: int | None = None,
    ) -> Profile:
        """The profile with command-line values; users/duration replace stages (a flat run)."""
        changes: dict[str, Any] = {}
        if users is not None:
            changes["users"] = users
            changes["stages"] = ()
            if self.arrival_rate is not None and self.users:
                # Keep each user's pace: more users, proportionally more arrivals.
                changes["arrival_rate"] = self.arrival_rate * users / self.users
        if spawn_rate is not None:
            changes["spawn_rate"] = spawn_rate
        if duration is not None:
            changes["duration"] = duration
            changes["stages"] = ()
        if workers is not None:
            changes["workers"] = workers
        if not changes:
            return self
        return Profile(**{**self._fields(), **changes})

    def _fields(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["think"] = list(self.think)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Profile:
        d = dict(data)
        d["think"] = tuple(d["think"])
        d["stages"] = tuple(Stage(**s) for s in d["stages"])
        d["limits"] = Limits(**d["limits"])
        d["compare"] = Compare(**d["compare"])
        return cls(**d)

    def dumps(self) -> str:
        return json.dumps(self.to_json())


_TOP = (
    "name",
    "description",
    "users",
    "spawn_rate",
    "duration",
    "arrival_rate",
    "think",
    "stages",
    "workers",
    "timeout",
    "tour",
    "mix",
    "limits",
    "compare",
)


def profile_path(name_or_path: str) -> Path:
    """A profile by name (``smoke`` -> loadtests/profiles/smoke.yaml) or by path."""
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml") or p.exists():
        return p
    candidate = PROFILES_DIR / f"{name_or_path}.yaml"
    if not candidate.is_file():
        known = sorted(f.stem for f in PROFILES_DIR.glob("*.yaml"))
        raise ProfileError(f"no profile {name_or_path!r}; profiles: {', '.join(known)} (or a file's path)")
    return candidate


def load_profile(name_or_path: str) -> Profile:
    path = profile_path(name_or_path)
    try:
        return _parse(YamlDoc.load(path))
    except StackFileError as exc:
        raise ProfileError(str(exc)) from None


def parse_profile(text: str, source: str = "<profile>") -> Profile:
    try:
        return _parse(YamlDoc.parse(text, source))
    except StackFileError as exc:
        raise ProfileError(str(exc)) from None


def _parse(doc: YamlDoc) -> Profile:
    r = Reader(doc)
    top = r.mapping((), _TOP, required=("name",))
    has_stages = "stages" in top
    if has_stages and "duration" in top:
        raise doc.error(("duration",), "give either duration or stages (their last `until` is the duration)")
    think = _think(r, doc)
    stages = tuple(_stage(r, doc, i) for i in range(len(r.sequence(("stages",)))))
    for i in range(1, len(stages)):
        if stages[i].until <= stages[i - 1].until:
            raise doc.error(("stages", i, "until"), "each stage must end after the one before")
    if has_stages and not stages:
        raise doc.error(("stages",), "expected at least one stage")
    arrival = r.raw(("arrival_rate",))
    return Profile(
        name=r.string(("name",)),
        description=r.string(("description",), default="") if r.raw(("description",)) else "",
        users=r.integer(("users",), default=10, minimum=1),
        spawn_rate=r.number(("spawn_rate",), default=10.0, minimum=0.01),
        duration=r.number(("duration",), default=30.0, minimum=1.0),
        arrival_rate=None if arrival is None else r.number(("arrival_rate",), minimum=0.01),
        think=think,
        stages=stages,
        workers=r.integer(("workers",), default=0, minimum=0, maximum=8),
        timeout=r.number(("timeout",), default=5.0, minimum=0.1),
        tour=r.boolean(("tour",), default=False),
        mix=_mix(r, doc),
        limits=_limits(r),
        compare=_compare(r),
        source=doc.source,
    )


def _think(r: Reader, doc: YamlDoc) -> tuple[float, float]:
    raw = r.raw(("think",))
    if raw is None:
        return (0.5, 2.0)
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return (float(raw), float(raw))
    items = r.sequence(("think",))
    if len(items) != 2:
        raise doc.error(("think",), "expected seconds, or [shortest, longest]")
    lo, hi = (r.number(("think", i), minimum=0.0) for i in range(2))
    if hi < lo:
        raise doc.error(("think",), "the longest think time is shorter than the shortest")
    return (lo, hi)


def _stage(r: Reader, doc: YamlDoc, i: int) -> Stage:
    path = ("stages", i)
    r.mapping(path, ("until", "users", "spawn_rate"), required=("until", "users"))
    return Stage(
        until=r.number((*path, "until"), minimum=1.0),
        users=r.integer((*path, "users"), minimum=0),
        spawn_rate=r.number((*path, "spawn_rate"), default=10.0, minimum=0.01),
    )


def _mix(r: Reader, doc: YamlDoc) -> dict[str, int]:
    given = r.mapping(("mix",), ACTIONS, optional=True)
    if not given:
        return dict(DEFAULT_MIX)
    mix = {a: r.integer(("mix", a), minimum=0) for a in given}
    if not any(mix.values()):
        raise doc.error(("mix",), "at least one action needs a weight above 0")
    return mix


def _limits(r: Reader) -> Limits:
    given = r.mapping(("limits",), ("p99_ms", "error_rate"), optional=True)
    return Limits(
        p99_ms=r.number(("limits", "p99_ms"), minimum=0.0) if "p99_ms" in given else None,
        error_rate=r.number(("limits", "error_rate"), minimum=0.0) if "error_rate" in given else None,
    )


def _compare(r: Reader) -> Compare:
    keys = tuple(Compare.__dataclass_fields__)
    given = r.mapping(("compare",), keys, optional=True)
    base = Compare()
    values: dict[str, Any] = {}
    for key in given:
        if key == "min_requests":
            values[key] = r.integer(("compare", key), minimum=0)
        else:
            values[key] = r.number(("compare", key), minimum=0.0)
    return Compare(**{**asdict(base), **values})
