"""The run's reaper: removes the run's containers, networks and volumes when we die.

A connection to the reaper container stays open for as long as the harness lives; the
kernel closes it when the process dies, SIGKILL included, and the reaper then removes
everything labelled with the run id after its reconnection timeout.
"""

from __future__ import annotations

import socket
import time
from contextlib import suppress
from types import TracebackType
from typing import Protocol, Self

import docker
import docker.errors
from testcontainers.core.container import DockerContainer

from xmux_sim.errors import StartupFailed
from xmux_sim.providers.docker import labels
from xmux_sim.providers.docker.ports import publish_on_loopback

RECONNECTION_TIMEOUT_S = 5


class ReaperHandle:
    def __init__(self, client: docker.DockerClient, image: str, run_id: str) -> None:
        self.client = client
        self.image = image
        self.run_id = run_id
        self.container: DockerContainer | None = None
        self.sock: socket.socket | None = None

    def start(self) -> None:
        socket_path = "/var/run/docker.sock"
        container = (
            DockerContainer(self.image)
            .with_name(f"xmux-sim-reaper-{self.run_id}")
            .with_env("RYUK_RECONNECTION_TIMEOUT", f"{RECONNECTION_TIMEOUT_S}s")
            .with_env("RYUK_CONNECTION_TIMEOUT", "60s")
            .with_volume_mapping(socket_path, socket_path, "rw")
            .with_kwargs(auto_remove=True, labels={labels.REAPER: self.run_id}, network_mode="bridge")
        )
        publish_on_loopback(container, {"8080/tcp": None})
        container.start()
        self.container = container
        port = self._published_port()
        deadline = time.monotonic() + 20
        last: Exception | None = None
        while time.monotonic() < deadline:
            try:
                sock = socket.create_connection(("127.0.0.1", port), timeout=2)
                sock.sendall(f"label={labels.RUN}={self.run_id}\n".encode())
                if sock.recv(16).startswith(b"ACK"):
                    sock.settimeout(None)
                    self.sock = sock
                    return
                sock.close()
            except OSError as exc:
                last = exc
            time.sleep(0.1)
        raise StartupFailed(f"the reaper did not answer on 127.0.0.1:{port}: {last}")

    def _published_port(self) -> int:
        assert self.container is not None
        wrapped = self.container.get_wrapped_container()
        for _ in range(50):
            wrapped.reload()
            bindings = (wrapped.attrs["NetworkSettings"]["Ports"] or {}).get("8080/tcp")
            if bindings:
                return int(bindings[0]["HostPort"])
            time.sleep(0.05)
        raise StartupFailed("the reaper container published no port")

    def release(self) -> None:
        """Keep the run: tell the reaper to forget it and exit."""
        if self.sock is not None:
            try:
                self.sock.sendall(b"release\n")
                self.sock.recv(16)
            except OSError:
                pass
        self.close()

    def close(self) -> None:
        """Drop the connection; without a release, the reaper now removes the run after its timeout."""
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def stop(self) -> None:
        """After a clean `down`: nothing is left to reap, so remove the reaper at once."""
        self.release()
        if self.container is not None:
            with suppress(docker.errors.DockerException):
                self.container.get_wrapped_container().remove(force=True)
            self.container = None


class _DownByRun(Protocol):
    def down(self, run_id: str) -> dict[str, int]: ...


class ReapedRun:
    """`down`, `keep` and the context manager of a run whose reaper this process holds (the
    runs of both providers): down removes the run and stops its reaper; keep releases the
    reaper, so the run outlives this process."""

    provider: _DownByRun
    run_id: str
    reaper: ReaperHandle | None

    def down(self) -> None:
        self.provider.down(self.run_id)
        if self.reaper is not None:
            self.reaper.stop()
            self.reaper = None

    def keep(self) -> None:
        """Leave the run up after this process exits (the reaper forgets it)."""
        if self.reaper is not None:
            self.reaper.release()
            self.reaper = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.down()
