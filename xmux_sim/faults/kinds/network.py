"""Faults of the network between pods and nodes: cut, lossy, or slow."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from xmux_sim.faults.kind import FaultKind, FaultSpecError
from xmux_sim.faults.role import POD_TARGET
from xmux_sim.params import BOOL, NAMES, NODE, SERVICE, Param, choice, quantity


def _sides_apart(params: Mapping[str, Any]) -> None:
    if set(params["a"]) & set(params["b"]):
        raise FaultSpecError("b", "the two sides of a partition overlap")


PARTITION = FaultKind(
    "partition",
    "drop traffic between two sets of nodes or pods",
    (
        Param("a", NAMES, "one side: node or pod names", required=True),
        Param("b", NAMES, "the other side: node or pod names", required=True),
        Param("direction", choice("both", "one"), "both, or one (only a -> b is dropped)", "both"),
    ),
    validate=_sides_apart,
)

LOSS = FaultKind(
    "loss",
    "drop a share of packets at random (iptables statistic)",
    (
        Param("percent", quantity(0, 100), "share of packets dropped", required=True),
        Param("node", NODE, "every packet routed to or from this node"),
        Param("pod", POD_TARGET, "every packet to or from this pod (or the one a role picks)"),
    ),
    one_of=("node", "pod"),
)

_DELAY = (
    Param("ms", quantity(0, 60_000), "added delay per direction, milliseconds", default=0.0),
    Param("jitter", quantity(0, 60_000), "random +/- spread of the delay, milliseconds", default=0.0),
    Param("service", SERVICE, "every replica of this service"),
    Param("pod", POD_TARGET, "one pod (SERVICE-REPLICA, or a role)"),
    Param(
        "reset",
        BOOL,
        "break the connections open at inject, so pooled clients reconnect through the proxy",
        default=True,
    ),
)


def _some_delay(params: Mapping[str, Any]) -> None:
    if not (params.get("ms") or params.get("jitter")):
        raise FaultSpecError("ms", "missing; a latency fault needs ms > 0 (milliseconds)")


def _some_jitter(params: Mapping[str, Any]) -> None:
    if not params.get("jitter"):
        raise FaultSpecError("jitter", "missing; a jitter fault needs jitter > 0 (milliseconds)")


# Both are one proxy in front of the same pods: they hold the same target.
LATENCY = FaultKind(
    "latency",
    "delay traffic to a service through Toxiproxy",
    _DELAY,
    one_of=("service", "pod"),
    holds="latency",
    validate=_some_delay,
)
JITTER = FaultKind(
    "jitter",
    "like latency, with jitter required",
    _DELAY,
    one_of=("service", "pod"),
    holds="latency",
    validate=_some_jitter,
)
