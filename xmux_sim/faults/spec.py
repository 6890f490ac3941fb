"""What a fault is, as data: its kind and its parameters, validated before anything runs.

The same table serves the CLI (`xmux-sim fault KIND key=value ...`), scenario files
(a fault entry's keys) and the fault ledger (a spec is stored on a marker container so
another process can heal it). Checking a spec against a stack (does node-4 exist?) is
separate from parsing it, so a scenario file can be validated before a stack is up.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from xmux_sim.topology.model import Stack

POD = re.compile(r"^(?P<service>[a-z][a-z0-9-]*?)-(?P<replica>\d+)$")
RATE = re.compile(r"^\d+(\.\d+)?(bit|kbit|mbit|gbit|bps|kbps|mbps|gbps)$")
NODE_MODES = ("link", "bgp", "power")
DIRECTIONS = ("both", "one")


class FaultSpecError(ValueError):
    """A bad parameter: ``param`` names it (None: the fault as a whole) so callers can locate it."""

    def __init__(self, param: str | None, message: str) -> None:
        super().__init__(f"{param}: {message}" if param else message)
        self.param = param
        self.message = message


Convert = Callable[[object], object]


def _text(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"expected a name, got {value!r}")
    return value


def _pod(value: object) -> str:
    text = _text(value)
    if not POD.match(text):
        raise ValueError(f"expected a pod as SERVICE-REPLICA (for example postgres-0), got {text!r}")
    return text


def _names(value: object) -> tuple[str, ...]:
    # "node-1,node-2" on the command line, a YAML list in a scenario file.
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not items:
        raise ValueError(f"expected a list of node or pod names, got {value!r}")
    return tuple(_text(str(i).strip()) for i in items)


def _number(minimum: float, maximum: float | None = None) -> Convert:
    def convert(value: object) -> float:
        if isinstance(value, str):
            try:
                value = float(value.removesuffix("ms").removesuffix("%"))
            except ValueError:
                raise ValueError(f"expected a number, got {value!r}") from None
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ValueError(f"expected a number, got {value!r}")
        if value < minimum or (maximum is not None and value > maximum):
            bound = f"between {minimum:g} and {maximum:g}" if maximum is not None else f">= {minimum:g}"
            raise ValueError(f"{value:g} is out of range; expected {bound}")
        return float(value)

    return convert


def _choice(options: tuple[str, ...]) -> Convert:
    def convert(value: object) -> str:
        if value not in options:
            raise ValueError(f"{value!r} is not one of: {', '.join(options)}")
        return str(value)

    return convert


def _bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "yes", "1", "false", "no", "0"):
        return value.lower() in ("true", "yes", "1")
    raise ValueError(f"expected true or false, got {value!r}")


def _rate(value: object) -> str:
    text = _text(value).lower()
    if not RATE.match(text):
        raise ValueError(f"expected a tc rate such as 1mbit or 500kbit, got {value!r}")
    return text


@dataclass(frozen=True)
class Param:
    name: str
    convert: Convert
    help: str
    default: object = None
    required: bool = False


@dataclass(frozen=True)
class KindInfo:
    name: str
    help: str
    params: tuple[Param, ...]
    # Exactly one of these parameters must be given (a fault aims at a node or at a pod).
    one_of: tuple[str, ...] = ()

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


_POD_PARAM = Param("pod", _pod, "the pod, as SERVICE-REPLICA (postgres-0)", required=True)
_LATENCY = (
    Param("ms", _number(0, 60_000), "added delay per direction, milliseconds", default=0.0),
    Param("jitter", _number(0, 60_000), "random +/- spread of the delay, milliseconds", default=0.0),
    Param("service", _text, "every replica of this service"),
    Param("pod", _pod, "one pod (SERVICE-REPLICA)"),
    Param(
        "reset",
        _bool,
        "break the connections open at inject, so pooled clients reconnect through the proxy",
        default=True,
    ),
)

KINDS: dict[str, KindInfo] = {
    k.name: k
    for k in (
        KindInfo("kill", "SIGKILL the pod's app; heal restarts it", (_POD_PARAM,)),
        KindInfo("stop", "stop the pod's app gracefully; heal starts it", (_POD_PARAM,)),
        KindInfo("start", "start a stopped pod's app (heal does nothing)", (_POD_PARAM,)),
        KindInfo("pause", "freeze the pod's app (SIGSTOP-like); heal unpauses", (_POD_PARAM,)),
        KindInfo("unpause", "unfreeze a paused pod's app (heal does nothing)", (_POD_PARAM,)),
        KindInfo(
            "drop-node",
            "take a node out: link = router loses the underlay, bgp = BGP daemon frozen while the data "
            "path stays up, power = every container of the node stops",
            (
                Param("node", _text, "the node", required=True),
                Param("mode", _choice(NODE_MODES), "link | bgp | power", default="link"),
            ),
        ),
        KindInfo(
            "partition",
            "drop traffic between two sets of nodes or pods",
            (
                Param("a", _names, "one side: node or pod names", required=True),
                Param("b", _names, "the other side: node or pod names", required=True),
                Param("direction", _choice(DIRECTIONS), "both, or one (only a -> b is dropped)", "both"),
            ),
        ),
        KindInfo("latency", "delay traffic to a service through Toxiproxy", _LATENCY, ("service", "pod")),
        KindInfo("jitter", "like latency, with jitter required", _LATENCY, ("service", "pod")),
        KindInfo(
            "loss",
            "drop a share of packets at random (iptables statistic)",
            (
                Param("percent", _number(0, 100), "share of packets dropped", required=True),
                Param("node", _text, "every packet routed to or from this node"),
                Param("pod", _pod, "every packet to or from this pod"),
            ),
            ("node", "pod"),
        ),
        KindInfo(
            "bandwidth",
            "limit a node's link (tbf on its router, both directions)",
            (
                Param("node", _text, "the node", required=True),
                Param("rate", _rate, "tc rate: 1mbit, 500kbit, ...", required=True),
            ),
        ),
        KindInfo(
            "wipe-volume", "replace the pod's data with an empty volume; the pod restarts", (_POD_PARAM,)
        ),
    )
}


@dataclass(frozen=True)
class FaultSpec:
    kind: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, kind: str, raw: Mapping[str, object]) -> FaultSpec:
        """Validate and normalise; raises FaultSpecError naming the bad parameter."""
        info = KINDS.get(kind)
        if info is None:
            raise FaultSpecError("kind", f"unknown fault kind {kind!r}; expected one of: {', '.join(KINDS)}")
        params: dict[str, Any] = {}
        for key, value in raw.items():
            param = info.param(key)
            if param is None:
                names = ", ".join(p.name for p in info.params)
                raise FaultSpecError(key, f"{kind} takes no {key!r}; it takes: {names}")
            try:
                params[key] = param.convert(value)
            except ValueError as exc:
                raise FaultSpecError(key, str(exc)) from None
        for param in info.params:
            if param.name not in params:
                if param.required:
                    raise FaultSpecError(param.name, f"missing; {kind} needs it ({param.help})")
                if param.default is not None:
                    params[param.name] = param.default
        if info.one_of:
            given = [k for k in info.one_of if k in raw]
            if len(given) != 1:
                raise FaultSpecError(None, f"{kind} needs exactly one of: {', '.join(info.one_of)}")
        if kind == "jitter" and not params.get("jitter"):
            raise FaultSpecError("jitter", "missing; a jitter fault needs jitter > 0 (milliseconds)")
        if kind == "latency" and not (params.get("ms") or params.get("jitter")):
            raise FaultSpecError("ms", "missing; a latency fault needs ms > 0 (milliseconds)")
        return cls(kind, params)

    @classmethod
    def from_args(cls, kind: str, args: Iterable[str]) -> FaultSpec:
        """CLI form: `node=node-2 mode=link`; a bare first word is the kind's main target."""
        raw: dict[str, object] = {}
        info = KINDS.get(kind)
        for i, arg in enumerate(args):
            if "=" in arg:
                key, _, value = arg.partition("=")
                raw[key.strip()] = value.strip()
            elif i == 0 and info is not None and info.params:
                raw[_main_param(info)] = arg
            else:
                raise FaultSpecError(None, f"expected KEY=VALUE, got {arg!r}")
        return cls.parse(kind, raw)

    def check(self, stack: Stack) -> None:
        """Do the named nodes and pods exist in this stack? Raises FaultSpecError."""
        nodes = {n.name for n in stack.nodes}
        for key, value in self.params.items():
            if key == "node":
                _check_node(key, str(value), nodes, stack)
            elif key == "pod":
                _check_pod(key, str(value), stack)
            elif key == "service" and value not in stack.services:
                raise FaultSpecError(key, f"no service {value!r}; services: {', '.join(stack.services)}")
            elif key in ("a", "b"):
                for name in value:
                    if name in nodes:
                        _check_node(key, name, nodes, stack)
                    else:
                        _check_pod(key, name, stack, also="node")
        if self.kind == "partition" and set(self.params["a"]) & set(self.params["b"]):
            raise FaultSpecError("b", "the two sides of a partition overlap")
        node_fault = self.kind in ("drop-node", "bandwidth") or (
            self.kind == "loss" and "node" in self.params
        )
        if node_fault and not stack.routed:
            raise FaultSpecError("node", f"{self.kind} needs a stack with two or more nodes (routers)")

    def describe(self) -> str:
        args = " ".join(f"{k}={_show(v)}" for k, v in self.params.items())
        return f"{self.kind} {args}".strip()

    def to_json(self) -> str:
        return json.dumps({"kind": self.kind, "params": dict(self.params)}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> FaultSpec:
        data = json.loads(text)
        params = {k: tuple(v) if isinstance(v, list) else v for k, v in data["params"].items()}
        return cls(data["kind"], params)


def _main_param(info: KindInfo) -> str:
    required = [p.name for p in info.params if p.required]
    return required[0] if required else (info.one_of[0] if info.one_of else info.params[0].name)


def _show(value: object) -> str:
    if isinstance(value, tuple):
        return ",".join(value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _check_node(key: str, name: str, nodes: set[str], stack: Stack) -> None:
    if name not in nodes:
        raise FaultSpecError(key, f"no node {name!r}; nodes: {', '.join(n.name for n in stack.nodes)}")


def _check_pod(key: str, name: str, stack: Stack, also: str | None = None) -> None:
    m = POD.match(name)
    svc = stack.services.get(m["service"]) if m else None
    if m is None or svc is None or int(m["replica"]) >= svc.replicas:
        pods = [f"{s.name}-{i}" for s in stack.services.values() for i in range(s.replicas)]
        what = f"{also} or pod" if also else "pod"
        raise FaultSpecError(key, f"no {what} {name!r}; pods: {', '.join(pods)}")
