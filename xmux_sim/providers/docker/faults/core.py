"""The Docker side shared by every fault: targets, the ledger, and the timeline hook."""

from __future__ import annotations

import docker.errors
from docker.models.containers import Container

from xmux_sim.faults.base import FaultError, State
from xmux_sim.faults.spec import FaultSpec
from xmux_sim.providers.docker import labels
from xmux_sim.providers.docker.faults import ledger
from xmux_sim.providers.docker.faults.targets import RunTargets
from xmux_sim.timeline import Timeline


class DockerFault(ledger.LedgeredFault):
    def __init__(
        self,
        targets: RunTargets,
        spec: FaultSpec,
        fault_id: str | None = None,
        timeline: Timeline | None = None,
    ) -> None:
        super().__init__(spec, fault_id, timeline)
        self.targets = targets
        self.client = targets.client

    def _record(self, state: State) -> None:
        RunLedger(self.targets).record(self.id, self.spec, state)

    def _forget(self) -> None:
        RunLedger(self.targets).forget(self.id)

    def tool_labels(self, role: str) -> dict[str, str]:
        """Labels for a container a fault starts (a proxy): the reaper removes it with the run."""
        t = self.targets
        return labels.for_run(t.run_id, t.stack_name, **{labels.ROLE: role, labels.FAULT: self.id})

    def clean_up(self, container: Container, script: str) -> None:
        """Run an undo script in a container's network namespace, whatever state it is in.

        A stopped container's namespace is gone, and its rules and qdiscs with it. A paused
        one (a router frozen by drop-node bgp) still forwards, so its rules must go: it
        cannot exec, so a helper container joins its namespace to run the script.
        """
        try:
            status = status_of(container)
            if status == "running":
                container.exec_run(["sh", "-c", script])
            elif status == "paused":
                self.client.containers.run(
                    self.targets.pod_image,
                    entrypoint=["sh", "-c", script],
                    network_mode=f"container:{container.id}",
                    cap_add=["NET_ADMIN"],
                    labels=self.tool_labels("fault-tool"),
                    remove=True,
                )
        except docker.errors.NotFound:
            return  # gone: nothing left to undo
        except docker.errors.DockerException as exc:
            # The ledger keeps the fault, so `heal --all` can try again.
            raise FaultError(f"{self.spec.describe()}: cleaning up in {container.name}: {exc}") from None

    def container(self, name: str) -> Container:
        found = self.targets.container(name)
        if found is None:
            raise FaultError(f"{self.spec.describe()}: container {name} is gone")
        return found


class RunLedger:
    """The run's fault ledger (marker containers), for faults of one target and faults of several."""

    def __init__(self, targets: RunTargets) -> None:
        self.targets = targets

    def record(self, fault_id: str, spec: FaultSpec, state: State) -> None:
        t = self.targets
        ledger.record(t.client, t.run_id, t.stack_name, t.pod_image, fault_id, spec, state)

    def forget(self, fault_id: str) -> None:
        ledger.forget(self.targets.client, self.targets.run_id, fault_id)


def status_of(container: Container) -> str:
    container.reload()
    return str(container.status)
