"""What a fault is, as data: its kind and its parameters, validated before anything runs.

The same spec serves the CLI (`xmux-sim fault KIND key=value ...`), scenario files
(a fault entry's keys) and the fault ledger (a spec is stored with the run so another
process can heal it). Its rules come from the kind's declaration
(:mod:`xmux_sim.faults.kind`). Checking a spec against a stack (does node-4 exist?) is
separate from parsing it, so a scenario file can be validated before a stack is up.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from xmux_sim.faults.kind import FAULT_KINDS, FaultKind, FaultSpecError
from xmux_sim.faults.role import check_role, is_role, parse_role
from xmux_sim.params import POD_NAME
from xmux_sim.topology.model import Stack

__all__ = ["FaultSpec", "FaultSpecError"]


@dataclass(frozen=True)
class FaultSpec:
    kind: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, kind: str, raw: Mapping[str, object]) -> FaultSpec:
        """Validate and normalise; raises FaultSpecError naming the bad parameter."""
        info = FAULT_KINDS.get(kind)
        if info is None:
            raise FaultSpecError("kind", FAULT_KINDS.unknown(kind))
        params: dict[str, Any] = {}
        for key, value in raw.items():
            param = info.param(key)
            if param is None:
                names = ", ".join(p.name for p in info.params)
                raise FaultSpecError(key, f"{kind} takes no {key!r}; it takes: {names}")
            try:
                params[key] = param.read(value)
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
        if info.validate is not None:
            info.validate(params)
        return cls(kind, params)

    @classmethod
    def from_args(cls, kind: str, args: Iterable[str]) -> FaultSpec:
        """CLI form: `node=node-2 mode=link`; a bare first word is the kind's main target.

        Each value is read as its parameter's type reads command-line text, so `ms=200` is
        the number a file's `ms: 200` is; a parameter given twice is an error, not a last-wins.
        """
        raw: dict[str, object] = {}
        info = FAULT_KINDS.get(kind)
        if info is None:
            raise FaultSpecError("kind", FAULT_KINDS.unknown(kind))
        for i, arg in enumerate(args):
            # A bare role keeps its own '=' (`leader-of(nats, stream=S)`): it is no KEY=VALUE.
            if "=" in arg and not is_role(arg.partition("=")[0]):
                key, _, value = arg.partition("=")
                key = key.strip()
            elif i == 0 and info.params:
                key, value = info.main_param, arg
            else:
                raise FaultSpecError(None, f"expected KEY=VALUE, got {arg!r}")
            if key in raw:
                raise FaultSpecError(key, "given twice; give each parameter once")
            param = info.param(key)
            raw[key] = value.strip() if param is None else param.type.from_text(value.strip())
        return cls.parse(kind, raw)

    @property
    def info(self) -> FaultKind:
        return FAULT_KINDS[self.kind]

    @property
    def instant(self) -> bool:
        return self.info.instant

    @property
    def target_key(self) -> tuple[str, ...] | None:
        """What the fault holds while active (see `FaultKind.target_key`)."""
        return self.info.target_key(self.params)

    def check(self, stack: Stack) -> None:
        """Do the named nodes, pods and services exist in this stack? Raises FaultSpecError."""
        nodes = {n.name for n in stack.nodes}
        info = self.info
        for key, value in self.params.items():
            param = info.param(key)
            target = param.type.target if param is not None else None
            if target in ("node", "nodes"):
                for name in target_names(value):
                    _check_node(key, name, nodes, stack)
                if not stack.routed:
                    raise FaultSpecError(key, f"{self.kind} needs a stack with two or more nodes (routers)")
            elif target in ("pod", "pods"):
                for name in target_names(value):
                    _check_pod_or_role(key, name, stack)
            elif target == "service" and value not in stack.services:
                raise FaultSpecError(key, f"no service {value!r}; services: {', '.join(stack.services)}")
            elif target == "node or pod":
                for name in value:
                    if name in nodes:
                        _check_node(key, name, nodes, stack)
                    else:
                        _check_pod(key, name, stack, also="node")

    def each_target(self) -> list[FaultSpec]:
        """A fault on several targets (``nodes: [...]``) as one spec per target; else just itself."""
        for many, one in self.info.each:
            if many in self.params:
                rest = {k: v for k, v in self.params.items() if k != many}
                return [FaultSpec(self.kind, {one: target, **rest}) for target in self.params[many]]
        return [self]

    @property
    def roles(self) -> list[str]:
        """The role targets of this spec (``leader-of(nats, stream=S)``), resolved at injection."""
        info = self.info
        found: list[str] = []
        for key, value in self.params.items():
            param = info.param(key)
            if param is not None and param.type.target in ("pod", "pods"):
                found += [v for v in target_names(value) if is_role(v)]
        return found

    def describe(self, aimed: Mapping[str, str] | None = None) -> str:
        """``kind key=value ...``; ``aimed`` (pod -> the role that chose it) shows ``role -> pod``."""
        shown = aimed or {}
        args = " ".join(f"{k}={_show(v, shown)}" for k, v in self.params.items())
        return f"{self.kind} {args}".strip()

    def to_json(self) -> str:
        return json.dumps({"kind": self.kind, "params": dict(self.params)}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> FaultSpec:
        data = json.loads(text)
        params = {k: tuple(v) if isinstance(v, list) else v for k, v in data["params"].items()}
        return cls(data["kind"], params)


def target_names(value: object) -> tuple[str, ...]:
    """The names a target parameter holds: a list parameter's (``nodes``, ``pods``), or its one."""
    return tuple(str(v) for v in value) if isinstance(value, tuple) else (str(value),)


def _show(value: object, aimed: Mapping[str, str]) -> str:
    if isinstance(value, tuple):
        return ",".join(_aimed(v, aimed) for v in value)
    if isinstance(value, str):
        return _aimed(value, aimed)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _aimed(name: str, aimed: Mapping[str, str]) -> str:
    return f"{aimed[name]} -> {name}" if name in aimed else name


def _check_pod_or_role(key: str, name: str, stack: Stack) -> None:
    if is_role(name):
        check_role(key, parse_role(name), stack)
    else:
        _check_pod(key, name, stack)


def _check_node(key: str, name: str, nodes: set[str], stack: Stack) -> None:
    if name not in nodes:
        raise FaultSpecError(key, f"no node {name!r}; nodes: {', '.join(n.name for n in stack.nodes)}")


def _check_pod(key: str, name: str, stack: Stack, also: str | None = None) -> None:
    m = POD_NAME.fullmatch(name)
    svc = stack.services.get(m["service"]) if m else None
    if m is None or svc is None or int(m["replica"]) >= svc.replicas:
        pods = [f"{s.name}-{i}" for s in stack.services.values() for i in range(s.replicas)]
        what = f"{also} or pod" if also else "pod"
        raise FaultSpecError(key, f"no {what} {name!r}; pods: {', '.join(pods)}")
