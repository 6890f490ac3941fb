"""`xmux-sim dashboard --serve`: the reports folder over HTTP on 127.0.0.1 only, until Ctrl-C."""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from xmux_sim.errors import XmuxSimError

__all__ = ["dashboard_server", "serve"]


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """One line per request would drown the terminal; the page is static."""


def dashboard_server(folder: Path, port: int) -> ThreadingHTTPServer:
    """A server of ``folder`` bound to 127.0.0.1 (never another address: reports hold credentials)."""
    try:
        return ThreadingHTTPServer(("127.0.0.1", port), partial(_QuietHandler, directory=str(folder)))
    except OSError as exc:
        raise XmuxSimError(f"--port {port}: cannot listen on 127.0.0.1:{port} ({exc.strerror})") from None


def serve(folder: Path, page: Path, port: int, say: Callable[[str], None]) -> None:
    relative = Path(os.path.relpath(page.resolve(), folder.resolve()))
    if relative.parts[:1] == ("..",):
        raise XmuxSimError(f"--serve serves {folder}; the page {page} (--out) must be inside it")
    server = dashboard_server(folder, port)
    host, bound = server.server_address[:2]
    say(f"serving on http://{host!s}:{bound}/{relative.as_posix()} (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        say("stopped")
    finally:
        server.server_close()
