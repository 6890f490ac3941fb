"""Alerting in the stack model: the rule files Prometheus loads and the timers around them.

The shipped rule file (``xmux_sim/stacks/rules/xmux.rules.yml``) is loaded unless the
stack file's ``alerts.builtin`` is false; ``alerts.rules`` adds rule files of the user's
(Prometheus' own format, paths relative to the stack file). Every rule file is read and
checked here, when the stack file is loaded, and a mistake is reported as
``file:line: field: what is wrong``: the structure, the names, the durations. What only
Prometheus can judge (a PromQL expression, a template) is checked by ``promtool check
rules`` before the stack starts (:mod:`xmux_sim.services.prometheus`), again naming file
and line.

Nothing of a rule file is pasted into Prometheus' configuration as written: the rules
are read into :class:`Rule` objects and written out again, with the ``for:`` the stack
asks for.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from xmux_sim.errors import StackFileError
from xmux_sim.inputfile import check_inside, read_text, relative_inside
from xmux_sim.params import BOOL, TEXT, Param, quoted, shown
from xmux_sim.topology.yamldoc import KeyPath, Reader, YamlDoc
from xmux_sim.values import duration

__all__ = [
    "AlertSettings",
    "Rule",
    "RuleFile",
    "RuleGroup",
    "builtin_rules",
    "parse_duration",
    "prometheus_duration",
    "read_alert_settings",
    "read_rule_file",
]

BUILTIN_RULES = "xmux.rules.yml"
RULE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\Z")
RECORD_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*\Z")
LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*\Z")
# Prometheus' duration grammar (model.ParseDuration): whole numbers of each unit, largest first.
_DURATION = re.compile(
    r"^(?:(\d{1,9})y)?(?:(\d{1,9})w)?(?:(\d{1,9})d)?(?:(\d{1,9})h)?(?:(\d{1,9})m)?(?:(\d{1,9})s)?(?:(\d{1,9})ms)?\Z"
)
_UNITS = (365 * 86400.0, 7 * 86400.0, 86400.0, 3600.0, 60.0, 1.0, 0.001)
MAX_DURATION_S = 86400.0


def parse_duration(value: object) -> float:
    """Seconds from a Prometheus duration in a rule file (``2s``, ``500ms``, ``1m30s``).

    Prometheus' own grammar, compound forms included, and like Prometheus no bare numbers.
    Whole milliseconds, so a value is written back exactly as Prometheus reads it.
    """
    if not (isinstance(value, str) and value and (m := _DURATION.match(value))):
        raise ValueError(f"expected a duration such as 2s, 500ms or 1m30s, got {shown(value)}")
    seconds = sum(int(n) * unit for n, unit in zip(m.groups(), _UNITS, strict=True) if n)
    if seconds > MAX_DURATION_S:
        raise ValueError(f"{seconds:g} s is out of range; expected 0 to {MAX_DURATION_S:g} s")
    return seconds


def prometheus_duration(seconds: float) -> str:
    """How Prometheus and Alertmanager read ``seconds`` (``2s``, ``1500ms``)."""
    ms = round(seconds * 1000)
    return f"{ms // 1000}s" if ms % 1000 == 0 else f"{ms}ms"


@dataclass(frozen=True)
class Rule:
    """One alerting or recording rule, read from a rule file."""

    name: str
    """The alert's name (``alert:``) or the recorded series (``record:``)."""
    expr: str
    record: bool = False
    for_s: float | None = None
    keep_firing_for_s: float | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    line: int = field(default=0, compare=False)

    def to_yaml(self) -> dict[str, Any]:
        out: dict[str, Any] = {"record" if self.record else "alert": self.name, "expr": self.expr}
        if self.for_s is not None:
            out["for"] = prometheus_duration(self.for_s)
        if self.keep_firing_for_s is not None:
            out["keep_firing_for"] = prometheus_duration(self.keep_firing_for_s)
        if self.labels:
            out["labels"] = dict(self.labels)
        if self.annotations:
            out["annotations"] = dict(self.annotations)
        return out


@dataclass(frozen=True)
class RuleGroup:
    name: str
    rules: tuple[Rule, ...]
    interval_s: float | None = None
    limit: int | None = None

    def to_yaml(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name}
        if self.interval_s is not None:
            out["interval"] = prometheus_duration(self.interval_s)
        if self.limit is not None:
            out["limit"] = self.limit
        out["rules"] = [r.to_yaml() for r in self.rules]
        return out


