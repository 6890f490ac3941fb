"""The `xmux-sim` command line.

Every option a file could also set is read by the file's own declared type (the same
rules, the same messages), so bad input stops the command before anything starts. Errors
are printed as plain text: what a user wrote is never read as markup. An unexpected
exception ends in one line and exit 2; ``--debug`` adds its traceback.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text

from xmux_sim.errors import UsageError, XmuxSimError
from xmux_sim.params import SEED, option
from xmux_sim.terminal import Terminal, Verbosity, command_log, verbosity_flags

if TYPE_CHECKING:
    from xmux_sim.providers.base import Images, Provider, RunStatus
    from xmux_sim.session import Session
    from xmux_sim.topology import Stack

# Replaced by main() with the terminal of the command being run (its verbosity, its log).
term = Terminal()
console = term.err
out = term.out


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def plain(text: str) -> Text:
    """User text as it is: no markup, no emoji codes, control characters shown as escapes."""
    return Text(_CONTROL.sub(lambda m: f"\\x{ord(m[0]):02x}", text))


def _error(message: str) -> None:
    # Never wrapped: a file:line: field message must stay one copyable line.
    console.print(Text.assemble(("error: ", "red"), plain(message)), soft_wrap=True, highlight=False)


def _progress(line: str) -> None:
    term.step(line)


def _provider(name: str | None = None, run: str | None = None, find: bool = False) -> Provider:
    """The provider named (--provider); with ``find``, else the one that has run ``run`` (or
    the only run), so `status`, `down`, `fault` and `heal` find a kind run without being told."""
    from xmux_sim.providers import DEFAULT, open_provider, provider_names

    if name:
        return open_provider(name, progress=_progress)
    default = open_provider(DEFAULT, progress=_progress)
    if not find:
        return default
    try:
        default.resolve_run(run)
        return default
    except XmuxSimError:
        pass
    for candidate in provider_names():
        if candidate == DEFAULT:
            continue
        provider = open_provider(candidate, progress=_progress)
        try:
            provider.resolve_run(run)
        except XmuxSimError:
            continue
        return provider
    return default


def cmd_images(args: argparse.Namespace) -> int:
    images = _provider().images
    if args.images_command == "build":
        with term.working("building images (the first build takes a few minutes)"):
            built = images.build(args.names or None, rebuild=args.rebuild)
        term.note(f"built: {', '.join(built) or 'nothing (all up to date)'}")
        return 0
    if args.images_command == "tags":
        return images_tags(args, images)
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
    term.table(table)
    return 0


def images_tags(args: argparse.Namespace, images: Images) -> int:
    from xmux_sim.images.catalogue import catalogue

    names = args.names or sorted(catalogue())
    unknown = [n for n in names if n not in catalogue()]
    if unknown:
        raise XmuxSimError(f"unknown image(s): {', '.join(unknown)}; known: {', '.join(sorted(catalogue()))}")
    tags = {name: images.tag(name) for name in names}
    if args.json:
        term.print(json.dumps(tags, indent=1))
    else:
        term.print("\n".join(tags.values()))
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
    """A run session on ``stack`` (on the stack's provider), with a spinner while it comes up."""
    from xmux_sim.session import run_session

    spinner = ExitStack()
    spinner.enter_context(term.working(f"bringing stack {stack.name} up ({stack.provider} provider)"))
    try:
        with run_session(
            stack, keep=keep, provider=stack.provider, progress=_progress, say=_progress
        ) as session:
            spinner.close()
            yield session
    finally:
        spinner.close()


def cmd_up(args: argparse.Namespace) -> int:
    from xmux_sim.topology import load_stack

    stack = load_stack(args.stack, provider=args.provider)
    t0 = time.monotonic()
    with _session(stack, keep=args.keep) as session:
        run = session.run
        term.note(f"stack {stack.name} up as run {run.run_id} in {time.monotonic() - t0:.1f}s")
        term.table(_status_table(run.status()))
        if args.keep:
            session.finish()
            term.note(f"kept: `xmux-sim status`, then `xmux-sim down --run {run.run_id}`")
            return 0
        term.note("serving until Ctrl-C (use --keep to leave it running instead)")
        with suppress(KeyboardInterrupt):  # or SIGTERM, which the session turns into one
            threading.Event().wait()
        with term.working("taking the stack down"):
            session.finish()
    term.note("down")
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
    status = _provider(args.provider, args.run, find=True).status(args.run)
    if args.json:
        out.print(json.dumps(status, indent=2), soft_wrap=True, markup=False)
        return 0
    term.table(_status_table(status))
    if any(node["router"] for node in status["nodes"].values()):
        term.table(_nodes_table(status))
    for fault in status["faults"]:
        line = f" {fault['id']}: {fault['description']} (since {fault['injected_at']})"
        out.print(Text.assemble(("active fault", "yellow"), plain(line)))
    _print_alerts(status)
    return 0


def _print_alerts(status: RunStatus) -> None:
    """The alerts the stack's Alertmanager holds active, one line each."""
    from xmux_sim.timeline import alert_title

    for name, svc in status["services"].items():
        if "firing_error" in svc:
            line = f" ({svc['firing_error']})"
            out.print(Text.assemble((f"{name}: alerts unknown", "yellow"), plain(line)), soft_wrap=True)
        for alert in svc.get("firing") or ():
            title = alert_title(alert["alert"], alert["labels"])
            summary = f": {alert['summary']}" if alert["summary"] else ""
            line = f" {title} (since {alert['since']}){summary}"
            out.print(Text.assemble(("firing alert", "red"), plain(line)), soft_wrap=True)
        if "firing" in svc and not svc["firing"]:
            out.print(Text.assemble(("no alert firing", "green"), plain(f" ({name})")))


def cmd_down(args: argparse.Namespace) -> int:
    if args.all:
        from xmux_sim.providers import open_provider, provider_names

        names = [args.provider] if args.provider else provider_names()
        runs = sorted({r for name in names for r in open_provider(name, progress=_progress).down_all()})
        console.print(f"removed run(s): {', '.join(runs) or 'none were up'}")
        return 0
    provider = _provider(args.provider, args.run, find=True)
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
        with term.working("checking every service with a real round trip"):
            results = run_checks(run)
        with term.working("taking the stack down"):
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
            r.service,
            r.check,
            "[green]ok[/]" if r.ok else "[red]FAILED[/]",
            f"{r.seconds:.2f}s",
            plain(r.detail),
        )
    term.table(table)
    failed = [r for r in results if not r.ok]
    out.print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


