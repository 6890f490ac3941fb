"""Stack files (YAML) -> a validated :class:`Stack`.

A wrong file raises :class:`StackFileError` naming file, line and field before anything
is started: every value is read by its declared type (see :mod:`xmux_sim.params` and
:mod:`xmux_sim.values`), and the rules between values (timers, address room, settings
against the replica count) are checked here, not when the stack comes up.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from ipaddress import IPv4Network
from pathlib import Path

from xmux_sim.params import NAME, Param, ParamError, ParamType, int_at_least, quoted, shown
from xmux_sim.topology import overrides
from xmux_sim.topology.alerts import read_alert_settings
from xmux_sim.topology.kinds import KINDS, KindInfo
from xmux_sim.topology.model import (
    PROVIDERS,
    ROUTER_OFFSET,
    BgpSettings,
    KubernetesSettings,
    NetworkSettings,
    Node,
    Service,
    Stack,
)
from xmux_sim.topology.yamldoc import KeyPath, Reader, YamlDoc

__all__ = [
    "BGP",
    "DEFAULT_STACK",
    "build_stack",
    "check_bgp",
    "crowded_node",
    "default_stack_path",
    "embedded_stacks",
    "load_stack",
    "parse_stack",
    "stack_path",
]

DEFAULT_STACK = "xmux"
LONGEST_NAME = 31
"""Stack, node and service names go into container and network names: kept short."""
TIMER_MAX = 65535


def embedded_stacks() -> list[str]:
    """Names of the stacks shipped in xmux_sim/stacks/ (a scenario or --stack may name one)."""
    folder = resources.files("xmux_sim.stacks")
    return sorted(f.name.removesuffix(".yaml") for f in folder.iterdir() if f.name.endswith(".yaml"))


def default_stack_path() -> Path:
    return Path(str(resources.files("xmux_sim.stacks").joinpath(f"{DEFAULT_STACK}.yaml")))


def stack_path(spec: str | Path | None) -> Path:
    """A stack file's path: ``None`` the default, an embedded stack's name, or a path as given."""
    if spec is None:
        return default_stack_path()
    if isinstance(spec, str) and NAME.match(spec) and spec in embedded_stacks():
        return Path(str(resources.files("xmux_sim.stacks").joinpath(f"{spec}.yaml")))
    return Path(spec)


def load_stack(path: str | Path | None = None, provider: str | None = None) -> Stack:
    """Load a stack file; ``None`` means the embedded default stack, a name an embedded one.

    ``provider`` (`up --provider`) overrides the file's: the defaults that depend on it (the
    kind provider's node CIDRs come from its pod range) follow the override."""
    source = stack_path(path)
    return build_stack(YamlDoc.load(source), source, provider)


def parse_stack(text: str, source: str = "<stack>") -> Stack:
    return build_stack(YamlDoc.parse(text, source), None)


def build_stack(doc: YamlDoc, source: Path | None, provider_override: str | None = None) -> Stack:
    r = Reader(doc)
    r.mapping(
        (),
        allowed=("name", "provider", "network", "kubernetes", "nodes", "services", "alerts"),
        required=("name", "services"),
    )
    name = _name(r, ("name",))
    provider = r.string(("provider",), "docker", choices=PROVIDERS)
    if provider_override is not None:
        if provider_override not in PROVIDERS:
            raise ValueError(f"unknown provider {provider_override!r}")
        provider = provider_override
    network = _network(r)
    kubernetes = (
        _kubernetes(r, network) if provider == "kind" or r.has(("kubernetes",)) else KubernetesSettings()
    )
    nodes = _nodes(r, network, kubernetes if provider == "kind" else None)
    # Paths in the file (build contexts, files, rule files) are relative to its folder.
    folder = source.resolve().parent if source is not None else Path.cwd()
    services = _services(r, nodes, folder, allow_none=provider == "kind")
    alerts = read_alert_settings(r, folder)
    _check_alerting(r, services)
    if provider == "kind" and services:
        first = next(iter(services))
        raise r.doc.error(
            ("services", first),
            "the kind provider runs the cluster and its network only so far; services on it are the "
            "next step (use `services: {}`, or provider: docker)",
        )
    return Stack(
        name=name,
        nodes=nodes,
        services=services,
        network=network,
        source=source,
        alerts=alerts,
        provider=provider,
        kubernetes=kubernetes,
    )


def _name(r: Reader, path: KeyPath) -> str:
    name = r.name(path)
    if len(name) > LONGEST_NAME:
        raise r.doc.error(path, f"{quoted(name)} is longer than {LONGEST_NAME} characters")
    return name


