"""Alert detection and clear delays: fault injected -> firing notification, heal -> resolved one.

Run with images present and no replicated stack up:
    .venv/bin/python benchmarks/alerts.py [--rounds 3]
Prints the figures and writes benchmarks/results/alerts.json.

The replicated stack (xmux_sim/stacks/replicated.yaml: Prometheus and Alertmanager on
node-1, the shipped rules) is brought up once; the harness listens on Alertmanager's
webhook as a scenario run does. Each case is played ``--rounds`` times, each round after
Alertmanager holds no active alert: inject, wait for each alert's firing notification,
heal, wait for its resolved notification. The delays are medians over the rounds.

Next to each delay stand the settings that make it up, and the split:

- configuration: the waits the settings impose by design. Detection: the rule's `for:`,
  Alertmanager's group wait, on average half a scrape interval and half an evaluation
  interval until the change is sampled and evaluated, plus, where the fault makes the
  target hang rather than refuse, the scrape timeout, and for BGP alerts the hold time.
  Clear: half a scrape and half an evaluation interval, half of Alertmanager's group
  interval (resolutions go out at its next flush), and after a link fault BIRD's mean
  error wait before the session is tried again.
- pipeline: the rest (the measured median minus configuration): the fault's own effect
  (a process noticing its peer is gone, a replica re-cloning), scraping and evaluation
  work, Prometheus -> Alertmanager -> webhook delivery.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xmux_sim.checkers.alert import Selector
from xmux_sim.experiment.alerts import AlertWatch
from xmux_sim.faults.spec import FaultSpec
from xmux_sim.providers.docker.provider import DockerProvider, DockerRun
from xmux_sim.services.prometheus import scrape_interval
from xmux_sim.timeline import AlertStatus, Timeline
from xmux_sim.topology.model import Stack
from xmux_sim.topology.stackfile import load_stack

RESULTS = Path(__file__).parent / "results" / "alerts.json"
STACK = Path(__file__).resolve().parents[1] / "xmux_sim" / "stacks" / "replicated.yaml"
WAIT_S = 90.0


@dataclass(frozen=True)
class Case:
    name: str
    kind: str
    params: dict[str, str]
    hold_s: float
    """How long the fault stays in at least (longer while an alert has not fired yet)."""
    alerts: tuple[str, ...]
    """Selectors of the alerts measured."""
    hangs: bool
    """The fault makes scrapes of the target hang (time out) rather than fail at once."""


CASES = (
    Case(
        "drop-node-link",
        "drop-node",
        {"node": "node-2", "mode": "link"},
        15.0,
        (
            'NodePodsUnreachable{node="node-2"}',
            'ServiceDown{service="postgres",node="node-2"}',
            'BgpPeerDown{node="node-1",peer="node-2"}',
            'PodCidrWithdrawn{node="node-1",peer="node-2"}',
            "PostgresStandbyMissing",
        ),
        hangs=True,
    ),
    Case(
        "kill-standby",
        "kill",
        {"pod": "postgres-2"},
        10.0,
        ('ServiceDown{service="postgres",replica="2"}', "PostgresStandbyMissing"),
        hangs=False,
    ),
    Case("wipe-standby", "wipe-volume", {"pod": "postgres-1"}, 1.0, ("PostgresStandbyMissing",), hangs=False),
)


def first(timeline: Timeline, selector: Selector, status: AlertStatus, after: float) -> float | None:
    times = [
        a.t
        for a in timeline.alerts
        if a.status is status and a.t >= after and not a.active_at_start and selector.matches(a.labels)
    ]
    return min(times, default=None)


def play(
    run: DockerRun, watch: AlertWatch, timeline: Timeline, case: Case
) -> dict[str, dict[str, float | None]]:
    watch.await_quiet()
    selectors = {text: Selector.parse(text) for text in case.alerts}
    fault = run.faults(timeline).inject(FaultSpec.parse(case.kind, dict(case.params)))
    injected = timeline.events[-1].inject_t
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline and (
        timeline.clock.now() < injected + case.hold_s
        or any(first(timeline, s, AlertStatus.firing, injected) is None for s in selectors.values())
    ):
        time.sleep(0.2)
    fault.heal()
    healed = timeline.events[-1].heal_t
    assert healed is not None
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline and any(
        first(timeline, s, AlertStatus.resolved, healed) is None for s in selectors.values()
    ):
        time.sleep(0.2)
    out: dict[str, dict[str, float | None]] = {}
    for text, s in selectors.items():
        fired = first(timeline, s, AlertStatus.firing, injected)
        resolved = first(timeline, s, AlertStatus.resolved, max(healed, fired or healed))
        out[text] = {
            "detection_s": None if fired is None else round(fired - injected, 2),
            "clear_s": None if resolved is None else round(resolved - healed, 2),
        }
    return out


def settings(stack: Stack) -> dict[str, float]:
    prometheus = next(s for s in stack.services.values() if s.kind == "prometheus")
    scrape = scrape_interval(prometheus)
    return {
        "scrape_interval_s": scrape,
        "scrape_timeout_s": scrape,
        "evaluation_interval_s": stack.alerts.evaluation_interval_s,
        "group_wait_s": stack.alerts.group_wait_s,
        "group_interval_s": stack.alerts.group_interval_s,
        "bgp_hold_s": stack.network.bgp.hold,
        "bgp_error_wait_s": sum(stack.network.bgp.error_wait) / 2,
    }


def configured(stack: Stack, case: Case, selector: str, timers: dict[str, float]) -> dict[str, float]:
    """The waits the settings impose on this alert's detection and clear (see the module docstring)."""
    name = Selector.parse(selector).alert_name or ""
    rule_for = next(
        r.for_s or 0.0 for f in stack.alerts.rule_files for g in f.groups for r in g.rules if r.name == name
    )
    sampling = timers["scrape_interval_s"] / 2 + timers["evaluation_interval_s"] / 2
    detection = rule_for + timers["group_wait_s"] + sampling
    clear = sampling + timers["group_interval_s"] / 2
    if name in ("BgpPeerDown", "PodCidrWithdrawn"):
        detection += timers["bgp_hold_s"]
    elif case.hangs:
        detection += timers["scrape_timeout_s"]
    if case.kind == "drop-node":
        clear += timers["bgp_error_wait_s"]
    return {"for_s": rule_for, "config_detection_s": round(detection, 2), "config_clear_s": round(clear, 2)}