def cmd_run(args: argparse.Namespace) -> int:
    from xmux_sim.experiment import RunOptions, ScenarioRunner
    from xmux_sim.report import verdict_table
    from xmux_sim.scenario import default_scenario_path, load_scenario

    path = args.file or default_scenario_path()
    scenario = load_scenario(path)
    options = RunOptions(seed=args.seed, report_dir=args.report_dir, keep=args.keep, attach=args.attach)

    outcome = ScenarioRunner(scenario, options, say=_progress).run(status=term.live)
    if outcome.report is not None:
        term.table(verdict_table(outcome.report))
    if outcome.error:
        message = Text.assemble(("the run could not be carried out: ", "red"), plain(outcome.error))
        console.print(message, soft_wrap=True)
    if outcome.paths is not None:
        term.note(f"seed {outcome.seed}; report: {outcome.paths.html}")
    return int(outcome.status)


def cmd_fault(args: argparse.Namespace) -> int:
    from xmux_sim.experiment.player import inject_aimed
    from xmux_sim.faults.kind import FAULT_KINDS
    from xmux_sim.faults.spec import FaultSpec, FaultSpecError
    from xmux_sim.services.roles import aim
    from xmux_sim.timeline import unsynced_text

    info = FAULT_KINDS.get(args.kind)
    if info is None:
        raise UsageError(FAULT_KINDS.unknown(args.kind))
    try:
        spec = FaultSpec.from_args(args.kind, args.params)
    except FaultSpecError as exc:
        usage = " ".join(f"{p.name}=..." for p in info.params)
        raise UsageError(f"{args.kind}: {exc} (usage: xmux-sim fault {args.kind} {usage})") from None
    provider = _provider(args.provider, args.run, find=True)
    run = provider.attach(args.run)
    with term.working(f"injecting {spec.describe()}"):
        # A role is resolved now; a follower is the choice of seed 0, the same each time.
        fault = inject_aimed(run.faults(), spec, lambda s: aim(s, run, seed=0))
    said = fault.spec.describe(fault.aimed) + unsynced_text(fault.unsynced)
    if args.json:
        described = {
            "id": fault.id,
            "run": run.run_id,
            "kind": spec.kind,
            "description": said,
            "unsynced_lost": fault.unsynced,
        }
        out.print(json.dumps(described), soft_wrap=True, markup=False)
    else:
        console.print(plain(f"injected {said} into run {run.run_id}; heal with `xmux-sim heal {fault.id}`"))
        out.print(fault.id)
    return 0


