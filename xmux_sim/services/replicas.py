"""Waiting for a replicated service to be whole again, shared by stack tests and benchmarks.

Uses the runtimes' ``replication`` (what the ``replication`` probe asks), so a test, a
benchmark and a scenario agree on what "in sync" means.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol

from xmux_sim.services.base import Endpoint, ProbeFailed
from xmux_sim.services.registry import runtime_for


class HasEndpoints(Protocol):
    def endpoint(self, service: str, replica: int = 0) -> Endpoint: ...


def in_sync(run: HasEndpoints, service: str, **params: Any) -> int:
    """How many replicas of ``service`` are in sync now (0 while it cannot tell)."""
    ep = run.endpoint(service)
    try:
        return runtime_for(ep.kind).replication(ep, params)[0]
    except (ProbeFailed, OSError):
        return 0


def wait_until(predicate: Callable[[], bool], timeout: float, what: str, poll: float = 0.25) -> float:
    """Seconds until ``predicate`` holds; TimeoutError naming ``what`` after ``timeout``.

    A predicate that raises counts as not holding yet (the service is still coming back).
    """
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        try:
            if predicate():
                return time.monotonic() - t0
        except Exception:
            pass
        time.sleep(poll)
    raise TimeoutError(f"{what}: not within {timeout:g}s")


def wait_in_sync(run: HasEndpoints, service: str, replicas: int, timeout: float, **params: Any) -> float:
    """Seconds until ``replicas`` replicas of ``service`` are in sync."""
    return wait_until(
        lambda: in_sync(run, service, **params) >= replicas,
        timeout,
        f"{replicas} replicas of {service} in sync",
    )