# ----- network ---------------------------------------------------------------------------------


def _seconds(minimum: int) -> ParamType[float]:
    """Whole seconds: BIRD's timers are integers, and a fraction would be rounded silently."""
    whole = int_at_least(minimum, TIMER_MAX)

    def read(value: object) -> float:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, float):
            raise ValueError(f"{value:g}: BGP timers are whole seconds")
        return float(whole.read(value))

    return ParamType(f"whole seconds {minimum}..{TIMER_MAX}", read, from_text=whole.from_text)


def _error_wait(value: object) -> tuple[float, float]:
    low_high = value if isinstance(value, list | tuple) else None
    if low_high is None or len(low_high) != 2:
        raise ValueError(f"expected [min, max] seconds, e.g. [1, 5], got {shown(value)}")
    low, high = (_seconds(1).read(v) for v in low_high)
    if low > high:
        raise ValueError(f"expected min <= max, got [{low:g}, {high:g}]")
    return low, high


_DEFAULT_BGP = BgpSettings()
BGP: tuple[Param, ...] = (
    Param("asn", int_at_least(1, 4294967295), "AS number of every router (iBGP)", _DEFAULT_BGP.asn),
    Param("hold", _seconds(3), "BGP hold time", _DEFAULT_BGP.hold),
    Param("keepalive", _seconds(1), "BGP keepalive time, shorter than hold", _DEFAULT_BGP.keepalive),
    Param("connect_retry", _seconds(1), "BGP connect retry time", _DEFAULT_BGP.connect_retry),
    Param(
        "error_wait",
        ParamType(f"[min, max] whole seconds 1..{TIMER_MAX}", _error_wait),
        "BIRD's error wait time after a session error",
        list(_DEFAULT_BGP.error_wait),
    ),
)
"""The BGP settings a stack file (and a scenario's overrides) may give, read by the same rules."""


def check_bgp(bgp: BgpSettings) -> None:
    """Rules between the timers; raises ParamError naming the setting to change."""
    if bgp.keepalive >= bgp.hold:
        raise ParamError("keepalive", f"keepalive {bgp.keepalive:g} must be shorter than hold {bgp.hold:g}")


def _network(r: Reader) -> NetworkSettings:
    base: tuple[str, ...] = ("network",)
    r.mapping(base, allowed=("supernet", "underlay", "bgp", "unknown_pods"), optional=True)
    defaults = NetworkSettings()
    supernet = _cidr(r, (*base, "supernet"), defaults.supernet)
    underlay = _cidr(r, (*base, "underlay"), defaults.underlay)
    b = (*base, "bgp")
    r.mapping(b, allowed=[p.name for p in BGP], optional=True)
    bgp = BgpSettings(**{p.name: r.param((*b, p.name), p) for p in BGP})
    try:
        check_bgp(bgp)
    except ParamError as exc:
        raise r.doc.error((*b, exc.param or "hold"), exc.message) from None
    unknown_pods = r.string(
        (*base, "unknown_pods"), defaults.unknown_pods, choices=("blackhole", "unreachable")
    )
    return NetworkSettings(supernet=supernet, underlay=underlay, bgp=bgp, unknown_pods=unknown_pods)


def _kubernetes(r: Reader, network: NetworkSettings) -> KubernetesSettings:
    """The kind provider's address ranges: inside the supernet, apart from each other."""
    base: tuple[str, ...] = ("kubernetes",)
    r.mapping(base, allowed=("node_network", "pod_cidr", "service_cidr", "storage"), optional=True)
    defaults = KubernetesSettings()
    ranges = {
        field: _cidr(r, (*base, field), getattr(defaults, field))
        for field in ("node_network", "pod_cidr", "service_cidr")
    }
    seen: dict[str, IPv4Network] = {}
    for field, cidr in ranges.items():
        path = (*base, field) if r.has((*base, field)) else ("kubernetes",) if r.has(base) else ()
        if not cidr.subnet_of(network.supernet):
            raise r.doc.error(path, f"{field} {cidr} is outside the supernet {network.supernet}")
        for other, other_cidr in seen.items():
            if cidr.overlaps(other_cidr):
                raise r.doc.error(path, f"{field} {cidr} overlaps {other} {other_cidr}")
        seen[field] = cidr
    if ranges["node_network"].num_addresses < 16:
        raise r.doc.error(
            (*base, "node_network"), f"node_network {ranges['node_network']} is too small; /28 or larger"
        )
    if ranges["pod_cidr"].prefixlen > 23:
        raise r.doc.error(
            (*base, "pod_cidr"),
            f"pod_cidr {ranges['pod_cidr']} is too small: the control plane and each node take a /24",
        )
    if ranges["service_cidr"].prefixlen > 28:
        raise r.doc.error(
            (*base, "service_cidr"), f"service_cidr {ranges['service_cidr']} is too small; /28 or larger"
        )
    storage = r.string((*base, "storage"), defaults.storage, choices=("local", "longhorn"))
    return KubernetesSettings(storage=storage, **ranges)


