"""Helpers shared by the XMUS stack tests: a client through nginx and the run's seed."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import grpc

from xmux_sim.providers.base import Run
from xmux_sim.services.tls import ca_file
from xmux_sim.xmus import client, seed
from xmux_sim.xmus.errors import ErrorInfo, error_info
from xmux_sim.xmus.seed import Student

T = TypeVar("T")


@dataclass
class Xmus:
    """The API as the app sees it: stubs over nginx's TLS port, and the data the run was seeded with."""

    stubs: client.Stubs
    https: str
    """Base URL of nginx's TLS port (REST, presigned URLs)."""
    http: str
    ca_file: str
    seed: int
    size: str

    @property
    def students(self) -> tuple[Student, ...]:
        return seed.students(self.seed, self.size)

    def md(self, who: Student) -> tuple[tuple[str, str], ...]:
        return client.auth_metadata(who.campus_id, who.password)


def connect(run: Run) -> Xmus:
    ep = run.endpoint("nginx")
    ca = str(ca_file(ep.credentials["ca_cert"]))
    env = run.environment(_service_of_kind(run, "xmus-user"))
    return Xmus(
        stubs=client.connect(ep.address("grpc"), ca),
        https=f"https://{ep.address('grpc')}",
        http=f"http://{ep.address('http')}",
        ca_file=ca,
        seed=int(env["XMUS_SEED"]),
        size=env["XMUS_SIZE"],
    )


def _service_of_kind(run: Run, kind: str) -> str:
    for name, endpoints in run.endpoints.items():
        if endpoints and endpoints[0].kind == kind:
            return str(name)
    raise KeyError(f"the stack has no {kind} service")


def rpc_error(call: Callable[[], Any]) -> ErrorInfo:
    """The Kratos error of a call that must fail."""
    try:
        call()
    except grpc.RpcError as exc:
        return error_info(exc)
    raise AssertionError("the call succeeded; expected an error")


def eventually(check: Callable[[], T], timeout: float = 20.0, interval: float = 0.2) -> T:
    """The first truthy result of ``check`` within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(interval)
