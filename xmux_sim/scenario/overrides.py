"""A scenario's changes to its stack: a new :class:`Stack`, the loaded one untouched.

The stack model is frozen, so each change is a ``dataclasses.replace``; the rules are
the stack file's own (replica limits, config keys and types, flavours, BGP timers),
reported at the override's line in the scenario file.
"""

from __future__ import annotations

from dataclasses import replace

from xmux_sim.params import ParamError
from xmux_sim.scenario.model import Overrides, ServiceOverride
from xmux_sim.topology.kinds import KINDS
from xmux_sim.topology.model import Service, Stack
from xmux_sim.topology.stackfile import check_bgp, crowded_node

__all__ = ["apply_overrides"]


def apply_overrides(stack: Stack, overrides: Overrides, source: str) -> Stack:
    if not overrides.services and not overrides.bgp:
        return stack
    services = dict(stack.services)
    for change in overrides.services:
        svc = services.get(change.service)
        if svc is None:
            known = ", ".join(services)
            raise change.error(
                source, f"no service {change.service!r} in stack {stack.name!r}; services: {known}"
            )
        services[svc.name] = _service(svc, change, stack, source)
    bgp = replace(stack.network.bgp, **overrides.bgp)
    try:
        check_bgp(bgp)
    except ParamError as exc:
        key = "network.bgp." + ("keepalive" if "keepalive" in overrides.bgp else "hold")
        raise overrides.error(source, exc.message, key) from None
    crowded = crowded_node(services.values(), stack.nodes)
    if crowded is not None:
        raise overrides.error(source, f"{crowded[0]}: {crowded[1]}", "services")
    return replace(stack, services=services, network=replace(stack.network, bgp=bgp))


def _service(svc: Service, change: ServiceOverride, stack: Stack, source: str) -> Service:
    kind = KINDS[svc.kind]
    replicas = svc.replicas if change.replicas is None else change.replicas
    if replicas > kind.max_replicas:
        raise change.error(
            source, f"{svc.kind} runs at most {kind.max_replicas} replica(s) today", "replicas"
        )
    nodes = [n.name for n in stack.nodes]
    placement = svc.placement
    if change.placement is not None:
        if len(change.placement) != replicas:
            raise change.error(source, f"expected {replicas} node name(s), one per replica", "placement")
        for i, node in enumerate(change.placement):
            if node not in nodes:
                raise change.error(
                    source, f"unknown node {node!r}; nodes are: {', '.join(nodes)}", f"placement[{i}]"
                )
        placement = change.placement
    elif replicas != svc.replicas:
        # Spread again from the service's first node, as the stack file spreads replicas.
        first = nodes.index(svc.placement[0])
        placement = tuple(nodes[(first + i) % len(nodes)] for i in range(replicas))
    # The stack's own settings stay; the override's are read over them, then the kind's rules
    # (sync_quorum against replicas, ...) are checked on the result.
    try:
        config = kind.settings(change.config, replicas, base=svc.config)
    except ParamError as exc:
        raise change.error(source, exc.message, f"config.{exc.param}" if exc.param else "config") from None
    flavour = svc.flavour
    if change.flavour is not None:
        if change.flavour not in kind.flavours:
            options = ", ".join(kind.flavours) or f"none ({svc.kind} has no flavours)"
            raise change.error(source, f"{change.flavour!r} is not one of: {options}", "flavour")
        flavour = change.flavour
    image = svc.image if change.image is None else change.image
    return replace(svc, replicas=replicas, placement=placement, config=config, flavour=flavour, image=image)
