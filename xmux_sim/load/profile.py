"""Load profiles: how many students, how fast they arrive, for how long, and what counts as worse.

A profile is a YAML file (``loadtests/profiles/NAME.yaml``, or any path). It is validated
on load like stack files: a wrong value is reported as ``file:line: field: what is wrong``.
Either a fixed user count for ``duration`` seconds, or ``stages`` (ramp, spike) that change
the user count over time. With ``arrival_rate`` the users are paced to a fixed arrival rate
of actions (an open model), which is what makes coordinated-omission correction possible.

Every field is a declared :class:`~xmux_sim.params.Param` (:data:`FIELDS`, :data:`STAGE`,
:data:`LIMITS`, :data:`COMPARE`): the file, the command line that overrides it
(``--users``, ``--spawn-rate``, ``--duration``, ``--workers``) and a baseline's stored
thresholds are all read by the same types, with the same messages.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from xmux_sim.errors import InputError, UsageError
from xmux_sim.params import BOOL, NAME, TEXT, Param, float_at_least, int_at_least, name_type
from xmux_sim.topology.yamldoc import Reader, YamlDoc

__all__ = [
    "ACTIONS",
    "COMPARE",
    "FIELDS",
    "LIMITS",
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


class ProfileError(InputError):
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
        """The profile with command-line values; users/duration replace stages (a flat run).

        Each value obeys the profile field's own rules: ``--users -5`` is refused as ``users:
        -5`` in the file would be (UsageError naming the option).
        """
        given = {"users": users, "spawn_rate": spawn_rate, "duration": duration, "workers": workers}
        for key, value in given.items():
            if value is not None:
                try:
                    FIELDS[key].read(value)
                except ValueError as exc:
                    raise UsageError(f"--{key.replace('_', '-')}: {exc}") from None
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


def _by_name(*params: Param) -> dict[str, Param]:
    return {p.name: p for p in params}


LONGEST_S = 86_400.0
MOST_USERS = 10_000
FIELDS = _by_name(
    Param(
        "name",
        name_type("a name (used in the report folder's name)"),
        "the profile's name",
        required=True,
    ),
    Param("description", TEXT, "one line for reports"),
    Param("users", int_at_least(1, MOST_USERS), "students at once", Profile.users),
    Param("spawn_rate", float_at_least(0.01, 1000), "students started per second", Profile.spawn_rate),
    Param("duration", float_at_least(1, LONGEST_S), "seconds of load", Profile.duration),
    Param("arrival_rate", float_at_least(0.01, 100_000), "actions per second over all users"),
    Param("workers", int_at_least(0, 8), "0: one locust process; N: a master and N workers", Profile.workers),
    Param("timeout", float_at_least(0.1, 3600), "deadline of each call, seconds", Profile.timeout),
    Param("tour", BOOL, "each user first does every action once", Profile.tour),
)
"""The profile's scalar fields; ``think``, ``stages``, ``mix``, ``limits`` and ``compare`` below."""
THINK = float_at_least(0, 3600)
STAGE = _by_name(
    Param("until", float_at_least(1, LONGEST_S), "seconds into the run this stage ends", required=True),
    Param("users", int_at_least(0, MOST_USERS), "students during the stage", required=True),
    Param("spawn_rate", float_at_least(0.01, 1000), "students started per second", 10.0),
)
WEIGHT = int_at_least(0, 1000)
LIMITS = _by_name(
    Param("p99_ms", float_at_least(0, 3_600_000), "ramp: the p99 that marks the knee, ms"),
    Param("error_rate", float_at_least(0, 1), "the run fails above this error rate"),
)
COMPARE = _by_name(
    Param("p95_increase", float_at_least(0, 100), "relative p95 increase that fails", Compare.p95_increase),
    Param(
        "throughput_decrease",
        float_at_least(0, 1),
        "relative throughput decrease that fails",
        Compare.throughput_decrease,
    ),
    Param(
        "error_rate_increase",
        float_at_least(0, 1),
        "absolute error-rate increase that fails",
        Compare.error_rate_increase,
    ),
    Param("min_requests", int_at_least(0), "calls with fewer requests are not judged", Compare.min_requests),
    Param(
        "p95_slack_ms",
        float_at_least(0, 3_600_000),
        "increases below this never fail, ms",
        Compare.p95_slack_ms,
    ),
)


