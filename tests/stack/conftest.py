"""Stack tests: real containers, real connections. Every test here is marked `stack`."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest

from xmux_sim.providers.base import Run
from xmux_sim.providers.docker.engine import connect
from xmux_sim.providers.docker.provider import DockerProvider, DockerRun
from xmux_sim.topology.stackfile import load_stack

REPLICATED = Path(__file__).resolve().parents[2] / "xmux_sim" / "stacks" / "replicated.yaml"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.stack)


@pytest.fixture(scope="module")
def rstack() -> Iterator[DockerRun]:
    """The replicated stack as shipped (198.18.220-222), for one test module; down afterwards."""
    run = DockerProvider().up(load_stack(REPLICATED))
    try:
        yield run
    finally:
        run.down()


@pytest.fixture(scope="session")
def docker_client() -> Iterator[docker.DockerClient]:
    client = connect()
    yield client
    client.close()


def as_docker(run: Run) -> DockerRun:
    """The run's containers: these tests look inside the docker provider's pods and routers."""
    assert isinstance(run, DockerRun), f"the stack tests need the docker provider, not {type(run).__name__}"
    return run


def labelled(client: docker.DockerClient, run_id: str) -> dict[str, list[str]]:
    """Everything on the engine that carries the run's label."""
    flt = {"label": f"xmux-sim.run={run_id}"}
    # sparse: one list call, no inspect per container, which would race with a reaper removing them.
    containers = client.containers.list(all=True, filters=flt, sparse=True)
    return {
        "containers": [str(c.attrs["Names"][0]).lstrip("/") for c in containers],
        "networks": [n.name for n in client.networks.list(filters=flt)],
        "volumes": [v.name for v in client.volumes.list(filters=flt)],
    }


def nothing_left(client: docker.DockerClient, run_id: str) -> bool:
    return not any(labelled(client, run_id).values())


def status_json(run_id: str) -> dict[str, Any]:
    """`xmux-sim status --json` of a run, through the real command line."""
    result = subprocess.run(
        [sys.executable, "-m", "xmux_sim.cli", "status", "--run", run_id, "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    status: dict[str, Any] = json.loads(result.stdout)
    return status
