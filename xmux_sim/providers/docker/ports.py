"""Published ports: always on 127.0.0.1, and checked before anything starts."""

from __future__ import annotations

import socket
from typing import Any, cast

from testcontainers.core.container import DockerContainer

from xmux_sim.errors import PortInUse


def publish_on_loopback(container: DockerContainer, ports: dict[str, int | None]) -> None:
    """Publish container ports ("5432/tcp") on 127.0.0.1, at the given host port or a free one.

    "Any port" is chosen here rather than by Docker: Docker picks a new one each time a
    container starts, and a pod restarted by a power fault must keep its endpoints.
    """
    for container_port, host_port in ports.items():
        # testcontainers' with_bind_ports only knows plain ports (all interfaces).
        cast(dict[str, Any], container.ports)[container_port] = ("127.0.0.1", host_port or free_port())


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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
