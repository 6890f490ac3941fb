"""The `suite` and `dashboard` commands: their options, and what they print."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.table import Table
from rich.text import Text

from xmux_sim.errors import XmuxSimError
from xmux_sim.params import SEED, int_at_least, option
from xmux_sim.providers import DEFAULT, provider_names
from xmux_sim.report.formatting import fmt_duration
from xmux_sim.report.suite import OUTCOME_COLOURS, SuiteResult
from xmux_sim.report.writer import check_report_dir
from xmux_sim.terminal import Terminal

__all__ = ["add_dashboard_parser", "add_suite_parser", "run_dashboard", "run_suite"]


def add_suite_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], parents: list[argparse.ArgumentParser]
) -> argparse.ArgumentParser:
    suite = sub.add_parser(
        "suite",
        help="run a set of scenarios one after another; one folder with junit.xml, summary.json, index.html",
        description="Runs the scenarios named (files, or folders searched for *.yaml), by default the "
        "shipped ones (the embedded default and scenarios/), each on a fresh stack or all on the "
        "--attach'ed one, and writes reports/suite-<time>/. Exit 0 every scenario came out as its file "
        "expects, 1 one did not or is flaky (its repeats disagree), 2 a run could not be carried out.",
        parents=parents,
    )
    suite.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="scenario files or folders")
    suite.add_argument(
        "--provider", default=DEFAULT, choices=provider_names(), help="what realises the stacks"
    )
    suite.add_argument(
        "--repeat",
        type=int_at_least(1, 100).option(),
        default=1,
        metavar="N",
        help="run each scenario N times; disagreeing runs are flaky",
    )
    suite.add_argument(
        "--seed",
        type=SEED.option(),
        help="seed of every scenario's first run (repeat k: seed + k - 1), to replay a suite",
    )
    suite.add_argument(
        "--report-dir",
        type=option(check_report_dir, "folder"),
        default="reports",
        help="where suite-<time>/ goes",
    )
    suite.add_argument(
        "--attach", nargs="?", const="", metavar="RUN", help="run every scenario on a running stack"
    )
    return suite


def run_suite(args: argparse.Namespace, term: Terminal) -> int:
    from xmux_sim.suite.runner import SuiteOptions, SuiteRunner

    options = SuiteOptions(
        paths=args.paths,
        provider=args.provider,
        repeat=args.repeat,
        seed=args.seed,
        report_dir=args.report_dir,
        attach=args.attach,
    )
    runner = SuiteRunner(options, say=term.step, live=term.live)
    term.log_to(runner.folder / "suite.log")
    term.step(
        f"suite of {len(runner.scenarios)} scenario(s)"
        + (f", {options.repeat} runs each" if options.repeat > 1 else "")
        + f": {runner.folder}"
    )
    result, paths = runner.run()
    term.table(suite_table(result))
    for finding in result.findings():
        term.note(f"flaky: {finding.message()}")
    term.note(f"suite: {paths.index} (junit.xml, summary.json beside it)")
    return int(result.exit_status)


def suite_table(result: SuiteResult) -> Table:
    table = Table(title=Text(f"suite {result.name}"))
    for column in ("scenario", "expect", "outcome", "runs", "time"):
        table.add_column(column, overflow="fold")
    table.add_column("why", overflow="fold", ratio=1)
    for name, runs in result.scenarios().items():
        outcome = result.outcome(name)
        table.add_row(
            Text(name),
            Text(runs[0].expect),
            Text(str(outcome).upper(), style=f"bold {OUTCOME_COLOURS[outcome]}"),
            Text(" ".join(str(r.outcome) for r in runs)),
            Text(fmt_duration(sum(r.wall_s for r in runs))),
            Text(
                "\n".join(r.reason for r in runs) if len(set(r.reason for r in runs)) > 1 else runs[0].reason
            ),
        )
    return table


def add_dashboard_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    dashboard = sub.add_parser(
        "dashboard",
        help="a page over every suite and run in a reports folder: verdicts and figures over time, "
        "regressions marked",
        description="Writes REPORTS_DIR/dashboard.html (self-contained, no network needed to view it) from "
        "every results.json and suite summary.json under REPORTS_DIR.",
    )
    dashboard.add_argument(
        "reports_dir", nargs="?", type=Path, default=Path("reports"), metavar="REPORTS_DIR"
    )
    dashboard.add_argument(
        "--out", type=Path, help="where the page goes (default: REPORTS_DIR/dashboard.html)"
    )
    dashboard.add_argument(
        "--serve", action="store_true", help="then serve REPORTS_DIR on 127.0.0.1 until Ctrl-C"
    )
    dashboard.add_argument(
        "--port",
        type=int_at_least(0, 65535).option(),
        default=8700,
        help="port for --serve (0: any free port)",
    )
    return dashboard


def run_dashboard(args: argparse.Namespace, term: Terminal) -> int:
    from xmux_sim.report.dashboard import write_dashboard
    from xmux_sim.suite.serve import serve

    folder: Path = args.reports_dir
    if not folder.is_dir():
        raise XmuxSimError(f"{folder}: no such reports folder (runs and suites write there)")
    page, found = write_dashboard(folder, args.out)
    term.note(
        f"dashboard over {found.runs} run(s) of {found.scenarios} scenario(s) and {found.suites} "
        f"suite(s): {page}"
    )
    if found.regressions:
        term.note(f"{found.regressions} regression(s) marked (see the page's Regressions section)")
    if args.serve:
        serve(folder, page, args.port, term.note)
    return 0
