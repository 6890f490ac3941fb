"""Fault primitives of the docker provider, and the ledger that lets any process heal them."""

from __future__ import annotations

import docker

from xmux_sim.faults.base import FaultError, Timeline
from xmux_sim.faults.spec import FaultSpec, FaultSpecError
from xmux_sim.providers.docker.faults import ledger
from xmux_sim.providers.docker.faults.core import DockerFault
from xmux_sim.providers.docker.faults.ledger import LedgerEntry
from xmux_sim.providers.docker.faults.netfilter import Loss, Partition
from xmux_sim.providers.docker.faults.nodes import Bandwidth, DropNode
from xmux_sim.providers.docker.faults.pods import PodLifecycle, WipeVolume
from xmux_sim.providers.docker.faults.targets import RunTargets
from xmux_sim.providers.docker.faults.toxiproxy import Latency

FAULT_CLASSES: dict[str, type[DockerFault]] = {
    "kill": PodLifecycle,
    "stop": PodLifecycle,
    "start": PodLifecycle,
    "pause": PodLifecycle,
    "unpause": PodLifecycle,
    "wipe-volume": WipeVolume,
    "drop-node": DropNode,
    "bandwidth": Bandwidth,
    "partition": Partition,
    "loss": Loss,
    "latency": Latency,
    "jitter": Latency,
}

__all__ = ["DockerFaults", "FaultError", "LedgerEntry"]


class DockerFaults:
    """The faults of one run: make and inject them, list the active ones, heal them."""

    def __init__(self, client: docker.DockerClient, run_id: str, timeline: Timeline | None = None) -> None:
        self.client = client
        self.run_id = run_id
        self.timeline = timeline

    def make(self, spec: FaultSpec) -> DockerFault:
        targets = RunTargets(self.client, self.run_id)
        self._check(spec, targets)
        return FAULT_CLASSES[spec.kind](targets, spec, timeline=self.timeline)

    def inject(self, spec: FaultSpec) -> DockerFault:
        fault = self.make(spec)
        fault.inject()
        return fault

    def active(self) -> list[LedgerEntry]:
        return ledger.entries(self.client, self.run_id)

    def heal(self, fault_id: str) -> LedgerEntry:
        for entry in self.active():
            if entry.id == fault_id:
                self._heal(entry)
                return entry
        ids = ", ".join(e.id for e in self.active()) or "none"
        raise FaultError(f"run {self.run_id} has no active fault {fault_id!r}; active: {ids}")

    def heal_all(self) -> list[LedgerEntry]:
        """Heal every active fault, newest first (a pod fault inside a power fault heals after it)."""
        entries = self.active()
        errors = []
        for entry in reversed(entries):
            try:
                self._heal(entry)
            except FaultError as exc:
                errors.append(str(exc))
        if errors:
            raise FaultError("some faults could not be healed:\n  " + "\n  ".join(errors))
        return entries

    def _heal(self, entry: LedgerEntry) -> None:
        targets = RunTargets(self.client, self.run_id)
        fault = FAULT_CLASSES[entry.spec.kind](targets, entry.spec, entry.id, self.timeline)
        fault.state = entry.state
        fault.heal()

    def _check(self, spec: FaultSpec, targets: RunTargets) -> None:
        """Names in the spec against the live run (the CLI has no Stack object)."""
        params = spec.params
        try:
            if "node" in params:
                targets.node(params["node"])
            if "pod" in params:
                targets.pod(params["pod"])
            if "service" in params:
                targets.service_pods(params["service"])
            for side in ("a", "b"):
                for name in params.get(side, ()):
                    if name not in targets.nodes and name not in targets.pods:
                        raise FaultSpecError(
                            side,
                            f"no node or pod {name!r}; nodes: {', '.join(sorted(targets.nodes))}; "
                            f"pods: {', '.join(sorted(targets.pods))}",
                        )
            if spec.kind == "partition" and set(params["a"]) & set(params["b"]):
                raise FaultSpecError("b", "the two sides of a partition overlap")
        except FaultSpecError as exc:
            raise FaultError(f"{spec.describe()}: {exc}") from None
