"""The docker provider: nodes are bridge networks, pods are a holder container plus the app."""

from __future__ import annotations

from xmux_sim.providers.base import Progress, Provider


def make_provider(progress: Progress | None = None) -> Provider:
    # Imported here: choosing a provider by name must not load every engine's SDK.
    from xmux_sim.providers.docker.provider import DockerProvider

    return DockerProvider(progress=progress)


def fault_kinds() -> frozenset[str]:
    from xmux_sim.providers.docker.faults import DOCKER_FAULTS

    return frozenset(DOCKER_FAULTS.names())
