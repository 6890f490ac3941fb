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
way out; a SIGKILLed runner is cleaned up by the run's reaper.
"""

from __future__ import annotations

import secrets
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xmux_sim.checkers import availability, compose, latency, lost_writes, rebuild_time, recovery_time
from xmux_sim.checkers.convergence import RouteTarget, convergence
from xmux_sim.checkers.verdict import UNKNOWN, Verdict
from xmux_sim.errors import XmuxSimError
from xmux_sim.fabric import RouteWatcher
from xmux_sim.faults.base import Timeline
from xmux_sim.history import FinalRead, History, Recorder, RunClock
from xmux_sim.providers.docker.provider import DockerProvider, DockerRun
from xmux_sim.providers.docker.routers import learned_routes
from xmux_sim.report import ExitStatus, FaultMark, ProbeResult, ReportPaths, RunReport, write_report
from xmux_sim.report.model import Invariant as ReportInvariant
from xmux_sim.report.model import routes_by_router
from xmux_sim.scenario import probes
from xmux_sim.scenario.model import Invariant, Phase, Probe, Scenario, TimedFault
from xmux_sim.scenario.player import FaultPlayer
from xmux_sim.scenario.schedule import choose_seed, expand
from xmux_sim.topology.model import Stack
from xmux_sim.workload import CLIENT_CLASSES, ClientContext, WorkloadClient

Say = Callable[[str], None]


def default_scenario_path() -> Path:
    """The scenario `xmux-sim run` runs when given none: a node drop under API load."""
    return Path(__file__).with_name("default.yaml")


@dataclass
class RunOptions:
    seed: int | None = None
    report_dir: Path = Path("reports")
    keep: bool = False
    attach: str | None = None
    """Run id of a running stack to use instead of bringing one up ("" = the only one)."""


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


class ScenarioRunner:
    def __init__(self, scenario: Scenario, options: RunOptions, say: Say | None = None) -> None:
        self.scenario = scenario
        self.options = options
        self.say: Say = say or (lambda _line: None)

    def run(self, status: Callable[[Callable[[], str]], Any] | None = None) -> RunOutcome:
        """Carry the scenario out. ``status`` wraps the workload phase in a live view of a line."""
        scenario = self.scenario
        stack = _resolve(scenario)
        seed = choose_seed(scenario, self.options.seed)
        self.say(f"scenario {scenario.name}: seed {seed} (replay with --seed {seed})")
        schedule = expand(scenario, stack, seed)
        provider = DockerProvider(progress=self.say)
        attached = self.options.attach is not None
        run = provider.attach(self.options.attach or None) if attached else provider.up(stack)
        run.stack = run.stack or stack
        clock = RunClock()
        timeline = Timeline(clock)
        recorder = Recorder(clock)
        state = _RunState(clock=clock, timeline=timeline, recorder=recorder, stack=stack, seed=seed)
        try:
            with _signals_as_interrupt():
                try:
                    error = self._carry_out(run, schedule, state, status)
                except Exception as exc:
                    # A client that cannot set up, a relay that does not start: the run could
                    # not be carried out (exit 2), but it still heals, reports and cleans up.
                    state.stop.set()
                    _heal_everything(run, state, self.say)
                    error = f"{type(exc).__name__}: {exc}"
        except KeyboardInterrupt:
            self.say("interrupted: healing faults and cleaning up")
            state.stop.set()
            _heal_everything(run, state, self.say)
            if not attached and not self.options.keep:
                run.down()
            raise
        finally:
            state.stop.set()
        verdicts = [] if error else self._judge(state)
        status_code = _exit_status(error, verdicts)
        report = self._report(run, stack, seed, state, verdicts, status_code, error)
        paths = write_report(report, _report_folder(self.options.report_dir, scenario.name, run.run_id))
        run.remove_relays()
        if not attached:
            if self.options.keep:
                run.keep()
                self.say(f"stack kept as run {run.run_id}: `xmux-sim down --run {run.run_id}`")
            else:
                run.down()
        return RunOutcome(status_code, seed, report, paths, error)

    # ----- the experiment ---------------------------------------------------------------------

    def _carry_out(
        self,
        run: DockerRun,
        schedule: list[TimedFault],
        state: _RunState,
        status: Callable[[Callable[[], str]], Any] | None,
    ) -> str | None:
        scenario = self.scenario
        if not self._steady(run, state, Phase.before, timeout=15.0):
            failed = [p for p in state.probes if p.phase == "before" and not p.ok]
            return "the steady state does not hold before the experiment: " + "; ".join(
                f"{p.probe}: {p.detail}" for p in failed[-3:]
            )
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
                run, schedule, state.timeline, horizon, origin=state.workload_t0, say=self.say
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
        recovered_in = self._recover(run, state)
        state.recovered_in = recovered_in
        state.final_read = self._final_read(clients)
        return None

    def _steady(self, run: DockerRun, state: _RunState, phase: Phase, timeout: float) -> bool:
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

    def _probe(self, run: DockerRun, probe: Probe, phase: Phase, state: _RunState) -> bool:
        ok, detail = probes.check(probe, run.endpoint(probe.service))
        with state.lock:
            state.probes.append(ProbeResult(state.clock.now(), probe.name, phase.value, ok, detail))
        return ok

    def _probe_loop(self, run: DockerRun, state: _RunState) -> None:
        steady = self.scenario.steady_state
        during = steady.in_phase(Phase.during)
        while during and not state.stop.wait(steady.interval):
            for probe in during:
                self._probe(run, probe, Phase.during, state)

    def _clients(self, run: DockerRun, state: _RunState) -> list[WorkloadClient]:
        clients = []
        # Keys carry a token of this run: on an attached stack, an earlier run's rows are not ours.
        token = secrets.token_hex(2)
        for i, spec in enumerate(self.scenario.workload.clients):
            cls = CLIENT_CLASSES.get(spec.kind)
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

    def _recover(self, run: DockerRun, state: _RunState) -> float | None:
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
            if not client.writes:
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

    # ----- judging and reporting --------------------------------------------------------------

    def _judge(self, state: _RunState) -> list[tuple[Invariant | None, Verdict]]:
        history = state.recorder.snapshot()
        verdicts: list[tuple[Invariant | None, Verdict]] = []
        steady = self._steady_verdict(state)
        if steady is not None:
            verdicts.append((None, steady))
        for inv in self.scenario.invariants:
            try:
                verdict = self._check(inv, history, state)
            except Exception as exc:  # a checker that cannot judge says so; it does not crash the report
                verdict = Verdict(inv.name, UNKNOWN, message=f"checker failed: {type(exc).__name__}: {exc}")
            verdicts.append((inv, verdict))
        return verdicts

    def _check(self, inv: Invariant, history: History, state: _RunState) -> Verdict:
        kwargs = dict(inv.kwargs)
        windows = state.timeline.windows()
        if inv.checker == "lost-writes":
            store = str(kwargs.pop("store"))
            if not state.final_read.has(store):
                return Verdict(inv.name, UNKNOWN, message=f"no final read of {store}")
            return lost_writes(history, state.final_read, store, name=inv.name, **kwargs)
        if inv.checker == "availability":
            return availability(history, name=inv.name, **kwargs)
        if inv.checker == "latency":
            return latency(history, name=inv.name, **kwargs)
        if inv.checker == "recovery-time":
            return recovery_time(history, windows, name=inv.name, **kwargs)
        if inv.checker == "convergence":
            return self._convergence(inv, state, kwargs)
        if inv.checker == "rebuild-time":
            # Only a lost disk makes a replica rebuild; the probe rounds show when it is back in sync.
            losses = [e.window() for e in state.timeline.events if e.kind == "wipe-volume"]
            samples = [(r.t, r.probe, r.ok) for r in state.probes]
            return rebuild_time(samples, losses, name=inv.name, **kwargs)
        raise XmuxSimError(f"unknown checker {inv.checker!r}")

    def _convergence(self, inv: Invariant, state: _RunState, kwargs: dict[str, Any]) -> Verdict:
        """Every surviving router withdraws a dropped node's CIDR within the limit, per drop-node fault."""
        parts = []
        nodes = {n.name: str(n.cidr) for n in state.stack.nodes}
        for event in state.timeline.events:
            if event.kind != "drop-node":
                continue
            dropped = next((n for n in nodes if f"node={n} " in event.description + " "), None)
            if dropped is None:
                continue
            end = event.heal_t if event.heal_t is not None else float("inf")
            samples = [s for s in state.route_samples if s.t < end]
            expected = {n: RouteTarget.withdrawn(nodes[dropped]) for n in nodes if n != dropped}
            parts.append(convergence(samples, event.inject_t, expected, name=event.description, **kwargs))
        if not parts:
            return Verdict(inv.name, UNKNOWN, message="no drop-node fault: no route convergence to judge")
        return compose(*parts, name=inv.name)

    def _steady_verdict(self, state: _RunState) -> Verdict | None:
        steady = self.scenario.steady_state
        if not steady.probes:
            return None
        problems = []
        figures: dict[str, Any] = {}
        for probe in steady.probes:
            during = [r for r in state.probes if r.probe == probe.name and r.phase == "during"]
            if during:
                failed = sum(1 for r in during if not r.ok) / len(during)
                figures[f"{probe.name}.during_failed"] = round(failed, 3)
                if failed > probe.tolerance:
                    problems.append(
                        f"{probe.name} failed {failed:.0%} of rounds during the run > {probe.tolerance:.0%}"
                    )
        if Phase.after in {ph for p in steady.probes for ph in p.phases}:
            figures["recovered_in_s"] = None if state.recovered_in is None else round(state.recovered_in, 2)
            if state.recovered_in is None:
                problems.append(f"did not hold again within {self.scenario.recovery.timeout:g}s of healing")
        message = "; ".join(problems) or "held before, during (within tolerance) and after"
        return Verdict("steady-state", not problems, figures=figures, message=message)

    def _report(
        self,
        run: DockerRun,
        stack: Stack,
        seed: int,
        state: _RunState,
        verdicts: list[tuple[Invariant | None, Verdict]],
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
        faults = [FaultMark(e.id, e.kind, e.description, e.inject_t, e.heal_t) for e in state.timeline.events]
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
            faults=faults,
            invariants=invariants,
            routes=routes_by_router(state.route_samples) if state.route_samples else None,
            probes=state.probes,
            exit_status=status,
            error=error,
        )


