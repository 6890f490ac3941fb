"""Words, colours and number formats shared by every report writer.

One place decides how a verdict is named and coloured, so the terminal, the
HTML page and junit.xml never disagree about a run.
"""

from __future__ import annotations

import html
import math
import re
from typing import Final

from xmux_sim.checkers.verdict import UNKNOWN, Validity
from xmux_sim.report.model import ExitStatus

__all__ = [
    "STATUS_WORDS",
    "VERDICT_COLOURS",
    "clean",
    "esc",
    "fmt_duration",
    "fmt_number",
    "fmt_t",
    "verdict_word",
]

# Characters XML 1.0 forbids (and HTML calls parse errors). Error messages carry
# them in practice (ANSI colour codes, NUL from binary protocols); one of them
# in junit.xml would make the whole file unreadable for CI.
_FORBIDDEN: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")

VERDICT_COLOURS: Final = {"holds": "#1a7f37", "violated": "#cf222e", "unknown": "#6e7781"}
STATUS_WORDS: Final = {
    ExitStatus.OK: "passed",
    ExitStatus.VIOLATED: "violated",
    ExitStatus.ERROR: "error",
}


def clean(text: object) -> str:
    """``text`` as a string that is valid in XML and HTML; forbidden characters become ``\\xNN``."""
    return _FORBIDDEN.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text))


def esc(text: object) -> str:
    """Clean and HTML-escape (quotes too, so the result is safe in attributes)."""
    return html.escape(clean(text), quote=True)


def verdict_word(valid: Validity) -> str:
    if valid is True:
        return "holds"
    return "violated" if valid is False else UNKNOWN


def fmt_number(value: object) -> str:
    """A figure as a person reads it: 4 significant digits, ``-`` for missing."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        return f"{value:.4g}" if abs(value) < 1000 else f"{value:.0f}"
    return str(value)


def fmt_duration(seconds: float | None) -> str:
    """Latencies and durations: ms below a second, s below two minutes, then minutes."""
    if seconds is None or not math.isfinite(seconds):
        return "-"
    if abs(seconds) < 1:
        return f"{seconds * 1000:.3g} ms"
    if abs(seconds) < 120:
        return f"{seconds:.3g} s"
    return f"{seconds / 60:.3g} min"


def fmt_t(t: float) -> str:
    """A run-clock instant as an axis or table label."""
    if abs(t) >= 3600:
        return f"{t / 3600:g}h" if t % 3600 == 0 else f"{int(t // 3600)}h{int(t % 3600 // 60):02d}m"
    if abs(t) >= 120 and t % 60 == 0:
        return f"{t / 60:g}m"
    return f"{t:g}s"
