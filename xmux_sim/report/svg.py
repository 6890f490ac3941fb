"""Inline SVG charts drawn from plain numbers, so the report needs no plotting library.

Every chart of a report shares one x range (run-clock seconds) and one left
margin, so charts stacked on the page line up and a fault band sits at the
same place in each. Bands are drawn opaque and first: the series stay
readable on top of them, and the shading has one exact colour a screenshot
test can look for.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Final

from xmux_sim.report.formatting import esc, fmt_number, fmt_t

__all__ = [
    "ALERT_FIRED",
    "ALERT_RESOLVED",
    "FAULT_EDGE",
    "FAULT_FILL",
    "PALETTE",
    "Band",
    "Line",
    "Mark",
    "lane_chart",
    "line_chart",
    "nice_ticks",
    "span_chart",
    "time_ticks",
]

FAULT_FILL: Final = "#fde2b3"
ALERT_FIRED: Final = "#9a0f5a"  # not the failed-ops red: the marks sit over that line
ALERT_RESOLVED: Final = "#1a7f37"
FAULT_EDGE: Final = "#e59a2f"
OK_MARK: Final = "#2da44e"
FAIL_MARK: Final = "#cf222e"
# Distinguishable on white, also for the common colour-vision deficiencies (Okabe-Ito based).
PALETTE: Final = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#56b4e9", "#e69f00", "#000000", "#999933")

WIDTH: Final = 1120
LEFT: Final = 120  # wide enough for probe names in lane charts; shared so charts align
RIGHT: Final = 16
TOP: Final = 20  # room for fault labels above the plot
BOTTOM: Final = 24
_CHAR_PX: Final = 6.2  # average width of an 11 px sans-serif character, for truncating labels


@dataclass(frozen=True)
class Line:
    label: str
    colour: str
    points: Sequence[tuple[float, float | None]]  # a None value breaks the line
    step: bool = False  # hold each value until the next point (windows, sampled state)
    width: float = 1.6


@dataclass(frozen=True)
class Band:
    label: str
    tooltip: str
    start: float
    end: float | None  # None: to the right edge (a fault never healed)


@dataclass(frozen=True)
class Mark:
    """An instant drawn across a chart (an alert fired or resolved), over the series."""

    t: float
    colour: str
    tooltip: str


@dataclass(frozen=True)
class _Frame:
    x0: float
    x1: float
    y0: float
    y1: float
    height: int

    @property
    def plot_w(self) -> float:
        return WIDTH - LEFT - RIGHT

    @property
    def plot_h(self) -> float:
        return self.height - TOP - BOTTOM

    def sx(self, t: float) -> float:
        return LEFT + (t - self.x0) / (self.x1 - self.x0) * self.plot_w

    def sy(self, v: float) -> float:
        return TOP + self.plot_h - (v - self.y0) / (self.y1 - self.y0) * self.plot_h


def nice_ticks(lo: float, hi: float, target: int = 5) -> list[float]:
    """Round tick values (1, 2 or 5 times a power of ten) covering [lo, hi]."""
    if not hi > lo:
        hi = lo + 1
    raw = (hi - lo) / target
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    first = math.floor(lo / step) * step
    count = math.ceil((hi - first) / step - 1e-9)
    return [round(first + k * step, 10) for k in range(count + 1)]


_TIME_STEPS: Final = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 43200, 86400)


def time_ticks(lo: float, hi: float, target: int = 10) -> list[float]:
    """Ticks on the run clock at steps a person counts in (seconds, minutes, hours)."""
    span = max(hi - lo, 1e-9)
    step = next((s for s in _TIME_STEPS if span / s <= target), math.ceil(span / target))
    first = math.ceil(lo / step) * step
    return [float(first + k * step) for k in range(int((hi - first) // step) + 1)]


def _svg_open(height: int, label: str) -> str:
    # No xmlns: inline SVG in HTML does not need it, and the page must not name any URL.
    return f'<svg viewBox="0 0 {WIDTH} {height}" width="100%" role="img" aria-label="{esc(label)}">'


def _bands(frame: _Frame, bands: Sequence[Band]) -> Iterator[str]:
    for b in bands:
        start = min(max(b.start, frame.x0), frame.x1)
        end = frame.x1 if b.end is None else min(max(b.end, frame.x0), frame.x1)
        x, w = frame.sx(start), max(frame.sx(end) - frame.sx(start), 2.0)
        yield (
            f"<g><title>{esc(b.tooltip)}</title>"
            f'<rect x="{x:.1f}" y="{TOP}" width="{w:.1f}" height="{frame.plot_h:.1f}" fill="{FAULT_FILL}"/>'
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{TOP + frame.plot_h:.1f}" '
            f'stroke="{FAULT_EDGE}" stroke-width="1"/>'
        )
        # A label may run past a short band, but not off the chart.
        room = int(min(max(w, 90.0), WIDTH - RIGHT - x) / _CHAR_PX)
        text = b.label if len(b.label) <= room else b.label[: max(room - 1, 0)] + "…"
        if room >= 2:
            yield f'<text x="{x + 2:.1f}" y="{TOP - 6}" class="band">{esc(text)}</text>'
        yield "</g>"


def _marks(frame: _Frame, marks: Sequence[Mark]) -> Iterator[str]:
    for m in marks:
        if not frame.x0 <= m.t <= frame.x1:
            continue
        x = frame.sx(m.t)
        yield (
            f"<g><title>{esc(m.tooltip)}</title>"
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{TOP + frame.plot_h:.1f}" stroke="{m.colour}" '
            'stroke-width="1.2" stroke-dasharray="4 3"/>'
            f'<path d="M{x - 4:.1f},{TOP - 1} L{x + 4:.1f},{TOP - 1} L{x:.1f},{TOP + 6} Z" '
            f'fill="{m.colour}"/></g>'
        )


def _x_axis(frame: _Frame) -> Iterator[str]:
    bottom = TOP + frame.plot_h
    for t in time_ticks(frame.x0, frame.x1):
        x = frame.sx(t)
        yield f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{bottom:.1f}" class="grid"/>'
        yield f'<text x="{x:.1f}" y="{bottom + 15:.1f}" text-anchor="middle">{esc(fmt_t(t))}</text>'
    yield f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{bottom:.1f}" y2="{bottom:.1f}" class="axis"/>'


def _segments(points: Sequence[tuple[float, float | None]], step: bool) -> list[list[tuple[float, float]]]:
    segments: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] = []
    for t, v in points:
        if step and current:
            # The previous value holds until this instant, whether or not a value follows.
            current.append((t, current[-1][1]))
        if v is None:
            if current:
                segments.append(current)
                current = []
            continue
        current.append((t, v))
    if current:
        segments.append(current)
    return segments


def _polyline(frame: _Frame, line: Line) -> Iterator[str]:
    for seg in _segments(line.points, line.step):
        if len(seg) == 1:
            t, v = seg[0]
            yield f'<circle cx="{frame.sx(t):.1f}" cy="{frame.sy(v):.1f}" r="2.5" fill="{line.colour}"/>'
            continue
        pts = " ".join(f"{frame.sx(t):.1f},{frame.sy(v):.1f}" for t, v in seg)
        yield f'<polyline points="{pts}" fill="none" stroke="{line.colour}" stroke-width="{line.width:g}"/>'


def line_chart(
    lines: Sequence[Line],
    *,
    x_range: tuple[float, float],
    bands: Sequence[Band] = (),
    unit: str = "",
    y_format: Callable[[float], str] = fmt_number,
    height: int = 210,
    label: str = "chart",
    marks: Sequence[Mark] = (),
) -> str:
    """A chart of one or more series over run time, fault bands behind them, marks over them."""
    values = [v for line in lines for _, v in line.points if v is not None]
    top = max(values, default=0.0)
    ticks = nice_ticks(0.0, top if top > 0 else 1.0)
    frame = _Frame(x_range[0], x_range[1], 0.0, ticks[-1], height)

    parts = [_svg_open(height, label), *_bands(frame, bands)]
    for v in ticks:
        y = frame.sy(v)
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{esc(y_format(v))}</text>')
    parts.extend(_x_axis(frame))
    if unit:
        parts.append(
            f'<text x="14" y="{TOP + frame.plot_h / 2:.1f}" text-anchor="middle" '
            f'transform="rotate(-90 14 {TOP + frame.plot_h / 2:.1f})">{esc(unit)}</text>'
        )
    for line in lines:
        parts.extend(_polyline(frame, line))
    parts.extend(_marks(frame, marks))
    if not values:
        parts.append(
            f'<text x="{LEFT + frame.plot_w / 2:.1f}" y="{TOP + frame.plot_h / 2:.1f}" '
            f'text-anchor="middle" class="empty">no data</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


LANE_H: Final = 20


def lane_chart(
    lanes: Sequence[tuple[str, Sequence[tuple[float, bool]]]],
    *,
    x_range: tuple[float, float],
    bands: Sequence[Band] = (),
    label: str = "lanes",
    marks: Sequence[Mark] = (),
) -> str:
    """One lane per name with a green (ok) or red (failed) mark at each instant."""
    frame, parts = _lanes_open([name for name, _ in lanes], x_range, bands, label)
    for row, (_, ticks) in enumerate(lanes):
        mid = TOP + LANE_H * row + LANE_H / 2
        # Failures last, so a red mark is never hidden under a green one.
        for want in (True, False):
            colour = OK_MARK if want else FAIL_MARK
            for t, ok in ticks:
                if ok is want:
                    parts.append(
                        f'<rect x="{frame.sx(t) - 1.5:.1f}" y="{mid - 6:.1f}" width="3" height="12" '
                        f'fill="{colour}"/>'
                    )
    parts.extend(_marks(frame, marks))
    parts.append("</svg>")
    return "".join(parts)


def span_chart(
    lanes: Sequence[tuple[str, Sequence[tuple[float, float | None, str]]]],
    *,
    x_range: tuple[float, float],
    bands: Sequence[Band] = (),
    label: str = "spans",
) -> str:
    """One lane per name with a bar for each (start, end, tooltip); end None: to the right edge."""
    frame, parts = _lanes_open([name for name, _ in lanes], x_range, bands, label)
    for row, (_, spans) in enumerate(lanes):
        mid = TOP + LANE_H * row + LANE_H / 2
        for start, end, tooltip in spans:
            x0 = frame.sx(min(max(start, frame.x0), frame.x1))
            x1 = frame.sx(frame.x1 if end is None else min(max(end, frame.x0), frame.x1))
            parts.append(
                f'<g><title>{esc(tooltip)}</title><rect x="{x0:.1f}" y="{mid - 6:.1f}" '
                f'width="{max(x1 - x0, 3.0):.1f}" height="12" fill="{ALERT_FIRED}"/></g>'
            )
    parts.append("</svg>")
    return "".join(parts)


def _lanes_open(
    names: Sequence[str], x_range: tuple[float, float], bands: Sequence[Band], label: str
) -> tuple[_Frame, list[str]]:
    """The frame, fault bands, x axis and named, ruled lanes every lane chart starts with."""
    height = TOP + BOTTOM + LANE_H * max(len(names), 1)
    frame = _Frame(x_range[0], x_range[1], 0.0, 1.0, height)
    parts = [_svg_open(height, label), *_bands(frame, bands), *_x_axis(frame)]
    room = int((LEFT - 10) / _CHAR_PX)
    for row, name in enumerate(names):
        mid = TOP + LANE_H * row + LANE_H / 2
        shown = name if len(name) <= room else name[: room - 1] + "…"
        parts.append(
            f'<text x="{LEFT - 6}" y="{mid + 4:.1f}" text-anchor="end"><title>{esc(name)}</title>'
            f"{esc(shown)}</text>"
        )
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{mid:.1f}" y2="{mid:.1f}" class="grid"/>')
    return frame, parts
