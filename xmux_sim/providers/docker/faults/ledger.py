"""The fault ledger: one created-but-never-started container per active fault.

A fault injected by `xmux-sim fault` must be healable by a later `xmux-sim heal`, and
must vanish with the run. Labels on a container in the run give both: any process finds
the active faults by label, and the run's reaper and `down` remove markers like every
other container of the run. A marker is written before the effect, so a harness killed
mid-inject still leaves a record for `heal --all` (whose reverts tolerate half-done work).
"""

from __future__ import annotations

import json
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any

import docker
import docker.errors

from xmux_sim.faults.base import ActiveFault
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
