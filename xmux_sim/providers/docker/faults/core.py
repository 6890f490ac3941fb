"""The Docker side shared by every fault: targets, the ledger, and the timeline hook."""

from __future__ import annotations

from docker.models.containers import Container

from xmux_sim.faults.base import Fault, FaultError, State, Timeline
from xmux_sim.faults.spec import FaultSpec
from xmux_sim.providers.docker import labels
from xmux_sim.providers.docker.faults import ledger
from xmux_sim.providers.docker.faults.targets import RunTargets


class DockerFault(Fault):
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
        t = self.targets
        ledger.record(self.client, t.run_id, t.stack_name, t.pod_image, self.id, self.spec, state)

    def _forget(self) -> None:
        ledger.forget(self.client, self.targets.run_id, self.id)

    def tool_labels(self, role: str) -> dict[str, str]:
        """Labels for a container a fault starts (a proxy): the reaper removes it with the run."""
        t = self.targets
        return labels.for_run(t.run_id, t.stack_name, **{labels.ROLE: role, labels.FAULT: self.id})

    def container(self, name: str) -> Container:
        found = self.targets.container(name)
        if found is None:
            raise FaultError(f"{self.spec.describe()}: container {name} is gone")
        return found


def status_of(container: Container) -> str:
    container.reload()
    return str(container.status)
