"""Node faults on a kind cluster's real nodes, with the docker provider's ledger.

How each drop mode is carried out, and felt by the other nodes:
- link: the node container leaves the node network (docker network disconnect). Its
  peers hear nothing more and withdraw its pod CIDR when the hold timer expires; heal
  reconnects it with its own address, and kube-router's sessions come back.
- bgp: kube-router on the node is frozen (SIGSTOP to its processes, seen from the node's
  PID namespace): BGP stops answering, while the node's kernel keeps forwarding.
- power: the link is cut first (peers see silence, not a TCP close), then the node
  container is killed. Heal reconnects and starts it: systemd, containerd and kubelet
  boot again from the node's /var volume, kubelet rejoins and its pods run again.
- partition: iptables in the node containers drop traffic between the two sides (node
  addresses and pod CIDRs) in a chain of the fault's own, removed on heal.

The ledger (marker containers) is the docker provider's, so `xmux-sim fault` in one
process and `xmux-sim heal` in another work as they do there.
"""

from __future__ import annotations

import docker
import docker.errors

from xmux_sim.faults.base import Fault, FaultError, State
from xmux_sim.faults.kind import FAULT_KINDS
from xmux_sim.faults.spec import FaultSpec, target_names
from xmux_sim.faults.together import Together
from xmux_sim.providers.docker.faults import ledger
from xmux_sim.providers.kind.nodes import KindNode, node_exec, read_nodes
from xmux_sim.registry import Registry, subclasses
from xmux_sim.timeline import Timeline

__all__ = ["KIND_FAULTS", "KindFault", "KindFaults"]


class KindFault(ledger.LedgeredFault):
    def __init__(
        self,
        faults: KindFaults,
        spec: FaultSpec,
        fault_id: str | None = None,
        timeline: Timeline | None = None,
    ) -> None:
        super().__init__(spec, fault_id, timeline)
        self.faults = faults
        self.client = faults.client

    def node(self, name: str) -> KindNode:
        nodes = read_nodes(self.client, self.faults.run_id)
        if name not in nodes:
            raise FaultError(f"{self.spec.describe()}: no node {name!r}; nodes: {', '.join(nodes)}")
        return nodes[name]

    def _record(self, state: State) -> None:
        self.faults.record(self.id, self.spec, state)

    def _forget(self) -> None:
        self.faults.forget(self.id)


def _connected(node: KindNode) -> bool:
    node.container.reload()
    return node.network in (node.container.attrs.get("NetworkSettings", {}).get("Networks") or {})


class DropNode(KindFault):
    implements = ("drop-node",)

    def _prepare(self) -> State:
        node = self.node(self.spec.params["node"])
        node.container.reload()
        if node.container.status != "running":
            raise FaultError(f"node {node.name} is already down (its container is {node.container.status})")
        return {
            "mode": self.spec.params["mode"],
            "container": node.container.name,
            "node": node.name,
            "network": node.network,
            "ip": node.ip,
        }

    def _apply(self, state: State) -> None:
        node = self.node(state["node"])
        mode = state["mode"]
        if mode in ("link", "power"):
            self.client.networks.get(state["network"]).disconnect(node.container, force=True)
        if mode == "bgp":
            node_exec(node.container, ["pkill", "-STOP", "-x", "kube-router"])
        if mode == "power":
            # kind starts nodes with restart=on-failure: a killed node must stay off until heal.
            node.container.update(restart_policy={"Name": "no"})
            node.container.kill()

    def _revert(self, state: State) -> None:
        try:
            node = self.node(state["node"])
        except FaultError:
            return  # the run is gone: nothing to undo
        container = node.container
        container.reload()
        if not _connected(node):
            self.client.networks.get(state["network"]).connect(container, ipv4_address=state["ip"])
        if container.status in ("exited", "created"):
            container.start()
            container.update(restart_policy={"Name": "on-failure", "MaximumRetryCount": 1})
        elif container.status == "running" and state["mode"] == "bgp":
            container.exec_run(["pkill", "-CONT", "-x", "kube-router"])