@dataclass(frozen=True)
class RuleFile:
    path: Path
    text: str = field(repr=False, compare=False)
    """The file as written: promtool checks this, so its complaints carry the user's lines."""
    groups: tuple[RuleGroup, ...]
    builtin: bool = False

    @property
    def alerts(self) -> set[str]:
        return {r.name for g in self.groups for r in g.rules if not r.record}

    def render(self, for_s: Mapping[str, float]) -> bytes:
        """The file for Prometheus, with the ``for:`` of each alert named in ``for_s``."""
        groups = [
            replace(
                g,
                rules=tuple(
                    r if r.record or r.name not in for_s else replace(r, for_s=for_s[r.name]) for r in g.rules
                ),
            )
            for g in self.groups
        ]
        head = f"# {self.path.name}, as loaded by xmux-sim\n"
        return (head + yaml.safe_dump({"groups": [g.to_yaml() for g in groups]}, sort_keys=False)).encode()


def read_rule_file(path: Path, *, builtin: bool = False) -> RuleFile:
    """A rule file, checked; StackFileError names file, line and field of the first mistake."""
    text = read_text(path, error=StackFileError)
    doc = YamlDoc.parse(text, str(path), StackFileError)
    r = Reader(doc)
    r.mapping((), allowed=("groups",), required=("groups",))
    groups: list[RuleGroup] = []
    seen: set[str] = set()
    for i in range(len(r.sequence(("groups",), optional=False))):
        group = _group(r, ("groups", i))
        if group.name in seen:
            raise doc.error(("groups", i, "name"), f"group {group.name!r} appears twice in this file")
        seen.add(group.name)
        groups.append(group)
    return RuleFile(path=path, text=text, groups=tuple(groups), builtin=builtin)


def _group(r: Reader, path: KeyPath) -> RuleGroup:
    r.mapping(path, allowed=("name", "interval", "limit", "rules"), required=("name", "rules"))
    interval = _duration(r, (*path, "interval")) if r.has((*path, "interval")) else None
    if interval == 0:
        raise r.doc.error((*path, "interval"), "expected a duration above 0")
    rules = tuple(
        _rule(r, (*path, "rules", i)) for i in range(len(r.sequence((*path, "rules"), optional=False)))
    )
    return RuleGroup(
        name=r.string((*path, "name")),
        rules=rules,
        interval_s=interval,
        limit=r.integer((*path, "limit"), minimum=0) if r.has((*path, "limit")) else None,
    )


def _rule(r: Reader, path: KeyPath) -> Rule:
    given = r.mapping(
        path, allowed=("alert", "record", "expr", "for", "keep_firing_for", "labels", "annotations")
    )
    if ("alert" in given) == ("record" in given):
        raise r.doc.error(path, "expected exactly one of 'alert' (an alerting rule) or 'record'")
    record = "record" in given
    key = "record" if record else "alert"
    name = r.string((*path, key))
    if not (RECORD_NAME if record else RULE_NAME).match(name):
        what = "a metric name" if record else "letters, digits and '_', not starting with a digit"
        raise r.doc.error((*path, key), f"{name!r} is not a valid name; expected {what}")
    if record:
        for only in ("for", "keep_firing_for", "annotations"):
            if only in given:
                raise r.doc.error((*path, only), "only alerting rules take this field")
    expr = r.raw((*path, "expr"))
    if isinstance(expr, int | float) and not isinstance(expr, bool):
        expr = str(expr)  # `expr: 1` is a valid PromQL number
    if not isinstance(expr, str) or not expr.strip():
        raise r.doc.error((*path, "expr"), f"expected a PromQL expression, got {shown(expr)}")
    return Rule(
        name=name,
        expr=expr.strip(),
        record=record,
        for_s=_duration(r, (*path, "for")) if "for" in given else None,
        keep_firing_for_s=(_duration(r, (*path, "keep_firing_for")) if "keep_firing_for" in given else None),
        labels=_strings(r, (*path, "labels")),
        annotations=_strings(r, (*path, "annotations")),
        line=r.doc.line(path),
    )


def _strings(r: Reader, path: KeyPath) -> dict[str, str]:
    out = {}
    for key, value in r.mapping(path, allowed=r.raw(path) or (), optional=True).items():
        if not LABEL_NAME.match(key):
            raise r.doc.error((*path, key), "expected a label name: letters, digits and '_'")
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise r.doc.error((*path, key), f"expected a string, got {shown(value)}")
        out[key] = str(value)
    return out


def _duration(r: Reader, path: KeyPath) -> float:
    try:
        return parse_duration(r.raw(path))
    except ValueError as exc:
        raise r.doc.error(path, str(exc)) from None


@cache
def builtin_rules() -> RuleFile:
    path = Path(str(resources.files("xmux_sim.stacks").joinpath("rules", BUILTIN_RULES)))
    return read_rule_file(path, builtin=True)


