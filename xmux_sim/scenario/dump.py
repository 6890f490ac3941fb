"""A scenario, or a bare fault schedule, printed as a scenario file that parses back to the same thing.

A failing generated schedule (a hypothesis counterexample, a run's seed) becomes a
file one can keep in ``scenarios/`` and replay without the generator.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from xmux_sim.scenario.model import (
    ClientSpec,
    GeneratedSchedule,
    Invariant,
    Probe,
    Scenario,
    StackRef,
    TimedFault,
    Workload,
)
from xmux_sim.scenario.schedule import with_faults

__all__ = ["scenario_data", "to_yaml"]


def to_yaml(
    source: Scenario | Sequence[TimedFault], faults: Sequence[TimedFault] | None = None, *, comment: str = ""
) -> str:
    """The scenario (with ``faults`` as its concrete schedule, if given) as scenario-file text.

    A bare list of faults becomes a minimal scenario on the default stack whose
    workload lasts until the last fault is healed.
    """
    scenario = source if isinstance(source, Scenario) else _bare(source)
    if faults is not None:
        scenario = with_faults(scenario, faults)
    text = yaml.safe_dump(scenario_data(scenario), sort_keys=False, default_flow_style=None, width=100)
    header = "".join(f"# {line}\n" for line in comment.splitlines())
    return header + text


def _bare(faults: Sequence[TimedFault]) -> Scenario:
    end = max((f.at + (f.duration or 1.0) for f in faults), default=1.0)
    return Scenario(
        name="generated-schedule",
        stack=StackRef(spec="default", file=None),
        workload=Workload(duration=float(math.ceil(end))),
        faults=tuple(faults),
    )


def scenario_data(s: Scenario) -> dict[str, Any]:
    """Plain data in the file's shape; defaults are written out, empty sections left out."""
    data: dict[str, Any] = {"name": s.name}
    if s.description:
        data["description"] = s.description
    if s.typical_duration is not None:
        data["typical_duration"] = s.typical_duration
    data["stack"] = s.stack.spec
    overrides: dict[str, Any] = {}
    if s.overrides.services:
        overrides["services"] = {
            o.service: _compact(
                {
                    "replicas": o.replicas,
                    "placement": o.placement,
                    "config": o.config,
                    "flavour": o.flavour,
                    "image": o.image,
                }
            )
            for o in s.overrides.services
        }
    if s.overrides.bgp:
        overrides["network"] = {"bgp": _plain(s.overrides.bgp)}
    if overrides:
        data["overrides"] = overrides
    if s.seed is not None:
        data["seed"] = s.seed
    if s.steady_state.probes:
        data["steady_state"] = {
            "interval": _num(s.steady_state.interval),
            "probes": [_probe(p) for p in s.steady_state.probes],
        }
    data["workload"] = {
        "duration": _num(s.workload.duration),
        "clients": [_client(c) for c in s.workload.clients],
    }
    faults = [_fault(f) for f in s.faults] + [{"generate": _schedule(g)} for g in s.schedules]
    if faults:
        data["faults"] = faults
    data["recovery"] = {"timeout": _num(s.recovery.timeout)}
    if s.invariants:
        data["invariants"] = [_invariant(i) for i in s.invariants]
    data["expect"] = str(s.expect)
    return data


def _probe(p: Probe) -> dict[str, Any]:
    return {
        "name": p.name,
        p.kind: {"service": p.service, **_plain(p.params)},
        "phases": [str(ph) for ph in p.phases],
        "tolerance": _num(p.tolerance),
    }


def _client(c: ClientSpec) -> dict[str, Any]:
    return _compact(
        {
            "kind": c.kind,
            "service": c.service,
            "concurrency": c.concurrency,
            "rate": _num(c.rate),
            "timeout": _num(c.timeout),
            "params": _plain(c.params),
            "from": c.from_node,
        }
    )


def _fault(f: TimedFault) -> dict[str, Any]:
    timing = {"at": _num(f.at)} if f.duration is None else {"at": _num(f.at), "duration": _num(f.duration)}
    return {**timing, "kind": f.spec.kind, **_plain(f.spec.params)}


def _schedule(g: GeneratedSchedule) -> dict[str, Any]:
    return {
        "count": g.count,
        "kinds": list(g.kinds),
        "targets": _plain(g.targets),
        "max_concurrent": g.max_concurrent,
        "min_gap": _num(g.min_gap),
        "duration": [_num(v) for v in g.duration],
        "window": [_num(v) for v in g.window],
    }


def _invariant(i: Invariant) -> dict[str, Any]:
    return {"name": i.name, "checker": i.checker, **_plain(i.kwargs)}


def _compact(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _plain(v) for k, v in data.items() if v is not None and v != {}}


def _plain(value: Any) -> Any:
    """Tuples as lists (safe_dump prints no tuples); values as they are, so they parse back the same."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _num(value: float) -> float | int:
    """Seconds: ``5`` rather than ``5.0``; every timing field reads a whole number as a float."""
    return int(value) if value.is_integer() else value
