"""The cluster fabric: nodes as failure domains, their BGP routers and routes.

Everything here except `watcher.RouteWatcher` (which runs a caller-supplied reader in
threads) is pure: configs are rendered and command outputs parsed without touching Docker,
so the provider owns every container and this package can be tested without an engine.
"""

from xmux_sim.fabric.addressing import underlay_ip
from xmux_sim.fabric.bird import bird_config, protocol_name, protocol_symbol
from xmux_sim.fabric.routes import parse_bird_protocols, parse_kernel_routes
from xmux_sim.fabric.watcher import RouteWatcher

__all__ = [
    "RouteWatcher",
    "bird_config",
    "parse_bird_protocols",
    "parse_kernel_routes",
    "protocol_name",
    "protocol_symbol",
    "underlay_ip",
]
