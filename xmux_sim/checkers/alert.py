"""Alerts as invariants: the right alert fired, in time, and cleared (or stayed silent).

The evidence is what Alertmanager told the harness during the run (its webhook
notifications, on the run's clock) and the window in which the harness listened. An
alert is chosen by a selector in PromQL's words: a name (``NodePodsUnreachable``), label
matchers (``{severity="critical"}``), or both (``ServiceDown{service="postgres"}``).

``must: fire``: for every fault (of ``fault`` kind, when given), a matching alert fires
within ``fires_within_s`` of the injection and, with ``resolves_within_s``, every
matching alert that fired for it resolves within that long of the heal. A matching alert
that fires outside every fault's reach (injection to the end of its resolution bound) is
a false alarm, and an alert already firing when the fault goes in cannot show that the
fault was noticed: both violate. ``must: stay-silent``: no matching alert fires (or is
active) while the harness listens, e.g. no ``ServiceDown`` during a latency fault, no
alert at all in a fault-free run.

Unknown, not holds, when the run could not show it: no Alertmanager (nothing listened),
no fault to fire for, a fault never healed, or the run ended before a bound had passed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from xmux_sim.checkers.kind import Arg, CheckerKind, RunEvidence
from xmux_sim.checkers.verdict import EVIDENCE_LIMIT, UNKNOWN, Figure, Validity, Verdict
from xmux_sim.faults.kind import FAULT_KINDS
from xmux_sim.params import ParamError, quoted
from xmux_sim.timeline import AlertEvent, AlertStatus, FaultEvent, alert_title

__all__ = ["ALERT", "Episode", "Selector", "alert_invariant", "episodes", "listen_until"]

MUST = ("fire", "stay-silent")
DEFAULT_QUIET_S = 10.0
_SELECTOR = re.compile(r"^\s*(?P<name>[A-Za-z_][A-Za-z0-9_]*)?\s*(?:\{(?P<matchers>.*)\})?\s*$", re.S)
_MATCHER = re.compile(
    r'\s*(?P<label>[A-Za-z_][A-Za-z0-9_]*)\s*(?P<op>=~|!~|!=|=)\s*"(?P<value>(?:[^"\\]|\\.)*)"\s*'
)


@dataclass(frozen=True)
class Selector:
    """Which alerts an invariant is about: an alert name and label matchers, as PromQL writes them."""

    text: str
    matchers: tuple[tuple[str, str, str], ...]
    """(label, operator, value); the name is an ``alertname`` matcher."""

    @classmethod
    def parse(cls, text: str) -> Selector:
        m = _SELECTOR.match(text)
        if m is None or not (m["name"] or m["matchers"] is not None):
            raise ValueError(
                f'expected an alert name and/or label matchers like Name{{label="value"}}, got {text!r}'
            )
        matchers: list[tuple[str, str, str]] = []
        if m["name"]:
            matchers.append(("alertname", "=", m["name"]))
        rest = (m["matchers"] or "").strip()
        while rest:
            mm = _MATCHER.match(rest)
            if mm is None:
                raise ValueError(
                    f'cannot read the label matcher at {rest!r}; expected label="value" (or !=, =~, !~)'
                )
            value = re.sub(r"\\(.)", r"\1", mm["value"])
            if mm["op"] in ("=~", "!~"):
                try:
                    re.compile(value)
                except re.error as exc:
                    raise ValueError(
                        f"matcher on {mm['label']}: bad regular expression {value!r}: {exc}"
                    ) from None
            matchers.append((mm["label"], mm["op"], value))
            rest = rest[mm.end() :]
            if rest.startswith(","):
                rest = rest[1:]
            elif rest:
                raise ValueError(f"expected ',' between label matchers, got {rest!r}")
        if not matchers:
            raise ValueError(f"{text!r} matches every alert; name one or give a label matcher")
        return cls(text.strip(), tuple(matchers))

    @property
    def alert_name(self) -> str | None:
        return next((v for label, op, v in self.matchers if label == "alertname" and op == "="), None)

    def matches(self, labels: Mapping[str, str]) -> bool:
        for label, op, value in self.matchers:
            have = labels.get(label, "")
            ok = {
                "=": have == value,
                "!=": have != value,
                "=~": re.fullmatch(value, have) is not None,
                "!~": re.fullmatch(value, have) is None,
            }[op]
            if not ok:
                return False
        return True


@dataclass(frozen=True)
class Episode:
    """One alert (one label set) from firing to resolved."""

    alert: str
    labels: Mapping[str, str]
    fired_t: float
    resolved_t: float | None
    summary: str = ""
    before: bool = False
    """Already active when the harness started listening."""

    @property
    def title(self) -> str:
        return alert_title(self.alert, self.labels)

    def active_at(self, t: float) -> bool:
        return self.fired_t <= t and (self.resolved_t is None or self.resolved_t > t)

    def to_dict(self) -> dict[str, Any]:
        return {
            "alert": self.alert,
            "fired_t": round(self.fired_t, 3),
            "resolved_t": None if self.resolved_t is None else round(self.resolved_t, 3),
            "labels": dict(self.labels),
            "summary": self.summary,
            "active_at_start": self.before,
        }


def episodes(events: Sequence[AlertEvent]) -> list[Episode]:
    """Firing-to-resolved spans per alert, in order of firing; repeated notifications fold into one."""
    open_: dict[str, Episode] = {}
    done: list[Episode] = []
    for e in sorted(events, key=lambda e: e.t):
        current = open_.get(e.identity)
        if e.status is AlertStatus.firing and current is None:
            open_[e.identity] = Episode(e.alert, dict(e.labels), e.t, None, e.summary, e.active_at_start)
        elif e.status is AlertStatus.resolved and current is not None:
            done.append(
                Episode(current.alert, current.labels, current.fired_t, e.t, current.summary, current.before)
            )
            del open_[e.identity]
    return sorted([*done, *open_.values()], key=lambda ep: ep.fired_t)


@dataclass(frozen=True)
class _Judged:
    fault: FaultEvent
    fired: Episode | None
    delay_s: float | None
    clear_s: float | None
    problem: str | None
    unknown: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "fault": self.fault.window().name,
            "inject_t": round(self.fault.inject_t, 3),
            "heal_t": None if self.fault.heal_t is None else round(self.fault.heal_t, 3),
            "fired_t": None if self.fired is None else round(self.fired.fired_t, 3),
            "resolved_t": None
            if self.fired is None or self.fired.resolved_t is None
            else round(self.fired.resolved_t, 3),
            "detection_delay_s": None if self.delay_s is None else round(self.delay_s, 3),
            "clear_delay_s": None if self.clear_s is None else round(self.clear_s, 3),
            "labels": None if self.fired is None else dict(self.fired.labels),
            "problem": self.problem,
            "unknown": self.unknown,
        }


def alert_invariant(
    alerts: Sequence[AlertEvent],
    faults: Sequence[FaultEvent],
    alert_watch: tuple[float, float] | None,
    *,
    alert: str,
    must: str = "fire",
    fires_within_s: float | None = None,
    resolves_within_s: float | None = None,
    fault: str | None = None,
    quiet_s: float = DEFAULT_QUIET_S,
    alert_rules: frozenset[str] | None = None,
    name: str = "alert",
) -> Verdict:
    """Valid when the selected alert fired (and cleared) in time for every fault, or stayed silent."""
    _arguments({"alert": alert, "must": must, "fires_within_s": fires_within_s, "fault": fault})
    selector = Selector.parse(alert)
    if alert_watch is None:
        return Verdict(name, UNKNOWN, message="the stack has no Alertmanager: no alert was listened for")
    start, end = alert_watch
    matching = [ep for ep in episodes(alerts) if selector.matches(ep.labels)]
    seen = [ep for ep in matching if ep.before or ep.fired_t >= start]
    gap = ""
    if alert_rules is not None and selector.alert_name is not None and selector.alert_name not in alert_rules:
        gap = f" (no loaded rule file defines {selector.alert_name}: a monitoring gap)"
    figures: dict[str, Figure] = {
        "firings": len(seen),
        "listened_from_t": round(start, 3),
        "listened_to_t": round(end, 3),
    }
    if must == "stay-silent":
        evidence = {"firings": [ep.to_dict() for ep in seen[:EVIDENCE_LIMIT]]}
        if seen:
            first = seen[0]
            when = "active when listening began" if first.before else f"fired at {first.fired_t:.1f} s"
            message = f"{selector.text} was not silent: {len(seen)} firing(s), first {first.title} {when}"
            return Verdict(name, False, figures, evidence, message)
        return Verdict(
            name, True, figures, evidence, f"{selector.text} stayed silent from {start:.1f} s to {end:.1f} s"
        )

    assert fires_within_s is not None
    targets = [f for f in faults if fault is None or f.kind == fault]
    judged = [_judge_fault(f, matching, fires_within_s, resolves_within_s, end) for f in targets]
    reach = [(f.inject_t, _reach_end(f, fires_within_s, resolves_within_s, end)) for f in targets]
    false_alarms = [
        ep for ep in seen if not ep.before and not any(lo <= ep.fired_t <= hi for lo, hi in reach)
    ]
    delays = [j.delay_s for j in judged if j.delay_s is not None]
    clears = [j.clear_s for j in judged if j.clear_s is not None]
    figures.update(
        {
            "faults": len(targets),
            "fired_in_time": sum(1 for j in judged if j.fired is not None and j.problem is None),
            "max_detection_delay_s": None if not delays else round(max(delays), 3),
            "max_clear_delay_s": None if not clears else round(max(clears), 3),
            "false_alarms": len(false_alarms),
            "fires_within_s": fires_within_s,
            "resolves_within_s": resolves_within_s,
        }
    )
    evidence = {
        "faults": [j.to_dict() for j in judged[:EVIDENCE_LIMIT]],
        "false_alarms": [ep.to_dict() for ep in false_alarms[:EVIDENCE_LIMIT]],
    }
    problems = [f"{j.fault.window().name}: {j.problem}" for j in judged if j.problem]
    problems += [f"fired without a fault at {ep.fired_t:.1f} s {ep.title}" for ep in false_alarms]
    unknowns = [f"{j.fault.window().name}: {j.unknown}" for j in judged if j.unknown]
    valid: Validity
    if problems:
        valid, message = False, f"{selector.text}: " + "; ".join(problems) + gap
    elif not targets:
        valid, message = (
            UNKNOWN,
            f"no fault{'' if fault is None else f' of kind {fault}'} for {selector.text} to fire for",
        )
    elif unknowns:
        valid, message = UNKNOWN, f"{selector.text}: " + "; ".join(unknowns)
    else:
        valid = True
        message = (
            f"{selector.text} fired for all {len(targets)} fault(s) within {fires_within_s:g} s "
            f"(slowest {max(delays):.1f} s)"
        )
        if clears:
            message += (
                f" and resolved within {resolves_within_s:g} s of the heal (slowest {max(clears):.1f} s)"
            )
    return Verdict(name, valid, figures, evidence, message)


def _judge_fault(
    fault: FaultEvent,
    matching: Sequence[Episode],
    fires_within_s: float,
    resolves_within_s: float | None,
    end: float,
) -> _Judged:
    deadline = fault.inject_t + fires_within_s
    already = [ep for ep in matching if ep.active_at(fault.inject_t) and ep.fired_t < fault.inject_t]
    if already:
        ep = already[0]
        return _Judged(
            fault,
            None,
            None,
            None,
            f"already firing at the injection (since {ep.fired_t:.1f} s) {ep.title}",
            None,
        )
    fired = [
        ep
        for ep in matching
        if fault.inject_t <= ep.fired_t <= _reach_end(fault, fires_within_s, resolves_within_s, end)
    ]
    if not fired:
        if end < deadline:
            return _Judged(
                fault, None, None, None, None, f"not listened for {fires_within_s:g} s after the injection"
            )
        return _Judged(
            fault, None, None, None, f"never fired within {fires_within_s:g} s of the injection", None
        )
    first = fired[0]
    delay = first.fired_t - fault.inject_t
    if delay > fires_within_s:
        return _Judged(
            fault, first, delay, None, f"fired {delay:.1f} s after the injection > {fires_within_s:g} s", None
        )
    if resolves_within_s is None:
        return _Judged(fault, first, delay, None, None, None)
    if fault.heal_t is None:
        return _Judged(fault, first, delay, None, None, "never healed: resolution not measurable")
    bound = fault.heal_t + resolves_within_s
    open_ = [ep for ep in fired if ep.resolved_t is None]
    if open_:
        if end < bound:
            return _Judged(
                fault,
                first,
                delay,
                None,
                None,
                f"still firing when listening stopped, {end - fault.heal_t:.1f} s after the heal",
            )
        return _Judged(
            fault,
            first,
            delay,
            None,
            f"never resolved ({len(open_)} still firing {end - fault.heal_t:.1f} s after the heal)",
            None,
        )
    last = max(ep.resolved_t or 0.0 for ep in fired)
    clear = max(0.0, last - fault.heal_t)
    if last > bound:
        return _Judged(
            fault,
            first,
            delay,
            clear,
            f"resolved {clear:.1f} s after the heal > {resolves_within_s:g} s",
            None,
        )
    return _Judged(fault, first, delay, clear, None, None)


def _reach_end(
    fault: FaultEvent, fires_within_s: float, resolves_within_s: float | None, end: float
) -> float:
    """Until when a firing is this fault's doing: its detection bound, or the end of its resolution bound."""
    healed = fault.heal_t if fault.heal_t is not None else end
    return max(fault.inject_t + fires_within_s, healed + (resolves_within_s or 0.0))


