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
from xmux_sim.params import shown
from xmux_sim.topology.yamldoc import KeyPath, Reader, YamlDoc

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
RULE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
RECORD_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
# Prometheus' duration grammar (model.ParseDuration): whole numbers of each unit, largest first.
_DURATION = re.compile(r"^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$")
_UNITS = (365 * 86400.0, 7 * 86400.0, 86400.0, 3600.0, 60.0, 1.0, 0.001)
MAX_DURATION_S = 86400.0


def parse_duration(value: object, *, numbers: bool = True) -> float:
    """Seconds from a Prometheus duration (``2s``, ``500ms``, ``1m30s``), or a number of seconds.

    ``numbers``: a bare number counts as seconds (stack files); rule files, like
    Prometheus, take only the text form. Whole milliseconds, so a value is written back
    exactly as Prometheus reads it.
    """
    if isinstance(value, int | float) and not isinstance(value, bool) and numbers:
        seconds = float(value)
    elif isinstance(value, str) and value and (m := _DURATION.match(value)):
        seconds = sum(int(n) * unit for n, unit in zip(m.groups(), _UNITS, strict=True) if n)
    else:
        form = "a duration such as 2s, 500ms or 1m30s" + (" (or a number of seconds)" if numbers else "")
        raise ValueError(f"expected {form}, got {shown(value)}")
    if not 0 <= seconds <= MAX_DURATION_S:
        raise ValueError(f"{seconds:g} s is out of range; expected 0 to {MAX_DURATION_S:g} s")
    if abs(seconds * 1000 - round(seconds * 1000)) > 1e-6:
        raise ValueError(f"{seconds:g} s is not a whole number of milliseconds")
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
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise StackFileError(f"{path}: cannot read the rule file ({exc.strerror})") from None
    doc = YamlDoc.parse(text, str(path))
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
    interval = _duration(r, (*path, "interval"), numbers=False) if r.has((*path, "interval")) else None
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
        for_s=_duration(r, (*path, "for"), numbers=False) if "for" in given else None,
        keep_firing_for_s=(
            _duration(r, (*path, "keep_firing_for"), numbers=False) if "keep_firing_for" in given else None
        ),
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


def _duration(r: Reader, path: KeyPath, *, numbers: bool = True) -> float:
    try:
        return parse_duration(r.raw(path), numbers=numbers)
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


SETTINGS_FIELDS = ("evaluation_interval", "for", "rules", "builtin", "notify")
NOTIFY_FIELDS = ("group_wait", "group_interval", "repeat_interval")


def read_alert_settings(r: Reader, base: Path) -> AlertSettings:
    """``alerts:`` of a stack file; rule files are read relative to ``base`` (the file's folder)."""
    path: KeyPath = ("alerts",)
    r.mapping(path, allowed=SETTINGS_FIELDS, optional=True)
    defaults = AlertSettings()
    evaluation = _bounded(r, (*path, "evaluation_interval"), defaults.evaluation_interval_s, low=0.1)
    files = []
    for i, entry in enumerate(r.sequence((*path, "rules"))):
        if not isinstance(entry, str) or not entry:
            raise r.doc.error((*path, "rules", i), f"expected a rule file's path, got {shown(entry)}")
        file = base / entry
        if not file.is_file():
            raise r.doc.error((*path, "rules", i), f"no rule file {str(file)!r}")
        files.append(read_rule_file(file))
    settings = AlertSettings(
        evaluation_interval_s=evaluation,
        builtin=r.boolean((*path, "builtin"), True),
        files=tuple(files),
    )
    for_all, for_named = _for(r, (*path, "for"), settings)
    n: KeyPath = (*path, "notify")
    r.mapping(n, allowed=NOTIFY_FIELDS, optional=True)
    group_interval = _bounded(r, (*n, "group_interval"), defaults.group_interval_s, low=0.1)
    repeat = _bounded(r, (*n, "repeat_interval"), defaults.repeat_interval_s, low=group_interval)
    return replace(
        settings,
        for_all_s=for_all,
        for_s=for_named,
        group_wait_s=_bounded(r, (*n, "group_wait"), defaults.group_wait_s),
        group_interval_s=group_interval,
        repeat_interval_s=repeat,
    )


def _bounded(r: Reader, path: KeyPath, default: float, low: float = 0.0) -> float:
    if not r.has(path):
        return default
    value = _duration(r, path)
    if value < low:
        raise r.doc.error(path, f"{value:g} s is below the minimum {low:g} s")
    return value


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
        return _duration(r, path), {}
    known = settings.alerts
    named = {}
    for alert in value:
        if alert not in known:
            raise r.doc.error(
                (*path, alert),
                f"no loaded rule file defines an alert {alert!r}; alerts: {', '.join(sorted(known))}",
            )
        named[alert] = _duration(r, (*path, alert))
    return None, named
