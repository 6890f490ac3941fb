"""The cluster fabric: nodes as failure domains, their BGP routers, routes and convergence.

Everything here except `convergence.RouteWatcher` (which runs a caller-supplied reader in
threads) is pure: configs are rendered and command outputs parsed without touching Docker,
so the provider owns every container and this package can be tested without an engine.
"""

from xmux_sim.fabric.addressing import underlay_ip
from xmux_sim.fabric.bird import bird_config, protocol_name, protocol_symbol
from xmux_sim.fabric.convergence import RouteWatcher, convergence_time, sampling_interval
from xmux_sim.fabric.routes import RouteSample, parse_bird_protocols, parse_kernel_routes

__all__ = [
    "RouteSample",
    "RouteWatcher",
    "bird_config",
    "convergence_time",
    "parse_bird_protocols",
    "parse_kernel_routes",
    "protocol_name",
    "protocol_symbol",
    "sampling_interval",
    "underlay_ip",
]
