"""Service kind name -> its runtime, as the kind's declaration names it."""

from __future__ import annotations

import importlib
from functools import cache

from xmux_sim.services.base import ServiceRuntime
from xmux_sim.topology.kinds import KINDS


@cache
def runtime_for(kind: str) -> ServiceRuntime:
    module, _, name = KINDS[kind].runtime.partition(":")
    # Imported by name: a kind's runtime module loads its client library only when needed.
    cls = getattr(importlib.import_module(module), name)
    if not (isinstance(cls, type) and issubclass(cls, ServiceRuntime)):
        raise TypeError(f"service kind {kind}: {KINDS[kind].runtime} is not a ServiceRuntime")
    return cls(kind)