@dataclass(frozen=True)
class AlertSettings:
    """The stack file's ``alerts:``: what Prometheus evaluates, how often, and Alertmanager's timers."""

    evaluation_interval_s: float = 1.0
    builtin: bool = True
    """Load the shipped rules (``xmux.rules.yml``)."""
    files: tuple[RuleFile, ...] = ()
    """The user's rule files, in the order given."""
    for_all_s: float | None = None
    """``for:`` of every shipped rule (``alerts.for`` as one duration)."""
    for_s: Mapping[str, float] = field(default_factory=dict)
    """``for:`` of named alerts, in any rule file (``alerts.for`` as a mapping)."""
    group_wait_s: float = 0.0
    group_interval_s: float = 1.0
    repeat_interval_s: float = 3600.0

    @property
    def rule_files(self) -> tuple[RuleFile, ...]:
        return ((builtin_rules(),) if self.builtin else ()) + self.files

    @property
    def alerts(self) -> set[str]:
        """Every alert name a loaded rule file defines."""
        return {name for f in self.rule_files for name in f.alerts}

    def rendered(self) -> dict[str, bytes]:
        """File name -> content of every rule file as Prometheus gets it, in load order."""
        out = {}
        for i, f in enumerate(self.rule_files):
            shipped = (
                {a: self.for_all_s for a in f.alerts} if f.builtin and self.for_all_s is not None else {}
            )
            out[f"{i:02d}-{f.path.stem}.yml"] = f.render({**shipped, **self.for_s})
        return out


SETTINGS: tuple[Param, ...] = (
    Param("evaluation_interval", duration("100ms", "1h"), "how often Prometheus evaluates the rules", "1s"),
    Param("builtin", BOOL, "load the shipped rules (xmux.rules.yml)", True),
)
"""``alerts:`` fields of one value each (``rules``, ``for`` and ``notify`` are read below)."""
NOTIFY: tuple[Param, ...] = (
    Param("group_wait", duration("0s", "1h"), "Alertmanager: wait before a new alert's notification", "0s"),
    Param("group_interval", duration("100ms", "1h"), "Alertmanager: wait before a group's next one", "1s"),
    Param(
        "repeat_interval",
        duration("100ms", "24h"),
        "Alertmanager: wait before repeating an unchanged one (>= group_interval)",
        "1h",
    ),
)
"""``alerts.notify:``, Alertmanager's timers."""
FOR = duration("0s", "1h")
"""``alerts.for:``, of every shipped rule or of named alerts."""
FIELDS = (*(p.name for p in SETTINGS), "for", "rules", "notify")


def read_alert_settings(r: Reader, base: Path) -> AlertSettings:
    """``alerts:`` of a stack file; rule files are read relative to ``base`` (the file's folder)."""
    path: KeyPath = ("alerts",)
    r.mapping(path, allowed=FIELDS, optional=True)
    given = {p.name: r.param((*path, p.name), p) for p in SETTINGS}
    settings = AlertSettings(
        evaluation_interval_s=given["evaluation_interval"].seconds,
        builtin=given["builtin"],
        files=tuple(
            _rule_file(r, (*path, "rules", i), base) for i in range(len(r.sequence((*path, "rules"))))
        ),
    )
    for_all, for_named = _for(r, (*path, "for"), settings)
    n: KeyPath = (*path, "notify")
    r.mapping(n, allowed=[p.name for p in NOTIFY], optional=True)
    timers = {p.name: r.param((*n, p.name), p).seconds for p in NOTIFY}
    if timers["repeat_interval"] < timers["group_interval"]:
        raise r.doc.error(
            (*n, "repeat_interval"),
            f"{timers['repeat_interval']:g} s is below group_interval ({timers['group_interval']:g} s)",
        )
    return replace(
        settings,
        for_all_s=for_all,
        for_s=for_named,
        group_wait_s=timers["group_wait"],
        group_interval_s=timers["group_interval"],
        repeat_interval_s=timers["repeat_interval"],
    )


def _rule_file(r: Reader, path: KeyPath, base: Path) -> RuleFile:
    """A rule file the stack file names: inside the stack file's folder, as every file it names."""
    entry = r.read(path, TEXT)
    try:
        file = relative_inside(entry, base)
        check_inside(file, base)
    except ValueError as exc:
        raise r.doc.error(path, f"the rule file {exc}") from None
    if not file.is_file():
        raise r.doc.error(path, f"no rule file {quoted(str(file))}")
    return read_rule_file(file)


def _for(r: Reader, path: KeyPath, settings: AlertSettings) -> tuple[float | None, dict[str, float]]:
    """``for:``: one duration (every shipped rule), or alert name -> duration."""
    value = r.raw(path)
    if value is None:
        return None, {}
    if not isinstance(value, Mapping):
        if not settings.builtin:
            raise r.doc.error(
                path, "one duration sets the shipped rules' for:, which builtin: false leaves out"
            )
        return r.read(path, FOR).seconds, {}
    known = settings.alerts
    named = {}
    for alert in value:
        if alert not in known:
            raise r.doc.error(
                (*path, alert),
                f"no loaded rule file defines an alert {alert!r}; alerts: {', '.join(sorted(known))}",
            )
        named[alert] = r.read((*path, alert), FOR).seconds
    return None, named
