"""Single app containers from our images, outside any stack: one program on one volume.

For experiments on one program's durability (the lazy volume's tests and benchmark):
no nodes, routers or pods, just the app container with its data volume, its ports on
127.0.0.1, and a run reaper that removes both even when the harness is SIGKILLed.
"""

from __future__ import annotations

import io
import tarfile
import time
from contextlib import suppress
from typing import Any

import docker
import docker.errors
from docker.models.containers import Container

from xmux_sim.errors import StartupFailed
from xmux_sim.providers.docker import labels, lazy
from xmux_sim.providers.docker.archive import tar_of
from xmux_sim.providers.docker.ports import free_port
from xmux_sim.providers.docker.provider import DockerProvider, new_run_id
from xmux_sim.providers.docker.reaper import ReaperHandle

STACK = "solo"


class SoloApp:
    def __init__(self, client: docker.DockerClient, container: Container, volume: str, ports: dict[int, int]):
        self.client = client
        self.container = container
        self.volume = volume
        self.ports = ports
        """Container port -> host port on 127.0.0.1 (fixed, so a restart keeps it)."""

    @property
    def name(self) -> str:
        return str(self.container.name)

    def power_cut(self) -> None:
        """SIGKILL the whole container: the program and, on a lazy volume, its FUSE layer."""
        self.container.kill()
        self.container.wait(timeout=60)

    def start(self) -> None:
        self.container.start()

    def running(self) -> bool:
        self.container.reload()
        return bool(self.container.status == "running")

    def logs(self) -> str:
        return str(self.container.logs().decode(errors="replace"))

    def exec(self, command: list[str]) -> tuple[int, str]:
        result = self.container.exec_run(command)
        return int(result.exit_code), result.output.decode(errors="replace")

    def ask(self, op: str, **args: object) -> dict[str, Any]:
        """A request to the lazy volume's control socket (see xmux_sim.lazyfs.control)."""
        return lazy.ask(self.container, op, **args)

    def wait_for_log(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.logs():
                return
            if not self.running():
                break
            time.sleep(0.1)
        raise StartupFailed(f"{self.name} did not log {text!r} within {timeout:g}s:\n{self.logs()[-2000:]}")


class SoloRun:
    """The containers and volumes of one experiment, removed on close (or by the reaper)."""

    def __init__(self, provider: DockerProvider) -> None:
        # The provider's client, images, and testcontainers set up for our local reaper image.
        self.client = provider.client
        self.images = provider.images
        self.run_id = new_run_id()
        self.reaper = ReaperHandle(self.client, self.images.require(["reaper"])["reaper"], self.run_id)
        self.reaper.start()

    def app(
        self,
        image: str,
        data_dir: str,
        *,
        lazy_volume: bool,
        environment: dict[str, str] | None = None,
        ports: tuple[int, ...] = (),
        command: list[str] | None = None,
        files: dict[str, bytes] | None = None,
        name: str = "app",
    ) -> SoloApp:
        """Create and start a container of image ``image`` with a fresh volume at ``data_dir``."""
        tag = self.images.require([image])[image]
        run_labels = labels.for_run(self.run_id, STACK, **{labels.SERVICE: name})
        volume = f"xmux-{self.run_id}-{name}-data"
        self.client.volumes.create(volume, labels=run_labels)
        env = dict(environment or {})
        options: dict[str, Any] = {}
        if lazy_volume:
            lazy_env, options = lazy.container_options(self.client, data_dir)
            env.update(lazy_env)
        published = {port: free_port() for port in ports}
        container = self.client.containers.create(
            tag,
            command=command,
            name=f"xmux-{self.run_id}-{name}",
            environment=env,
            labels=run_labels,
            volumes={volume: {"bind": data_dir, "mode": "rw"}},
            ports={f"{p}/tcp": ("127.0.0.1", host) for p, host in published.items()},
            **options,
        )
        if files:
            for path, content in files.items():
                folder, _, base = path.rpartition("/")
                container.put_archive(folder or "/", tar_of({base: content}))
        container.start()
        return SoloApp(self.client, container, volume, published)

    def volume_files(self, app: SoloApp) -> dict[str, bytes]:
        """Every regular file on the app's volume (the real one, not through any FUSE layer), by path."""
        # Copied out of a container that never runs: nothing touches the volume meanwhile.
        reader = self.client.containers.create(
            self.images.require(["common"])["common"],
            ["true"],
            volumes={app.volume: {"bind": "/v", "mode": "ro"}},
            labels=labels.for_run(self.run_id, STACK),
        )
        try:
            stream, _ = reader.get_archive("/v")
            raw = b"".join(stream)
        finally:
            reader.remove(force=True)
        out: dict[str, bytes] = {}
        with tarfile.open(fileobj=io.BytesIO(raw)) as archive:
            for member in archive.getmembers():
                extracted = archive.extractfile(member) if member.isfile() else None
                if extracted is not None:
                    out[member.name.removeprefix("v/")] = extracted.read()
        return out

    def close(self) -> None:
        flt = {"label": f"{labels.RUN}={self.run_id}"}
        for container in self.client.containers.list(all=True, filters=flt, sparse=True):
            with suppress(docker.errors.NotFound):
                container.remove(force=True, v=True)
        for volume in self.client.volumes.list(filters=flt):
            with suppress(docker.errors.NotFound):
                volume.remove(force=True)
        self.reaper.stop()

    def __enter__(self) -> SoloRun:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
