"""Time windows over the run clock, shared by the windowed checkers."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar

from xmux_sim.checkers.verdict import EVIDENCE_LIMIT

T = TypeVar("T")


def window_index(t: float, window_s: float) -> int:
    return math.floor(t / window_s)


def check_window(window_s: float) -> None:
    if not window_s > 0:
        raise ValueError(f"window_s must be > 0, got {window_s}")


def index_range(indices: Iterable[int]) -> range:
    """Every window from the first to the last one seen, so gaps show up as empty windows."""
    present = list(indices)
    return range(min(present), max(present) + 1) if present else range(0)


def coarsen_factor(n_windows: int, limit: int = EVIDENCE_LIMIT) -> int:
    """How many adjacent windows to merge so a series fits in ``limit`` points."""
    return max(1, math.ceil(n_windows / limit))


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