def cmd_heal(args: argparse.Namespace) -> int:
    provider = _provider(args.provider, args.run, find=True)
    run = provider.attach(args.run)
    faults = run.faults()
    with term.working("healing"):
        healed = faults.heal_all() if args.all else [faults.heal(args.id)]
    for entry in healed:
        console.print(plain(f"healed {entry.spec.describe()} [{entry.id}]"))
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
        term.table(table)
        return 0
    run = _provider(args.provider, args.run, find=True).attach(args.run)
    entries = run.faults().active()
    if args.json:
        out.print(json.dumps([e.to_dict() for e in entries], indent=2), soft_wrap=True, markup=False)
        return 0
    table = Table("id", "fault", "injected at", title=f"active faults of run {run.run_id}")
    for e in entries:
        table.add_row(e.id, plain(e.spec.describe()), e.injected_at)
    term.table(table)
    return 0


def cmd_load(args: argparse.Namespace) -> int:
    import dataclasses

    from xmux_sim.load.command import LoadOptions, run_load
    from xmux_sim.load.terminal import comparison_table, summary_table

    # The options are named as the flags are (--spawn-rate -> spawn_rate).
    options = LoadOptions(**{f.name: getattr(args, f.name) for f in dataclasses.fields(LoadOptions)})
    outcome = run_load(options, say=_progress, live=term.live)
    term.table(summary_table(outcome.summary))
    if outcome.comparison is not None:
        term.table(comparison_table(outcome.comparison))
    for problem in outcome.problems:
        console.print(Text.assemble(("worse: ", "red"), plain(problem)), soft_wrap=True, highlight=False)
    if outcome.folder is not None:
        term.note(f"report: {outcome.folder}/load.html (locust: locust.html, locust_*.csv)")
    return outcome.status


def cmd_suite(args: argparse.Namespace) -> int:
    from xmux_sim.suite.command import run_suite

    return run_suite(args, term)


def cmd_dashboard(args: argparse.Namespace) -> int:
    from xmux_sim.suite.command import run_dashboard

    return run_dashboard(args, term)


def _report_dir(text: str) -> Path:
    # Imported when a command that writes reports is parsed, not for every `xmux-sim --help`.
    from xmux_sim.report.writer import check_report_dir

    return check_report_dir(text)


_PROFILE_KEYS = {"users", "stages", "arrival_rate", "spawn_rate", "think", "mix", "limits", "compare"}


def _file_kind(path: str) -> str:
    """What a file is, by its top-level keys: a scenario has a workload, a stack services."""
    from xmux_sim.topology.yamldoc import YamlDoc

    data = YamlDoc.load(path).data
    keys = set(data) if isinstance(data, dict) else set()
    if "workload" in keys:
        return "scenario"
    if "services" not in keys and keys & _PROFILE_KEYS:
        return "profile"
    return "stack"


def cmd_validate(args: argparse.Namespace) -> int:
    kind = args.kind or _file_kind(args.file)
    if kind == "scenario":
        from xmux_sim.scenario import load_scenario
        from xmux_sim.scenario.loader import resolve_stack

        scenario = load_scenario(args.file)
        stack = resolve_stack(scenario)
        said = (
            f"scenario {scenario.name!r} on stack {stack.name!r}: {len(scenario.faults)} fault(s), "
            f"{len(scenario.schedules)} generated schedule(s), {len(scenario.invariants)} invariant(s)"
        )
    elif kind == "profile":
        from xmux_sim.load.profile import load_profile

        profile = load_profile(args.file)
        said = (
            f"load profile {profile.name!r}: {profile.peak_users} users at most, {profile.total_duration:g} s"
        )
    else:
        from xmux_sim.topology import load_stack

        stack = load_stack(args.file)
        said = f"stack {stack.name!r}, {len(stack.nodes)} node(s), services: " + ", ".join(
            f"{s.name} ({s.kind} x{s.replicas})" for s in stack.services.values()
        )
    out.print(plain(f"{args.file}: {said}"), soft_wrap=True)
    if kind != "profile":
        _check_rules(stack)
    return 0


def _check_rules(stack: Stack) -> None:
    """The user's rule files through promtool, in the stack's Prometheus image (as ``up`` does)."""
    from xmux_sim.services import runtime_for

    user_rules = [str(f.path) for f in stack.alerts.rule_files if not f.builtin]
    if not user_rules:
        return
    tool = _provider().images.run_tool
    for svc in stack.services.values():
        runtime_for(svc.kind).preflight(svc, stack, tool)
    out.print(plain(f"rule files accepted by promtool: {', '.join(user_rules)}"), soft_wrap=True)


