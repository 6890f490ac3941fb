"""PID 1 of a container with a lazy volume: mount, start the program, serve both, exit with it.

The program runs as this process's child, so the FUSE layer lives and dies with the
container: `docker kill` (a power cut) takes both, and what was not synced is gone. When
the program exits by itself, or the container is stopped (SIGTERM, forwarded to it),
everything is synced before unmounting, as a clean shutdown does.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from contextlib import suppress

import pyfuse3
import pyfuse3_asyncio

from .backing import Backing
from .control import SOCKET, ControlServer
from .fuse import LazyOperations
from .volume import LazyVolume

FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2)
KILLED = 128 + signal.SIGKILL


class MountFailed(Exception):
    pass


class Program:
    """The program on the volume; reaps it (and, as PID 1, every orphan) and records how it ended."""

    def __init__(self, command: list[str]) -> None:
        # A session of its own, so that everything it started can be killed as one group.
        self.process = subprocess.Popen(command, start_new_session=True)
        self.exited: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if pid == self.process.pid and not self.exited.done():
                self.process.returncode = os.waitstatus_to_exitcode(status)
                code = self.process.returncode
                self.exited.set_result(code if code >= 0 else 128 - code)

    def signal(self, sig: int) -> None:
        with suppress(ProcessLookupError):
            os.kill(self.process.pid, sig)

    def kill_all(self) -> None:
        """SIGKILL the program and everything it started (all but PID 1 when we are PID 1)."""
        with suppress(ProcessLookupError):
            if os.getpid() == 1:
                os.kill(-1, signal.SIGKILL)
            else:
                os.killpg(self.process.pid, signal.SIGKILL)


async def serve(volume: LazyVolume, ops: LazyOperations, command: list[str], socket_path: str) -> int:
    loop = asyncio.get_running_loop()
    program = Program(command)

    def freeze() -> None:
        ops.frozen = True

    def power_off() -> None:
        program.kill_all()
        os._exit(KILLED)  # no sync, no unmount: the kernel drops the FUSE connection with us

    control = ControlServer(volume, ops.invalidate, freeze, program.kill_all, power_off)
    with suppress(FileNotFoundError):
        os.unlink(control.report_path)  # an earlier power-off's answer must not pass for the next one

    def power_cut() -> None:
        # SIGPWR (`docker kill --signal SIGPWR`): a power-off without the round trip of an exec,
        # so the cuts of many containers land as close together as plain kills do.
        control.cut({"op": "power-off"})
        power_off()

    tasks = [asyncio.create_task(pyfuse3.main()), asyncio.create_task(control.serve(socket_path))]
    for sig in FORWARDED:
        loop.add_signal_handler(sig, program.signal, sig)
    loop.add_signal_handler(signal.SIGCHLD, program.reap)
    loop.add_signal_handler(signal.SIGPWR, power_cut)
    program.reap()  # it may have ended before the handler was in place

    async def poll() -> None:
        while True:  # SIGCHLD can be missed while the loop is busy: look again now and then
            await asyncio.sleep(1)
            program.reap()

    tasks.append(asyncio.create_task(poll()))
    done, _ = await asyncio.wait([program.exited, *tasks], return_when=asyncio.FIRST_COMPLETED)
    for task in tasks:
        if task in done and task.exception() is not None:
            raise task.exception()  # type: ignore[misc]
    code = program.exited.result()
    volume.sync_all()  # the program is gone, the machine is not: the page cache reaches the disk
    for task in tasks:
        task.cancel()
    return code


def run(mount: str, command: list[str], socket_path: str = SOCKET) -> int:
    backing = Backing.open(mount)
    volume = LazyVolume(backing)
    ops = LazyOperations(volume)
    pyfuse3_asyncio.enable()
    options = set(pyfuse3.default_options) | {"fsname=lazyfs", "subtype=lazyfs", "allow_other"}
    try:
        pyfuse3.init(ops, mount, options)
    except RuntimeError as exc:
        raise MountFailed(
            f"lazyfs: cannot mount over {mount} ({exc}): the container needs the device /dev/fuse "
            "and CAP_SYS_ADMIN (and AppArmor unconfined where the engine uses AppArmor)"
        ) from None
    try:
        code = asyncio.run(serve(volume, ops, command, socket_path))
    finally:
        pyfuse3.close(unmount=True)
    sys.stdout.flush()
    return code
