"""The calm terminal: verbosities, step lines without source tags, plain tables off a TTY,
the live line off a TTY, and the log a failure points at."""

from __future__ import annotations

import io
import re
import time
from pathlib import Path

import pytest
from rich.table import Table

from tests.unit.test_report import make_report
from xmux_sim.checkers import Verdict
from xmux_sim.report import Invariant, verdict_table
from xmux_sim.terminal import Terminal, Verbosity, command_log, plain_table

LONG = "no-acknowledged-write-lost-in-the-replicated-postgres-cluster-after-the-partition-heals"


def terminal(
    verbosity: Verbosity, tmp_path: Path | None = None, every: float = 10.0
) -> tuple[Terminal, io.StringIO, io.StringIO]:
    err, out = io.StringIO(), io.StringIO()
    log = tmp_path / "command.log" if tmp_path else None
    return Terminal(verbosity, err=err, out=out, log=log, live_every_s=every), err, out


def test_step_lines_carry_a_time_and_no_source_location() -> None:
    term, err, _ = terminal(Verbosity.NORMAL)
    term.step("run 1a2b: 3 pod(s) healthy in 4.2s")
    (line,) = err.getvalue().splitlines()
    assert re.fullmatch(r"\d\d:\d\d:\d\d run 1a2b: 3 pod\(s\) healthy in 4\.2s", line), line


def test_verbosities_and_the_log(tmp_path: Path) -> None:
    for verbosity, shown in [
        (Verbosity.QUIET, []),
        (Verbosity.NORMAL, ["a step"]),
        (Verbosity.VERBOSE, ["a step", "go: downloading x v1", "compiling 3/10"]),
    ]:
        term, err, _ = terminal(verbosity, tmp_path / verbosity.name)
        term.step("a step")
        term.detail("go: downloading x v1")
        term.status("compiling 3/10")  # no spinner off a TTY: a detail line at most
        term.note("report: reports/x/report.html")
        lines = [line[9:] for line in err.getvalue().splitlines() if line[:2].isdigit()]
        assert lines == shown, verbosity
        assert "report: reports/x/report.html" in err.getvalue()  # results whatever the verbosity
        logged = (tmp_path / verbosity.name / "command.log").read_text()
        assert "a step" in logged and "go: downloading x v1" in logged  # the log has everything said


def test_a_failure_points_at_the_log_and_shows_what_quiet_hid(tmp_path: Path) -> None:
    term, err, _ = terminal(Verbosity.QUIET, tmp_path)
    for i in range(40):
        term.step(f"step {i}")
    term.point_at_log()
    text = err.getvalue()
    assert "the last 25 lines of the log:" in text and "step 39" in text and "step 14\n" not in text
    assert f"log: {tmp_path / 'command.log'}" in text
    shown, err2, _ = terminal(Verbosity.NORMAL, tmp_path / "normal")
    shown.step("seen")
    shown.point_at_log()
    assert "the last" not in err2.getvalue() and "log: " in err2.getvalue()  # nothing was hidden
    silent, err3, _ = terminal(Verbosity.NORMAL, tmp_path / "silent")
    silent.point_at_log()  # failed before it said anything (bad input): the error is all there is
    assert err3.getvalue() == ""


def test_tables_off_a_tty_are_plain_and_cut_nothing() -> None:
    report = make_report(
        invariants=[Invariant(LONG, "lost-writes", "store=postgres", Verdict(LONG, True, message="ok"))]
    )
    term, _, out = terminal(Verbosity.NORMAL)
    term.table(verdict_table(report))
    text = out.getvalue()
    assert LONG in text and "…" not in text and "\x1b[" not in text and "┃" not in text
    header = next(line for line in text.splitlines() if line.startswith("invariant"))
    assert header.split() == ["invariant", "checker", "threshold", "verdict", "detail"]
    row = next(line for line in text.splitlines() if line.startswith(LONG))
    # Columns line up: each header starts where its column's cells start.
    assert row.index("lost-writes") == header.index("checker")


def test_plain_table_keeps_multi_line_cells_in_their_column() -> None:
    table = Table("scenario", "why", title="suite")
    table.add_row("[green]a[/]", "first\nsecond")
    lines = plain_table(table).splitlines()
    assert lines[0] == "suite"
    assert lines[3] == "a         first" and lines[4] == "          second"


def test_the_live_line_off_a_tty_is_a_whole_line_now_and_then() -> None:
    term, err, _ = terminal(Verbosity.NORMAL, every=0.05)
    count = 0

    def line() -> str:
        return f"{count} ok"

    with term.live(line):
        for count in range(1, 6):
            term.step(f"injected fault {count}")
            time.sleep(0.06)
    lines = err.getvalue().splitlines()
    assert all(re.fullmatch(r"\d\d:\d\d:\d\d (\d+ ok|injected fault \d)", ln) for ln in lines), lines
    assert any(ln.endswith(" ok") for ln in lines[:-1]) and lines[-1].endswith("5 ok")
    quiet, err_q, _ = terminal(Verbosity.QUIET, every=0.01)
    with quiet.live(line):
        time.sleep(0.05)
    assert err_q.getvalue() == ""


def test_command_logs_are_pruned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    logs = tmp_path / "xmux-sim" / "logs"
    logs.mkdir(parents=True)
    for i in range(35):
        (logs / f"run-20240101-0000{i:02d}-1.log").write_text("")
    fresh = command_log("run")
    assert fresh.parent == logs and fresh.name.startswith("run-")
    assert len(list(logs.glob("run-*.log"))) == 30
    assert not (logs / "run-20240101-000000-1.log").exists()  # the oldest went
