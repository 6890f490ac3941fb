"""The `xmux-sim` command line."""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from xmux_sim.errors import XmuxSimError

if TYPE_CHECKING:
    from xmux_sim.providers.base import Provider, RunStatus
    from xmux_sim.session import Session
    from xmux_sim.topology import Stack

console = Console(stderr=True, highlight=False)
out = Console(highlight=False)


def _progress(line: str) -> None:
    console.log(line, markup=False)


def _provider() -> Provider:
    from xmux_sim.providers import open_provider

    return open_provider(progress=_progress)


def cmd_images(args: argparse.Namespace) -> int:
    images = _provider().images
    if args.images_command == "build":
        with console.status("building images (the first build takes a few minutes)"):
            built = images.build(args.names or None, rebuild=args.rebuild)
        console.print(f"built: {', '.join(built) or 'nothing (all up to date)'}")
        return 0
    rows = images.states()
    if args.json:
        out.print_json(json.dumps([r.__dict__ for r in rows]))
        return 0
    table = Table("image", "state", "tag", "size", "program", "version")
    for r in rows:
        table.add_row(
            r.name,
            "[green]built[/]" if r.built else "[red]missing[/]",
            r.tag,
            f"{r.size_mb:.0f} MiB" if r.size_mb else "-",
            r.program,
            r.version or "-",
        )
    out.print(table)
    return 0


def _status_table(status: RunStatus) -> Table:
    table = Table(
        "service",
        "state",
        "node",
        "pod IP",
        "endpoint",
        "flavour / image",
        title=f"run {status['run']} (stack {status['stack']})",
    )
    colours = {"healthy": "green", "starting": "yellow", "unhealthy": "red", "stopped": "red"}
    for name, svc in status["services"].items():
        for rep in svc["replicas"]:
            state = rep["state"]
            table.add_row(
                f"{name}-{rep['replica']}",
                f"[{colours.get(state, 'white')}]{state}[/]",
                rep["node"],
                rep["pod_ip"],
                svc.get("url", "-"),
                svc.get("flavour") or svc.get("image", "-"),
            )
    return table


@contextmanager
def _session(stack: Stack, keep: bool = False) -> Iterator[Session]:
    """A run session on ``stack``, with a spinner while it comes up."""
    from xmux_sim.session import run_session

    spinner = console.status(f"bringing stack {stack.name} up")
    spinner.start()
    try:
        with run_session(stack, keep=keep, progress=_progress) as session:
            spinner.stop()
            yield session
    finally:
        spinner.stop()


def cmd_up(args: argparse.Namespace) -> int:
    from xmux_sim.topology import load_stack

    stack = load_stack(args.stack)
    t0 = time.monotonic()
    with _session(stack, keep=args.keep) as session:
        run = session.run
        console.print(
            f"stack [bold]{stack.name}[/] up as run [bold]{run.run_id}[/] in {time.monotonic() - t0:.1f}s"
        )
        out.print(_status_table(run.status()))
        if args.keep:
            session.finish()
            console.print(f"kept: `xmux-sim status`, then `xmux-sim down --run {run.run_id}`")
            return 0
        console.print("serving until Ctrl-C (use --keep to leave it running instead)")
        with suppress(KeyboardInterrupt):  # or SIGTERM, which the session turns into one
            threading.Event().wait()
        with console.status("taking the stack down"):
            session.finish()
    console.print("down")
    return 0


def _nodes_table(status: RunStatus) -> Table:
    table = Table("node", "pod CIDR", "router", "BGP sessions", "learned routes", "pods", title="nodes")
    for name, node in status["nodes"].items():
        router = node["router"]
        sessions = router["sessions"] if router else {}
        up = sum(1 for s in sessions.values() if s == "established")
        colour = "green" if sessions and up == len(sessions) else "red"
        table.add_row(
            name,
            node["cidr"] or "-",
            router["state"] if router else "-",
            f"[{colour}]{up}/{len(sessions)} established[/]" if router else "-",
            (", ".join(router["routes"]) if router else "") or "-",
            ", ".join(p["name"] for p in node["pods"]),
        )
    return table


def cmd_status(args: argparse.Namespace) -> int:
    status = _provider().status(args.run)
    if args.json:
        out.print(json.dumps(status, indent=2), soft_wrap=True, markup=False)
        return 0
    out.print(_status_table(status))
    if any(node["router"] for node in status["nodes"].values()):
        out.print(_nodes_table(status))
    for fault in status["faults"]:
        out.print(
            f"[yellow]active fault[/] {fault['id']}: {fault['description']} (since {fault['injected_at']})"
        )
    return 0


