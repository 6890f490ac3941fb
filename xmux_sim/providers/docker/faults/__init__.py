"""Fault primitives of the docker provider, and the ledger that lets any process heal them.

Each module here implements some fault kinds: a :class:`DockerFault` subclass names the
kinds it carries out in ``implements``, and :data:`DOCKER_FAULTS` finds it by them.
"""

from __future__ import annotations

import docker

from xmux_sim.faults.base import Fault, FaultError
from xmux_sim.faults.kind import FAULT_KINDS
from xmux_sim.faults.spec import FaultSpec, FaultSpecError, target_names
from xmux_sim.faults.together import Together
from xmux_sim.providers.docker.faults import ledger
from xmux_sim.providers.docker.faults.core import DockerFault, RunLedger
from xmux_sim.providers.docker.faults.targets import RunTargets
from xmux_sim.registry import Registry, subclasses
from xmux_sim.timeline import Timeline

__all__ = ["DOCKER_FAULTS", "DockerFaults"]


DOCKER_FAULTS: Registry[type[DockerFault]] = Registry(
    "docker fault implementation",
    [__name__],
    # mypy objects to an abstract class as type[T]; only concrete subclasses are collected.
    subclasses(DockerFault, "implements"),  # type: ignore[type-abstract]
    lambda cls: cls.implements,
)


class DockerFaults(ledger.LedgerFaults):
    """The faults of one run: make and inject them, list the active ones, heal them."""

    def __init__(self, client: docker.DockerClient, run_id: str, timeline: Timeline | None = None) -> None:
        self.client = client
        self.run_id = run_id
        self.timeline = timeline

    def _implementation(self, kind: str) -> type[DockerFault]:
        cls = DOCKER_FAULTS.get(kind)
        if cls is None:
            raise FaultError(f"the docker provider cannot inject {kind} faults")
        return cls

    def make(self, spec: FaultSpec) -> Fault:
        targets = RunTargets(self.client, self.run_id)
        self._check(spec, targets)
        return self._build(targets, spec)

    def _build(self, targets: RunTargets, spec: FaultSpec, fault_id: str | None = None) -> Fault:
        cls = self._implementation(spec.kind)
        each = spec.each_target()
        if each == [spec]:
            return cls(targets, spec, fault_id, self.timeline)
        # The parts act only through the Together: one ledger entry, one timeline event.
        parts = [cls(targets, part) for part in each]
        return Together(spec, parts, RunLedger(targets), fault_id, self.timeline)

    def rebuild(self, spec: FaultSpec, fault_id: str) -> Fault:
        return self._build(RunTargets(self.client, self.run_id), spec, fault_id)

    def _check(self, spec: FaultSpec, targets: RunTargets) -> None:
        """Names in the spec against the live run (the CLI has no Stack object)."""
        info = FAULT_KINDS.get(spec.kind)
        if info is None:
            raise FaultError(FAULT_KINDS.unknown(spec.kind))
        try:
            for key, value in spec.params.items():
                param = info.param(key)
                target = param.type.target if param is not None else None
                if target in ("node", "nodes"):
                    for name in target_names(value):
                        targets.node(name)
                elif target in ("pod", "pods"):
                    for name in target_names(value):
                        targets.pod(name)
                elif target == "service":
                    targets.service_pods(value)
                elif target == "node or pod":
                    for name in value:
                        if name not in targets.nodes and name not in targets.pods:
                            raise FaultSpecError(
                                key,
                                f"no node or pod {name!r}; nodes: {', '.join(sorted(targets.nodes))}; "
                                f"pods: {', '.join(sorted(targets.pods))}",
                            )
        except FaultSpecError as exc:
            raise FaultError(f"{spec.describe()}: {exc}") from None
