"""The ceiling: the same request path driven by h2load (C, nghttp2), and the CPU each side used.

h2load posts the app-start burst's five calls (each an empty request message: one 5-byte
gRPC frame) round robin over ``-c`` HTTP/2 connections to nginx's h2c port, as one
seeded student. It does not read gRPC trailers, so a reply counts as answered by its HTTP
status; the data bytes per reply show whether real messages came back (an error reply
has none), and a gRPC call made first checks that the student's calls succeed.

CPU: the load tool's from the rusage of the waited-for child; the stack's from the run's
own account of its processes (`Run.cpu_usage`). Their ratio tells which side was the
bottleneck.
"""

from __future__ import annotations

import re
import resource
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xmux_sim.checkers.latency import quantile
from xmux_sim.errors import XmuxSimError
from xmux_sim.load.config import Target
from xmux_sim.providers.base import Run

__all__ = ["APP_START_PATHS", "CpuMeter", "H2load", "grpc_frame", "parse_h2load"]

APP_START_PATHS = (
    "/xmux.core.user.v4.User/GetProfile",
    "/xmux.core.aaos.v4.AAOS/GetTimetable",
    "/xmux.core.aaos.v4.AAOS/GetExams",
    "/xmux.core.aaos.v4.AAOS/GetTranscript",
    "/xmux.core.aaos.v4.AAOS/GetCourses",
)


def grpc_frame(message: bytes) -> bytes:
    """A gRPC length-prefixed message: no compression flag, 4-byte big-endian length, the bytes."""
    return b"\x00" + len(message).to_bytes(4, "big") + message


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return float(usage.ru_utime + usage.ru_stime)


class CpuMeter:
    """CPU seconds the run's processes used between ``start()`` and ``stop()``.

    A process that started meanwhile (a fault's proxy) counts from its start; one that
    ended meanwhile no longer counts at ``stop()``.
    """

    def __init__(self, run: Run) -> None:
        self.run = run
        self._t0 = 0.0
        self._start: dict[str, float] = {}

    def start(self) -> None:
        self._t0 = time.monotonic()
        self._start = self.run.cpu_usage()

    def stop(self) -> dict[str, float]:
        seconds = max(time.monotonic() - self._t0, 1e-9)
        used = sum(s - self._start.get(k, 0.0) for k, s in self.run.cpu_usage().items())
        return {"stack_cpu_s": round(used, 2), "stack_cores": round(used / seconds, 2)}


@dataclass(frozen=True)
class H2load:
    target: Target
    authorization: str
    clients: int = 16
    streams: int = 1
    """Concurrent streams per connection (1: each connection waits for its reply, like a client)."""
    seconds: float = 10.0

    def command(self, body: Path, log: Path) -> list[str]:
        exe = shutil.which("h2load")
        if exe is None:
            raise XmuxSimError("h2load is missing: `apt-get install nghttp2-client` (scripts/setup does)")
        headers = ["content-type: application/grpc", "te: trailers", f"authorization: {self.authorization}"]
        urls = [f"http://{self.target.h2c}{p}" for p in APP_START_PATHS]
        return [
            exe,
            "-D",
            f"{self.seconds:g}",
            "-c",
            str(self.clients),
            "-m",
            str(self.streams),
            "-t",
            "1",
            *[arg for h in headers for arg in ("-H", h)],
            "-d",
            str(body),
            f"--log-file={log}",
            *urls,
        ]

    def run(self, folder: Path) -> dict[str, Any]:
        self.target.check_local()
        folder.mkdir(parents=True, exist_ok=True)
        body = folder / "empty.grpc"
        body.write_bytes(grpc_frame(b""))
        log = folder / "h2load-requests.tsv"
        cpu0 = children_cpu_s()
        t0 = time.monotonic()
        done = subprocess.run(
            self.command(body, log), capture_output=True, text=True, timeout=self.seconds + 60, check=False
        )
        wall = time.monotonic() - t0
        cpu = children_cpu_s() - cpu0
        (folder / "h2load.out").write_text(done.stdout + done.stderr)
        if done.returncode != 0:
            raise XmuxSimError(f"h2load failed ({done.returncode}): {done.stderr.strip()[-400:]}")
        result = parse_h2load(done.stdout, log.read_text() if log.exists() else "")
        return {
            "tool": "h2load",
            "path": "app-start burst (5 calls) over h2c",
            "clients": self.clients,
            "streams": self.streams,
            **result,
            "loadgen_cpu_s": round(cpu, 2),
            "loadgen_cores": round(cpu / max(wall, 1e-9), 2),
        }


_FINISHED = re.compile(r"finished in ([\d.]+)s, ([\d.]+) req/s")
_REQUESTS = re.compile(
    r"requests: (\d+) total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed, (\d+) errored"
)
_DATA = re.compile(r"traffic: .*?, .*?headers.*?, [\d.]+\w*B \((\d+)\) data")


def parse_h2load(stdout: str, log: str) -> dict[str, Any]:
    """h2load's totals, and latency quantiles from its per-request log (start us, status, elapsed us)."""
    finished, requests = _FINISHED.search(stdout), _REQUESTS.search(stdout)
    if finished is None or requests is None:
        raise XmuxSimError(f"h2load printed no result:\n{stdout[-600:]}")
    total = int(requests.group(1))
    data = _DATA.search(stdout)
    elapsed = []
    statuses: dict[str, int] = {}
    for line in log.splitlines():
        parts = line.split("\t")
        if len(parts) == 3:
            statuses[parts[1]] = statuses.get(parts[1], 0) + 1
            elapsed.append(int(parts[2]) / 1000)
    elapsed.sort()
    return {
        "seconds": float(finished.group(1)),
        "requests": total,
        "rps": float(finished.group(2)),
        "succeeded": int(requests.group(2)),
        "failed": int(requests.group(3)) + int(requests.group(4)),
        "statuses": statuses,
        "data_bytes_per_request": round(int(data.group(1)) / total, 1) if data and total else None,
        "p50_ms": round(quantile(elapsed, 0.5), 2) if elapsed else None,
        "p95_ms": round(quantile(elapsed, 0.95), 2) if elapsed else None,
        "p99_ms": round(quantile(elapsed, 0.99), 2) if elapsed else None,
    }