def _cidr(r: Reader, path: KeyPath, default: IPv4Network) -> IPv4Network:
    if not r.has(path):
        return default
    text = r.string(path)
    try:
        return IPv4Network(text)
    except ValueError as exc:
        raise r.doc.error(path, f"expected an IPv4 network like 198.18.0.0/15 ({exc})") from None


def _nodes(r: Reader, network: NetworkSettings, kubernetes: KubernetesSettings | None) -> tuple[Node, ...]:
    """The stack's nodes; on the kind provider (``kubernetes`` given) their pod CIDRs are /24s
    of the cluster's pod range (node N the N-th; the control plane has the first)."""
    entries = r.sequence(("nodes",)) or ["node-1"]
    nodes: list[Node] = []
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        path: KeyPath = ("nodes", i)
        index = i + 1
        if isinstance(entry, str):
            name, cidr = (_name(r, path) if r.has(("nodes",)) else entry), None
        else:
            r.mapping(path, allowed=("name", "cidr"), required=("name",))
            name = _name(r, (*path, "name"))
            cidr = _cidr(r, (*path, "cidr"), network.supernet) if r.has((*path, "cidr")) else None
        if name in seen:
            raise r.doc.error(path, f"node {name!r} is declared twice")
        seen.add(name)
        if cidr is None:
            if kubernetes is not None:
                cidr = _nth_slash24(r, path, kubernetes.pod_cidr, index, "pod_cidr (kubernetes)")
            else:
                cidr = _nth_slash24(r, path, network.supernet, index)
        if kubernetes is not None:
            _check_kind_node_cidr(r, path, cidr, kubernetes)
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
    routers = ROUTER_OFFSET + len(nodes) + 2  # and the network and broadcast addresses
    if len(nodes) > 1 and network.underlay.num_addresses < routers:
        raise r.doc.error(
            ("network", "underlay") if r.has(("network", "underlay")) else ("nodes",),
            f"the underlay {network.underlay} has no room for {len(nodes)} routers "
            f"(they take .{ROUTER_OFFSET + 1} on); use a larger underlay network",
        )
    return tuple(nodes)


def _check_kind_node_cidr(
    r: Reader, path: KeyPath, cidr: IPv4Network, kubernetes: KubernetesSettings
) -> None:
    pool = kubernetes.pod_cidr
    if not cidr.subnet_of(pool):
        raise r.doc.error(
            path, f"pod CIDR {cidr} is outside the cluster's pod_cidr {pool} (kubernetes.pod_cidr)"
        )
    control_plane = IPv4Network((int(pool.network_address), 24))
    if cidr.overlaps(control_plane):
        raise r.doc.error(
            path, f"pod CIDR {cidr} overlaps the control plane's {control_plane} (the first /24 of {pool})"
        )


def _nth_slash24(
    r: Reader, path: KeyPath, supernet: IPv4Network, index: int, what: str = "supernet"
) -> IPv4Network:
    """Node N gets the N-th /24 of the supernet, as Kube-Router hands out pod CIDRs."""
    room = supernet.num_addresses >> 8 if supernet.prefixlen <= 24 else 0
    if index >= room:
        raise r.doc.error(
            path,
            f"the {what} {supernet} has no /24 left for node {index} (node N takes the N-th /24 "
            "after the supernet's first); give the node a cidr, or the stack a larger supernet",
        )
    return IPv4Network((int(supernet.network_address) + (index << 8), 24))


# ----- services --------------------------------------------------------------------------------

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
    "durability",
)
DURABILITY = ("host", "lazy")


