"""`xmux-sim run`: a scenario file carried out against a stack, judged, and reported.

One clock for everything (operations, probes, route samples, faults). The order:

1. bring the stack up (or attach), check the steady state before anything happens;
2. start the workload, the probe loop and the route watcher; inject and heal faults on
   the schedule; stop the workload at its duration;
3. heal whatever is still in, wait for the steady state to hold again (recovery);
4. read back what each store holds, run the checkers, write the report, take the stack
   down (unless kept or attached).

Exit status: 0 every invariant holds, 1 one is violated (or could not be shown to hold),
2 the run itself could not be carried out. Ctrl-C and SIGTERM heal and clean up on the
way out (:mod:`xmux_sim.session`); a SIGKILLed runner is cleaned up by the run's reaper.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xmux_sim.checkers.kind import CHECKERS, RunEvidence
from xmux_sim.errors import XmuxSimError
from xmux_sim.experiment import probes
from xmux_sim.experiment.alerts import QUIET_TIMEOUT_S, AlertWatch
from xmux_sim.experiment.judge import Judged, exit_status, judge
from xmux_sim.experiment.player import FaultPlayer
from xmux_sim.fabric import RouteWatcher
from xmux_sim.history import FinalRead, Recorder
from xmux_sim.providers import DEFAULT
from xmux_sim.providers.base import Provider, Run
from xmux_sim.report import ExitStatus, ReportPaths, RunReport, report_folder, write_report
from xmux_sim.report.model import Invariant as ReportInvariant
from xmux_sim.report.model import routes_by_router
from xmux_sim.scenario.kinds import CLIENT_KINDS
from xmux_sim.scenario.loader import resolve_stack
from xmux_sim.scenario.model import Invariant, Probe, Scenario, TimedFault
from xmux_sim.scenario.schedule import choose_seed, expand
from xmux_sim.services.roles import aim
from xmux_sim.session import run_session
from xmux_sim.timeline import Phase, ProbeResult, RouteSample, RunClock, Timeline
from xmux_sim.topology.model import Stack
from xmux_sim.workload import CLIENTS, ClientContext, WorkloadClient

__all__ = ["RunOptions", "RunOutcome", "ScenarioRunner"]

Say = Callable[[str], None]
LiveView = Callable[[Callable[[], str]], AbstractContextManager[Any]]
"""Wraps the workload phase in a live view of one line (the CLI's rich Live)."""


@dataclass
class RunOptions:
    seed: int | None = None
    report_dir: Path = Path("reports")
    keep: bool = False
    attach: str | None = None
    """Run id of a running stack to use instead of bringing one up ("" = the only one)."""
    provider: Provider | str = DEFAULT


@dataclass
class RunOutcome:
    status: ExitStatus
    seed: int
    report: RunReport | None = None
    paths: ReportPaths | None = None
    error: str | None = None


@dataclass
class _Live:
    """What the terminal view shows, updated by the threads of the run."""

    clock: RunClock
    duration: float
    clients: list[WorkloadClient] = field(default_factory=list)
    active: dict[str, str] = field(default_factory=dict)
    workload_t0: float = 0.0

    def line(self) -> str:
        done = {k: sum(c.counts[k] for c in self.clients) for k in ("ok", "fail", "unknown")}
        elapsed = max(0.0, self.clock.now() - self.workload_t0)
        rate = done["ok"] / elapsed if elapsed > 0 else 0.0
        faults = ", ".join(self.active.values()) or "none"
        return (
            f"{min(elapsed, self.duration):5.1f}/{self.duration:g}s  ok {done['ok']} ({rate:.0f}/s)  "
            f"fail {done['fail']}  unknown {done['unknown']}  faults: {faults}"
        )


@dataclass
class _RunState:
    clock: RunClock
    timeline: Timeline
    recorder: Recorder
    stack: Stack
    seed: int
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    probes: list[ProbeResult] = field(default_factory=list)
    player: FaultPlayer | None = None
    route_samples: list[RouteSample] = field(default_factory=list)
    final_read: FinalRead = field(default_factory=FinalRead)
    recovered_in: float | None = None
    workload_t0: float = 0.0
    heal_problems: list[str] = field(default_factory=list)
    alerts: AlertWatch | None = None

    def evidence(self) -> RunEvidence:
        watch = self.alerts
        return RunEvidence(
            history=self.recorder.snapshot(),
            final_read=self.final_read,
            faults=self.timeline.events,
            probes=tuple(self.probes),
            routes=tuple(self.route_samples),
            nodes={n.name: str(n.cidr) for n in self.stack.nodes},
            alerts=self.timeline.alerts,
            alert_watch=None if watch is None else watch.window,
            alert_rules=None if watch is None else frozenset(self.stack.alerts.alerts),
        )


class ScenarioRunner:
    def __init__(self, scenario: Scenario, options: RunOptions, say: Say | None = None) -> None:
        self.scenario = scenario
        self.options = options
        self.say: Say = say or (lambda _line: None)

    def run(self, status: LiveView | None = None) -> RunOutcome:
        """Carry the scenario out. ``status`` wraps the workload phase in a live view of a line."""
        scenario = self.scenario
        stack = resolve_stack(scenario)
        seed = choose_seed(scenario, self.options.seed)
        self.say(f"scenario {scenario.name}: seed {seed} (replay with --seed {seed})")
        schedule = expand(scenario, stack, seed)
        with run_session(
            stack,
            attach=self.options.attach,
            keep=self.options.keep,
            provider=self.options.provider,
            progress=self.say,
            say=self.say,
        ) as session:
            run = session.run
            clock = RunClock()
            state = _RunState(clock, Timeline(clock), Recorder(clock), stack, seed)
            try:
                state.alerts = AlertWatch.open(
                    run, stack, state.timeline, self.say, required=bool(self._alert_invariants())
                )
                error = self._carry_out(run, schedule, state, status)
            except KeyboardInterrupt:
                # Stop injecting before the session heals the ledger and cleans up.
                state.stop.set()
                _heal_everything(run, state, self.say)
                raise
            except Exception as exc:
                # A client that cannot set up, a relay that does not start: the run could
                # not be carried out (exit 2), but it still heals, reports and cleans up.
                state.stop.set()
                _heal_everything(run, state, self.say)
                error = f"{type(exc).__name__}: {exc}"
            finally:
                state.stop.set()
                if state.alerts is not None:
                    state.alerts.stop()
            verdicts = [] if error else judge(scenario, state.evidence(), state.recovered_in)
            code = exit_status(error, verdicts)
            report = self._report(run, stack, seed, state, verdicts, code, error)
            paths = write_report(report, report_folder(self.options.report_dir, scenario.name, run.run_id))
        return RunOutcome(code, seed, report, paths, error)

    # ----- the experiment ---------------------------------------------------------------------

    def _carry_out(
        self, run: Run, schedule: list[TimedFault], state: _RunState, status: LiveView | None
    ) -> str | None:
        scenario = self.scenario
        if not self._steady(run, state, Phase.before, timeout=15.0):
            failed = [p for p in state.probes if p.phase == Phase.before and not p.ok]
            return "the steady state does not hold before the experiment: " + "; ".join(
                f"{p.probe}: {p.detail}" for p in failed[-3:]
            )
        if state.alerts is not None:
            state.alerts.await_quiet(QUIET_TIMEOUT_S if self._alert_invariants() else 0.0)
        clients = self._clients(run, state)
        live = _Live(state.clock, scenario.workload.duration, clients)
        threads: list[threading.Thread] = []
        watcher = _route_watcher(run, state)
        if watcher is not None:
            watcher.start()
        try:
            live.workload_t0 = state.workload_t0 = state.clock.now()
            for client in clients:
                threads += client.run(state.stop)
            prober = threading.Thread(target=self._probe_loop, args=(run, state), daemon=True)
            prober.start()
            horizon = scenario.workload.duration
            state.player = FaultPlayer(
                run,
                schedule,
                state.timeline,
                horizon,
                origin=state.workload_t0,
                say=self.say,
                aim=lambda spec: aim(spec, run, state.seed),
            ).start()
            live.active = state.player.active
            view = status(live.line) if status is not None else nullcontext()
            with view:
                # The main thread waits the workload out, so Ctrl-C lands here.
                while not state.stop.wait(0.2):
                    if state.clock.now() - state.workload_t0 >= horizon or state.player.error:
                        break
            error = state.player.error
            state.stop.set()
            for t in [*threads, prober]:
                t.join(timeout=max(c.spec.timeout for c in clients) + 5 if clients else 5)
        finally:
            state.stop.set()
            _heal_everything(run, state, self.say)
            if watcher is not None:
                state.route_samples = watcher.stop()
        if error:
            return error
        if state.heal_problems:
            return "faults could not be healed: " + "; ".join(state.heal_problems)
        state.recovered_in = self._recover(run, state)
        state.final_read = self._final_read(clients)
        if state.alerts is not None:
            state.alerts.settle(
                self._alert_invariants(),
                state.workload_t0 + scenario.workload.duration,
                holds=lambda: self._alerts_hold(state),
            )
        return None

    def _alert_invariants(self) -> list[Invariant]:
        return [inv for inv in self.scenario.invariants if inv.checker == "alert"]

    def _alerts_hold(self, state: _RunState) -> bool:
        """Every ``must: fire`` alert invariant holds on what has been heard so far."""
        evidence = state.evidence()
        return all(
            CHECKERS[inv.checker].run(evidence, inv.name, inv.kwargs).holds
            for inv in self._alert_invariants()
            if inv.kwargs.get("must", "fire") == "fire"
        )

    def _steady(self, run: Run, state: _RunState, phase: Phase, timeout: float) -> bool:
        """Every probe of the phase passes in one round, within ``timeout`` (services may warm up)."""
        wanted = self.scenario.steady_state.in_phase(phase)
        deadline = time.monotonic() + timeout
        while True:
            results = [self._probe(run, p, phase, state) for p in wanted]
            if all(ok for ok in results):
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.5)

    def _probe(self, run: Run, probe: Probe, phase: Phase, state: _RunState) -> bool:
        ok, detail = probes.check(probe, run.endpoint(probe.service))
        with state.lock:
            state.probes.append(ProbeResult(state.clock.now(), probe.name, phase, ok, detail))
        return ok

    def _probe_loop(self, run: Run, state: _RunState) -> None:
        steady = self.scenario.steady_state
        during = steady.in_phase(Phase.during)
        while during and not state.stop.wait(steady.interval):
            for probe in during:
                self._probe(run, probe, Phase.during, state)

    def _clients(self, run: Run, state: _RunState) -> list[WorkloadClient]:
        clients = []
        # Keys carry a token of this run: on an attached stack, an earlier run's rows are not ours.
        token = secrets.token_hex(2)
        for i, spec in enumerate(self.scenario.workload.clients):
            cls = CLIENTS.get(spec.kind)
            if cls is None:
                raise XmuxSimError(f"{self.scenario.source}: client kind {spec.kind!r} cannot run yet")
            replica = int(spec.params.get("replica", 0))
            endpoint = run.endpoint(spec.service, replica)
            if spec.from_node is not None:
                # Its connections start on that node and cross the fabric, like a service's there.
                endpoint = run.relay(spec.service, spec.from_node, replica, timeout_s=spec.timeout)
            context = ClientContext(state.stack, run.endpoint, state.seed)
            client = cls(spec, endpoint, state.recorder, f"{spec.kind}-{i}@{token}", context)
            client.service_replicas = state.stack.service(spec.service).replicas
            client.setup()
            clients.append(client)
        return clients

    def _recover(self, run: Run, state: _RunState) -> float | None:
        t0 = time.monotonic()
        timeout = self.scenario.recovery.timeout
        if self._steady(run, state, Phase.after, timeout):
            took = time.monotonic() - t0
            self.say(f"steady state holds again {took:.1f}s after healing")
            return took
        self.say(f"steady state did not hold again within {timeout:g}s")
        return None

    def _final_read(self, clients: list[WorkloadClient]) -> FinalRead:
        read = FinalRead()
        unread: set[str] = set()
        for client in clients:
            if not CLIENT_KINDS[client.kind].writes:
                continue
            for attempt in range(10):
                try:
                    read.add(client.store, client.final_read() or [])
                    break
                except Exception as exc:  # the store may still be catching up after recovery
                    if attempt == 9:
                        self.say(f"final read of {client.name} failed: {exc}")
                        unread.add(client.store)
                    time.sleep(1)
        # A store read only in part would make the unread client's writes look lost: without
        # a whole read, lost-writes says "unknown" instead.
        for store in unread:
            read.stores.pop(store, None)
        return read

    # ----- reporting --------------------------------------------------------------------------

    def _report(
        self,
        run: Run,
        stack: Stack,
        seed: int,
        state: _RunState,
        verdicts: Judged,
        status: ExitStatus,
        error: str | None,
    ) -> RunReport:
        scenario = self.scenario
        invariants = [
            ReportInvariant(
                v.name,
                inv.checker if inv else "steady-state",
                ", ".join(f"{k}={val}" for k, val in inv.kwargs.items()) if inv else "probes",
                v,
            )
            for inv, v in verdicts
        ]
        flavours = {
            s.name: s.image or (f"{s.kind} ({s.flavour})" if s.flavour else s.kind)
            for s in stack.services.values()
        }
        return RunReport(
            run_id=run.run_id,
            scenario=scenario.name,
            scenario_path=Path(scenario.source) if scenario.source != "<scenario>" else None,
            seed=seed,
            stack=stack.name,
            flavours=flavours,
            started_at=state.clock.started_at,
            duration_s=state.clock.now(),
            history=state.recorder.snapshot(),
            faults=state.timeline.events,
            invariants=invariants,
            routes=routes_by_router(state.route_samples) if state.route_samples else None,
            probes=state.probes,
            exit_status=status,
            error=error,
            alerts=state.timeline.alerts,
        )


def _route_watcher(run: Run, state: _RunState) -> RouteWatcher | None:
    if not state.stack.routed:
        return None
    return RouteWatcher(
        run.learned_routes, [n.name for n in state.stack.nodes], interval=0.25, clock=state.clock.now
    )


def _heal_everything(run: Run, state: _RunState, say: Say) -> None:
    """Stop the fault schedule and heal everything; what cannot be healed goes to ``heal_problems``."""
    if state.player is not None:
        state.player.stop()
        state.heal_problems = list(state.player.heal_problems)
        return
    try:
        for entry in run.faults(state.timeline).heal_all():
            say(f"healed leftover fault {entry.spec.describe()}")
    except Exception as exc:
        state.heal_problems.append(str(exc))