def _arguments(kwargs: Mapping[str, Any]) -> None:
    """What ``alert`` would refuse after the run, refused when the file is read (ParamError)."""
    try:
        Selector.parse(str(kwargs["alert"]))
    except ValueError as exc:
        raise ParamError("alert", str(exc)) from None
    must = kwargs.get("must", "fire")
    if must not in MUST:
        raise ParamError("must", f"{quoted(must)} is not one of: {', '.join(MUST)}")
    fires_within_s = kwargs.get("fires_within_s")
    if must == "fire" and fires_within_s is None:
        raise ParamError("must", "fire needs fires_within_s (seconds from the injection)")
    if must == "stay-silent" and fires_within_s is not None:
        raise ParamError("fires_within_s", "must: stay-silent takes no fires_within_s")
    fault = kwargs.get("fault")
    if fault is not None and FAULT_KINDS.get(str(fault)) is None:
        raise ParamError("fault", FAULT_KINDS.unknown(str(fault)))


def listen_until(kwargs: Mapping[str, Any], faults: Sequence[FaultEvent], workload_end: float) -> float:
    """Run time until which an ``alert`` invariant needs notifications heard to be judged."""
    heals = [f.heal_t if f.heal_t is not None else workload_end for f in faults]
    last = max([workload_end, *heals])
    if kwargs.get("must", "fire") == "stay-silent":
        return last + float(kwargs.get("quiet_s", DEFAULT_QUIET_S))
    fires = float(kwargs.get("fires_within_s") or 0.0)
    resolves = kwargs.get("resolves_within_s")
    until = max((f.inject_t + fires for f in faults), default=workload_end)
    if resolves is not None:
        until = max(until, last + float(resolves))
    return until


