"""Stack tests: real containers, real connections. Every test here is marked `stack`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from xmux_sim.providers.docker.engine import connect


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.stack)


@pytest.fixture(scope="session")
def docker_client() -> Iterator[docker.DockerClient]:
    client = connect()
    yield client
    client.close()


def labelled(client: docker.DockerClient, run_id: str) -> dict[str, list[str]]:
    """Everything on the engine that carries the run's label."""
    flt = {"label": f"xmux-sim.run={run_id}"}
    return {
        "containers": [c.name for c in client.containers.list(all=True, filters=flt)],
        "networks": [n.name for n in client.networks.list(filters=flt)],
        "volumes": [v.name for v in client.volumes.list(filters=flt)],
    }


def nothing_left(client: docker.DockerClient, run_id: str) -> bool:
    return not any(labelled(client, run_id).values())
