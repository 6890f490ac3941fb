"""A small inline SVG chart of one figure over a scenario's runs, regressions ringed in red.

The x axis counts runs (oldest left), labelled with their start times; every point
carries its run and value as ``data-`` attributes and a tooltip, so what the page shows
can be read back and compared with the results files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from xmux_sim.report.formatting import esc, fmt_number
from xmux_sim.report.svg import FAIL_MARK, PALETTE, nice_ticks

__all__ = ["REGRESSION_COLOUR", "TrendPoint", "trend_chart"]

REGRESSION_COLOUR: Final = FAIL_MARK
_W: Final = 540
_H: Final = 170
_LEFT: Final = 58
_RIGHT: Final = 12
_TOP: Final = 12
_BOTTOM: Final = 30
_MAX_LABELS: Final = 6


@dataclass(frozen=True)
class TrendPoint:
    run: str
    """The run's id."""
    label: str
    """Its start time, short."""
    value: float | None
    regressed: bool = False
    note: str = ""


def trend_chart(metric: str, unit: str, points: Sequence[TrendPoint]) -> str:
    values = [p.value for p in points if p.value is not None]
    ticks = nice_ticks(0.0, max(values, default=0.0) or 1.0, target=4)
    top = ticks[-1]
    plot_w, plot_h = _W - _LEFT - _RIGHT, _H - _TOP - _BOTTOM
    n = max(len(points), 1)

    def sx(i: int) -> float:
        return _LEFT + (i + 0.5) * plot_w / n

    def sy(v: float) -> float:
        return _TOP + plot_h - v / top * plot_h

    parts = [
        f'<svg viewBox="0 0 {_W} {_H}" width="100%" role="img" aria-label="{esc(metric)}" class="trend">'
    ]
    for v in ticks:
        parts.append(
            f'<line x1="{_LEFT}" x2="{_W - _RIGHT}" y1="{sy(v):.1f}" y2="{sy(v):.1f}" class="grid"/>'
        )
        parts.append(
            f'<text x="{_LEFT - 6}" y="{sy(v) + 4:.1f}" text-anchor="end">{esc(fmt_number(v))}</text>'
        )
    parts.append(
        f'<text x="12" y="{_TOP + plot_h / 2:.1f}" text-anchor="middle" '
        f'transform="rotate(-90 12 {_TOP + plot_h / 2:.1f})">{esc(unit)}</text>'
    )
    every = max(1, -(-len(points) // _MAX_LABELS))
    for i, p in enumerate(points):
        if i % every == 0 or i == len(points) - 1:
            parts.append(f'<text x="{sx(i):.1f}" y="{_H - 10}" text-anchor="middle">{esc(p.label)}</text>')
    line = " ".join(f"{sx(i):.1f},{sy(p.value):.1f}" for i, p in enumerate(points) if p.value is not None)
    if len(values) > 1:
        parts.append(f'<polyline points="{line}" fill="none" stroke="{PALETTE[0]}" stroke-width="1.6"/>')
    for i, p in enumerate(points):
        if p.value is None:
            continue
        x, y = sx(i), sy(p.value)
        tip = f"{p.label} · run {p.run}: {fmt_number(p.value)} {unit}" + (f" · {p.note}" if p.note else "")
        parts.append(
            f'<g class="point" data-metric="{esc(metric)}" data-run="{esc(p.run)}" data-value="{p.value!r}">'
            f"<title>{esc(tip)}</title>"
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{PALETTE[0]}"/>'
        )
        if p.regressed:
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="8" fill="none" stroke="{REGRESSION_COLOUR}" '
                'stroke-width="3" class="regression"/>'
            )
        parts.append("</g>")
    if not values:
        parts.append(
            f'<text x="{_LEFT + plot_w / 2:.1f}" y="{_TOP + plot_h / 2:.1f}" text-anchor="middle" '
            'class="empty">not measured</text>'
        )
    parts.append(f'<line x1="{_LEFT}" x2="{_W - _RIGHT}" y1="{sy(0):.1f}" y2="{sy(0):.1f}" class="axis"/>')
    parts.append("</svg>")
    return "".join(parts)
