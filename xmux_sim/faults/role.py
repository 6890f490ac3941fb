"""Role targets: a fault aimed at whoever leads (``leader-of(nats, stream=S)``) rather than a pod.

Whether losing a replica hurts depends on whether it leads, and which one leads changes
from run to run; a run aimed at a fixed pod then gives a verdict by luck. A role is
written where a pod is (``pod:``, ``pods:``), checked against the stack like a pod name
(the service exists, its kind has a leader, the role says what the kind needs), and
turned into a pod only at the moment of injection, from the service's own answer (see
:mod:`xmux_sim.services.roles`). Roles stay text in a spec, so specs still go to the
ledger as JSON; :func:`parse_role` reads them back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from xmux_sim.faults.kind import FaultSpecError
from xmux_sim.params import NAME, POD_NAME, ParamType, distinct, shown
from xmux_sim.topology.kinds import KINDS
from xmux_sim.topology.model import Stack

__all__ = ["POD_TARGET", "POD_TARGETS", "ROLE_WORDS", "Role", "check_role", "is_role", "parse_role"]

ROLE_WORDS = ("leader", "primary", "follower")
_ROLE = re.compile(r"^(?P<word>[a-z]+)-of\((?P<inside>[^()]*)\)\Z")
_ARG_KEY = re.compile(r"^[a-z][a-z0-9_]{0,30}\Z")
# A JetStream stream name, and what any other kind's argument may be: no space, dot or
# wildcard, so the text can never reach a subject or a statement as anything but a name.
_ARG_VALUE = re.compile(r"^[A-Za-z0-9_-]{1,64}\Z")
_SYNTAX = "ROLE-of(SERVICE[, key=value]) with ROLE leader, primary or follower"


@dataclass(frozen=True)
class Role:
    word: str
    """leader, primary (both mean the one that leads) or follower (one that does not)."""
    service: str
    args: tuple[tuple[str, str], ...] = ()

    @property
    def params(self) -> dict[str, str]:
        return dict(self.args)

    @property
    def leads(self) -> bool:
        return self.word != "follower"

    def __str__(self) -> str:
        inside = ", ".join([self.service, *(f"{k}={v}" for k, v in self.args)])
        return f"{self.word}-of({inside})"


def is_role(text: object) -> bool:
    # Pod names never hold a parenthesis, so this tells the two apart before either is read.
    return isinstance(text, str) and ("(" in text or ")" in text)


def parse_role(text: str) -> Role:
    """The role ``text`` writes; ValueError saying what is wrong with it."""
    m = _ROLE.match(text.strip())
    if m is None or m["word"] not in ROLE_WORDS:
        raise ValueError(f"expected a role as {_SYNTAX}, got {shown(text)}")
    service, *rest = [part.strip() for part in m["inside"].split(",")]
    if not NAME.match(service):
        raise ValueError(f"{m['word']}-of: expected a service name first, got {shown(service)}")
    args: dict[str, str] = {}
    for part in rest:
        key, eq, value = (s.strip() for s in part.partition("="))
        if not eq or not _ARG_KEY.match(key) or not _ARG_VALUE.match(value):
            raise ValueError(
                f"{m['word']}-of({service}, ...): expected key=value (a value of letters, digits, '_' "
                f"and '-'), got {shown(part)}"
            )
        if key in args:
            raise ValueError(f"{m['word']}-of({service}, ...): {key} given twice")
        args[key] = value
    return Role(m["word"], service, tuple(sorted(args.items())))


def check_role(key: str, role: Role, stack: Stack) -> None:
    """Can ``role`` be resolved in this stack? FaultSpecError naming parameter ``key`` when not."""
    service = stack.services.get(role.service)
    if service is None:
        raise FaultSpecError(
            key, f"{role}: no service {role.service!r}; services: {', '.join(stack.services)}"
        )
    leadership = KINDS[service.kind].leadership
    if leadership is None:
        led = ", ".join(f"{k} ({i.leadership.word}-of)" for k, i in KINDS.items() if i.leadership is not None)
        raise FaultSpecError(
            key, f"{role}: {role.service} is a {service.kind} service, which has no leader; roles fit: {led}"
        )
    if role.leads and role.word != leadership.word:
        raise FaultSpecError(
            key,
            f"{role}: {service.kind} calls its leader the {leadership.word}: write {leadership.word}-of(...)",
        )
    for name in leadership.params:
        if name not in role.params:
            raise FaultSpecError(
                key,
                f"{role}: missing {name}=...; a {service.kind} leader is per {name}: {role.word}-of("
                f"{role.service}, {name}=NAME)",
            )
    extra = sorted(set(role.params) - set(leadership.params))
    if extra:
        takes = ", ".join(leadership.params) or "nothing besides the service"
        raise FaultSpecError(key, f"{role}: takes no {extra[0]!r}; {service.kind} roles take: {takes}")
    if not role.leads and service.replicas < 2:
        raise FaultSpecError(key, f"{role}: {role.service} has one replica, so no follower")


def _pod_or_role(value: object) -> str:
    if is_role(value):
        assert isinstance(value, str)
        return str(parse_role(value))  # written one way, so the same role is the same target
    if not isinstance(value, str) or not POD_NAME.match(value):
        raise ValueError(
            f"expected a pod as SERVICE-REPLICA (for example postgres-0) or a role ({_SYNTAX}), "
            f"got {shown(value)}"
        )
    return value


def _split_outside_parentheses(text: str) -> list[str]:
    # "nats-0,leader-of(nats, stream=S)" on the command line: a role's own commas stay in it.
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    return [*parts, text[start:]]


def _pods_or_roles(value: object) -> tuple[str, ...]:
    items = _split_outside_parentheses(value) if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not items:
        raise ValueError(f"expected a list of pods or roles, got {shown(value)}")
    return distinct(tuple(_pod_or_role(i.strip() if isinstance(i, str) else i) for i in items))


POD_TARGET = ParamType(
    "a pod (SERVICE-REPLICA) or a role (ROLE-of(SERVICE, ...))",
    _pod_or_role,
    target="pod",
)
POD_TARGETS = ParamType("a list of pods or roles, hit together", _pods_or_roles, target="pods")