def cmd_down(args: argparse.Namespace) -> int:
    provider = _provider()
    if args.all:
        runs = provider.down_all()
        console.print(f"removed run(s): {', '.join(runs) or 'none were up'}")
        return 0
    run_id = provider.resolve_run(args.run)
    removed = provider.down(run_id)
    console.print(f"run {run_id} removed: {removed}")
    return 0


def cmd_smoke(args: argparse.Namespace) -> int:
    from xmux_sim.smoke import run_checks
    from xmux_sim.topology import load_stack

    stack = load_stack(args.stack)
    t0 = time.monotonic()
    with _session(stack) as session:
        run = session.run
        up_s = time.monotonic() - t0
        with console.status("checking every service with a real round trip"):
            results = run_checks(run)
        with console.status("taking the stack down"):
            session.finish()
    table = Table(
        "service",
        "check",
        "verdict",
        "time",
        "detail",
        title=f"stack {stack.name}: run {run.run_id} (up in {up_s:.1f}s)",
    )
    for r in results:
        table.add_row(
            r.service, r.check, "[green]ok[/]" if r.ok else "[red]FAILED[/]", f"{r.seconds:.2f}s", r.detail
        )
    out.print(table)
    failed = [r for r in results if not r.ok]
    out.print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


def cmd_run(args: argparse.Namespace) -> int:
    from rich.live import Live
    from rich.text import Text

    from xmux_sim.experiment import RunOptions, ScenarioRunner
    from xmux_sim.report import verdict_table
    from xmux_sim.scenario import default_scenario_path, load_scenario

    path = args.file or default_scenario_path()
    scenario = load_scenario(path)
    options = RunOptions(seed=args.seed, report_dir=Path(args.report_dir), keep=args.keep, attach=args.attach)

    def live(line: Callable[[], str]) -> Live:
        return Live(get_renderable=lambda: Text(line(), style="bold"), console=console, refresh_per_second=4)

    outcome = ScenarioRunner(scenario, options, say=_progress).run(status=live)
    if outcome.report is not None:
        out.print(verdict_table(outcome.report))
    if outcome.error:
        console.print(f"[red]the run could not be carried out:[/] {outcome.error}", soft_wrap=True)
    if outcome.paths is not None:
        console.print(f"seed {outcome.seed}; report: {outcome.paths.html}", soft_wrap=True)
    return int(outcome.status)


def cmd_fault(args: argparse.Namespace) -> int:
    from xmux_sim.faults.kind import FAULT_KINDS
    from xmux_sim.faults.spec import FaultSpec, FaultSpecError

    info = FAULT_KINDS.get(args.kind)
    if info is None:
        raise XmuxSimError(FAULT_KINDS.unknown(args.kind))
    try:
        spec = FaultSpec.from_args(args.kind, args.params)
    except FaultSpecError as exc:
        usage = " ".join(f"{p.name}=..." for p in info.params)
        raise XmuxSimError(f"{args.kind}: {exc}\n  usage: xmux-sim fault {args.kind} {usage}") from None
    provider = _provider()
    run = provider.attach(args.run)
    with console.status(f"injecting {spec.describe()}"):
        fault = run.faults().inject(spec)
    if args.json:
        described = {"id": fault.id, "run": run.run_id, "kind": spec.kind, "description": spec.describe()}
        out.print(json.dumps(described), soft_wrap=True, markup=False)
    else:
        console.print(
            f"injected {spec.describe()} into run {run.run_id}; heal with `xmux-sim heal {fault.id}`"
        )
        out.print(fault.id)
    return 0


def cmd_heal(args: argparse.Namespace) -> int:
    provider = _provider()
    run = provider.attach(args.run)
    faults = run.faults()
    with console.status("healing"):
        healed = faults.heal_all() if args.all else [faults.heal(args.id)]
    for entry in healed:
        console.print(f"healed {entry.spec.describe()} [{entry.id}]")
    if not healed:
        console.print(f"run {run.run_id} had no active fault")
    return 0


