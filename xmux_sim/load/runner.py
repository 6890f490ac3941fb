"""Locust, headless: one process, or a master and workers, writing its HTML and CSV into a folder.

Workers are separate ``locust --worker`` processes started here (not forked by locust), so
each has its own gRPC core and gevent hub. The load generator's CPU time is the rusage of
these children, read when they have been waited for.
"""

from __future__ import annotations

import csv
import os
import resource
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from xmux_sim.errors import XmuxSimError
from xmux_sim.load.config import ENV, LoadConfig
from xmux_sim.load.profile import loadtests_dir
from xmux_sim.load.records import STARTED

__all__ = ["LOCUSTFILE", "LocustProcesses", "LocustResult", "Progress", "locust_command"]

LOCUSTFILE = loadtests_dir() / "locustfile.py"
PREFIX = "locust"
# Past the profile's length, how long locust may take to stop and write its reports.
_GRACE_S = 60.0


@dataclass
class Progress:
    """The latest second of locust's stats history (the aggregated row)."""

    users: int = 0
    rps: float = 0.0
    failures_per_s: float = 0.0
    p50_ms: float | None = None
    p95_ms: float | None = None
    requests: int = 0
    failures: int = 0


@dataclass
class LocustResult:
    folder: Path
    t0: float
    """Wall-clock (epoch) seconds just before locust started."""
    seconds: float
    returncode: int
    cpu_s: float
    """User + system CPU time of every locust process."""
    processes: int
    files: dict[str, str] = field(default_factory=dict)


def locust_command(
    config: LoadConfig, folder: Path, locustfile: Path, role: str = "local", port: int = 0, workers: int = 0
) -> list[str]:
    """The command line of one locust process; ``role`` is local, master or worker."""
    base = [sys.executable, "-m", "locust", "-f", str(locustfile), "--loglevel", "WARNING"]
    if role == "worker":
        return [*base, "--worker", "--master-host", "127.0.0.1", "--master-port", str(port)]
    profile = config.profile
    cmd = [
        *base,
        "--headless",
        "--only-summary",
        "--host",
        config.target.http,
        "--csv",
        str(folder / PREFIX),
        "--html",
        str(folder / f"{PREFIX}.html"),
        "--logfile",
        str(folder / f"{PREFIX}.log"),
        "--exit-code-on-error",
        "0",
        "--stop-timeout",
        str(max(1, int(profile.timeout))),
    ]
    if not profile.stages:
        # With stages the locustfile's load shape sets users and ends the run.
        cmd += ["-u", str(profile.users), "-r", f"{profile.spawn_rate:g}", "-t", f"{int(profile.duration)}s"]
    if role == "master":
        cmd += [
            "--master",
            "--master-bind-host",
            "127.0.0.1",
            "--master-bind-port",
            str(port),
            "--expect-workers",
            str(workers),
            "--expect-workers-max-wait",
            "60",
        ]
    return cmd


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LocustProcesses:
    """Start locust for a config, follow its progress, wait for it to finish."""

    def __init__(self, config: LoadConfig, folder: Path, locustfile: Path = LOCUSTFILE) -> None:
        self.config = config
        self.folder = folder
        self.locustfile = locustfile
        self.procs: list[subprocess.Popen[bytes]] = []
        self.t0 = 0.0
        self._rusage0: resource.struct_rusage | None = None

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        cfg_path = self.config.write(self.folder / "load-config.json")
        env = {**os.environ, ENV: str(cfg_path), "PYTHONUNBUFFERED": "1"}
        workers = self.config.profile.workers
        self._rusage0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.t0 = time.time()
        log: IO[bytes] = (self.folder / "locust.out").open("ab")
        if workers == 0:
            self._spawn(locust_command(self.config, self.folder, self.locustfile), env, log)
            return
        port = _free_port()
        master = locust_command(self.config, self.folder, self.locustfile, "master", port, workers)
        self._spawn(master, env, log)
        for _ in range(workers):
            self._spawn(locust_command(self.config, self.folder, self.locustfile, "worker", port), env, log)

    def _spawn(self, cmd: list[str], env: dict[str, str], log: IO[bytes]) -> None:
        self.procs.append(
            subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        )

    def wait_for_start(self, timeout: float = 60.0) -> None:
        """Until locust starts the test (the locustfile marks it in the records folder)."""
        marker = Path(self.config.records) / STARTED
        deadline = time.monotonic() + timeout
        while not marker.exists() and time.monotonic() < deadline:
            if self.procs and self.procs[0].poll() is not None:
                return
            time.sleep(0.1)

    def progress(self) -> Progress:
        return read_progress(self.folder / f"{PREFIX}_stats_history.csv")

    def wait(
        self, tick: Callable[[], None] | None = None, stop: Callable[[], bool] | None = None
    ) -> LocustResult:
        """Wait for the master (or the only process); ``stop()`` true ends the run early."""
        if not self.procs:
            raise XmuxSimError("locust was not started")
        deadline = time.monotonic() + self.config.profile.total_duration + _GRACE_S
        main = self.procs[0]
        try:
            while main.poll() is None:
                if tick is not None:
                    tick()
                if (stop is not None and stop()) or time.monotonic() > deadline:
                    main.send_signal(signal.SIGTERM)
                    break
                time.sleep(0.25)
            main.wait(timeout=30)
            for worker in self.procs[1:]:
                # Workers quit when the master tells them; one that does not is ended.
                try:
                    worker.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    worker.kill()
                    worker.wait()
        finally:
            self.terminate()
        seconds = time.time() - self.t0
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        before = self._rusage0
        cpu = usage.ru_utime + usage.ru_stime - ((before.ru_utime + before.ru_stime) if before else 0.0)
        returncode = main.returncode if main.returncode is not None else -1
        if returncode not in (0, 1):
            tail = _tail(self.folder / "locust.out")
            raise XmuxSimError(f"locust exited with {returncode}; the end of its output:\n{tail}")
        files = {
            "html": f"{PREFIX}.html",
            "stats_csv": f"{PREFIX}_stats.csv",
            "history_csv": f"{PREFIX}_stats_history.csv",
            "failures_csv": f"{PREFIX}_failures.csv",
        }
        return LocustResult(self.folder, self.t0, seconds, returncode, round(cpu, 3), len(self.procs), files)

    def terminate(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                with suppress(ProcessLookupError):
                    proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def read_progress(history_csv: Path) -> Progress:
    """The last aggregated row of locust's stats history (one row a second while it runs)."""
    try:
        with history_csv.open(newline="") as f:
            rows = [r for r in csv.DictReader(f) if r.get("Name") == "Aggregated"]
    except (FileNotFoundError, csv.Error):
        return Progress()
    if not rows:
        return Progress()
    last = rows[-1]
    return Progress(
        users=_int(last.get("User Count")),
        rps=_float(last.get("Requests/s")) or 0.0,
        failures_per_s=_float(last.get("Failures/s")) or 0.0,
        p50_ms=_float(last.get("50%")),
        p95_ms=_float(last.get("95%")),
        requests=_int(last.get("Total Request Count")),
        failures=_int(last.get("Total Failure Count")),
    )


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "", "N/A") else None
    except ValueError:
        return None


def _int(value: str | None) -> int:
    number = _float(value)
    return int(number) if number is not None else 0


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no output)"
