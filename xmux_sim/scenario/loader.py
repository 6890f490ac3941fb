"""Scenario files (YAML) -> a validated :class:`Scenario`, and the stack it runs on.

Two steps, both before anything starts: :func:`parse_scenario` checks the file on its
own (shape, types, fault parameters, checker arguments, timing), :func:`resolve_stack`
loads the stack, applies the file's overrides and checks every name the file uses
against it. Every error is ``file:line: field: message``.

A scenario's ``stack`` is ``default``, the name of an embedded stack, or a file inside the
scenario's own folder: a scenario from elsewhere cannot make the tool read (and quote in an
error) a file it was not meant to.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from xmux_sim.checkers.kind import CHECKERS
from xmux_sim.errors import ScenarioFileError
from xmux_sim.faults.kind import FAULT_KINDS
from xmux_sim.faults.spec import FaultSpec, FaultSpecError
from xmux_sim.inputfile import check_inside, relative_inside
from xmux_sim.params import NAME, SEED, ParamError, quoted
from xmux_sim.scenario.kinds import CLIENT_KINDS, PROBE_KINDS, CallKind
from xmux_sim.scenario.model import (
    ClientSpec,
    Expectation,
    GeneratedSchedule,
    Invariant,
    Overrides,
    Phase,
    Probe,
    Recovery,
    Scenario,
    ServiceOverride,
    StackRef,
    SteadyState,
    TimedFault,
    Workload,
)
from xmux_sim.scenario.overrides import apply_overrides
from xmux_sim.scenario.schedule import EPSILON, candidate_specs, check_fits
from xmux_sim.topology.kinds import KINDS as SERVICE_KINDS
from xmux_sim.topology.model import Stack
from xmux_sim.topology.stackfile import BGP, embedded_stacks, load_stack, stack_path
from xmux_sim.topology.yamldoc import KeyPath, Reader, YamlDoc, dotted
from xmux_sim.values import IMAGE

__all__ = ["LONGEST_S", "default_scenario_path", "load_scenario", "parse_scenario", "resolve_stack"]

LONGEST_S = 86_400.0
"""No time in a scenario (a duration, a timeout, an interval) is longer than a day."""
TOP = (
    "name",
    "description",
    "typical_duration",
    "stack",
    "overrides",
    "seed",
    "steady_state",
    "workload",
    "faults",
    "recovery",
    "invariants",
    "expect",
)
TIMING = ("at", "duration", "until", "kind")


def default_scenario_path() -> Path:
    """The scenario `xmux-sim run` runs when given none: a node drop under API load."""
    return Path(__file__).with_name("default.yaml")


def load_scenario(path: str | Path) -> Scenario:
    return _Parser(YamlDoc.load(path, ScenarioFileError)).scenario()


def parse_scenario(text: str, source: str = "<scenario>") -> Scenario:
    """Validate a scenario on its own; names of nodes, pods and services are checked by resolve_stack."""
    return _Parser(YamlDoc.parse(text, source, ScenarioFileError)).scenario()


def resolve_stack(scenario: Scenario) -> Stack:
    """The scenario's stack with its overrides, after checking every name the scenario uses against it."""
    ref = scenario.stack
    if ref.file is not None and not ref.embedded:
        # Checked again where the file is read: a symbolic link may lead out of the folder.
        try:
            check_inside(ref.file, Path(scenario.source).parent)
        except ValueError as exc:
            raise ref.error(scenario.source, str(exc)) from None
        if not ref.file.is_file():
            raise ref.error(scenario.source, f"no stack file {quoted(ref.spec)} in the scenario's folder")
    stack = apply_overrides(load_stack(ref.file), scenario.overrides, scenario.source)
    calls: list[Probe | ClientSpec] = [*scenario.steady_state.probes, *scenario.workload.clients]
    for call in calls:
        _check_call(call, stack, scenario.source)
    for fault in scenario.faults:
        try:
            fault.spec.check(stack)
        except FaultSpecError as exc:
            raise fault.error(scenario.source, exc.message, exc.param) from None
    for schedule in scenario.schedules:
        candidate_specs(schedule, scenario.source, stack)
    return stack


