"""pytest plugin (entry point ``xmux_sim``): a session-scoped stack and per-service clients.

Options:
  --xmux-stack FILE    stack file for the session stack (default: the embedded one)
  --xmux-attach [RUN]  use a running stack (`xmux-sim up --keep`) instead of starting one

Fixtures: ``xmux_stack`` (a DockerRun), ``xmux_postgres`` (psycopg connection),
``xmux_mongo`` (pymongo database), ``xmux_minio`` (Minio client), ``xmux_nats_endpoint``
(nats-py is async: connect with ``xmux_sim.clients.nats_connect``), ``xmux_http`` (base
URL of nginx).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from xmux_sim import clients
from xmux_sim.services.base import Endpoint


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


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "stack: needs a Docker engine and the built images (real containers)")


@pytest.fixture(scope="session")
def xmux_stack(request: pytest.FixtureRequest) -> Iterator[Any]:
    from xmux_sim.api import open_stack

    attach = request.config.getoption("--xmux-attach")
    with open_stack(
        request.config.getoption("--xmux-stack"), attach=(attach or True) if attach is not None else False
    ) as run:
        yield run


@pytest.fixture
def xmux_postgres(xmux_stack: Any) -> Iterator[Any]:
    with clients.postgres(xmux_stack.endpoint("postgres")) as conn:
        yield conn


@pytest.fixture
def xmux_mongo(xmux_stack: Any) -> Iterator[Any]:
    ep = xmux_stack.endpoint("mongo")
    client = clients.mongo(ep)
    try:
        yield client[ep.credentials.get("database", "xmux")]
    finally:
        client.close()


@pytest.fixture
def xmux_minio(xmux_stack: Any) -> Any:
    return clients.minio(xmux_stack.endpoint("minio"))


@pytest.fixture
def xmux_nats_endpoint(xmux_stack: Any) -> Endpoint:
    ep: Endpoint = xmux_stack.endpoint("nats")
    return ep


@pytest.fixture
def xmux_http(xmux_stack: Any) -> str:
    return clients.http_url(xmux_stack.endpoint("nginx"))
