"""pytest plugin (entry point ``xmux_sim``): a session-scoped stack and per-service clients.

Options:
  --xmux-stack FILE    stack file for the session stack (default: the embedded one)
  --xmux-attach [RUN]  use a running stack (`xmux-sim up --keep`) instead of starting one

  --xmux-seed N        seed for scenario files (default: each file's, else random)
  --xmux-report-dir D  where scenario reports go (default: reports)

Fixtures: ``xmux_stack`` (a :class:`~xmux_sim.providers.base.Run`), ``xmux_postgres`` (psycopg connection),
``xmux_mongo`` (pymongo database), ``xmux_minio`` (Minio client), ``xmux_nats_endpoint``
(nats-py is async: connect with ``xmux_sim.clients.nats_connect``), ``xmux_http`` (base
URL of nginx); for scenarios written in Python: ``xmux_clock`` (one RunClock),
``xmux_recorder`` (a Recorder on it) and ``xmux_faults`` (inject faults on a Timeline on
it; every fault still in is healed after the test).

Scenario files: every ``*.yaml`` under a folder named ``scenarios`` (and the embedded
default scenario, named by its path) is collected as one test (``pytest scenarios/``),
run through the same runner as `xmux-sim run`. A violated invariant fails it with the
verdict table as the failure text; a file with ``expect: violated`` fails when its
invariants all hold.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from xmux_sim import clients
from xmux_sim.params import SEED, option
from xmux_sim.report.writer import check_report_dir
from xmux_sim.services.base import Endpoint

if TYPE_CHECKING:
    import psycopg
    import pymongo.database
    from minio import Minio

    from xmux_sim.history import Recorder
    from xmux_sim.providers.base import Run, RunFaults
    from xmux_sim.timeline import RunClock


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("xmux-sim")
    group.addoption("--xmux-stack", default=None, help="stack file for the session stack")
    group.addoption(
        "--xmux-attach",
        nargs="?",
        const="",
        default=None,
        metavar="RUN",
        help="attach to a running stack (the only one, or RUN) instead of starting one",
    )
    group.addoption("--xmux-seed", type=SEED.option(), default=None, help="seed for scenario files")
    group.addoption(
        "--xmux-report-dir",
        type=option(check_report_dir, "folder"),
        default="reports",
        help="where scenario reports go",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "stack: needs a Docker engine and the built images (real containers)")
    config.addinivalue_line("markers", "scenario: a scenario file run as a test")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    from xmux_sim.scenario.loader import default_scenario_path

    # The embedded default scenario: the installed copy, or the checkout's (a non-editable install).
    default = file_path.resolve() == default_scenario_path().resolve() or file_path.parts[-3:] == (
        "xmux_sim",
        "scenario",
        "default.yaml",
    )
    if file_path.suffix in (".yaml", ".yml") and ("scenarios" in file_path.parts[:-1] or default):
        from xmux_sim.experiment.pytest_items import ScenarioFile

        file: pytest.Collector = ScenarioFile.from_parent(parent, path=file_path)
        return file
    return None


@pytest.fixture(scope="session")
def xmux_stack(request: pytest.FixtureRequest) -> Iterator[Run]:
    from xmux_sim.api import open_stack

    attach = request.config.getoption("--xmux-attach")
    with open_stack(
        request.config.getoption("--xmux-stack"), attach=(attach or True) if attach is not None else False
    ) as run:
        yield run


@pytest.fixture
def xmux_postgres(xmux_stack: Run) -> Iterator[psycopg.Connection[Any]]:
    with clients.postgres(xmux_stack.endpoint("postgres")) as conn:
        yield conn


@pytest.fixture
def xmux_mongo(xmux_stack: Run) -> Iterator[pymongo.database.Database[dict[str, Any]]]:
    ep = xmux_stack.endpoint("mongo")
    client = clients.mongo(ep)
    try:
        yield client[ep.credentials.get("database", "xmux")]
    finally:
        client.close()


@pytest.fixture
def xmux_minio(xmux_stack: Run) -> Minio:
    return clients.minio(xmux_stack.endpoint("minio"))


@pytest.fixture
def xmux_nats_endpoint(xmux_stack: Run) -> Endpoint:
    return xmux_stack.endpoint("nats")


@pytest.fixture
def xmux_http(xmux_stack: Run) -> str:
    return clients.http_url(xmux_stack.endpoint("nginx"))


@pytest.fixture
def xmux_clock() -> RunClock:
    from xmux_sim.timeline import RunClock

    return RunClock()


@pytest.fixture
def xmux_recorder(xmux_clock: RunClock) -> Recorder:
    from xmux_sim.history import Recorder

    return Recorder(xmux_clock)


@pytest.fixture
def xmux_faults(xmux_stack: Run, xmux_clock: RunClock) -> Iterator[RunFaults]:
    """The session stack's faults on this test's clock; ``.timeline.windows()`` feeds the checkers."""
    from xmux_sim.timeline import Timeline

    faults = xmux_stack.faults(Timeline(xmux_clock))
    try:
        yield faults
    finally:
        faults.heal_all()
