"""Partition and packet loss: iptables rules in a chain of the fault's own.

Each fault gets a chain named after its id in every container it touches, jumped to from
the built-in chains. Healing unhooks and deletes that chain, so two faults never remove
each other's rules, and a container that is gone took its rules with it.

Where the rules go:
- between two nodes: on the first side's routers, since every packet between the nodes'
  pods crosses them; and for their BGP too, on the underlay, as a cut cable would;
- when a side names a pod: in that pod's own namespace (its holder), so pods on the same
  node, which talk over their bridge without a router, are partitioned as well.
"""

from __future__ import annotations

from typing import Any

from xmux_sim.faults.base import State
from xmux_sim.providers.docker.faults.core import DockerFault
from xmux_sim.providers.docker.faults.targets import run_in

ROUTER_HOOKS = ("INPUT", "OUTPUT", "FORWARD")
POD_HOOKS = ("INPUT", "OUTPUT")


def chain_name(fault_id: str) -> str:
    return f"XF-{fault_id}"


def install_chain(chain: str, hooks: list[str], rules: list[str], table: str = "filter") -> str:
    """Shell: create the chain with its rules, then hook it in (so no half chain is ever live)."""
    ipt = f"iptables -w -t {table}"
    lines = [f"{ipt} -N {chain}"]
    lines += [f"{ipt} -A {chain} {rule}" for rule in rules]
    lines += [f"{ipt} -I {hook} -j {chain}" for hook in hooks]
    return " && ".join(lines)


def uninstall_chain(chain: str, hooks: list[str], table: str = "filter") -> str:
    """Shell: unhook and delete the chain; succeeds when any part is already gone."""
    ipt = f"iptables -w -t {table}"
    unhook = "; ".join(f"while {ipt} -D {h} -j {chain} 2>/dev/null; do :; done" for h in hooks)
    return f"{unhook}; {ipt} -F {chain} 2>/dev/null; {ipt} -X {chain} 2>/dev/null; true"


class ChainFault(DockerFault):
    """State: {"chain": ..., "places": [{"container", "hooks", "rules"}]}."""

    def _places(self) -> list[dict[str, Any]]:
        raise NotImplementedError

    def _prepare(self) -> State:
        places: dict[str, dict[str, Any]] = {}
        for place in self._places():
            entry = places.setdefault(place["container"], {**place, "rules": []})
            entry["rules"] += [r for r in place["rules"] if r not in entry["rules"]]
        return {"chain": chain_name(self.id), "places": list(places.values())}

    def _apply(self, state: State) -> None:
        for place in state["places"]:
            container = self.container(place["container"])
            run_in(
                container,
                install_chain(state["chain"], place["hooks"], place["rules"]),
                f"{self.spec.describe()}: adding rules",
            )

    def _revert(self, state: State) -> None:
        for place in state["places"]:
            container = self.targets.container(place["container"])
            if container is not None:
                self.clean_up(container, uninstall_chain(state["chain"], place["hooks"]))


class Partition(ChainFault):
    implements = ("partition",)

    def _places(self) -> list[dict[str, Any]]:
        both = self.spec.params["direction"] == "both"
        places = []
        for x in self.spec.params["a"]:
            for y in self.spec.params["b"]:
                places.append(self._pair(x, y, both))
        return places

    def _address(self, name: str) -> str:
        if name in self.targets.nodes:
            return str(self.targets.node(name).cidr)
        return self.targets.pod(name).ip + "/32"

    def _pair(self, x: str, y: str, both: bool) -> dict[str, Any]:
        """Rules dropping x -> y (and y -> x when both), placed where they catch every packet."""
        t = self.targets
        if x in t.nodes and y in t.nodes:
            nx, ny = t.routed_node(x), t.routed_node(y)
            assert nx.router is not None
            rules = [f"-s {nx.cidr} -d {ny.cidr} -j DROP", f"-d {ny.underlay_ip}/32 -j DROP"]
            if both:
                rules += [f"-s {ny.cidr} -d {nx.cidr} -j DROP", f"-s {ny.underlay_ip}/32 -j DROP"]
            return {"container": nx.router.name, "hooks": list(ROUTER_HOOKS), "rules": rules}
        if x in t.pods:
            # In x's namespace: what x sends to y, and (both) what it receives from y.
            other = self._address(y)
            rules = [f"-d {other} -j DROP"] + ([f"-s {other} -j DROP"] if both else [])
            return {"container": t.pod(x).holder.name, "hooks": list(POD_HOOKS), "rules": rules}
        # x is a node, y a pod: in y's namespace, what comes from x (and goes to it).
        other = self._address(x)
        rules = [f"-s {other} -j DROP"] + ([f"-d {other} -j DROP"] if both else [])
        return {"container": t.pod(y).holder.name, "hooks": list(POD_HOOKS), "rules": rules}


class Loss(ChainFault):
    implements = ("loss",)

    def _places(self) -> list[dict[str, Any]]:
        p = self.spec.params["percent"] / 100
        drop = f"-m statistic --mode random --probability {p:.4f} -j DROP"
        if "node" in self.spec.params:
            node = self.targets.routed_node(self.spec.params["node"])
            assert node.router is not None
            # Only forwarded packets: one chance to drop per packet entering or leaving the node.
            rules = [f"-d {node.cidr} {drop}", f"-s {node.cidr} {drop}"]
            return [{"container": node.router.name, "hooks": ["FORWARD"], "rules": rules}]
        pod = self.targets.pod(self.spec.params["pod"])
        # Everything the pod sends or receives, except its own loopback.
        rules = [f"! -s 127.0.0.0/8 ! -d 127.0.0.0/8 {drop}"]
        return [{"container": pod.holder.name, "hooks": list(POD_HOOKS), "rules": rules}]
