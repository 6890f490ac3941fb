"""`xmux-sim load`: bring the stack up (or attach), run locust headless, summarise, compare, report.

The report folder (``reports/load-<profile>-<run>/``) holds locust's own ``locust.html`` and
``locust_*.csv``, every request in ``requests/``, our ``summary.json`` and ``load.html``.
Exit status: 0 fine, 1 worse than the baseline (``--compare``) or above the profile's error
limit, 2 the run could not be carried out.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xmux_sim.experiment.player import FaultPlayer
from xmux_sim.load.ceiling import CpuMeter, H2load
from xmux_sim.load.compare import Comparison, compare
from xmux_sim.load.config import LoadConfig, Target, target_of
from xmux_sim.load.during import load_fault_timeline
from xmux_sim.load.page import render_load_html
from xmux_sim.load.profile import Compare, Profile, load_profile
from xmux_sim.load.records import read_records
from xmux_sim.load.runner import LocustProcesses
from xmux_sim.load.summary import build_summary, locust_counts, read_summary, stored_thresholds
from xmux_sim.providers.base import Run
from xmux_sim.report import report_folder
from xmux_sim.scenario.loader import load_scenario, resolve_stack
from xmux_sim.scenario.model import TimedFault
from xmux_sim.services.roles import aim
from xmux_sim.session import run_session
from xmux_sim.timeline import RunClock, Timeline
from xmux_sim.topology import Stack, load_stack

__all__ = ["LoadOptions", "LoadOutcome", "judge", "run_load"]

Say = Callable[[str], None]
Live = Callable[[Callable[[], str]], AbstractContextManager[Any]]


@dataclass
class LoadOptions:
    profile: str | None = None
    """A profile name or file; None: smoke (or, judging a summary, the summary's own thresholds)."""
    users: int | None = None
    spawn_rate: float | None = None
    duration: float | None = None
    workers: int | None = None
    stack: str | None = None
    attach: str | None = None
    """Run id of a running stack ("" = the only one); None brings the stack up."""
    keep: bool = False
    during: str | None = None
    seed: int | None = None
    compare: str | None = None
    summary: str | None = None
    """Judge this summary.json against --compare instead of running load."""
    ceiling: bool = False
    report_dir: Path = Path("reports")


@dataclass
class LoadOutcome:
    status: int
    summary: dict[str, Any]
    folder: Path | None = None
    comparison: Comparison | None = None
    problems: list[str] = field(default_factory=list)


def judge(
    summary: dict[str, Any], thresholds: Compare, baseline_path: str | None
) -> tuple[Comparison | None, list[str]]:
    """The comparison with a baseline (if any) and every reason the run fails."""
    problems = []
    comparison = None
    if baseline_path is not None:
        comparison = compare(summary, read_summary(baseline_path), thresholds)
        summary["comparison"] = comparison.to_json() | {"baseline": str(baseline_path)}
        for row in comparison.regressions:
            problems.append(
                f"{row.what}: {row.metric} {row.current} against {row.baseline} (limit {row.limit})"
            )
    limit = summary.get("thresholds", {}).get("limits", {}).get("error_rate")
    rate = summary["total"]["error_rate"]
    if limit is not None and not summary.get("faults") and rate > limit:
        problems.append(f"error rate {rate:.2%} above the profile's limit {limit:.2%}")
    return comparison, problems


def _judge_only(opts: LoadOptions) -> LoadOutcome:
    assert opts.summary is not None
    summary = read_summary(opts.summary)
    thresholds = stored_thresholds(summary)
    if opts.profile is not None:
        thresholds = load_profile(opts.profile).compare
    comparison, problems = judge(summary, thresholds, opts.compare)
    return LoadOutcome(1 if problems else 0, summary, None, comparison, problems)


def _stack(opts: LoadOptions) -> Stack:
    if opts.stack is not None:
        return load_stack(opts.stack)
    if opts.during is not None:
        return resolve_stack(load_scenario(opts.during))
    return load_stack(None)


def _no_view(_line: Callable[[], str]) -> AbstractContextManager[Any]:
    return nullcontext()


def run_load(opts: LoadOptions, say: Say | None = None, live: Live | None = None) -> LoadOutcome:
    say = say or (lambda _line: None)
    if opts.summary is not None:
        return _judge_only(opts)
    profile = load_profile(opts.profile or "smoke").with_overrides(
        opts.users, opts.spawn_rate, opts.duration, opts.workers
    )
    if opts.compare is not None:
        read_summary(opts.compare)  # an unreadable baseline fails before anything starts
    stack = _stack(opts)
    seed = opts.seed if opts.seed is not None else secrets.randbelow(2**31)
    say(f"load profile {profile.name}: seed {seed} (replay with --seed {seed})")
    schedule: list[TimedFault] = []
    if opts.during is not None:
        _, schedule = load_fault_timeline(opts.during, stack, seed, horizon=profile.total_duration)
    # SIGTERM takes Ctrl-C's way out: faults healed, locust ended, the stack taken down.
    with run_session(stack, attach=opts.attach, keep=opts.keep, progress=say, say=say) as session:
        run = session.run
        target = target_of(run)
        target.check_local()
        folder = report_folder(opts.report_dir, f"load-{profile.name}", run.run_id)
        summary = _drive(run, target, profile, schedule, folder, seed, say, live or _no_view)
        if opts.ceiling:
            ceiling = _ceiling(run, target, profile, folder)
            # Only indicative: locust ran the profile's mix, h2load the app-start calls alone.
            ceiling["locust_over_ceiling"] = round(summary["total"]["rps"] / max(ceiling["rps"], 1e-9), 3)
            summary["ceiling"] = ceiling
        summary["meta"] = {"stack": run.stack_name, "attached": session.attached, "during": opts.during}
    comparison, problems = judge(summary, profile.compare, opts.compare)
    (folder / "summary.json").write_text(json.dumps(summary, indent=1))
    (folder / "load.html").write_text(render_load_html(summary))
    status = 2 if summary.get("fault_error") else (1 if problems else 0)
    return LoadOutcome(status, summary, folder, comparison, problems)


def _drive(
    run: Run,
    target: Target,
    profile: Profile,
    schedule: list[TimedFault],
    folder: Path,
    seed: int,
    say: Say,
    live: Live,
) -> dict[str, Any]:
    config = LoadConfig(target, profile, str(folder / "requests"), seed)
    locust = LocustProcesses(config, folder)
    meter = CpuMeter(run)
    meter.start()
    locust.start()
    # The run's clock (fault times, the summary's windows) starts when users do, not when
    # the locust processes are still importing.
    locust.wait_for_start()
    clock = RunClock()
    timeline = Timeline(clock)
    player = FaultPlayer(
        run,
        schedule,
        timeline,
        horizon=profile.total_duration,
        say=say,
        aim=lambda spec: aim(spec, run, seed),
    )
    if schedule:
        player.start()

    def line() -> str:
        p = locust.progress()
        faults = ", ".join(player.active.values()) or "none"
        p95 = "-" if p.p95_ms is None else f"{p.p95_ms:g}"
        return (
            f"{min(clock.now(), profile.total_duration):5.1f}/{profile.total_duration:g}s  users {p.users}  "
            f"{p.rps:.0f} req/s  fail {p.failures_per_s:.1f}/s  p95 {p95} ms  "
            f"requests {p.requests} failures {p.failures}  faults: {faults}"
        )

    try:
        with live(line):
            result = locust.wait(stop=lambda: player.error is not None)
    finally:
        player.stop()
        locust.terminate()
    stack_cpu = meter.stop()
    records = list(read_records(folder / "requests"))
    stats_csv = folder / result.files["stats_csv"]
    summary = build_summary(
        records,
        profile=profile,
        t0=clock.started_at.timestamp(),
        duration_s=profile.total_duration,
        faults=timeline.events,
        locust=locust_counts(stats_csv) if stats_csv.exists() else None,
        meta={
            "run": run.run_id,
            "seed": seed,
            "started_at": clock.started_at.isoformat(),
            "workers": profile.workers,
        },
    )
    summary["cpu"] = {
        "loadgen_cpu_s": result.cpu_s,
        "loadgen_cores": round(result.cpu_s / max(result.seconds, 1e-9), 2),
        "loadgen_processes": result.processes,
        **stack_cpu,
    }
    summary["files"] = {
        **result.files,
        "requests": "requests/",
        "summary": "summary.json",
        "page": "load.html",
    }
    if player.error:
        summary["fault_error"] = player.error
    return summary


def _ceiling(run: Run, target: Target, profile: Profile, folder: Path) -> dict[str, Any]:
    """h2load on the app-start path with as many connections as the profile has users."""
    from xmux_sim.xmus import client, seed
    from xmux_sim.xmus.protos.xmux.core.user.v4 import user_pb2

    student = seed.registered(target.seed, target.size)[0]
    md = client.auth_metadata(student.campus_id, student.password)
    stubs = client.connect(target.h2c)
    try:
        stubs.user.GetProfile(
            user_pb2.GetProfileReq(), metadata=md, timeout=10
        )  # the student's calls succeed
    finally:
        stubs.channel.close()
    meter = CpuMeter(run)
    meter.start()
    t0 = time.monotonic()
    result = H2load(
        target, md[0][1], clients=max(1, profile.peak_users), seconds=min(profile.total_duration, 30)
    ).run(folder / "ceiling")
    result["wall_s"] = round(time.monotonic() - t0, 2)
    return {**result, **meter.stop()}
