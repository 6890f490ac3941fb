"""Stack files (YAML) -> a validated :class:`Stack`.

A wrong file raises :class:`StackFileError` naming file, line and field before anything
is started.
"""

from __future__ import annotations

import re
from importlib import resources
from ipaddress import IPv4Network
from pathlib import Path
from typing import Any

from xmux_sim.topology import overrides
from xmux_sim.topology.kinds import KINDS
from xmux_sim.topology.model import BgpSettings, NetworkSettings, Node, Service, Stack
from xmux_sim.topology.yamldoc import KeyPath, Reader, YamlDoc

NAME = re.compile(r"^[a-z][a-z0-9-]{0,30}$")
DEFAULT_STACK = "xmux"


def default_stack_path() -> Path:
    return Path(str(resources.files("xmux_sim.stacks").joinpath(f"{DEFAULT_STACK}.yaml")))


def load_stack(path: str | Path | None = None) -> Stack:
    """Load a stack file; ``None`` means the embedded default stack."""
    source = Path(path) if path is not None else default_stack_path()
    return build_stack(YamlDoc.load(source), source)


def parse_stack(text: str, source: str = "<stack>") -> Stack:
    return build_stack(YamlDoc.parse(text, source), None)


def build_stack(doc: YamlDoc, source: Path | None) -> Stack:
    r = Reader(doc)
    r.mapping((), allowed=("name", "network", "nodes", "services"), required=("name", "services"))
    name = r.string(("name",))
    if not NAME.match(name):
        raise doc.error(("name",), "expected lower-case letters, digits and '-', starting with a letter")
    network = _network(r)
    nodes = _nodes(r, network)
    # Paths in the file (build contexts, files) are relative to its folder.
    folder = source.resolve().parent if source is not None else Path.cwd()
    services = _services(r, nodes, folder)
    return Stack(name=name, nodes=nodes, services=services, network=network, source=source)


def _network(r: Reader) -> NetworkSettings:
    base: tuple[str, ...] = ("network",)
    r.mapping(base, allowed=("supernet", "underlay", "bgp", "unknown_pods"), optional=True)
    defaults = NetworkSettings()
    supernet = _cidr(r, (*base, "supernet"), defaults.supernet)
    underlay = _cidr(r, (*base, "underlay"), defaults.underlay)
    b = (*base, "bgp")
    r.mapping(b, allowed=("asn", "hold", "keepalive", "connect_retry", "error_wait"), optional=True)
    bd = BgpSettings()
    hold = r.number((*b, "hold"), bd.hold, minimum=3)
    keepalive = r.number((*b, "keepalive"), bd.keepalive, minimum=1)
    if keepalive >= hold:
        raise r.doc.error((*b, "keepalive"), f"keepalive {keepalive:g} must be shorter than hold {hold:g}")
    wait = r.sequence((*b, "error_wait")) or list(bd.error_wait)
    if len(wait) != 2 or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in wait):
        raise r.doc.error((*b, "error_wait"), "expected [min, max] seconds, e.g. [1, 5]")
    if not 0 < wait[0] <= wait[1]:
        raise r.doc.error((*b, "error_wait"), "expected 0 < min <= max")
    bgp = BgpSettings(
        asn=r.integer((*b, "asn"), bd.asn, minimum=1, maximum=4294967295),
        hold=hold,
        keepalive=keepalive,
        connect_retry=r.number((*b, "connect_retry"), bd.connect_retry, minimum=1),
        error_wait=(float(wait[0]), float(wait[1])),
    )
    unknown_pods = r.string(
        (*base, "unknown_pods"), defaults.unknown_pods, choices=("blackhole", "unreachable")
    )
    return NetworkSettings(supernet=supernet, underlay=underlay, bgp=bgp, unknown_pods=unknown_pods)


def _cidr(r: Reader, path: KeyPath, default: IPv4Network) -> IPv4Network:
    if not r.has(path):
        return default
    text = r.string(path)
    try:
        return IPv4Network(text)
    except ValueError as exc:
        raise r.doc.error(path, f"expected an IPv4 network like 198.18.0.0/15 ({exc})") from None