PROVIDER_HELP = "docker or kind (default: the provider that has the run)"


def parser() -> argparse.ArgumentParser:
    from xmux_sim.faults.kind import FAULT_KINDS
    from xmux_sim.load.profile import FIELDS
    from xmux_sim.providers import provider_names
    from xmux_sim.suite.command import add_dashboard_parser, add_suite_parser

    report_dir = option(_report_dir, "folder")
    debug = "show the traceback of an unexpected error"
    p = argparse.ArgumentParser(
        prog="xmux-sim", description="The XMUX cluster on one machine, broken on purpose."
    )
    p.add_argument("--debug", action="store_true", help=debug)
    # Also after the command (`xmux-sim run x --debug`); SUPPRESS keeps a --debug given before it.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=debug)
    sub = p.add_subparsers(dest="command", required=True)
    # --quiet / --verbose on every command that works for long.
    long = [common, verbosity_flags()]

    def command(name: str, **kwargs: Any) -> argparse.ArgumentParser:
        kwargs.setdefault("parents", [common])
        return sub.add_parser(name, **kwargs)

    images = command("images", help="build and list the locally built images")
    isub = images.add_subparsers(dest="images_command", required=True)
    build = isub.add_parser("build", help="build missing images (and their parents)", parents=long)
    build.add_argument("names", nargs="*", help="images to build (default: all)")
    build.add_argument("--rebuild", action="store_true", help="rebuild the named images even if present")
    lst = isub.add_parser("list", help="each image: built or missing, size, program version")
    lst.add_argument("--json", action="store_true")
    tags = isub.add_parser(
        "tags",
        help="the content tag of each image, one a line (a cache key for CI: they change when an image's "
        "folder does)",
    )
    tags.add_argument("names", nargs="*", help="images (default: all)")
    tags.add_argument("--json", action="store_true", help="print {image: tag} as JSON")
    images.set_defaults(func=cmd_images)

    up = command("up", help="bring a stack up", parents=long)
    up.add_argument("--stack", help="stack file or embedded stack's name (default: xmux)")
    up.add_argument("--keep", action="store_true", help="leave it running and return")
    up.add_argument(
        "--provider", choices=provider_names(), help="docker or kind (default: the stack's `provider`)"
    )
    up.set_defaults(func=cmd_up)

    status = command("status", help="services of a running stack")
    status.add_argument("--run", help="run id (default: the only running one)")
    status.add_argument("--json", action="store_true")
    status.add_argument("--provider", choices=provider_names(), help=PROVIDER_HELP)
    status.set_defaults(func=cmd_status)

    down = command("down", help="remove a stack")
    group = down.add_mutually_exclusive_group()
    group.add_argument("--run", help="run id (default: the only running one)")
    group.add_argument("--all", action="store_true", help="every xmux-sim run on this engine")
    down.add_argument("--provider", choices=provider_names(), help=PROVIDER_HELP)
    down.set_defaults(func=cmd_down)

    smoke = command(
        "smoke", help="up, a real round trip through every service, down; a verdict table", parents=long
    )
    smoke.add_argument("--stack", help="stack file or embedded stack's name (default: xmux)")
    smoke.set_defaults(func=cmd_smoke)

    run = command(
        "run",
        help="run a scenario: steady state, workload, faults, checkers; writes a report",
        description="Exit 0 when every invariant holds, 1 when one is violated, 2 when the run could not "
        "be carried out.",
        parents=long,
    )
    run.add_argument("file", nargs="?", help="scenario file (default: the embedded default scenario)")
    run.add_argument("--seed", type=SEED.option(), help="replay the schedule and data of this seed")
    run.add_argument(
        "--report-dir", type=report_dir, default="reports", help="where reports/<scenario>-<run>/ go"
    )
    run.add_argument("--keep", action="store_true", help="leave the stack up afterwards")
    run.add_argument(
        "--attach", nargs="?", const="", metavar="RUN", help="use a running stack (default: the only one)"
    )
    run.set_defaults(func=cmd_run)

    fault = command(
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
    fault.add_argument("--provider", choices=provider_names(), help=PROVIDER_HELP)
    fault.set_defaults(func=cmd_fault)

    heal = command("heal", help="heal a fault by id, or every active fault")
    which = heal.add_mutually_exclusive_group(required=True)
    which.add_argument("id", nargs="?", help="the id `xmux-sim fault` printed")
    which.add_argument("--all", action="store_true", help="every active fault of the run")
    heal.add_argument("--run", help="run id (default: the only running one)")
    heal.add_argument("--provider", choices=provider_names(), help=PROVIDER_HELP)
    heal.set_defaults(func=cmd_heal)

    faults = command("faults", help="active faults of a run (or --kinds: every fault kind)")
    faults.add_argument("--run", help="run id (default: the only running one)")
    faults.add_argument("--json", action="store_true")
    faults.add_argument("--kinds", action="store_true", help="list fault kinds and their parameters")
    faults.add_argument("--provider", choices=provider_names(), help=PROVIDER_HELP)
    faults.set_defaults(func=cmd_faults)

    load = command(
        "load",
        help="locust load test through nginx: the app's request mix, locust HTML/CSV and our summary",
        description="Exit 0 fine, 1 worse than --compare's baseline (or above the profile's error limit), "
        "2 the run could not be carried out. Profiles: loadtests/profiles/ (smoke, steady, ramp, spike).",
        parents=long,
    )
    load.add_argument("--profile", help="profile name or file (default: smoke)")
    for name, flag_help in (
        ("users", "users (replaces the profile's users and stages)"),
        ("spawn_rate", "users started per second"),
        ("duration", "seconds (replaces the profile's duration and stages)"),
        ("workers", "0: one locust process; N: a master and N workers"),
    ):
        field = FIELDS[name]
        load.add_argument(
            f"--{name.replace('_', '-')}", type=field.type.option(), help=f"{flag_help}; {field.type.name}"
        )
    load.add_argument(
        "--stack", help="stack file or embedded stack's name (default: the --during scenario's, else xmux)"
    )
    load.add_argument(
        "--attach", nargs="?", const="", metavar="RUN", help="use a running stack (default: the only one)"
    )
    load.add_argument("--keep", action="store_true", help="leave the stack up afterwards")
    load.add_argument("--during", metavar="SCENARIO", help="play this scenario's fault timeline meanwhile")
    load.add_argument("--seed", type=SEED.option(), help="seed of students, actions and generated faults")
    load.add_argument("--compare", metavar="BASELINE.json", help="fail (exit 1) when worse than this summary")
    load.add_argument("--summary", metavar="SUMMARY.json", help="judge this summary instead of running load")
    load.add_argument("--ceiling", action="store_true", help="also drive the app-start path with h2load")
    load.add_argument(
        "--report-dir", type=report_dir, default="reports", help="where reports/load-<profile>-<run>/ go"
    )
    load.set_defaults(func=cmd_load)

    add_suite_parser(sub, long).set_defaults(func=cmd_suite)
    add_dashboard_parser(sub).set_defaults(func=cmd_dashboard)

    validate = command(
        "validate", help="validate a stack, scenario or load-profile file without starting anything"
    )
    validate.add_argument("file")
    validate.add_argument(
        "--as",
        dest="kind",
        choices=("stack", "scenario", "profile"),
        help="what the file is (default: a scenario if it has a workload, a profile if it has users or "
        "stages and no services, else a stack); with --as a stack or profile may be named",
    )
    validate.set_defaults(func=cmd_validate)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    global term, console, out
    argv = sys.argv[1:] if argv is None else list(argv)
    debug = "--debug" in argv
    try:
        # argparse's own errors (an option's type, a missing argument) exit 2 by SystemExit.
        args = parser().parse_args(argv)
        term = Terminal(getattr(args, "verbosity", Verbosity.NORMAL))
        console, out = term.err, term.out
        if hasattr(args, "verbosity"):
            term.log_to(command_log(args.command))
        return int(args.func(args))
    except XmuxSimError as exc:
        if debug:
            console.print_exception()
        _error(str(exc))
        term.point_at_log()
        return exc.exit_code
    except KeyboardInterrupt:
        console.print("interrupted; cleaned up")
        return 130
    except Exception as exc:
        # A bug of ours, not a verdict: exit 2 ("could not be carried out"), never 1, in one line.
        if debug:
            console.print_exception()
        what = " ".join(f"{type(exc).__name__}: {exc}".split())
        hint = "" if debug else " (--debug shows where)"
        _error(f"xmux-sim failed unexpectedly: {what[:300]}{hint}")
        term.point_at_log()
        return 2
    finally:
        term.close()


if __name__ == "__main__":
    sys.exit(main())
