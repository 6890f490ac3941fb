"""Latency and jitter: Toxiproxy in the target pod's namespace, in front of its ports.

The kernel here has no netem, so delay comes from a proxy. It joins the pod's network
namespace, and a nat REDIRECT there sends every new TCP connection to the pod's ports
through it (from other pods and from the host's published ports alike), with a latency
toxic on what the service sends back.

Connections opened before the inject would keep their direct path (nat decides on a
flow's first packet), so by default (`reset`) the pod's end of each is destroyed (`ss -K`)
and pooled clients reconnect through the proxy, seeing one broken connection. Healing
removes the redirect first, then the proxy, which resets connections that went through
it: the client reconnects directly.
"""

from __future__ import annotations

import time
from contextlib import suppress
from typing import Any

import docker.errors

from xmux_sim.faults.base import FaultError, State
from xmux_sim.providers.docker.faults.core import DockerFault
from xmux_sim.providers.docker.faults.netfilter import chain_name, install_chain, uninstall_chain
from xmux_sim.providers.docker.faults.targets import run_in
from xmux_sim.providers.docker.images import ImageBuilder

API_READY_S = 10.0


def proxy_port(port: int) -> int:
    """Where the proxy listens for a service port: a fixed offset, clear of the services' ports."""
    return 40000 + port % 20000


class Latency(DockerFault):
    implements = ("latency", "jitter")

    def _prepare(self) -> State:
        params = self.spec.params
        pods = (
            self.targets.service_pods(params["service"])
            if "service" in params
            else [self.targets.pod(params["pod"])]
        )
        image = ImageBuilder(self.client).require(["toxiproxy"])["toxiproxy"]
        return {
            "chain": chain_name(self.id),
            "image": image,
            "pods": [
                {
                    "pod": p.name,
                    "holder": p.holder.name,
                    "proxy": f"xmux-{self.targets.run_id}-{p.name}-toxiproxy-{self.id}",
                    "ports": sorted(set(p.ports.values())),
                }
                for p in pods
            ],
        }

    def _apply(self, state: State) -> None:
        for pod in state["pods"]:
            self._proxy(state, pod)

    def _proxy(self, state: State, pod: dict[str, Any]) -> None:
        holder = self.container(pod["holder"])
        proxy = self.client.containers.run(
            state["image"],
            name=pod["proxy"],
            network_mode=f"container:{holder.id}",
            labels=self.tool_labels("fault-proxy"),
            detach=True,
        )
        _wait_api(proxy, pod["pod"])
        ms, jitter = int(self.spec.params["ms"]), int(self.spec.params["jitter"])
        setup = []
        for port in pod["ports"]:
            name = f"p{port}"
            setup.append(f"toxiproxy-cli create -l 0.0.0.0:{proxy_port(port)} -u 127.0.0.1:{port} {name}")
            setup.append(f"toxiproxy-cli toxic add -t latency -a latency={ms} -a jitter={jitter} {name}")
        run_in(proxy, " && ".join(setup) + " >/dev/null", f"{self.spec.describe()}: configuring Toxiproxy")
        redirects = [
            f"-p tcp --dport {port} -j REDIRECT --to-ports {proxy_port(port)}" for port in pod["ports"]
        ]
        run_in(
            holder,
            install_chain(state["chain"], ["PREROUTING"], redirects, table="nat"),
            f"{self.spec.describe()}: redirecting {pod['pod']} through Toxiproxy",
        )
        if self.spec.params.get("reset", True):
            # Connections from before the redirect would keep their direct path; destroying the
            # pod's end makes their clients reconnect, now through the proxy. Loopback ones (an
            # exporter, the proxy itself) stay.
            ports = " or ".join(f"sport = :{port}" for port in pod["ports"])
            run_in(
                holder, f"ss -K -tn '( {ports} ) and not dst 127.0.0.1' >/dev/null", "resetting connections"
            )

    def _revert(self, state: State) -> None:
        chain = state["chain"]
        for pod in state["pods"]:
            holder = self.targets.container(pod["holder"])
            if holder is not None:
                self.clean_up(holder, uninstall_chain(chain, ["PREROUTING"], table="nat"))
            proxy = self.targets.container(pod["proxy"])
            if proxy is not None:
                with suppress(docker.errors.NotFound, docker.errors.APIError):
                    proxy.remove(force=True)


def _wait_api(proxy: docker.models.containers.Container, pod: str) -> None:
    deadline = time.monotonic() + API_READY_S
    while time.monotonic() < deadline:
        if proxy.exec_run(["toxiproxy-cli", "list"]).exit_code == 0:
            return
        time.sleep(0.1)
    logs = proxy.logs(tail=10).decode(errors="replace")
    raise FaultError(f"Toxiproxy in {pod} did not answer within {API_READY_S:g}s:\n{logs}")