def cmd_faults(args: argparse.Namespace) -> int:
    from xmux_sim.faults.kind import FAULT_KINDS

    if args.kinds:
        table = Table("kind", "parameters", "what it does")
        for info in FAULT_KINDS.values():
            params = ", ".join(f"{p.name}{'' if p.required else '?'}" for p in info.params)
            table.add_row(info.name, params, info.help)
        out.print(table)
        return 0
    run = _provider().attach(args.run)
    entries = run.faults().active()
    if args.json:
        out.print(json.dumps([e.to_dict() for e in entries], indent=2), soft_wrap=True, markup=False)
        return 0
    table = Table("id", "fault", "injected at", title=f"active faults of run {run.run_id}")
    for e in entries:
        table.add_row(e.id, e.spec.describe(), e.injected_at)
    out.print(table)
    return 0


def cmd_load(args: argparse.Namespace) -> int:
    import dataclasses

    from rich.live import Live
    from rich.text import Text

    from xmux_sim.load.command import LoadOptions, run_load
    from xmux_sim.load.terminal import comparison_table, summary_table

    # The options are named as the flags are (--spawn-rate -> spawn_rate).
    given = {f.name: getattr(args, f.name) for f in dataclasses.fields(LoadOptions) if f.name != "report_dir"}
    options = LoadOptions(**given, report_dir=Path(args.report_dir))

    def live(line: Callable[[], str]) -> Live:
        return Live(get_renderable=lambda: Text(line(), style="bold"), console=console, refresh_per_second=2)

    outcome = run_load(options, say=_progress, live=live)
    out.print(summary_table(outcome.summary))
    if outcome.comparison is not None:
        out.print(comparison_table(outcome.comparison))
    for problem in outcome.problems:
        console.print(f"[red]worse:[/] {problem}", soft_wrap=True, markup=True, highlight=False)
    if outcome.folder is not None:
        console.print(
            f"report: {outcome.folder}/load.html (locust: locust.html, locust_*.csv)", soft_wrap=True
        )
    return outcome.status


def cmd_validate(args: argparse.Namespace) -> int:
    from xmux_sim.topology import load_stack

    stack = load_stack(args.file)
    out.print(
        f"{args.file}: stack {stack.name!r}, {len(stack.nodes)} node(s), services: "
        f"{', '.join(f'{s.name} ({s.kind} x{s.replicas})' for s in stack.services.values())}"
    )
    return 0


