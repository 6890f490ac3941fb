"""The fault ledger: one created-but-never-started container per active fault.

A fault injected by `xmux-sim fault` must be healable by a later `xmux-sim heal`, and
must vanish with the run. Labels on a container in the run give both: any process finds
the active faults by label, and the run's reaper and `down` remove markers like every
other container of the run. A marker is written before the effect, so a harness killed
mid-inject still leaves a record for `heal --all` (whose reverts tolerate half-done work).
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any, ClassVar

import docker
import docker.errors

from xmux_sim.faults.base import ActiveFault, Fault, FaultError
from xmux_sim.faults.spec import FaultSpec
from xmux_sim.providers.docker import labels


def marker_name(run_id: str, fault_id: str) -> str:
    return f"xmux-{run_id}-fault-{fault_id}"


def record(
    client: docker.DockerClient,
    run_id: str,
    stack: str,
    image: str,
    fault_id: str,
    spec: FaultSpec,
    state: dict[str, Any],
) -> None:
    client.containers.create(
        image,
        name=marker_name(run_id, fault_id),
        command=["true"],
        network_mode="none",
        labels=labels.for_run(
            run_id,
            stack,
            **{
                labels.ROLE: "fault",
                labels.FAULT: fault_id,
                labels.FAULT_SPEC: spec.to_json(),
                labels.FAULT_STATE: json.dumps(state, sort_keys=True),
                labels.FAULT_INJECTED: datetime.now(UTC).isoformat(timespec="milliseconds"),
            },
        ),
    )


def forget(client: docker.DockerClient, run_id: str, fault_id: str) -> None:
    with suppress(docker.errors.NotFound):
        client.containers.get(marker_name(run_id, fault_id)).remove(force=True)


def entries(client: docker.DockerClient, run_id: str) -> list[ActiveFault]:
    """The run's active faults, oldest first."""
    # sparse: the labels are all we need, and a marker removed meanwhile does not fail the list.
    markers = client.containers.list(
        all=True, filters={"label": [f"{labels.RUN}={run_id}", f"{labels.ROLE}=fault"]}, sparse=True
    )
    found = []
    for marker in markers:
        tags = marker.attrs.get("Labels") or {}
        found.append(
            ActiveFault(
                id=tags[labels.FAULT],
                spec=FaultSpec.from_json(tags[labels.FAULT_SPEC]),
                state=json.loads(tags.get(labels.FAULT_STATE, "{}")),
                injected_at=tags.get(labels.FAULT_INJECTED, ""),
            )
        )
    return sorted(found, key=lambda e: e.injected_at)


class LedgeredFault(Fault):
    """A fault of a run whose state is in the ledger: an engine error while healing it is a
    FaultError (the entry stays, `heal --all` can retry), not a crash of the harness."""

    implements: ClassVar[tuple[str, ...]]
    """The fault kinds a subclass carries out (how a provider's registry finds it)."""

    def heal(self) -> None:
        try:
            super().heal()
        except docker.errors.DockerException as exc:
            raise FaultError(f"healing {self.describe()}: {exc}") from None


class LedgerFaults(ABC):
    """The faults of one run, kept in the ledger: inject them, list the active ones, heal one
    or all, from any process. A provider says how a fault is made (``make``: checked and
    built) and how one is rebuilt for an entry of the ledger (``rebuild``)."""

    client: docker.DockerClient
    run_id: str

    @abstractmethod
    def make(self, spec: FaultSpec) -> Fault: ...

    @abstractmethod
    def rebuild(self, spec: FaultSpec, fault_id: str) -> Fault:
        """The fault object of an active entry, to heal it (its state is set by the caller)."""

    def inject(self, spec: FaultSpec) -> Fault:
        fault = self.make(spec)
        fault.inject()
        return fault

    def active(self) -> list[ActiveFault]:
        return entries(self.client, self.run_id)

    def heal(self, fault_id: str) -> ActiveFault:
        for entry in self.active():
            if entry.id == fault_id:
                self._heal(entry)
                return entry
        ids = ", ".join(e.id for e in self.active()) or "none"
        raise FaultError(f"run {self.run_id} has no active fault {fault_id!r}; active: {ids}")

    def heal_all(self) -> list[ActiveFault]:
        """Heal every active fault, newest first (a pod fault inside a power fault heals after it)."""
        active = self.active()
        errors = []
        for entry in reversed(active):
            try:
                self._heal(entry)
            except FaultError as exc:
                errors.append(str(exc))
        if errors:
            raise FaultError("some faults could not be healed:\n  " + "\n  ".join(errors))
        return active

    def _heal(self, entry: ActiveFault) -> None:
        fault = self.rebuild(entry.spec, entry.id)
        fault.state = entry.state
        fault.heal()