def _nodes(r: Reader, network: NetworkSettings) -> tuple[Node, ...]:
    entries = r.sequence(("nodes",)) or ["node-1"]
    nodes: list[Node] = []
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        path: KeyPath = ("nodes", i)
        index = i + 1
        if isinstance(entry, str):
            name, cidr = entry, None
        else:
            r.mapping(path, allowed=("name", "cidr"), required=("name",))
            name = r.string((*path, "name"))
            cidr = _cidr(r, (*path, "cidr"), network.supernet) if r.has((*path, "cidr")) else None
        if not NAME.match(name):
            raise r.doc.error(path, f"node name {name!r}: expected lower-case letters, digits and '-'")
        if name in seen:
            raise r.doc.error(path, f"node {name!r} is declared twice")
        seen.add(name)
        if cidr is None:
            # Node N gets the N-th /24 of the supernet, as Kube-Router hands out pod CIDRs.
            cidr = IPv4Network((int(network.supernet.network_address) + (index << 8), 24))
        if not cidr.subnet_of(network.supernet):
            raise r.doc.error(path, f"pod CIDR {cidr} is outside the supernet {network.supernet}")
        if cidr.overlaps(network.underlay):
            raise r.doc.error(path, f"pod CIDR {cidr} overlaps the underlay {network.underlay}")
        if cidr.num_addresses < 64:
            raise r.doc.error(path, f"pod CIDR {cidr} is too small; expected /26 or larger")
        for other in nodes:
            if cidr.overlaps(other.cidr):
                raise r.doc.error(path, f"pod CIDR {cidr} overlaps {other.name}'s {other.cidr}")
        nodes.append(Node(name=name, index=index, cidr=cidr))
    return tuple(nodes)


SERVICE_FIELDS = (
    "kind",
    "replicas",
    "placement",
    "publish",
    "config",
    "image",
    "build",
    "flavour",
    "command",
    "args",
    "files",
)


def _services(r: Reader, nodes: tuple[Node, ...], folder: Path) -> dict[str, Service]:
    raw = r.raw(("services",))
    if not isinstance(raw, dict) or not raw:
        raise r.doc.error(("services",), "expected a mapping of service name -> settings")
    services: dict[str, Service] = {}
    for offset, name in enumerate(raw):
        base: KeyPath = ("services", name)
        if not NAME.match(name):
            raise r.doc.error(base, "service names are lower-case letters, digits and '-'")
        r.mapping(base, allowed=SERVICE_FIELDS, required=("kind",))
        kind_name = r.string((*base, "kind"))
        kind = KINDS.get(kind_name)
        if kind is None:
            raise r.doc.error(
                (*base, "kind"),
                f"unknown service kind {kind_name!r}; expected one of: {', '.join(sorted(KINDS))}",
            )
        replicas = r.integer((*base, "replicas"), 1, minimum=1, maximum=kind.max_replicas)
        placement = _placement(r, base, replicas, nodes, offset)
        publish = _publish(r, base, kind.ports, kind.published)
        config: dict[str, Any] = dict(kind.config)
        given = r.mapping((*base, "config"), allowed=kind.config, optional=True)
        config.update(given)
        for key, default in kind.config.items():
            if type(config[key]) is not type(default):
                raise r.doc.error(
                    (*base, "config", key), f"expected {type(default).__name__}, like the default {default!r}"
                )
        flavour = None
        if kind.flavours:
            flavour = r.string((*base, "flavour"), kind.flavours[0], choices=kind.flavours)
        elif r.has((*base, "flavour")):
            raise r.doc.error((*base, "flavour"), f"kind {kind_name!r} has no flavours")
        image, build = overrides.image_and_build(r, base, folder)
        services[name] = Service(
            name=name,
            kind=kind_name,
            replicas=replicas,
            placement=placement,
            publish=publish,
            config=config,
            image=image,
            flavour=flavour,
            build=build,
            command=overrides.argv(r, (*base, "command")),
            args=overrides.argv(r, (*base, "args")),
            files=overrides.files(r, base, folder),
        )
    _check_host_ports(r, services)
    return services


def _placement(
    r: Reader, base: KeyPath, replicas: int, nodes: tuple[Node, ...], offset: int
) -> tuple[str, ...]:
    path = (*base, "placement")
    value = r.raw(path)
    names = [n.name for n in nodes]
    if value is None or value == "spread":
        # Round-robin from a per-service offset, so single-replica services do not all
        # land on the first node.
        return tuple(names[(offset + i) % len(names)] for i in range(replicas))
    seq = r.sequence(path)
    if len(seq) != replicas:
        raise r.doc.error(path, f"expected {replicas} node name(s), one per replica, or 'spread'")
    for i, node in enumerate(seq):
        if node not in names:
            raise r.doc.error((*path, i), f"unknown node {node!r}; nodes are: {', '.join(names)}")
    return tuple(str(n) for n in seq)


def _publish(
    r: Reader, base: KeyPath, ports: dict[str, int] | Any, published: tuple[str, ...]
) -> dict[str, int]:
    path = (*base, "publish")
    result = dict.fromkeys(published, 0)
    given = r.mapping(path, allowed=ports, optional=True)
    for port_name in given:
        result[port_name] = r.integer((*path, port_name), minimum=0, maximum=65535)
    return result


def _check_host_ports(r: Reader, services: dict[str, Service]) -> None:
    taken: dict[int, str] = {}
    for svc in services.values():
        for port_name, port in svc.publish.items():
            if port and port in taken:
                raise r.doc.error(
                    ("services", svc.name, "publish", port_name),
                    f"host port {port} is also asked for by {taken[port]}",
                )
            if port:
                taken[port] = f"{svc.name}.{port_name}"
