"""Node faults: a node drops out (link, BGP daemon or power), or its link gets slow.

How each drop mode is felt by the other nodes, as measured on our machines:
- link: the router's underlay leg is pulled. Peers hear nothing more and withdraw the
  node's CIDR when the hold timer expires; the node's pods reach nothing off-node.
- bgp: the router container is frozen (docker pause). BIRD stops answering, so peers
  withdraw after the hold timer, but the kernel keeps forwarding: the underlay still
  carries packets and the node's own table stays as it was (a hung kube-router).
- power: the link is pulled first, so peers see silence rather than a TCP close (a VM
  that loses power sends no FIN), then every container of the node is killed, together.
  An app on a lazy volume (durability: lazy) is cut through its FUSE layer, which reports
  the unsynced bytes that die with it; a plain volume's writes outlive the cut in the
  host's page cache, and the event says so.
"""

from __future__ import annotations

from functools import partial

import docker.errors
from docker.models.containers import Container

from xmux_sim.faults.base import FaultError, State
from xmux_sim.faults.together import at_once
from xmux_sim.providers.docker import labels, lazy
from xmux_sim.providers.docker.faults.core import DockerFault, status_of
from xmux_sim.providers.docker.faults.targets import run_in


def _pod(container: Container) -> str:
    return f"{container.labels.get(labels.SERVICE)}-{container.labels.get(labels.REPLICA)}"


def _cut(container: Container, on_lazy: bool) -> None:
    """One container's power cut: a lazy volume's FUSE layer takes the unsynced writes with it."""
    if on_lazy:
        lazy.cut_power(container)
    else:
        container.kill()


def _connected(router: Container, network: str) -> bool:
    router.reload()
    return network in (router.attrs.get("NetworkSettings", {}).get("Networks") or {})


class DropNode(DockerFault):
    implements = ("drop-node",)

    def _prepare(self) -> State:
        node = self.targets.routed_node(self.spec.params["node"])
        assert node.router is not None  # routed_node guarantees it
        mode = self.spec.params["mode"]
        state: State = {
            "mode": mode,
            "router": node.router.name,
            "network": self.targets.underlay_network,
            "ip": node.underlay_ip,
        }
        if status_of(node.router) != "running":
            raise FaultError(f"node {node.name} is already down (its router is {node.router.status})")
        if mode == "power":
            # Only what runs now is powered back on by heal.
            state["containers"] = [
                c.name for c in self.targets.node_containers(node.name) if status_of(c) == "running"
            ]
        return state

    def _apply(self, state: State) -> None:
        router = self.container(state["router"])
        mode = state["mode"]
        if mode in ("link", "power"):
            self.client.networks.get(state["network"]).disconnect(router, force=True)
        if mode == "bgp":
            router.pause()
        if mode == "power":
            running = [c for c in map(self.targets.container, state["containers"]) if c is not None]
            running = [c for c in running if status_of(c) == "running"]
            apps = {c.name: _pod(c) for c in running if c.labels.get(labels.ROLE) == "app"}
            on_lazy = [c for c in running if c.name in apps and lazy.is_lazy(c)]
            at_once([(c.name, partial(_cut, c, c in on_lazy)) for c in running])
            # Counted once every cut has landed, so reading the reports does not space the cuts out.
            for c in running:
                if c in on_lazy:
                    self.unsynced[apps[c.name]] = self._lost(c)
                elif c.name in apps and lazy.has_volume(c):
                    self.unsynced[apps[c.name]] = None

    def _lost(self, container: Container) -> int:
        try:
            return lazy.lost_at_power_off(container)
        except lazy.LazyVolumeError as exc:
            raise FaultError(f"{self.spec.describe()}: {exc}") from None

    def _revert(self, state: State) -> None:
        router = self.targets.container(state["router"])
        if router is None:
            return
        if status_of(router) == "paused":
            router.unpause()
        if not _connected(router, state["network"]):
            self.client.networks.get(state["network"]).connect(router, ipv4_address=state["ip"])
        # Power back on in reverse order: router, then pod holders, then apps joining them.
        for name in reversed(state.get("containers", [])):
            container = self.targets.container(name)
            if container is not None and status_of(container) in ("exited", "created", "dead"):
                try:
                    container.start()
                except docker.errors.APIError as exc:
                    raise FaultError(f"powering {name} back on failed: {exc.explanation or exc}") from None


def _rate_bytes(rate: str) -> float:
    units = {"bit": 1 / 8, "kbit": 1e3 / 8, "mbit": 1e6 / 8, "gbit": 1e9 / 8}
    units |= {"bps": 1.0, "kbps": 1e3, "mbps": 1e6, "gbps": 1e9}
    for unit in sorted(units, key=len, reverse=True):
        if rate.endswith(unit):
            return float(rate[: -len(unit)]) * units[unit]
    raise ValueError(rate)


def _dev_of(ip: str) -> str:
    """Shell: the interface that holds `ip` (names change when a link is reconnected)."""
    return f"$(ip -o -4 addr show | awk '$4 ~ /^{ip.replace('.', '[.]')}\\// {{print $2}}')"


class Bandwidth(DockerFault):
    """tbf on both of a node router's legs: underlay egress (leaving) and node egress (entering)."""

    implements = ("bandwidth",)

    def _prepare(self) -> State:
        node = self.targets.routed_node(self.spec.params["node"])
        assert node.router is not None
        return {"router": node.router.name, "ips": [node.underlay_ip, str(node.cidr.network_address + 2)]}

    def _apply(self, state: State) -> None:
        rate = self.spec.params["rate"]
        # At least one full frame, at most 10 ms at line rate: tbf needs burst >= rate / HZ.
        burst = max(16_000, int(_rate_bytes(rate) / 100))
        router = self.container(state["router"])
        for ip in state["ips"]:
            dev = _dev_of(ip)
            run_in(
                router,
                f'dev={dev}; [ -n "$dev" ] && tc qdisc replace dev "$dev" root tbf rate {rate} '
                f"burst {burst} latency 200ms",
                f"limiting {ip} to {rate}",
            )

    def _revert(self, state: State) -> None:
        router = self.targets.container(state["router"])
        if router is None:
            return
        for ip in state["ips"]:
            self.clean_up(router, f'dev={_dev_of(ip)}; [ -n "$dev" ] && tc qdisc del dev "$dev" root; true')
