"""Helpers shared by the XMUS stack tests: clients through nginx and to a pod, the run's seed,
and what Prometheus saw each service answer."""

from __future__ import annotations

import json
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import grpc
from google.protobuf import timestamp_pb2

from xmux_sim.providers.base import Run
from xmux_sim.services.tls import ca_file
from xmux_sim.xmus import client, seed
from xmux_sim.xmus.errors import ErrorInfo, error_info
from xmux_sim.xmus.seed import Student

T = TypeVar("T")


@dataclass
class Xmus:
    """The API as the app sees it: stubs over nginx's TLS port, and the data the run was seeded with."""

    run: Run
    stubs: client.Stubs
    https: str
    """Base URL of nginx's TLS port (REST, presigned URLs)."""
    http: str
    ca_file: str
    seed: int
    size: str

    @property
    def students(self) -> tuple[Student, ...]:
        """Students and staff with an XMUX profile: the app's calls work for them."""
        return seed.registered(self.seed, self.size)

    def md(self, who: Student) -> tuple[tuple[str, str], ...]:
        return client.auth_metadata(who.campus_id, who.password)

    def config(self, service: str) -> Mapping[str, Any]:
        """The config of one of the stack's services, as the stack file gave it."""
        assert self.run.stack is not None, "a stack this process brought up"
        return self.run.stack.services[service].config

    def pod_channel(self, service: str) -> grpc.Channel:
        """A channel straight to a pod's gRPC port, as another service inside the cluster has."""
        return grpc.insecure_channel(self.run.endpoint(service).address("grpc"))

    def answered(self, service: str, method: str) -> float:
        """How many calls of ``method`` the stack's ``service`` answered OK, as Prometheus scraped them."""
        query = f'sum(xmus_requests_total{{job="{service}",method="{method}",code="OK"}})'
        url = (
            f"http://{self.run.endpoint('prometheus').address('http')}/api/v1/query?"
            + urllib.parse.urlencode({"query": query})
        )
        with urllib.request.urlopen(url, timeout=5) as resp:
            result = json.load(resp)["data"]["result"]
        return float(result[0]["value"][1]) if result else 0.0


def connect(run: Run) -> Xmus:
    ep = run.endpoint("nginx")
    ca = str(ca_file(ep.credentials["ca_cert"]))
    env = run.environment(service_of_kind(run, "xmus-auth"))
    return Xmus(
        run=run,
        stubs=client.connect(ep.address("grpc"), ca),
        https=f"https://{ep.address('grpc')}",
        http=f"http://{ep.address('http')}",
        ca_file=ca,
        seed=int(env["XMUS_SEED"]),
        size=env["XMUS_SIZE"],
    )


def service_of_kind(run: Run, kind: str) -> str:
    for name, endpoints in run.endpoints.items():
        if endpoints and endpoints[0].kind == kind:
            return str(name)
    raise KeyError(f"the stack has no {kind} service")


def rpc_error(call: Callable[[], Any]) -> ErrorInfo:
    """The error of a call that must fail."""
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


def ts(at: datetime) -> timestamp_pb2.Timestamp:
    t = timestamp_pb2.Timestamp()
    t.FromDatetime(at.astimezone(UTC))
    return t


def every_method_answered(xmus: Xmus, services: list[tuple[str, Any]]) -> list[str]:
    """``Service/Method`` of every method of the (stack service, service descriptor) pairs that
    never answered OK (Prometheus scrapes every 2 s: allow for it)."""
    missing: list[str] = []
    for xmus_service, descriptor in services:
        for method in descriptor.methods:

            def answered(s: str = xmus_service, m: str = method.name) -> bool:
                return xmus.answered(s, m) > 0

            if not eventually(answered, timeout=15, interval=1):
                missing.append(f"{descriptor.name}/{method.name}")
    return missing