def _services(
    r: Reader, nodes: tuple[Node, ...], folder: Path, allow_none: bool = False
) -> dict[str, Service]:
    """The services; ``allow_none``: `services: {}` (a kind stack: the cluster alone)."""
    raw = r.raw(("services",))
    if allow_none and raw == {}:
        return {}
    if not isinstance(raw, dict) or not raw:
        raise r.doc.error(("services",), "expected a mapping of service name -> settings")
    services: dict[str, Service] = {}
    for offset, name in enumerate(raw):
        base: KeyPath = ("services", name)
        if not NAME.match(name) or len(name) > LONGEST_NAME:
            raise r.doc.error(base, "service names are lower-case letters, digits and '-' (at most 31)")
        r.mapping(base, allowed=SERVICE_FIELDS, required=("kind",))
        kind_name = r.string((*base, "kind"))
        kind = KINDS.get(kind_name)
        if kind is None:
            raise r.doc.error(
                (*base, "kind"),
                f"unknown service kind {quoted(kind_name)}; expected one of: {', '.join(sorted(KINDS))}",
            )
        replicas = r.integer((*base, "replicas"), 1, minimum=1, maximum=kind.max_replicas)
        placement = _placement(r, base, replicas, nodes, offset)
        publish = _publish(r, base, kind.ports, kind.published)
        given = r.mapping((*base, "config"), allowed=[p.name for p in kind.config], optional=True)
        try:
            config = kind.settings(given, replicas)
        except ParamError as exc:
            raise r.doc.error((*base, "config", exc.param or ""), exc.message) from None
        flavour = None
        if kind.flavours:
            flavour = r.string((*base, "flavour"), kind.flavours[0], choices=kind.flavours)
        elif r.has((*base, "flavour")):
            raise r.doc.error((*base, "flavour"), f"kind {kind_name!r} has no flavours")
        image, build = overrides.image_and_build(r, base, folder)
        durability = _durability(r, base, kind, lazy_starter=image is None and build is None)
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
            durability=durability,
        )
    crowded = crowded_node(services.values(), nodes)
    if crowded is not None:
        raise r.doc.error(("services", crowded[0], "placement"), crowded[1])
    _check_host_ports(r, services)
    return services


def _durability(r: Reader, base: KeyPath, kind: KindInfo, lazy_starter: bool) -> str:
    path = (*base, "durability")
    durability = r.string(path, "host", choices=DURABILITY)
    if durability != "lazy":
        return durability
    if not kind.lazy_volume:
        lazy_kinds = ", ".join(sorted(k.name for k in KINDS.values() if k.lazy_volume))
        raise r.doc.error(
            path, f"kind {kind.name!r} keeps no data on a lazy volume (kinds that can: {lazy_kinds})"
        )
    # The lazy layer is started by the entrypoint of the kind's own image (images/lazyfs).
    if not lazy_starter or r.has((*base, "command")):
        raise r.doc.error(path, "lazy needs the kind's own image and entrypoint (no image, build or command)")
    return durability


def crowded_node(services: Iterable[Service], nodes: Sequence[Node]) -> tuple[str, str] | None:
    """(the first service that does not fit, why) when a node's CIDR has too few addresses for its pods."""
    pods: dict[str, int] = {}
    capacity = {n.name: n.pod_capacity for n in nodes}
    for svc in services:
        for node in svc.placement:
            pods[node] = pods.get(node, 0) + 1
            if pods[node] > capacity[node]:
                return svc.name, f"node {node} has room for {capacity[node]} pods; place some elsewhere"
    return None


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
            raise r.doc.error((*path, i), f"unknown node {quoted(node)}; nodes are: {', '.join(names)}")
    return tuple(str(n) for n in seq)


def _publish(
    r: Reader, base: KeyPath, ports: Mapping[str, int], published: tuple[str, ...]
) -> dict[str, int]:
    path = (*base, "publish")
    result = dict.fromkeys(published, 0)
    given = r.mapping(path, allowed=ports, optional=True)
    for port_name in given:
        result[port_name] = r.integer((*path, port_name), minimum=0, maximum=65535)
    return result


def _check_alerting(r: Reader, services: dict[str, Service]) -> None:
    """Alert settings and Alertmanager are for a Prometheus to use: without one they would do nothing."""
    managers = [s for s in services.values() if s.kind == "alertmanager"]
    if len(managers) > 1:
        raise r.doc.error(
            ("services", managers[1].name), "one alertmanager per stack: each would notify every alert again"
        )
    if any(s.kind == "prometheus" for s in services.values()):
        return
    if r.has(("alerts",)):
        raise r.doc.error(("alerts",), "the stack has no prometheus service to evaluate alert rules")
    for svc in services.values():
        if svc.kind == "alertmanager":
            raise r.doc.error(
                ("services", svc.name, "kind"), "alertmanager needs a prometheus service that sends it alerts"
            )


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