@dataclass
class _RunState:
    clock: RunClock
    timeline: Timeline
    recorder: Recorder
    stack: Stack
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    probes: list[ProbeResult] = field(default_factory=list)
    player: FaultPlayer | None = None
    route_samples: list[Any] = field(default_factory=list)
    final_read: FinalRead = field(default_factory=FinalRead)
    recovered_in: float | None = None
    workload_t0: float = 0.0
    heal_problems: list[str] = field(default_factory=list)
    seed: int = 0


def _resolve(scenario: Scenario) -> Stack:
    from xmux_sim.scenario.loader import resolve_stack

    return resolve_stack(scenario)


def _route_watcher(run: DockerRun, state: _RunState) -> RouteWatcher | None:
    if not state.stack.routed:
        return None
    client = run.provider.client
    routers = {n.name: client.containers.get(f"xmux-{run.run_id}-router-{n.name}") for n in state.stack.nodes}
    return RouteWatcher(
        lambda n: learned_routes(routers[n]), list(routers), interval=0.25, clock=state.clock.now
    )


def _heal_everything(run: DockerRun, state: _RunState, say: Say) -> None:
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


def _exit_status(error: str | None, verdicts: list[tuple[Invariant | None, Verdict]]) -> ExitStatus:
    if error:
        return ExitStatus.ERROR
    # "unknown" is not "holds": a run that could not show an invariant holds does not pass.
    return ExitStatus.OK if all(v.holds for _, v in verdicts) else ExitStatus.VIOLATED


def _report_folder(base: Path, scenario: str, run_id: str) -> Path:
    folder = base / f"{scenario}-{run_id}"
    n = 2
    while folder.exists():
        folder = base / f"{scenario}-{run_id}-{n}"
        n += 1
    return folder


@contextmanager
def _signals_as_interrupt() -> Iterator[None]:
    """SIGTERM takes the same way out as Ctrl-C: heal, clean up, then exit."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
