"""Locust event listeners of our locustfiles (imported only inside locust processes)."""

from __future__ import annotations

from typing import Any

import gevent  # type: ignore[import-untyped]
from locust import stats

__all__ = ["flush_csv_every_second", "last_csv_rows"]


def flush_csv_every_second() -> None:
    """Write locust's stats history through every second (its default is ten): progress reads it."""
    stats.CSV_STATS_FLUSH_INTERVAL_SEC = 1


def last_csv_rows(**_: Any) -> None:
    """A `quit` listener: one more turn for locust's CSV writer before it closes its files.

    Locust writes its CSV once a second and not again on the way out, so the requests of
    the last second would be missing from it (but not from its HTML report).
    """
    gevent.sleep(stats.CSV_STATS_INTERVAL_SEC + 0.5)
