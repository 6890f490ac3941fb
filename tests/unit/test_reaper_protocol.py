"""The reaper speaks Ryuk's protocol: filters are ACKed, `release` makes it leave without pruning.

The reaper script is run as a plain process (its pruning needs Docker and is covered by
the stack tests' SIGKILL test); here its protocol, the part testcontainers relies on.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import xmux_sim

REAPER = Path(xmux_sim.__file__).parent / "images" / "reaper" / "reaper.py"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_filters_are_acked_and_release_exits_without_pruning() -> None:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-u", str(REAPER)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "RYUK_PORT": str(port), "RYUK_RECONNECTION_TIMEOUT": "1s"},
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "Started!"
        with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
            conn.sendall(b"label=xmux-sim.run=abc&label=other=1\n")
            assert conn.recv(16) == b"ACK\n"
            conn.sendall(b"release\n")
            assert conn.recv(16) == b"ACK\n"
        out, _ = proc.communicate(timeout=10)
        assert "released: nothing to remove" in out
        assert proc.returncode == 0
    finally:
        proc.kill()