def parser() -> argparse.ArgumentParser:
    from xmux_sim.faults.kind import FAULT_KINDS

    p = argparse.ArgumentParser(
        prog="xmux-sim", description="The XMUX cluster on one machine, broken on purpose."
    )
    sub = p.add_subparsers(dest="command", required=True)

    images = sub.add_parser("images", help="build and list the locally built images")
    isub = images.add_subparsers(dest="images_command", required=True)
    build = isub.add_parser("build", help="build missing images (and their parents)")
    build.add_argument("names", nargs="*", help="images to build (default: all)")
    build.add_argument("--rebuild", action="store_true", help="rebuild the named images even if present")
    lst = isub.add_parser("list", help="each image: built or missing, size, program version")
    lst.add_argument("--json", action="store_true")
    images.set_defaults(func=cmd_images)

    up = sub.add_parser("up", help="bring a stack up")
    up.add_argument("--stack", help="stack file (default: the embedded xmux stack)")
    up.add_argument("--keep", action="store_true", help="leave it running and return")
    up.set_defaults(func=cmd_up)

    status = sub.add_parser("status", help="services of a running stack")
    status.add_argument("--run", help="run id (default: the only running one)")
    status.add_argument("--json", action="store_true")
    status.set_defaults(func=cmd_status)

    down = sub.add_parser("down", help="remove a stack")
    group = down.add_mutually_exclusive_group()
    group.add_argument("--run", help="run id (default: the only running one)")
    group.add_argument("--all", action="store_true", help="every xmux-sim run on this engine")
    down.set_defaults(func=cmd_down)

    smoke = sub.add_parser("smoke", help="up, a real round trip through every service, down; a verdict table")
    smoke.add_argument("--stack", help="stack file (default: the embedded xmux stack)")
    smoke.set_defaults(func=cmd_smoke)

    run = sub.add_parser(
        "run",
        help="run a scenario: steady state, workload, faults, checkers; writes a report",
        description="Exit 0 when every invariant holds, 1 when one is violated, 2 when the run could not "
        "be carried out.",
    )
    run.add_argument("file", nargs="?", help="scenario file (default: the embedded default scenario)")
    run.add_argument("--seed", type=int, help="replay the schedule and data of this seed")
    run.add_argument("--report-dir", default="reports", help="where reports/<scenario>-<run>/ go")
    run.add_argument("--keep", action="store_true", help="leave the stack up afterwards")
    run.add_argument(
        "--attach", nargs="?", const="", metavar="RUN", help="use a running stack (default: the only one)"
    )
    run.set_defaults(func=cmd_run)

    fault = sub.add_parser(
        "fault",
        help="inject a fault into a running stack; prints its id",
        description="Inject a fault, e.g. `xmux-sim fault drop-node node=node-2 mode=link`, "
        "`xmux-sim fault kill pod=postgres-0`, `xmux-sim fault latency service=mongo ms=200`. "
        "`xmux-sim faults --kinds` lists kinds and parameters.",
    )
    fault.add_argument("kind", help=", ".join(FAULT_KINDS.names()))
    fault.add_argument("params", nargs="*", help="KEY=VALUE parameters (the first may be given bare)")
    fault.add_argument("--run", help="run id (default: the only running one)")
    fault.add_argument("--json", action="store_true", help="print {id, run, kind, description} as JSON")
    fault.set_defaults(func=cmd_fault)

    heal = sub.add_parser("heal", help="heal a fault by id, or every active fault")
    which = heal.add_mutually_exclusive_group(required=True)
    which.add_argument("id", nargs="?", help="the id `xmux-sim fault` printed")
    which.add_argument("--all", action="store_true", help="every active fault of the run")
    heal.add_argument("--run", help="run id (default: the only running one)")
    heal.set_defaults(func=cmd_heal)

    faults = sub.add_parser("faults", help="active faults of a run (or --kinds: every fault kind)")
    faults.add_argument("--run", help="run id (default: the only running one)")
    faults.add_argument("--json", action="store_true")
    faults.add_argument("--kinds", action="store_true", help="list fault kinds and their parameters")
    faults.set_defaults(func=cmd_faults)

    load = sub.add_parser(
        "load",
        help="locust load test through nginx: the app's request mix, locust HTML/CSV and our summary",
        description="Exit 0 fine, 1 worse than --compare's baseline (or above the profile's error limit), "
        "2 the run could not be carried out. Profiles: loadtests/profiles/ (smoke, steady, ramp, spike).",
    )
    load.add_argument("--profile", help="profile name or file (default: smoke)")
    load.add_argument("--users", type=int, help="users (replaces the profile's users and stages)")
    load.add_argument("--spawn-rate", type=float, help="users started per second")
    load.add_argument("--duration", type=float, help="seconds (replaces the profile's duration and stages)")
    load.add_argument("--workers", type=int, help="0: one locust process; N: a master and N workers")
    load.add_argument("--stack", help="stack file (default: the --during scenario's, else the embedded one)")
    load.add_argument(
        "--attach", nargs="?", const="", metavar="RUN", help="use a running stack (default: the only one)"
    )
    load.add_argument("--keep", action="store_true", help="leave the stack up afterwards")
    load.add_argument("--during", metavar="SCENARIO", help="play this scenario's fault timeline meanwhile")
    load.add_argument("--seed", type=int, help="seed of students, actions and generated faults")
    load.add_argument("--compare", metavar="BASELINE.json", help="fail (exit 1) when worse than this summary")
    load.add_argument("--summary", metavar="SUMMARY.json", help="judge this summary instead of running load")
    load.add_argument("--ceiling", action="store_true", help="also drive the app-start path with h2load")
    load.add_argument("--report-dir", default="reports", help="where reports/load-<profile>-<run>/ go")
    load.set_defaults(func=cmd_load)

    validate = sub.add_parser("validate", help="validate a stack file without starting anything")
    validate.add_argument("file")
    validate.set_defaults(func=cmd_validate)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except XmuxSimError as exc:
        # Never wrapped: a file:line: field message must stay one copyable line.
        console.print(f"[red]error:[/] {exc}", markup=True, highlight=False, soft_wrap=True)
        return exc.exit_code
    except KeyboardInterrupt:
        console.print("interrupted; cleaned up")
        return 130
    except Exception:
        # A bug of ours, not a verdict: exit 2 ("could not be carried out"), never 1.
        console.print_exception()
        console.print("[red]error:[/] xmux-sim failed unexpectedly (the traceback above says where)")
        return 2


if __name__ == "__main__":
    sys.exit(main())
