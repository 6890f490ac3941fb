"""What a person sees while a command works: one line per step, one live line, tables.

Three verbosities, chosen with ``--quiet`` / ``--verbose`` on every long command:

- quiet: results and errors only (tables, the report's path, what went wrong);
- normal: also one line per step (``14:02:11 run 1a2b: 24 pod(s) healthy in 16.2s``),
  a spinner or live line while a step works;
- verbose: also the detail: raw output of the tools a step runs, the spinner's changing
  text (package counts of a Go build) and, off a terminal, the live line more often.

Every step and detail line also goes to the command's log file (when it has one), so a
failure can point at the whole story while the screen stayed calm.

On a terminal (TTY) the spinner and the live line are redrawn in place. Elsewhere (a CI
log, a pipe) nothing is redrawn: the live line is printed as a whole line of its own at
most every ``LIVE_EVERY_S`` seconds, between other lines, never inside one; tables are
printed as plain aligned text at their natural width, so no cell (an invariant's name)
is ever cut.

A long-running piece of work (the image builder, a provider, the scenario runner) takes
plain callables: ``step`` for a line per step, ``status`` for the transient text of the
spinner (``14/230 packages, 1 min 02 s``), ``detail`` for raw output.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import datetime
from enum import IntEnum
from pathlib import Path
from typing import IO, Any, Final

from rich.console import Console
from rich.live import Live
from rich.status import Status
from rich.table import Table
from rich.text import Text

__all__ = ["LIVE_EVERY_S", "Terminal", "Verbosity", "command_log", "plain_table", "verbosity_flags"]

LIVE_EVERY_S: Final = 10.0
"""Off a terminal, how often the live line is printed as a line of its own."""

_COLUMN_GAP: Final = "  "
_LOGS_KEPT: Final = 30
TAIL_LINES: Final = 25


def verbosity_flags() -> argparse.ArgumentParser:
    """``--quiet`` / ``--verbose``, as a parent parser for every long command."""
    flags = argparse.ArgumentParser(add_help=False)
    group = flags.add_mutually_exclusive_group()
    group.add_argument(
        "-q",
        "--quiet",
        dest="verbosity",
        action="store_const",
        const=Verbosity.QUIET,
        help="print results and errors only (the steps still go to the command's log)",
    )
    group.add_argument(
        "-v",
        "--verbose",
        dest="verbosity",
        action="store_const",
        const=Verbosity.VERBOSE,
        help="also print the raw output of the tools each step runs",
    )
    flags.set_defaults(verbosity=Verbosity.NORMAL)
    return flags


def command_log(command: str) -> Path:
    """A new log file for one run of ``command``; the oldest beyond the last 30 are removed."""
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "xmux-sim" / "logs"
    root.mkdir(parents=True, exist_ok=True)
    for old in sorted(root.glob(f"{command}-*.log"))[:-_LOGS_KEPT]:
        old.unlink(missing_ok=True)
    return root / f"{command}-{datetime.now():%Y%m%d-%H%M%S}-{os.getpid()}.log"


class Verbosity(IntEnum):
    QUIET = 0
    NORMAL = 1
    VERBOSE = 2


def _plain(cell: object) -> str:
    if isinstance(cell, Text):
        return cell.plain
    if isinstance(cell, str):
        # Table cells given as strings are console markup ("[green]built[/]").
        return Text.from_markup(cell).plain
    return str(cell)


def plain_table(table: Table) -> str:
    """The table as plain aligned text: every cell whole, the last column left to run on."""
    headers = [_plain(c.header) for c in table.columns]
    columns = [[_plain(cell) for cell in c.cells] for c in table.columns]
    rows = [list(r) for r in zip(*columns, strict=True)] if columns else []
    widths = [
        max([len(h), *(len(line) for row in rows for line in row[i].splitlines() or [""])])
        for i, h in enumerate(headers)
    ]
    lines: list[str] = []
    if table.title:
        lines.append(_plain(table.title))

    def emit(cells: list[str]) -> None:
        # A cell of several lines continues on the next lines, in its own column.
        split = [c.splitlines() or [""] for c in cells]
        for k in range(max(len(s) for s in split)):
            parts = [(s[k] if k < len(s) else "").ljust(w) for s, w in zip(split, widths, strict=True)]
            lines.append(_COLUMN_GAP.join(parts).rstrip())

    emit(headers)
    lines.append(_COLUMN_GAP.join("-" * w for w in widths))
    for row in rows:
        emit(row)
    if table.caption:
        lines.append(_plain(table.caption))
    return "\n".join(lines)


class Terminal:
    """The terminal of one command: stderr for progress, stdout for results."""

    def __init__(
        self,
        verbosity: Verbosity = Verbosity.NORMAL,
        *,
        err: IO[str] | None = None,
        out: IO[str] | None = None,
        log: Path | None = None,
        live_every_s: float = LIVE_EVERY_S,
    ) -> None:
        self.verbosity = verbosity
        self.err = Console(file=err or sys.stderr, highlight=False, log_path=False)
        self.out = Console(file=out or sys.stdout, highlight=False)
        # --verbose: the live line off a terminal five times as often.
        self.live_every_s = live_every_s / 5 if verbosity >= Verbosity.VERBOSE else live_every_s
        self.log_path: Path | None = None
        self._log: IO[str] | None = None
        self._lock = threading.Lock()
        self._spinner: Status | None = None
        self.hidden = 0
        """Lines that went only to the log (quiet steps, details below verbose)."""
        self.logged = 0
        if log is not None:
            self.log_to(log)

    @property
    def interactive(self) -> bool:
        return self.err.is_terminal and not self.err.is_dumb_terminal

    # ----- the log file -----------------------------------------------------------------

    def log_to(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.close()
        self._log = path.open("a", encoding="utf-8")
        self.log_path = path

    def close(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_tail(self, lines: int = TAIL_LINES) -> list[str]:
        if self.log_path is None or not self.log_path.exists():
            return []
        if self._log is not None:
            self._log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]

    def _write_log(self, line: str) -> None:
        if self._log is not None:
            self._log.write(f"{datetime.now():%Y-%m-%d %H:%M:%S} {line}\n")
            self._log.flush()
            self.logged += 1

    def point_at_log(self) -> None:
        """After a failure: the log's path, and its tail when the screen did not show those lines.

        Nothing when the command failed before it said anything (bad input): the message is all.
        """
        if self.log_path is None or not self.logged:
            return
        if self.hidden:
            tail = self.log_tail()
            self.err.print(
                Text(f"the last {len(tail)} lines of the log:\n" + "\n".join(tail)), soft_wrap=True
            )
        self.err.print(Text(f"log: {self.log_path}"), soft_wrap=True)

    # ----- lines ------------------------------------------------------------------------

    def _show(self, line: str, at_least: Verbosity) -> None:
        with self._lock:
            self._write_log(line)
            if self.verbosity < at_least:
                self.hidden += 1
                return
            stamp = Text(f"{datetime.now():%H:%M:%S} ", style="dim")
            # soft_wrap: a long line stays one line in a CI log, and never gets a line break pasted in.
            self.err.print(stamp + Text(line), soft_wrap=True)

    def step(self, line: str) -> None:
        """One line per step of long work (hidden when quiet)."""
        self._show(line, Verbosity.NORMAL)

    def detail(self, line: str) -> None:
        """Raw output a step produced: shown with --verbose, always in the log."""
        self._show(line, Verbosity.VERBOSE)

    def status(self, text: str) -> None:
        """The transient text of the spinner; off a terminal only --verbose prints it (as a detail)."""
        if self._spinner is not None:
            self._spinner.update(text)
        elif self.verbosity >= Verbosity.VERBOSE:
            self.detail(text)

    def note(self, message: str) -> None:
        """What the user must see whatever the verbosity (results, where they were written)."""
        with self._lock:
            self._write_log(message)
            self.err.print(Text(message), soft_wrap=True)

    # ----- results on stdout ------------------------------------------------------------

    def table(self, table: Table) -> None:
        if self.out.is_terminal:
            self.out.print(table)
        else:
            self.out.print(Text(plain_table(table)), soft_wrap=True)

    def print(self, text: str) -> None:
        self.out.print(Text(text), soft_wrap=True)

    # ----- work in progress -------------------------------------------------------------

    @contextmanager
    def working(self, text: str) -> Iterator[None]:
        """A spinner while a step works (a TTY, not quiet); elsewhere one step line."""
        if not self.interactive or self.verbosity == Verbosity.QUIET:
            self.step(text)
            yield
            return
        spinner = self.err.status(text)
        spinner.start()
        self._spinner = spinner
        try:
            yield
        finally:
            self._spinner = None
            spinner.stop()

    def live(self, line: Callable[[], str]) -> AbstractContextManager[Any]:
        """A line that changes while work runs (elapsed, ok/s, active faults)."""
        if self.verbosity == Verbosity.QUIET:
            return nullcontext()
        if self.interactive:
            return Live(
                get_renderable=lambda: Text(line(), style="bold"), console=self.err, refresh_per_second=4
            )
        return _PeriodicLine(self, line)


class _PeriodicLine:
    """Off a terminal: the live line as a step line every so often, and once at the end."""

    def __init__(self, terminal: Terminal, line: Callable[[], str]) -> None:
        self.terminal = terminal
        self.line = line
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True, name="live-line")

    def _loop(self) -> None:
        while not self.stop.wait(self.terminal.live_every_s):
            self.terminal.step(self.line())

    def __enter__(self) -> _PeriodicLine:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()
        self.terminal.step(self.line())
