"""Connecting to the Docker engine, with an error that says what to do when there is none."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import docker
import docker.errors
from docker.models.containers import Container

from xmux_sim.providers.docker import labels


def engine_address() -> str:
    return os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")


def connect(timeout: int = 120) -> docker.DockerClient:
    from xmux_sim.errors import DockerUnavailable

    try:
        client = docker.from_env(timeout=timeout)
        client.ping()
    except (docker.errors.DockerException, OSError) as exc:
        raise DockerUnavailable(
            f"No Docker engine answers at {engine_address()} ({exc.__class__.__name__}). "
            "Run scripts/setup: it installs Debian's docker.io and starts dockerd when none is running; "
            "or point DOCKER_HOST at a running engine."
        ) from None
    return client


def list_containers(
    client: docker.DockerClient, filters: dict[str, Any], all: bool = True
) -> list[Container]:
    """Containers matching ``filters``, fully inspected, skipping any removed while we list.

    docker-py's plain list inspects each container after listing, and fails outright when
    one is gone meanwhile (a fault's short-lived helper, another run being taken down).
    """
    found = []
    for sparse in client.containers.list(all=all, filters=filters, sparse=True):
        try:
            found.append(client.containers.get(sparse.id))
        except docker.errors.NotFound:
            continue
    return found


_CGROUP_CPU = Path("/sys/fs/cgroup/cpuacct/docker")


def cpu_seconds(client: docker.DockerClient, run_id: str) -> dict[str, float]:
    """CPU seconds each running container of the run has used, by container id.

    From the cgroup's counter where this host exposes it (cheap), else from the engine's stats.
    """
    used: dict[str, float] = {}
    for c in client.containers.list(filters={"label": f"{labels.RUN}={run_id}"}, sparse=True):
        try:
            used[c.id] = int((_CGROUP_CPU / c.id / "cpuacct.usage").read_text()) / 1e9
            continue
        except (OSError, ValueError):
            pass
        try:
            stats = client.api.stats(c.id, stream=False, one_shot=True)
        except docker.errors.NotFound:
            continue  # gone meanwhile (a fault's helper)
        used[c.id] = int(stats.get("cpu_stats", {}).get("cpu_usage", {}).get("total_usage", 0)) / 1e9
    return used
