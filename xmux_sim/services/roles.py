"""Role targets resolved at the moment of injection: ask the service who leads, aim at that pod.

A spec's roles (:mod:`xmux_sim.faults.role`) become pod names here, from the service's
own answer through the run's endpoints (each runtime's ``leader``), so the fault hits
whoever leads when it goes in, not whoever led when the scenario was written. A follower
is a seeded choice among the pods that do not lead: the same seed and the same leader
give the same pod, so a run can be replayed.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from xmux_sim.faults.base import FaultError
from xmux_sim.faults.role import Role, is_role, parse_role
from xmux_sim.faults.spec import FaultSpec
from xmux_sim.services.base import Endpoint, ProbeFailed, ServiceRuntime
from xmux_sim.services.registry import runtime_for

__all__ = ["Aimed", "HasEndpoints", "aim", "pick_follower"]


class HasEndpoints(Protocol):
    @property
    def endpoints(self) -> Mapping[str, Sequence[Endpoint]]: ...


@dataclass(frozen=True)
class Aimed:
    spec: FaultSpec
    """The spec with every role replaced by the pod it picked."""
    aimed: dict[str, str]
    """Pod -> the role that picked it (recorded with the fault on the timeline)."""


def aim(
    spec: FaultSpec,
    run: HasEndpoints,
    seed: int,
    runtimes: Callable[[str], ServiceRuntime] = runtime_for,
) -> Aimed:
    """``spec`` with its roles resolved now; FaultError when a service cannot say who leads."""
    aimed: dict[str, str] = {}

    def resolve(name: str) -> str:
        if not is_role(name):
            return name
        role = parse_role(name)
        pod = _resolve(role, run, seed, runtimes)
        aimed[pod] = str(role)
        return pod

    params = dict(spec.params)
    for key in spec.info.targets:
        value = params.get(key)
        if isinstance(value, tuple):
            params[key] = tuple(resolve(v) for v in value)
            if len(set(params[key])) < len(value):
                shown = spec.describe(aimed)
                raise FaultError(f"{shown}: two targets are the same pod now; name each pod once")
        elif isinstance(value, str):
            params[key] = resolve(value)
    return Aimed(FaultSpec(spec.kind, params), aimed)


def _resolve(role: Role, run: HasEndpoints, seed: int, runtimes: Callable[[str], ServiceRuntime]) -> str:
    endpoints = run.endpoints.get(role.service)
    if not endpoints:
        raise FaultError(f"{role}: the run has no service {role.service!r}")
    pods = [f"{role.service}-{ep.replica}" for ep in endpoints]
    try:
        leader = runtimes(endpoints[0].kind).leader(endpoints, role.params)
    except (ProbeFailed, OSError) as exc:
        raise FaultError(f"{role}: cannot tell who leads: {exc}") from None
    if leader not in pods:
        raise FaultError(
            f"{role}: the service names {leader!r} as leader, not one of its pods ({', '.join(pods)})"
        )
    return leader if role.leads else pick_follower(role, leader, pods, seed)


def pick_follower(role: Role, leader: str, pods: Sequence[str], seed: int) -> str:
    """One of the pods that do not lead, chosen by the run's seed (and the role, so two roles differ)."""
    followers = sorted(p for p in pods if p != leader)
    if not followers:
        raise FaultError(f"{role}: {leader} is the only pod, so there is no follower")
    return random.Random(f"xmux-sim:{seed}:{role}").choice(followers)
