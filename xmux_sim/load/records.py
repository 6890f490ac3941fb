"""Every request of a load run, one CSV row each, written by each locust process.

Locust's own CSV holds aggregates; the summary needs the individual requests: exact
quantiles, requests per time window next to fault windows, and the coordinated-omission
correction (the lag of the action a request belonged to). Each process writes its own
file, so no process waits for another.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

__all__ = ["COLUMNS", "STARTED", "Record", "RecordWriter", "read_records"]

COLUMNS = ("start", "type", "name", "ms", "lag_ms", "ok", "error")
STARTED = "started"
"""A file the locust master (or only process) creates in the records folder when the test starts."""


@dataclass(frozen=True, slots=True)
class Record:
    start: float
    """Wall-clock seconds (epoch) when the request was sent."""
    type: str
    name: str
    ms: float
    lag_ms: float
    """How late the action this request belonged to started (0 without a fixed arrival rate)."""
    ok: bool
    error: str

    @property
    def corrected_ms(self) -> float:
        return self.ms + self.lag_ms

    @property
    def key(self) -> str:
        return f"{self.type} {self.name}"


class RecordWriter:
    """A locust request-event listener appending rows to ``folder/requests-<pid>.csv``."""

    def __init__(self, folder: str | Path) -> None:
        Path(folder).mkdir(parents=True, exist_ok=True)
        self.path = Path(folder) / f"requests-{os.getpid()}.csv"
        self._file: TextIO = self.path.open("w", newline="", buffering=1 << 16)
        self._csv = csv.writer(self._file)
        self._csv.writerow(COLUMNS)

    def on_request(
        self,
        request_type: str,
        name: str,
        response_time: float,
        response_length: int,
        exception: BaseException | None = None,
        context: dict[str, Any] | None = None,
        start_time: float | None = None,
        **_: Any,
    ) -> None:
        lag = float((context or {}).get("lag_ms", 0.0))
        self._csv.writerow(
            (
                f"{start_time or 0.0:.6f}",
                request_type,
                name,
                f"{response_time:.3f}",
                f"{lag:.3f}",
                0 if exception else 1,
                "" if exception is None else _one_line(exception),
            )
        )

    def flush(self, **_: Any) -> None:
        if not self._file.closed:
            self._file.flush()


def _one_line(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return " ".join(text.split())[:200]


def read_records(folder: str | Path) -> Iterator[Record]:
    for path in sorted(Path(folder).glob("requests-*.csv")):
        with path.open(newline="") as f:
            for row in csv.DictReader(f):
                yield Record(
                    start=float(row["start"]),
                    type=row["type"],
                    name=row["name"],
                    ms=float(row["ms"]),
                    lag_ms=float(row["lag_ms"]),
                    ok=row["ok"] == "1",
                    error=row["error"],
                )