class Partition(KindFault):
    implements = ("partition",)

    @property
    def chain(self) -> str:
        return f"XMUX-{self.id[:20]}"

    def _prepare(self) -> State:
        a = target_names(self.spec.params["a"])
        b = target_names(self.spec.params["b"])
        nodes = read_nodes(self.client, self.faults.run_id)
        for name in (*a, *b):
            if name not in nodes:
                raise FaultError(
                    f"{self.spec.describe()}: no node {name!r} (a kind run has no pods to name yet); "
                    f"nodes: {', '.join(nodes)}"
                )
        both = self.spec.params.get("direction", "both") == "both"
        # node -> the peers (address and pod CIDR) whose traffic it drops
        drops: dict[str, list[list[str]]] = {}
        for x, others in ((n, b) for n in a):
            drops.setdefault(x, []).extend([[nodes[y].ip or "", str(nodes[y].cidr or "")] for y in others])
        if both:
            for y in b:
                drops.setdefault(y, []).extend([[nodes[x].ip or "", str(nodes[x].cidr or "")] for x in a])
        return {"chain": self.chain, "drops": drops, "one_way": not both}

    def _script(self, state: State, peers: list[list[str]]) -> str:
        chain = state["chain"]
        lines = [f"iptables -N {chain} 2>/dev/null || iptables -F {chain}"]
        for ip, cidr in peers:
            for target in filter(None, (ip, cidr)):
                lines.append(f"iptables -A {chain} -d {target} -j DROP")
                if not state["one_way"]:
                    lines.append(f"iptables -A {chain} -s {target} -j DROP")
        for hook in ("INPUT", "OUTPUT", "FORWARD"):
            lines.append(f"iptables -C {hook} -j {chain} 2>/dev/null || iptables -I {hook} -j {chain}")
        return " && ".join(lines)

    def _apply(self, state: State) -> None:
        for name, peers in state["drops"].items():
            node_exec(self.node(name).container, ["sh", "-c", self._script(state, peers)])

    def _revert(self, state: State) -> None:
        chain = state["chain"]
        undo = " ; ".join(
            [
                f"while iptables -D {hook} -j {chain} 2>/dev/null; do :; done"
                for hook in ("INPUT", "OUTPUT", "FORWARD")
            ]
            + [f"iptables -F {chain} 2>/dev/null", f"iptables -X {chain} 2>/dev/null", "true"]
        )
        nodes = read_nodes(self.client, self.faults.run_id)
        for name in state["drops"]:
            node = nodes.get(name)
            if node is None:
                continue
            node.container.reload()
            if node.container.status == "running":
                node.container.exec_run(["sh", "-c", undo])


KIND_FAULTS: Registry[type[KindFault]] = Registry(
    "kind fault implementation",
    ["xmux_sim.providers.kind"],
    subclasses(KindFault, "implements"),  # type: ignore[type-abstract]
    lambda cls: cls.implements,
)


class KindFaults(ledger.LedgerFaults):
    """The faults of one kind run: make and inject them, list the active ones, heal them."""

    def __init__(
        self, client: docker.DockerClient, run_id: str, marker_image: str, timeline: Timeline | None = None
    ) -> None:
        self.client = client
        self.run_id = run_id
        self.marker_image = marker_image
        self.timeline = timeline

    def record(self, fault_id: str, spec: FaultSpec, state: State) -> None:
        nodes = read_nodes(self.client, self.run_id)
        stack = next(iter(nodes.values())).container.labels.get("xmux-sim.stack", "?")
        ledger.record(self.client, self.run_id, stack, self.marker_image, fault_id, spec, state)

    def forget(self, fault_id: str) -> None:
        ledger.forget(self.client, self.run_id, fault_id)

    def make(self, spec: FaultSpec) -> Fault:
        if FAULT_KINDS.get(spec.kind) is None:
            raise FaultError(FAULT_KINDS.unknown(spec.kind))
        return self._build(spec)

    def _build(self, spec: FaultSpec, fault_id: str | None = None) -> Fault:
        cls = KIND_FAULTS.get(spec.kind)
        if cls is None:
            raise FaultError(
                f"the kind provider cannot inject {spec.kind} faults yet: it runs no services, "
                f"and injects {', '.join(KIND_FAULTS.names())}"
            )
        each = spec.each_target()
        if each == [spec]:
            return cls(self, spec, fault_id, self.timeline)
        parts = [cls(self, part) for part in each]
        return Together(spec, parts, self, fault_id, self.timeline)

    def rebuild(self, spec: FaultSpec, fault_id: str) -> Fault:
        return self._build(spec, fault_id)
