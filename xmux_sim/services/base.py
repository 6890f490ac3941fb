"""The contract between the provider and a service kind.

The provider owns containers; a service runtime says what goes into them (environment,
files, data directory) and how to tell, over a real connection from the host, that the
service serves. Nothing here imports Docker.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from ipaddress import IPv4Address
from typing import Any, ClassVar

from xmux_sim.topology.kinds import KINDS, KindInfo
from xmux_sim.topology.model import Node, Service, Stack


class ProbeFailed(Exception):
    """The service does not (yet) answer as a healthy one would."""


ToolRun = Callable[[str, Sequence[str], Mapping[str, bytes]], tuple[int, str]]
"""Runs a command in one of the catalogue's images (by name) with files (path -> content) in
place, and returns its exit code and output: how a check runs the service's own program."""


@dataclass(frozen=True)
class PodPlan:
    """One replica of a service, placed on a node, with its fixed pod IP."""

    service: Service
    replica: int
    node: Node
    ip: IPv4Address

    @property
    def name(self) -> str:
        return f"{self.service.name}-{self.replica}"


@dataclass(frozen=True)
class StackPlan:
    """Every pod of a stack with its address, decided before anything starts."""

    stack: Stack
    pods: tuple[PodPlan, ...]
    credentials: Mapping[str, Mapping[str, str]] = field(default_factory=dict, compare=False)
    """Service name -> its per-run credentials (filled by the provider before pods start)."""

    @classmethod
    def of(cls, stack: Stack) -> StackPlan:
        slots: dict[str, int] = {}
        pods = []
        for svc in stack.services.values():
            for replica, node_name in enumerate(svc.placement):
                node = stack.node(node_name)
                slot = slots.get(node_name, 0)
                slots[node_name] = slot + 1
                pods.append(PodPlan(service=svc, replica=replica, node=node, ip=node.pod_ip(slot)))
        return cls(stack=stack, pods=tuple(pods))

    def pods_of(self, service: str) -> list[PodPlan]:
        return [p for p in self.pods if p.service.name == service]


@dataclass
class Endpoint:
    """How the host reaches one pod: 127.0.0.1 and the published port of each named port."""

    service: str
    replica: int
    kind: str
    ports: dict[str, int]
    pod_ip: str
    credentials: dict[str, str] = field(default_factory=dict)
    host: str = "127.0.0.1"

    def port(self, name: str) -> int:
        try:
            return self.ports[name]
        except KeyError:
            raise ProbeFailed(f"{self.service}: port {name!r} is not published") from None

    def address(self, name: str) -> str:
        return f"{self.host}:{self.port(name)}"


class ServiceRuntime:
    """Defaults for a kind; subclasses override what their program needs.

    A kind's declaration (:data:`~xmux_sim.topology.kinds.KINDS`) names its runtime class,
    which :func:`~xmux_sim.services.runtime_for` makes for the kind.
    """

    data_dir: ClassVar[str | None] = None
    startup_timeout: ClassVar[float] = 60.0

    def __init__(self, kind: str) -> None:
        self.kind = kind

    @property
    def info(self) -> KindInfo:
        return KINDS[self.kind]

    def credentials(self, service: Service) -> dict[str, str]:
        return {}

    def preflight(self, service: Service, stack: Stack, tool: ToolRun) -> None:
        """Checks only the service's own program can make, before anything starts (StackFileError)."""

    def image_name(self, service: Service) -> str:
        """The image folder this service runs (per flavour where the kind has several)."""
        return self.info.image

    def environment(self, pod: PodPlan, credentials: Mapping[str, str], plan: StackPlan) -> dict[str, str]:
        return {}

    def files(self, pod: PodPlan, credentials: Mapping[str, str], plan: StackPlan) -> dict[str, bytes]:
        """Files written into the app container before it starts (path -> content)."""
        return {}

    def command(self, pod: PodPlan) -> list[str] | None:
        return None

    def probe(self, ep: Endpoint) -> None:
        """Raise ProbeFailed unless a real round trip to the service succeeds."""
        raise NotImplementedError

    def replication(self, ep: Endpoint, params: Mapping[str, Any]) -> tuple[int, str]:
        """(replicas in sync, a line saying which), asked of ``ep``; for the ``replication`` probe."""
        raise ProbeFailed(f"{self.kind}: no replication state to report")

    def leader(self, endpoints: Sequence[Endpoint], params: Mapping[str, str]) -> str:
        """The pod that leads now, as the service itself says (for role targets); ProbeFailed when
        it cannot tell. ``params``: what the kind's ``Leadership`` asks for (NATS: the stream)."""
        raise ProbeFailed(f"{self.kind}: no leader to tell")

    def after_ready(self, ep: Endpoint, service: Service) -> None:
        """One-off set-up once the first replica serves (buckets, databases)."""

    def describe(self, ep: Endpoint, service: Service) -> dict[str, Any]:
        """The fields of this service in ``status --json`` besides state, image and flavour."""
        return {"url": f"http://{ep.address(self.info.published[0])}"}


def new_secret() -> str:
    # URL-safe so it can sit in connection strings without quoting.
    return secrets.token_urlsafe(18)