def _check_call(call: Probe | ClientSpec, stack: Stack, source: str) -> None:
    kind = (PROBE_KINDS if isinstance(call, Probe) else CLIENT_KINDS)[call.kind]
    svc = stack.services.get(call.service)
    if svc is None:
        known = ", ".join(stack.services)
        raise call.error(
            source,
            f"no service {call.service!r} in stack {stack.name!r}; services: {known}",
            call.service_key,
        )
    if kind.service_kinds and svc.kind not in kind.service_kinds:
        wanted = " or ".join(kind.service_kinds)
        raise call.error(
            source, f"{call.kind} talks to {wanted} services; {svc.name!r} is a {svc.kind}", call.service_key
        )
    if isinstance(call, ClientSpec) and call.from_node is not None:
        nodes = [n.name for n in stack.nodes]
        if call.from_node not in nodes:
            raise call.error(source, f"no node {call.from_node!r}; nodes: {', '.join(nodes)}", "from")
    replica = call.params.get("replica", 0)
    if isinstance(replica, int) and replica >= svc.replicas:
        raise call.error(
            source,
            f"{svc.name} has {svc.replicas} replica(s): expected 0..{svc.replicas - 1}",
            "params.replica",
        )
    port = call.params.get("port", kind.port)
    ports = SERVICE_KINDS[svc.kind].ports
    if port is not None and port not in ports:
        key = f"{call.kind}.port" if isinstance(call, Probe) else "params.port"
        raise call.error(source, f"{svc.kind} has no port {port!r}; ports: {', '.join(ports)}", key)


