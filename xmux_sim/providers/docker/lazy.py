"""Lazy volumes: what an app container needs to run its program on one, and how to ask it things.

The images of the stateful services start through `lazy-volume` (images/lazyfs): with
XMUX_LAZY_DIR set, our FUSE file system becomes the container's PID 1, mounts itself
over that directory (the real volume stays underneath, reached through a descriptor)
and runs the program as its child. Killing the container is then a power cut: what the
program did not fsync is gone. This engine cannot start --privileged containers, and
needs none: FUSE in a container wants the device /dev/fuse and CAP_SYS_ADMIN (mount(2));
Docker's default seccomp profile allows mount once that capability is there. Where the
engine confines containers with AppArmor, its docker-default profile denies mount, so
the container runs unconfined by AppArmor there.
"""

from __future__ import annotations

import io
import json
import tarfile
from contextlib import suppress
from typing import Any

import docker
import docker.errors

LAZY_DIR_ENV = "XMUX_LAZY_DIR"
POWER_OFF_REPORT = "/run/lazyfs-power-off.json"  # where xmux_sim.lazyfs.control leaves it


def container_options(client: docker.DockerClient, data_dir: str) -> tuple[dict[str, str], dict[str, Any]]:
    """(environment, container create options) that put ``data_dir`` on a lazy volume."""
    security = [str(o) for o in client.info().get("SecurityOptions") or []]
    options: dict[str, Any] = {"devices": ["/dev/fuse:/dev/fuse:rwm"], "cap_add": ["SYS_ADMIN"]}
    if any("name=apparmor" in o for o in security):
        options["security_opt"] = ["apparmor=unconfined"]
    return {LAZY_DIR_ENV: data_dir}, options


class LazyVolumeError(Exception):
    pass


def ask(container: Any, op: str, **args: object) -> dict[str, Any]:
    """One request to the lazy volume in ``container`` (a docker SDK container): its answer."""
    command = ["lazyfs", op]
    for key, value in args.items():
        command += [f"--{key}", str(value)]
    try:
        result = container.exec_run(command)
    except docker.errors.APIError as exc:
        raise LazyVolumeError(f"{container.name}: lazyfs {op}: {exc}") from None
    out = result.output.decode(errors="replace").strip()
    try:
        answer: dict[str, Any] = json.loads(out.splitlines()[-1])
    except (ValueError, IndexError):
        if op == "power-off":
            answer = _power_off_report(container, out)
        elif op == "kill-app" and not out:
            # Its answer (the status before) can die with the container; the container's end says it worked.
            container.wait(timeout=60)
            answer = {"ok": True}
        else:
            raise LazyVolumeError(f"{container.name}: lazyfs {op} answered {out[-300:]!r}") from None
    if not answer.get("ok"):
        raise LazyVolumeError(f"{container.name}: lazyfs {op}: {answer.get('error')}")
    return answer


def _power_off_report(container: Any, out: str) -> dict[str, Any]:
    """The answer a power-off also left in the dead container (its exec output can die with it)."""
    container.wait(timeout=30)
    try:
        stream, _ = container.get_archive(POWER_OFF_REPORT)
        with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as archive:
            member = archive.extractfile(archive.getmembers()[0])
            assert member is not None
            report: dict[str, Any] = json.loads(member.read())
    except (docker.errors.APIError, tarfile.TarError, ValueError, IndexError, AssertionError):
        raise LazyVolumeError(f"{container.name}: lazyfs power-off answered {out[-300:]!r}") from None
    return report


def is_lazy(container: Any) -> bool:
    """Whether the container's program runs on a lazy volume (its PID 1 is our FUSE layer)."""
    env = (container.attrs.get("Config") or {}).get("Env") or []
    return any(str(e).startswith(f"{LAZY_DIR_ENV}=") for e in env)


def has_volume(container: Any) -> bool:
    return any(m.get("Type") == "volume" for m in container.attrs.get("Mounts") or [])


def power_off(container: Any, **loss: object) -> int:
    """Cut the power of a container on a lazy volume: its FUSE layer dies with the program and the
    unsynced writes ``loss`` chooses (all, by default) are gone. The bytes lost."""
    chosen = {k: v for k, v in loss.items() if v is not None}
    if not chosen:
        cut_power(container)
        return lost_at_power_off(container)
    try:
        answer = ask(container, "power-off", **chosen)
    except LazyVolumeError as exc:
        # A volume that does not answer still loses its power; what it lost is then unknown.
        with suppress(docker.errors.APIError):
            container.kill()
        raise LazyVolumeError(f"{exc}; killed without counting what it lost") from None
    container.wait(timeout=60)
    return int(answer.get("lost_bytes", 0))


def cut_power(container: Any) -> None:
    """SIGPWR to the FUSE layer (PID 1): it loses every unsynced write and kills everything. A
    signal is one engine call, like a kill: no exec to create and start, and no answer to wait
    for before the next container of a coordinated cut."""
    try:
        container.kill(signal="SIGPWR")
    except docker.errors.APIError as exc:
        raise LazyVolumeError(f"{container.name}: SIGPWR: {exc.explanation or exc}") from None


def lost_at_power_off(container: Any) -> int:
    """After ``cut_power``: the unsynced bytes the volume lost, from the report it left behind."""
    try:
        container.wait(timeout=30)
    except Exception:  # the engine's timeout error differs by transport: any means it did not die
        with suppress(docker.errors.APIError):
            container.kill()
        raise LazyVolumeError(f"{container.name}: no power-off after SIGPWR; killed, loss unknown") from None
    return int(_power_off_report(container, "(after SIGPWR)").get("lost_bytes", 0))
