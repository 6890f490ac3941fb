"""The control socket: one JSON request per connection, one JSON answer.

Requests (``op`` and its arguments):

    {"op": "status"}
    {"op": "sync"}                                     everything durable now
    {"op": "drop", "path": P?, "seed": S?, "fraction": F?}
        forget unsynced state while the program runs (of file P only, or of everything);
        with a seed, only that fraction of the unsynced pages is lost, the rest written
    {"op": "power-off", "path": P?, "seed": S?, "fraction": F?}
        stop answering the program, report what is lost, then kill everything in the
        container (this process last); with a seed, a torn write as for drop; with a
        path, only that file's unsynced state is lost and everything else is synced first
    {"op": "kill-app"}
        SIGKILL the program (a crash, not a power cut): what it wrote survives, as in a
        page cache, and is synced when this process then exits

Answers: {"ok": true, ...figures} or {"ok": false, "error": "..."}.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
from collections.abc import Callable
from contextlib import suppress
from typing import Any

from .loss import lose_unsynced
from .volume import LazyVolume

SOCKET = "/run/lazyfs.sock"
POWER_OFF_REPORT = "/run/lazyfs-power-off.json"
"""The last power-off's answer, also kept in the container's own file system: the answer on
the socket can be lost with the container (its `docker exec` stream dies with it)."""
MAX_REQUEST = 4096


class ControlError(Exception):
    pass


def status(volume: LazyVolume) -> dict[str, Any]:
    unsynced = volume.unsynced()
    counters = volume.counters
    return {
        "unsynced_bytes": unsynced.bytes,
        "unsynced_files": unsynced.files,
        "unsynced_entries": unsynced.entries,
        "synced_bytes": counters.synced_bytes,
        "dropped_bytes": counters.dropped_bytes,
        "dropped_entries": counters.dropped_entries,
    }


def parse(raw: bytes) -> dict[str, Any]:
    """A request, checked: unknown ops or arguments of the wrong type are refused before anything happens."""
    try:
        request = json.loads(raw)
    except ValueError as exc:
        raise ControlError(f"not JSON: {exc}") from None
    if not isinstance(request, dict):
        raise ControlError("a request is a JSON object")
    allowed = {
        "status": set(),
        "sync": set(),
        "kill-app": set(),
        "drop": {"path", "seed", "fraction"},
        "power-off": {"path", "seed", "fraction"},
    }
    op = request.get("op")
    if op not in allowed:
        raise ControlError(f"op: expected one of {', '.join(sorted(allowed))}, got {op!r}")
    extra = set(request) - {"op"} - allowed[op]
    if extra:
        raise ControlError(f"{op}: unknown argument(s) {', '.join(sorted(extra))}")
    if "path" in request and not isinstance(request["path"], str):
        raise ControlError("path: expected a string")
    if "seed" in request and (not isinstance(request["seed"], int) or isinstance(request["seed"], bool)):
        raise ControlError("seed: expected an integer")
    fraction = request.get("fraction", 1.0)
    if not isinstance(fraction, int | float) or isinstance(fraction, bool) or not 0.0 <= fraction <= 1.0:
        raise ControlError("fraction: expected a number from 0 to 1")
    if "fraction" in request and "seed" not in request:
        raise ControlError("fraction: needs a seed (which pages are lost is a seeded choice)")
    return request


class ControlServer:
    """Serves the socket inside the FUSE loop: requests run between FUSE requests, never during one."""

    def __init__(
        self,
        volume: LazyVolume,
        invalidate: Callable[[Any], Any],
        freeze: Callable[[], None],
        kill_app: Callable[[], None],
        power_off: Callable[[], None],
        report_path: str = POWER_OFF_REPORT,
    ) -> None:
        self.volume = volume
        self.report_path = report_path
        self._invalidate = invalidate
        self._freeze = freeze
        self._kill_app = kill_app
        self._power_off = power_off

    async def serve(self, path: str = SOCKET) -> None:
        if os.path.exists(path):
            os.unlink(path)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(path)
        os.chmod(path, 0o600)
        listener.listen(8)
        listener.setblocking(False)
        loop = asyncio.get_running_loop()
        serving: set[asyncio.Task[None]] = set()
        while True:
            conn, _ = await loop.sock_accept(listener)
            task = asyncio.create_task(self._serve_one(conn))
            serving.add(task)  # the loop keeps only weak references to tasks
            task.add_done_callback(serving.discard)

    async def _serve_one(self, conn: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        after: Callable[[], None] | None = None
        try:
            raw = b""
            while not raw.endswith(b"\n") and len(raw) < MAX_REQUEST:
                chunk = await loop.sock_recv(conn, MAX_REQUEST)
                if not chunk:
                    break
                raw += chunk
            try:
                answer, after = await self.handle(parse(raw))
            except (ControlError, OSError, ValueError) as exc:
                answer = {"ok": False, "error": str(exc)}
            # Blocking on purpose: after a power-off decision nothing else may run before the cut.
            conn.setblocking(True)
            conn.settimeout(5)
            conn.sendall(json.dumps(answer).encode() + b"\n")
            if after is not None:
                with suppress(OSError):
                    conn.recv(1)  # the client closes once it has the answer (or the timeout passes)
        finally:
            conn.close()
        if after is not None:
            after()

    async def handle(self, request: dict[str, Any]) -> tuple[dict[str, Any], Callable[[], None] | None]:
        op = request["op"]
        if op == "status":
            return {"ok": True, **status(self.volume)}, None
        if op == "sync":
            self.volume.sync_all()
            return {"ok": True, **status(self.volume)}, None
        if op == "kill-app":
            return {"ok": True, **status(self.volume)}, self._kill_app
        if op == "power-off":
            return self.cut(request), self._power_off
        before = status(self.volume)
        if "path" in request:
            self.volume.resolve(request["path"])  # a path that is not there is refused before the freeze
        loss = lose_unsynced(
            self.volume,
            path=request.get("path"),
            seed=request.get("seed"),
            fraction=float(request.get("fraction", 1.0)),
        )
        await self._invalidate(loss)
        return {"ok": True, "before": before, **loss.report()}, None

    def cut(self, request: dict[str, Any]) -> dict[str, Any]:
        """The first half of a power-off: freeze the program, lose what ``request`` chooses, leave the
        answer in the container's files. The caller then kills everything (``power_off``)."""
        before = status(self.volume)
        if "path" in request:
            self.volume.resolve(request["path"])  # a path that is not there is refused before the freeze
        self._freeze()  # from here the program's requests wait for ever
        loss = lose_unsynced(
            self.volume,
            path=request.get("path"),
            seed=request.get("seed"),
            fraction=float(request.get("fraction", 1.0)),
        )
        if "path" in request:
            self.volume.sync_all()  # only the named file loses anything
        answer = {"ok": True, "before": before, **loss.report()}
        _write_durably(self.report_path, json.dumps(answer).encode())
        return answer


def _write_durably(path: str, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def call(
    request: dict[str, Any],
    path: str = SOCKET,
    timeout: float = 30.0,
    on_answer: Callable[[dict[str, Any]], None] = lambda _answer: None,
) -> dict[str, Any]:
    """Send one request to the control socket; the answer.

    ``on_answer`` runs before the connection closes: after power-off and kill-app the
    server kills everything once it closes, this client included.
    """
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(path)
        sock.sendall(json.dumps(request).encode() + b"\n")
        raw = b""
        while not raw.endswith(b"\n"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            raw += chunk
        answer: dict[str, Any] = json.loads(raw)
        on_answer(answer)
    return answer