class _Parser:
    def __init__(self, doc: YamlDoc) -> None:
        self.doc = doc
        self.r = Reader(doc)

    # -- locations -------------------------------------------------------------------------------

    def where(self, path: KeyPath) -> dict[str, Any]:
        """Located fields for the element at ``path``: its line, dotted path and its keys' lines."""
        n = len(path)
        lines = {dotted(k[n:]): v for k, v in self.doc.lines.items() if len(k) > n and k[:n] == path}
        return {"line": self.doc.line(path), "path": dotted(path) if path else "", "lines": lines}

    def positive(self, path: KeyPath, default: float | None = None) -> float:
        """Seconds above 0, at most a day."""
        return self.r.number(path, default, above=0, maximum=LONGEST_S)

    def seconds(self, path: KeyPath, default: float | None = None) -> float:
        """Seconds from 0, at most a day."""
        return self.r.number(path, default, minimum=0, maximum=LONGEST_S)

    def pair(
        self, path: KeyPath, what: str, default: tuple[float, float] | None = None
    ) -> tuple[float, float]:
        """``[low, high]`` (or one number for both), 0 <= low <= high."""
        value = self.r.raw(path)
        if value is None and default is not None:
            return default
        items = [value] if isinstance(value, int | float) and not isinstance(value, bool) else value
        if (
            not isinstance(items, list)
            or len(items) not in (1, 2)
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in items)
        ):
            raise self.doc.error(path, f"expected [{what}] in seconds, e.g. [2, 8]")
        low, high = float(items[0]), float(items[-1])
        if not 0 <= low <= high <= LONGEST_S:
            raise self.doc.error(path, f"expected 0 <= {what.replace(', ', ' <= ')} <= {LONGEST_S:g}")
        return low, high

    def unique(self, names: Iterable[tuple[str, KeyPath]], what: str) -> None:
        seen: set[str] = set()
        for name, path in names:
            if name in seen:
                raise self.doc.error(path, f"{what} {name!r} appears twice")
            seen.add(name)

    # -- the file --------------------------------------------------------------------------------

    def scenario(self) -> Scenario:
        r = self.r
        r.mapping((), allowed=TOP, required=("name", "workload"))
        workload = self.workload()
        steady = self.steady_state()
        faults, schedules = self.faults(workload.duration)
        seed = r.read(("seed",), SEED) if r.has(("seed",)) else None
        return Scenario(
            name=self.r.name(("name",)),
            description=r.string(("description",), "").strip(),
            typical_duration=self.typical_duration(workload),
            stack=self.stack(),
            overrides=self.overrides(),
            seed=seed,
            steady_state=steady,
            workload=workload,
            faults=faults,
            schedules=schedules,
            recovery=self.recovery(),
            invariants=self.invariants(workload, steady),
            expect=Expectation(r.string(("expect",), "hold", choices=tuple(Expectation))),
            source=self.doc.source,
            **self.where(()),
        )

    def typical_duration(self, workload: Workload) -> float | None:
        path: KeyPath = ("typical_duration",)
        if not self.r.has(path):
            return None
        took = self.positive(path)
        if took < workload.duration:
            raise self.doc.error(
                path,
                f"a run takes at least its workload's {workload.duration:g} s, stack up and down on top",
            )
        return took

    def stack(self) -> StackRef:
        spec = self.r.string(("stack",), "default")
        where = self.where(("stack",))
        if spec == "default":
            return StackRef(spec=spec, file=None, **where)
        embedded = embedded_stacks()
        if NAME.match(spec):
            if spec not in embedded:
                raise self.doc.error(
                    ("stack",),
                    f"no embedded stack {spec!r}; embedded: {', '.join(embedded)} (or a file's path)",
                )
            return StackRef(spec=spec, file=stack_path(spec), embedded=True, **where)
        try:
            file = relative_inside(spec, Path(self.doc.source).parent)
        except ValueError as exc:
            embedded_too = f"; or an embedded stack: default, {', '.join(embedded)}"
            raise self.doc.error(("stack",), f"a stack file {exc}{embedded_too}") from None
        if file.suffix not in (".yaml", ".yml"):
            raise self.doc.error(("stack",), "a stack file's name ends in .yaml or .yml")
        return StackRef(spec=spec, file=file, **where)

    def overrides(self) -> Overrides:
        r, base = self.r, ("overrides",)
        r.mapping(base, allowed=("services", "network"), optional=True)
        services = []
        for name in r.mapping(
            (*base, "services"), allowed=self.r.raw((*base, "services")) or (), optional=True
        ):
            path: KeyPath = (*base, "services", name)
            given = r.mapping(path, allowed=("replicas", "placement", "config", "flavour", "image"))
            placement = None
            if "placement" in given:
                placement = tuple(
                    self.r.name((*path, "placement", i)) for i in range(len(r.sequence((*path, "placement"))))
                )
            config = r.mapping((*path, "config"), allowed=r.raw((*path, "config")) or (), optional=True)
            services.append(
                ServiceOverride(
                    service=name,
                    replicas=r.integer((*path, "replicas"), minimum=1) if "replicas" in given else None,
                    placement=placement,
                    config=config,
                    flavour=r.string((*path, "flavour")) if "flavour" in given else None,
                    image=r.read((*path, "image"), IMAGE) if "image" in given else None,
                    **self.where(path),
                )
            )
        net = (*base, "network")
        r.mapping(net, allowed=("bgp",), optional=True)
        bgp_path = (*net, "bgp")
        r.mapping(bgp_path, allowed=[p.name for p in BGP], optional=True)
        bgp = {p.name: r.param((*bgp_path, p.name), p) for p in BGP if r.has((*bgp_path, p.name))}
        return Overrides(services=tuple(services), bgp=bgp, **self.where(base))

    def workload(self) -> Workload:
        r, base = self.r, ("workload",)
        r.mapping(base, allowed=("duration", "clients"), required=("duration",))
        clients = tuple(
            self.client((*base, "clients", i)) for i in range(len(r.sequence((*base, "clients"))))
        )
        return Workload(duration=self.positive((*base, "duration")), clients=clients, **self.where(base))

    def client(self, path: KeyPath) -> ClientSpec:
        r = self.r
        r.mapping(
            path,
            allowed=("kind", "service", "concurrency", "rate", "timeout", "params", "from"),
            required=("kind",),
        )
        kind = CLIENT_KINDS[r.string((*path, "kind"), choices=CLIENT_KINDS)]
        return ClientSpec(
            kind=kind.name,
            service=self.service(path, kind),
            concurrency=r.integer((*path, "concurrency"), 1, minimum=1, maximum=1000),
            rate=r.number((*path, "rate"), 0.0, minimum=0, maximum=100_000),
            timeout=r.number((*path, "timeout"), 2.0, above=0, maximum=3600),
            params=self.fields((*path, "params"), kind, optional=True),
            from_node=self.r.name((*path, "from")) if r.has((*path, "from")) else None,
            **self.where(path),
        )

    def service(self, path: KeyPath, kind: CallKind) -> str:
        if kind.service is None or self.r.has((*path, "service")):
            return self.r.name((*path, "service"))
        return kind.service

    def fields(
        self, path: KeyPath, kind: CallKind, optional: bool = False, extra: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        r = self.r
        r.mapping(
            path, allowed=(*extra, *(f.name for f in kind.fields)), optional=optional or not kind.fields
        )
        out: dict[str, Any] = {}
        for f in kind.fields:
            p = (*path, f.name)
            if r.has(p):
                out[f.name] = r.read(p, f.type)
            elif f.required:
                raise self.doc.error(p, f"missing; {kind.name} needs it ({f.help})")
            elif f.default is not None:
                out[f.name] = f.default
        return out

    def steady_state(self) -> SteadyState:
        r, base = self.r, ("steady_state",)
        r.mapping(base, allowed=("interval", "probes"), optional=True)
        probes = tuple(self.probe((*base, "probes", i)) for i in range(len(r.sequence((*base, "probes")))))
        self.unique(((p.name, (*base, "probes", i, "name")) for i, p in enumerate(probes)), "probe")
        return SteadyState(
            interval=self.positive((*base, "interval"), 1.0), probes=probes, **self.where(base)
        )

    def probe(self, path: KeyPath) -> Probe:
        r = self.r
        raw = r.mapping(
            path, allowed=r.raw(path) if isinstance(r.raw(path), Mapping) else (), required=("name",)
        )
        own = ("name", "phases", "tolerance")
        for key in raw:
            if key not in own and key not in PROBE_KINDS:
                raise self.doc.error(
                    (*path, key),
                    f"unknown probe kind or field; kinds: {', '.join(PROBE_KINDS)}; fields: {', '.join(own)}",
                )
        given = [k for k in raw if k in PROBE_KINDS]
        if len(given) != 1:
            raise self.doc.error(path, f"expected exactly one probe kind of: {', '.join(PROBE_KINDS)}")
        kind = PROBE_KINDS[given[0]]
        kpath = (*path, kind.name)
        phases: tuple[Phase, ...] = tuple(Phase)
        if r.has((*path, "phases")):
            seq = r.sequence((*path, "phases"), optional=False)
            phases = tuple(
                Phase(r.string((*path, "phases", i), choices=tuple(Phase))) for i in range(len(seq))
            )
            if not phases:
                raise self.doc.error((*path, "phases"), "expected at least one of: before, during, after")
            self.unique(((str(p), (*path, "phases", i)) for i, p in enumerate(phases)), "phase")
        tolerance = r.number((*path, "tolerance"), 0.0, minimum=0, maximum=1)
        return Probe(
            name=self.r.name((*path, "name")),
            kind=kind.name,
            service=self.service(kpath, kind),
            params=self.fields(kpath, kind, optional=True, extra=("service",)),
            phases=phases,
            tolerance=tolerance,
            **self.where(path),
        )

    def faults(self, horizon: float) -> tuple[tuple[TimedFault, ...], tuple[GeneratedSchedule, ...]]:
        timed: list[TimedFault] = []
        schedules: list[GeneratedSchedule] = []
        for i in range(len(self.r.sequence(("faults",)))):
            path: KeyPath = ("faults", i)
            raw = self.r.raw(path)
            if isinstance(raw, Mapping) and "generate" in raw:
                self.r.mapping(path, allowed=("generate",))
                schedules.append(self.generated((*path, "generate"), horizon))
            elif isinstance(raw, Mapping):
                timed.append(self.timed(path, horizon))
            else:
                raise self.doc.error(
                    path, "expected a fault (at, kind, its parameters) or a generate: mapping"
                )
        self.no_overlaps(timed, horizon)
        self.apart(timed, schedules, horizon)
        return tuple(timed), tuple(schedules)

    def apart(self, timed: list[TimedFault], schedules: list[GeneratedSchedule], horizon: float) -> None:
        """A schedule keeps its own faults off each other's targets, but cannot see the file's other
        faults: none of them may hold one of its targets while its window is open."""
        held = [
            (f"{f.describe()} (line {f.line})", f.at, f.heal_at(horizon), {f.spec.target_key}) for f in timed
        ]
        for g in schedules:
            keys = {s.target_key for specs in candidate_specs(g, self.doc.source).values() for s in specs}
            for what, start, end, other in held:
                shared = sorted(":".join(k) for k in keys & other if k is not None)
                if shared and start < g.window[1] and g.window[0] < end:
                    raise g.error(
                        self.doc.source,
                        f"{what} holds {shared[0]}, one of this schedule's targets, inside its window; "
                        "narrow the window or the targets",
                        "window",
                    )
            held.append((f"the schedule at line {g.line}", g.window[0], g.window[1], keys))

    def timed(self, path: KeyPath, horizon: float) -> TimedFault:
        r = self.r
        raw = r.mapping(path, allowed=r.raw(path), required=("at", "kind"))
        kind = r.string((*path, "kind"))
        info = FAULT_KINDS.get(kind)
        if info is None:
            raise self.doc.error((*path, "kind"), FAULT_KINDS.unknown(kind))
        params = {k: v for k, v in raw.items() if k not in TIMING}
        for key in params:
            if info.param(key) is None:
                takes = ", ".join([*(p.name for p in info.params), "at", "duration", "until"])
                raise self.doc.error((*path, key), f"unknown field; {kind} takes: {takes}")
        try:
            spec = FaultSpec.parse(kind, params)
        except FaultSpecError as exc:
            raise self.doc.error(path if exc.param is None else (*path, exc.param), exc.message) from None
        at = self.seconds((*path, "at"))
        if at >= horizon:
            raise self.doc.error((*path, "at"), f"{at:g}s is not before the workload ends ({horizon:g}s)")
        duration = None
        if "duration" in raw and "until" in raw:
            raise self.doc.error((*path, "until"), "give duration or until, not both")
        if info.instant and ("duration" in raw or "until" in raw):
            key = "duration" if "duration" in raw else "until"
            raise self.doc.error((*path, key), f"{kind} is instant and has nothing to heal; leave {key} out")
        if "duration" in raw:
            duration = self.positive((*path, "duration"))
        elif "until" in raw:
            until = self.seconds((*path, "until"))
            if until <= at:
                raise self.doc.error((*path, "until"), f"{until:g}s is not after at ({at:g}s)")
            duration = round(until - at, 6)
        if duration is not None and at + duration > horizon + EPSILON:
            key = "duration" if "duration" in raw else "until"
            raise self.doc.error(
                (*path, key),
                f"the fault lasts until {at + duration:g}s, after the workload ends ({horizon:g}s); "
                "shorten it, or leave duration out to heal it at the end",
            )
        return TimedFault(at=at, duration=duration, spec=spec, **self.where(path))

    def no_overlaps(self, faults: list[TimedFault], horizon: float) -> None:
        for i, a in enumerate(faults):
            for b in faults[i + 1 :]:
                key = a.spec.target_key
                if (
                    key is not None
                    and key == b.spec.target_key
                    and a.at < b.heal_at(horizon)
                    and b.at < a.heal_at(horizon)
                ):
                    first, second = sorted((a, b), key=lambda f: f.at)
                    raise second.error(
                        self.doc.source,
                        f"overlaps {first.describe()} (line {first.line}) on the same target {':'.join(key)}",
                        "at",
                    )

    def generated(self, path: KeyPath, horizon: float) -> GeneratedSchedule:
        r = self.r
        allowed = ("count", "kinds", "targets", "max_concurrent", "min_gap", "duration", "window")
        r.mapping(path, allowed=allowed, required=("count", "kinds", "targets", "duration"))
        kinds_seq = r.sequence((*path, "kinds"), optional=False)
        if not kinds_seq:
            raise self.doc.error((*path, "kinds"), "expected at least one fault kind")
        kinds = []
        for i in range(len(kinds_seq)):
            kind = r.string((*path, "kinds", i), choices=FAULT_KINDS)
            if FAULT_KINDS[kind].instant:
                raise self.doc.error(
                    (*path, "kinds", i), f"{kind} is instant; a schedule needs faults that heal"
                )
            kinds.append(kind)
        self.unique(((k, (*path, "kinds", i)) for i, k in enumerate(kinds)), "kind")
        targets: dict[str, tuple[Any, ...]] = {}
        for key, value in r.mapping((*path, "targets"), allowed=r.raw((*path, "targets")) or ()).items():
            values = value if isinstance(value, list) else [value]
            if not values:
                raise self.doc.error((*path, "targets", key), "expected at least one candidate value")
            targets[key] = tuple(tuple(v) if isinstance(v, list) else v for v in values)
        window = self.pair((*path, "window"), "start, end", (0.0, horizon))
        if window[1] > horizon:
            raise self.doc.error((*path, "window"), f"ends after the workload ({horizon:g}s)")
        duration = self.pair((*path, "duration"), "min, max")
        if duration[0] <= 0:
            raise self.doc.error((*path, "duration"), "expected a shortest duration above 0")
        schedule = GeneratedSchedule(
            count=r.integer((*path, "count"), minimum=1, maximum=100),
            kinds=tuple(kinds),
            targets=targets,
            duration=duration,
            window=window,
            max_concurrent=r.integer((*path, "max_concurrent"), 1, minimum=1, maximum=100),
            min_gap=self.seconds((*path, "min_gap"), 0.0),
            **self.where(path),
        )
        check_fits(schedule, self.doc.source)
        return schedule

    def recovery(self) -> Recovery:
        r = self.r
        r.mapping(("recovery",), allowed=("timeout",), optional=True)
        timeout = r.number(("recovery", "timeout"), 30.0, above=0, maximum=3600)
        return Recovery(timeout=timeout, **self.where(("recovery",)))

    def invariants(self, workload: Workload, steady: SteadyState) -> tuple[Invariant, ...]:
        out = [
            self.invariant(("invariants", i), workload, steady)
            for i in range(len(self.r.sequence(("invariants",))))
        ]
        self.unique(((inv.name, ("invariants", i, "name")) for i, inv in enumerate(out)), "invariant")
        return tuple(out)

    def invariant(self, path: KeyPath, workload: Workload, steady: SteadyState) -> Invariant:
        r = self.r
        raw = r.mapping(
            path,
            allowed=r.raw(path) if isinstance(r.raw(path), Mapping) else (),
            required=("name", "checker"),
        )
        checker = r.string((*path, "checker"), choices=CHECKERS)
        declared = CHECKERS[checker]
        params = declared.params
        kwargs: dict[str, Any] = {}
        for key in raw:
            if key in ("name", "checker"):
                continue
            if key in declared.unsettable:
                raise self.doc.error((*path, key), f"{checker}'s {key} cannot be set from a file")
            param = params.get(key)
            if param is None:
                raise self.doc.error((*path, key), f"unknown field; {checker} takes: {', '.join(params)}")
            kwargs[key] = r.read((*path, key), param.type)
        for name, param in params.items():
            if param.required and name not in kwargs:
                raise self.doc.error(path, f"missing field {name!r}; {checker} needs it")
        if declared.validate is not None:
            try:
                declared.validate(kwargs)
            except ParamError as exc:
                raise self.doc.error((*path, exc.param) if exc.param else path, exc.message) from None
        if kwargs.get("store") is not None:
            self.known_stores(checker, kwargs["store"], (*path, "store"), workload, steady)
        return Invariant(
            name=self.r.name((*path, "name")), checker=checker, kwargs=kwargs, **self.where(path)
        )

    def known_stores(
        self,
        checker: str,
        store: str | tuple[str, ...],
        path: KeyPath,
        workload: Workload,
        steady: SteadyState,
    ) -> None:
        """A store filter naming a service nothing records operations for would judge an empty history."""
        writers = checker == "lost-writes"
        known = {c.service for c in workload.clients if CLIENT_KINDS[c.kind].writes or not writers}
        if not writers:
            known |= {p.service for p in steady.probes}
        for name in (store,) if isinstance(store, str) else store:
            if name not in known:
                what = "workload client writes to" if writers else "client or probe talks to"
                listed = ", ".join(sorted(known)) or "none"
                raise self.doc.error(path, f"no {what} {name!r}; stores here: {listed}")
