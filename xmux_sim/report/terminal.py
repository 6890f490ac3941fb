"""The verdict table printed at the end of a run."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from xmux_sim.report.formatting import STATUS_WORDS, VERDICT_COLOURS, verdict_word
from xmux_sim.report.model import ExitStatus, RunReport

__all__ = ["verdict_table"]

_STATUS_STYLE = {ExitStatus.OK: "bold green", ExitStatus.VIOLATED: "bold red", ExitStatus.ERROR: "bold red"}


def verdict_table(report: RunReport) -> Table:
    """One row per invariant, coloured like the HTML report.

    Every cell is a `Text`, never console markup: names and messages come from
    scenario files and error texts, and a ``[bold]`` in them must print as is.
    """
    table = Table(
        title=Text(f"{report.scenario} · seed {report.seed} · run {report.run_id}"),
        caption=_caption(report),
        show_lines=False,
    )
    # Names fold onto a second line in a narrow terminal rather than being cut.
    table.add_column("invariant", style="bold", overflow="fold")
    table.add_column("checker", overflow="fold")
    table.add_column("threshold", overflow="fold")
    table.add_column("verdict")
    table.add_column("detail", overflow="fold", ratio=1)
    for inv in report.invariants:
        word = verdict_word(inv.verdict.valid)
        table.add_row(
            Text(inv.name),
            Text(inv.checker),
            Text(inv.threshold),
            Text(word.upper(), style=f"bold {VERDICT_COLOURS[word]}"),
            Text(inv.verdict.message),
        )
    return table


def _caption(report: RunReport) -> Text:
    text = Text(
        f"exit {int(report.exit_status)} ({STATUS_WORDS[report.exit_status]})",
        style=_STATUS_STYLE[report.exit_status],
    )
    if report.error:
        text.append(f": {report.error}")
    return text