_TOP = (*FIELDS, "think", "stages", "mix", "limits", "compare")


def profile_path(name_or_path: str) -> Path:
    """A profile by name (``smoke`` -> loadtests/profiles/smoke.yaml) or by path."""
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml") or not NAME.match(name_or_path):
        return p
    candidate = PROFILES_DIR / f"{name_or_path}.yaml"
    if not candidate.is_file():
        known = sorted(f.stem for f in PROFILES_DIR.glob("*.yaml"))
        raise ProfileError(f"no profile {name_or_path!r}; profiles: {', '.join(known)} (or a file's path)")
    return candidate


def load_profile(name_or_path: str) -> Profile:
    return _parse(YamlDoc.load(profile_path(name_or_path), ProfileError))


def parse_profile(text: str, source: str = "<profile>") -> Profile:
    return _parse(YamlDoc.parse(text, source, ProfileError))


def _parse(doc: YamlDoc) -> Profile:
    r = Reader(doc)
    top = r.mapping((), _TOP, required=("name",))
    has_stages = "stages" in top
    if has_stages and "duration" in top:
        raise doc.error(("duration",), "give either duration or stages (their last `until` is the duration)")
    stages = tuple(_stage(r, i) for i in range(len(r.sequence(("stages",)))))
    for i in range(1, len(stages)):
        if stages[i].until <= stages[i - 1].until:
            raise doc.error(("stages", i, "until"), "each stage must end after the one before")
    if has_stages and not stages:
        raise doc.error(("stages",), "expected at least one stage")
    values = {key: r.param((key,), param) for key, param in FIELDS.items()}
    values["description"] = values["description"] or ""
    return Profile(
        **values,
        think=_think(r, doc),
        stages=stages,
        mix=_mix(r, doc),
        limits=Limits(**_section(r, "limits", LIMITS)),
        compare=Compare(**_section(r, "compare", COMPARE)),
        source=doc.source,
    )


def _think(r: Reader, doc: YamlDoc) -> tuple[float, float]:
    raw = r.raw(("think",))
    if raw is None:
        return (0.5, 2.0)
    if not isinstance(raw, list):
        seconds = r.read(("think",), THINK)
        return (seconds, seconds)
    if len(raw) != 2:
        raise doc.error(("think",), "expected seconds, or [shortest, longest]")
    lo, hi = (r.read(("think", i), THINK) for i in range(2))
    if hi < lo:
        raise doc.error(("think",), "the longest think time is shorter than the shortest")
    return (lo, hi)


def _stage(r: Reader, i: int) -> Stage:
    path = ("stages", i)
    r.mapping(path, STAGE, required=("until", "users"))
    return Stage(**{key: r.param((*path, key), param) for key, param in STAGE.items()})


def _mix(r: Reader, doc: YamlDoc) -> dict[str, int]:
    given = r.mapping(("mix",), ACTIONS, optional=True)
    if not given:
        return dict(DEFAULT_MIX)
    mix = {a: r.read(("mix", a), WEIGHT) for a in given}
    if not any(mix.values()):
        raise doc.error(("mix",), "at least one action needs a weight above 0")
    return mix


def _section(r: Reader, name: str, params: Mapping[str, Param]) -> dict[str, Any]:
    """The fields of ``limits`` or ``compare`` the file gives (the rest keep their defaults)."""
    given = r.mapping((name,), params, optional=True)
    return {key: r.param((name, key), params[key]) for key in given}
