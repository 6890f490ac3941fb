"""The stack model: what a stack file means once validated.

Plain frozen data; nothing here knows about Docker, so the same model can be realised
by another provider later.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from typing import Any

from xmux_sim.topology.alerts import AlertSettings

POD_OFFSET = 10
"""Pods of a node take its CIDR's addresses from .10 on (.1 is the host's bridge, .2 the router)."""
ROUTER_OFFSET = 10
"""Routers take the underlay's addresses from .10 + the node's index on: .1 is the Docker bridge
(the host), and the spare addresses below leave room for helpers such as a traffic generator."""


@dataclass(frozen=True)
class BgpSettings:
    """Kube-Router's defaults are asn 64512 and hold 90 s; stacks usually shorten the timers."""

    asn: int = 64512
    hold: float = 90.0
    keepalive: float = 30.0
    connect_retry: float = 5.0
    # BIRD waits this long (min, max seconds) after a session error before retrying:
    # its default (60, 300) kept a healed node out for about a minute in our measurements.
    error_wait: tuple[float, float] = (60.0, 300.0)


@dataclass(frozen=True)
class NetworkSettings:
    supernet: IPv4Network = field(default_factory=lambda: IPv4Network("198.18.0.0/15"))
    underlay: IPv4Network = field(default_factory=lambda: IPv4Network("198.19.0.0/24"))
    bgp: BgpSettings = field(default_factory=BgpSettings)
    # What a router does with traffic for a withdrawn node's CIDR: "blackhole" (clients time
    # out, as in the cluster when the VM's gateway has no route for the pod range) or
    # "unreachable" (ICMP host unreachable: clients fail at once). See fabric/bird.py.
    unknown_pods: str = "blackhole"


@dataclass(frozen=True)
class KubernetesSettings:
    """Where the kind provider puts a real cluster: every range inside the supernet, apart
    from the docker provider's defaults (node CIDRs 198.18.1-3.0/24, underlay 198.19.0.0/24),
    so a kind run and a docker run can be up on one engine at the same time."""

    node_network: IPv4Network = field(default_factory=lambda: IPv4Network("198.19.240.0/24"))
    """The Docker network of the node containers (kind's "kind" network)."""
    pod_cidr: IPv4Network = field(default_factory=lambda: IPv4Network("198.18.240.0/21"))
    """The cluster's pod range: its first /24 is the control plane's, node N's the N-th."""
    service_cidr: IPv4Network = field(default_factory=lambda: IPv4Network("198.19.248.0/24"))
    storage: str = "local"
    """local (a host-path class on one node) or longhorn (needs iSCSI in the kernel)."""


PROVIDERS = ("docker", "kind")
"""What a stack file's ``provider`` may name (the packages of xmux_sim.providers)."""


@dataclass(frozen=True)
class Node:
    """A failure domain: in production a VM, here a bridge network (and later a router)."""

    name: str
    index: int
    cidr: IPv4Network

    @property
    def gateway(self) -> IPv4Address:
        """The address Docker's bridge takes on the host side of the node network."""
        return self.cidr.network_address + 1

    @property
    def router_ip(self) -> IPv4Address:
        """The node router's leg on the node network, fixed so pods can route through it."""
        return self.cidr.network_address + 2

    def pod_ip(self, slot: int) -> IPv4Address:
        return self.cidr.network_address + POD_OFFSET + slot

    @property
    def pod_capacity(self) -> int:
        """How many pods the node's CIDR holds (below its broadcast address)."""
        return self.cidr.num_addresses - POD_OFFSET - 1


@dataclass(frozen=True)
class Build:
    """An image the stack builds itself (docker compose's ``build``)."""

    context: Path
    """The build context, an existing directory (resolved against the stack file's folder)."""
    dockerfile: str = "Dockerfile"
    """Relative to the context."""
    args: Mapping[str, str] = field(default_factory=dict)
    """Build arguments; a value naming one of our images (``xmux-sim/xmus``) is its current tag."""


@dataclass(frozen=True)
class Service:
    name: str
    kind: str
    replicas: int
    placement: tuple[str, ...]
    """Node of each replica, in replica order."""
    publish: Mapping[str, int]
    """Port name -> host port on 127.0.0.1 (0 = any free port)."""
    config: Mapping[str, Any]
    image: str | None = None
    """An image to run instead of the kind's own (for example the official ``mongo``)."""
    flavour: str | None = None
    build: Build | None = None
    """Build the image to run from a directory instead (set ``image`` once it is built)."""
    command: tuple[str, ...] | None = None
    """Replaces the image's entrypoint (Kubernetes' ``command``)."""
    args: tuple[str, ...] | None = None
    """Replaces the image's command, or the kind's own (Kubernetes' ``args``)."""
    files: Mapping[str, bytes] = field(default_factory=dict)
    """Files written into the app container before it starts: path -> content (config files)."""
    durability: str = "host"
    """``host``: the data volume is a plain volume (the host's page cache outlives a power cut);
    ``lazy``: through the lazy FUSE layer, so a power cut loses what the program did not fsync."""


@dataclass(frozen=True)
class Stack:
    name: str
    nodes: tuple[Node, ...]
    services: Mapping[str, Service]
    network: NetworkSettings = field(default_factory=NetworkSettings)
    source: Path | None = None
    alerts: AlertSettings = field(default_factory=AlertSettings)
    """The rules Prometheus evaluates and Alertmanager's timers (used when the stack has them)."""
    provider: str = "docker"
    """The provider `up` uses when none is named on the command line."""
    kubernetes: KubernetesSettings = field(default_factory=KubernetesSettings)

    @property
    def routed(self) -> bool:
        """Whether nodes route to each other through BGP routers; one node needs none."""
        return len(self.nodes) > 1

    def node(self, name: str) -> Node:
        for node in self.nodes:
            if node.name == name:
                return node
        raise KeyError(name)

    def service(self, name: str) -> Service:
        return self.services[name]
