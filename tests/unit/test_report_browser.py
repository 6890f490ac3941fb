"""report.html in a real browser: headless Chromium renders it and the screenshot is not blank.

Chromium is installed by scripts/setup (Debian's ``chromium``). Without it this
test fails rather than skips: a report nobody checked in a browser is what
this test exists to prevent.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import accumulate
from pathlib import Path

import pytest

from xmux_sim.checkers import availability, latency
from xmux_sim.faults.spec import FaultSpec
from xmux_sim.history import History, Operation, Outcome
from xmux_sim.report import ExitStatus, Invariant, RunReport, write_report
from xmux_sim.report.svg import FAULT_FILL
from xmux_sim.timeline import FaultEvent, Phase, ProbeResult

WIDTH, HEIGHT = 1200, 2000


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    value = int(hex_colour.lstrip("#"), 16)
    return (value >> 16, (value >> 8) & 0xFF, value & 0xFF)


def _unfilter(kind: int, line: bytes, prev: bytes, bpp: int) -> bytes:
    """Undo one PNG row filter (RFC 2083 section 6)."""
    if kind == 0:
        return line
    if kind == 1:  # Sub: per channel, a running sum modulo 256
        out = bytearray(line)
        for c in range(bpp):
            out[c::bpp] = bytes(map((255).__and__, accumulate(line[c::bpp])))
        return bytes(out)
    if kind == 2:  # Up: bytewise addition without carries between bytes, on whole rows at once
        n = len(line)
        low7, high = int.from_bytes(b"\x7f" * n, "big"), int.from_bytes(b"\x80" * n, "big")
        a, b = int.from_bytes(line, "big"), int.from_bytes(prev, "big")
        return (((a & low7) + (b & low7)) ^ ((a ^ b) & high)).to_bytes(n, "big")
    out = bytearray(line)
    for i in range(len(out)):
        left = out[i - bpp] if i >= bpp else 0
        up = prev[i]
        if kind == 3:  # Average
            out[i] = (out[i] + ((left + up) >> 1)) & 255
            continue
        corner = prev[i - bpp] if i >= bpp else 0  # Paeth
        p = left + up - corner
        pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
        predictor = left if pa <= pb and pa <= pc else up if pb <= pc else corner
        out[i] = (out[i] + predictor) & 255
    return bytes(out)


def png_pixels(path: Path) -> tuple[int, int, Counter[tuple[int, ...]]]:
    """Width, height and a count of every RGB colour of an 8-bit, non-interlaced RGB(A) PNG."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, bytearray(), b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour in (2, 6) and interlace == 0, f"unexpected PNG format {header!r}"
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(bytes(idat))
    stride = width * bpp + 1
    colours: Counter[tuple[int, ...]] = Counter()
    prev = bytes(width * bpp)
    for y in range(height):
        row = _unfilter(raw[y * stride], raw[y * stride + 1 : (y + 1) * stride], prev, bpp)
        colours.update(zip(row[0::bpp], row[1::bpp], row[2::bpp], strict=True))
        prev = row
    return width, height, colours


def test_png_reader_undoes_every_filter() -> None:
    # One row of 2 RGB pixels per filter type, each checked against a hand-computed result.
    prev = bytes([10, 20, 30, 40, 50, 60])
    line = bytes([1, 2, 3, 250, 250, 250])
    assert _unfilter(1, line, prev, 3) == bytes([1, 2, 3, 251, 252, 253])
    assert _unfilter(2, line, prev, 3) == bytes([11, 22, 33, 34, 44, 54])
    assert _unfilter(3, line, prev, 3) == bytes([6, 12, 18, 17, 25, 33])
    assert _unfilter(4, line, prev, 3) == bytes([11, 22, 33, 34, 44, 54])  # Paeth picks "up" here
    assert _unfilter(4, line, bytes(6), 3) == bytes([1, 2, 3, 251, 252, 253])  # and "left" here


def _ops() -> Iterator[Operation]:
    for i in range(3000):
        t = i * 0.02
        down = 20.0 <= t < 32.0
        outcome = (
            Outcome.fail if down and i % 3 == 0 else Outcome.unknown if down and i % 3 == 1 else Outcome.ok
        )
        done = None if outcome is Outcome.unknown else t + (0.15 if down else 0.01 + (i % 7) / 1000)
        yield Operation(f"api-{i % 4}", "GetProfile", None, None, t, done, outcome, "api")


def browser_report() -> RunReport:
    history = History(_ops())
    routes = {
        f"node-{n}": [
            (t / 2, {f"10.{k}.0.0/24" for k in range(3) if k != 2 or not 40 <= t < 60}) for t in range(120)
        ]
        for n in range(3)
    }
    return RunReport(
        run_id="20240501-browser",
        scenario="drop node-2 under API load",
        scenario_path=Path("scenarios/drop-node.yaml"),
        seed=7,
        stack="default",
        flavours={"api": "xmux-sim/api:local", "postgres": "debian"},
        started_at=datetime(2024, 5, 1, tzinfo=UTC),
        duration_s=60.0,
        history=history,
        faults=[FaultEvent("drop-node-2", FaultSpec("drop-node", {"node": "node-2"}), 20.0, 30.0)],
        invariants=[
            Invariant("available", "availability", "ok ratio >= 0.95", availability(history, min_ratio=0.95)),
            Invariant("fast", "latency", "p99 <= 1 s", latency(history, limits={0.99: 1.0})),
        ],
        routes=routes,
        probes=[
            ProbeResult(float(t), "GET /test", Phase.during, not 22 <= t < 32, "HTTP 502")
            for t in range(0, 60, 2)
        ],
        exit_status=ExitStatus.VIOLATED,
    )


def test_report_renders_in_headless_chromium(tmp_path: Path) -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("chromium is not installed; run scripts/setup (it installs Debian's chromium)")
    page = write_report(browser_report(), tmp_path / "report").html
    shot = tmp_path / "report.png"
    command = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--hide-scrollbars",
        # Its own profile: tests running in parallel must not share one.
        f"--user-data-dir={tmp_path / 'profile'}",
        f"--window-size={WIDTH},{HEIGHT}",
        f"--screenshot={shot}",
        page.resolve().as_uri(),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0 and shot.exists(), (
        f"chromium failed ({done.returncode}):\n{done.stderr[-3000:]}"
    )

    assert shot.stat().st_size > 20_000
    width, height, colours = png_pixels(shot)
    assert (width, height) == (WIDTH, HEIGHT)
    total = width * height
    assert len(colours) >= 20, f"only {len(colours)} colours: the page looks blank"
    assert colours.most_common(1)[0][1] < 0.9 * total, "one colour covers 90% of the page"
    # The fault window is shaded (opaque, so the exact colour), and both verdict colours show.
    assert colours[_rgb(FAULT_FILL)] > 2_000, "no fault shading in the screenshot"
    assert colours[_rgb("#cf222e")] > 200, "no red (violated) in the screenshot"
    assert colours[_rgb("#1a7f37")] > 50, "no green (holds) in the screenshot"
