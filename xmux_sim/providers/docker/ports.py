"""Published ports: always on 127.0.0.1, and checked before anything starts."""

from __future__ import annotations

import socket
from typing import Any, cast

from testcontainers.core.container import DockerContainer

from xmux_sim.errors import PortInUse


def publish_on_loopback(container: DockerContainer, ports: dict[str, int | None]) -> None:
    """Publish container ports ("5432/tcp") on 127.0.0.1, at the given host port or any free one."""
    for container_port, host_port in ports.items():
        # docker-py takes (ip,) for "any port on ip" and (ip, port) for a fixed one;
        # testcontainers' with_bind_ports only knows plain ports (all interfaces).
        binding = ("127.0.0.1", host_port) if host_port else ("127.0.0.1",)
        cast(dict[str, Any], container.ports)[container_port] = binding


def check_free(port: int, wanted_by: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            raise PortInUse(
                f"host port 127.0.0.1:{port} (asked for by {wanted_by}) is already in use. Free it, or "
                "change or remove that `publish` entry in the stack file (0 picks a free port)."
            ) from None


def host_ports(attrs: dict[str, Any], names: dict[str, int]) -> dict[str, int]:
    """Port name -> published host port, read from a container's inspect data."""
    bindings = attrs.get("NetworkSettings", {}).get("Ports") or {}
    result: dict[str, int] = {}
    for name, container_port in names.items():
        entries = bindings.get(f"{container_port}/tcp")
        if entries:
            result[name] = int(entries[0]["HostPort"])
    return result
