"""The stack model: YAML -> validated objects. Imports nothing that touches Docker."""

from xmux_sim.topology.model import BgpSettings, NetworkSettings, Node, Service, Stack
from xmux_sim.topology.stackfile import (
    default_stack_path,
    embedded_stacks,
    load_stack,
    parse_stack,
    stack_path,
)

__all__ = [
    "BgpSettings",
    "NetworkSettings",
    "Node",
    "Service",
    "Stack",
    "default_stack_path",
    "embedded_stacks",
    "load_stack",
    "parse_stack",
    "stack_path",
]