def median(values: list[float | None]) -> float | None:
    measured = [v for v in values if v is not None]
    return round(statistics.median(measured), 2) if measured else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    stack = load_stack(STACK)
    timers = settings(stack)
    figures: dict[str, Any] = {"stack": stack.name, "rounds": args.rounds, "settings": timers, "cases": {}}
    run = DockerProvider(progress=print).up(stack)
    timeline = Timeline()
    watch = AlertWatch.open(run, stack, timeline, print, required=True)
    assert watch is not None
    try:
        for case in CASES:
            rounds = []
            for i in range(args.rounds):
                rounds.append(play(run, watch, timeline, case))
                print(case.name, i + 1, json.dumps(rounds[-1]), flush=True)
            per_alert = {}
            for selector in case.alerts:
                detection = median([r[selector]["detection_s"] for r in rounds])
                clear = median([r[selector]["clear_s"] for r in rounds])
                config = configured(stack, case, selector, timers)
                per_alert[selector] = {
                    "detection_s_median": detection,
                    "clear_s_median": clear,
                    **config,
                    "pipeline_detection_s": None
                    if detection is None
                    else round(detection - config["config_detection_s"], 2),
                    "pipeline_clear_s": None if clear is None else round(clear - config["config_clear_s"], 2),
                    "rounds": [r[selector] for r in rounds],
                }
            figures["cases"][case.name] = {"fault": f"{case.kind} {case.params}", "alerts": per_alert}
    finally:
        watch.stop()
        run.down()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