def _judge(evidence: RunEvidence, name: str, kwargs: Mapping[str, Any]) -> Verdict:
    return alert_invariant(
        evidence.alerts,
        evidence.faults,
        evidence.alert_watch,
        alert_rules=evidence.alert_rules,
        name=name,
        **kwargs,
    )


ALERT = CheckerKind(
    "alert",
    alert_invariant,
    "the selected alert fires within fires_within_s of each fault's injection and resolves within "
    "resolves_within_s of its heal (must: fire), or never fires (must: stay-silent); from Alertmanager's "
    "notifications to the harness",
    evidence=("alerts", "faults", "alert_watch", "alert_rules"),
    args={
        "alert": Arg(
            'alert name and/or label matchers: NodePodsUnreachable, ServiceDown{service="postgres"}'
        ),
        "must": Arg("fire: it must fire for every fault; stay-silent: it must never fire"),
        "fires_within_s": Arg(
            "seconds from a fault's injection to the firing notification (must: fire)", minimum=0
        ),
        "resolves_within_s": Arg(
            "seconds from a fault's heal to the resolved notification (default: not judged)", minimum=0
        ),
        "fault": Arg("only faults of this kind (drop-node, partition, ...; default: every fault)"),
        "quiet_s": Arg(
            "stay-silent: how long after the last heal notifications are still awaited", minimum=0
        ),
    },
    judge=_judge,
    validate=_arguments,
)
