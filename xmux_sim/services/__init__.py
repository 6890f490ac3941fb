"""One module per component: how to configure, start, wait for, reach and probe it."""

from xmux_sim.services.base import Endpoint, PodPlan, ProbeFailed, ServiceRuntime, StackPlan
from xmux_sim.services.registry import runtime_for

__all__ = ["Endpoint", "PodPlan", "ProbeFailed", "ServiceRuntime", "StackPlan", "runtime_for"]
