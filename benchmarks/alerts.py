"""Alert detection and clear delays: fault injected -> firing notification, heal -> resolved one.

Run with images present and no replicated stack up:
    .venv/bin/python benchmarks/alerts.py [--rounds 3]
Prints the figures and writes benchmarks/results/alerts.json.

The replicated stack (xmux_sim/stacks/replicated.yaml: Prometheus and Alertmanager on
node-1, the shipped rules) is brought up once; the harness listens on Alertmanager's
webhook as a scenario run does. Each case is played ``--rounds`` times, each round after
Alertmanager holds no active alert: inject, wait for each alert's firing notification,
heal, wait for its resolved notification. The delays are medians over the rounds.

Next to each delay stand the settings that make it up, and the split. Where in its scrape
and evaluation cycle a fault lands is chance, so the settings impose a window, not one
figure:

- configuration, at least: the waits the settings impose whatever the phase. Detection: the
  rule's `for:` and Alertmanager's group wait, plus, where the fault makes the target hang
  rather than refuse, the scrape timeout; for BGP alerts the hold time less one keepalive
  (it runs from the last keepalive heard); for a PostgreSQL standby that vanishes (rather
  than closing its connection), the primary's wal_sender_timeout less the standby's last
  report. Clear: nothing.
- configuration, at most: that plus one scrape interval and one evaluation interval (the
  change waits for the next scrape, the sample for the next evaluation), for BGP one
  keepalive more, for a standby one status interval more; for clearing, a scrape, an
  evaluation, Alertmanager's group interval (resolutions go out at its next flush) and,
  after a link fault, BGP's connect retry before the session is tried again.
- pipeline: the rest, between (median - at most) and (median - at least): the fault's own
  effect (a replica re-cloning, a standby's reconnect wait), scraping and evaluation work,
  Prometheus -> Alertmanager -> webhook delivery.

``--analyse`` reads the rounds of an earlier results file and writes the figures again,
without a stack (for a change to this analysis only).
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
from xmux_sim.services.postgres import WAL_STATUS_INTERVAL_S, WAL_TIMEOUT_S
from xmux_sim.services.prometheus import stack_scrape_interval
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
    scrape = stack_scrape_interval(stack)
    return {
        "scrape_interval_s": scrape,
        "scrape_timeout_s": scrape,
        "evaluation_interval_s": stack.alerts.evaluation_interval_s,
        "group_wait_s": stack.alerts.group_wait_s,
        "group_interval_s": stack.alerts.group_interval_s,
        "bgp_hold_s": stack.network.bgp.hold,
        "bgp_keepalive_s": stack.network.bgp.keepalive,
        "bgp_connect_retry_s": stack.network.bgp.connect_retry,
        "pg_wal_sender_timeout_s": float(WAL_TIMEOUT_S),
        "pg_wal_status_interval_s": float(WAL_STATUS_INTERVAL_S),
    }


def configured(
    stack: Stack, case: Case, selector: str, timers: dict[str, float]
) -> tuple[float, list[float], list[float]]:
    """The rule's `for:`, and the windows of waits the settings impose on this alert's detection
    and clear (see the module docstring)."""
    name = Selector.parse(selector).alert_name or ""
    rule_for = next(
        r.for_s or 0.0 for f in stack.alerts.rule_files for g in f.groups for r in g.rules if r.name == name
    )
    least = rule_for + timers["group_wait_s"]
    phase = timers["scrape_interval_s"] + timers["evaluation_interval_s"]
    if name in ("BgpPeerDown", "PodCidrWithdrawn"):
        # The hold timer runs from the last keepalive heard, up to one keepalive before the fault.
        least += timers["bgp_hold_s"] - timers["bgp_keepalive_s"]
        phase += timers["bgp_keepalive_s"]
    elif name == "PostgresStandbyMissing" and case.hangs:
        least += timers["pg_wal_sender_timeout_s"] - timers["pg_wal_status_interval_s"]
        phase += timers["pg_wal_status_interval_s"]
    elif case.hangs:
        least += timers["scrape_timeout_s"]
    clear = timers["scrape_interval_s"] + timers["evaluation_interval_s"] + timers["group_interval_s"]
    if case.kind == "drop-node":
        clear += timers["bgp_connect_retry_s"]
    return rule_for, [round(least, 2), round(least + phase, 2)], [0.0, round(clear, 2)]


def pipeline(measured: float | None, config: list[float]) -> list[float] | None:
    """[at least, at most] of the delay that is not the settings' doing."""
    if measured is None:
        return None
    return [round(max(0.0, measured - config[1]), 2), round(measured - config[0], 2)]


def median(values: list[float | None]) -> float | None:
    measured = [v for v in values if v is not None]
    return round(statistics.median(measured), 2) if measured else None


def figures_of(stack: Stack, rounds_by_case: dict[str, list[dict[str, Any]]], count: int) -> dict[str, Any]:
    timers = settings(stack)
    figures: dict[str, Any] = {"stack": stack.name, "rounds": count, "settings": timers, "cases": {}}
    for case in CASES:
        rounds = rounds_by_case[case.name]
        per_alert = {}
        for selector in case.alerts:
            detection = median([r[selector]["detection_s"] for r in rounds])
            clear = median([r[selector]["clear_s"] for r in rounds])
            rule_for, config_detection, config_clear = configured(stack, case, selector, timers)
            per_alert[selector] = {
                "detection_s_median": detection,
                "clear_s_median": clear,
                "for_s": rule_for,
                "config_detection_s": config_detection,
                "config_clear_s": config_clear,
                "pipeline_detection_s": pipeline(detection, config_detection),
                "pipeline_clear_s": pipeline(clear, config_clear),
                "rounds": [r[selector] for r in rounds],
            }
        figures["cases"][case.name] = {"fault": f"{case.kind} {case.params}", "alerts": per_alert}
    return figures


def measure(stack: Stack, count: int) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    run = DockerProvider(progress=print).up(stack)
    timeline = Timeline()
    watch = AlertWatch.open(run, stack, timeline, print, required=True)
    assert watch is not None
    try:
        for case in CASES:
            out[case.name] = []
            for i in range(count):
                out[case.name].append(play(run, watch, timeline, case))
                print(case.name, i + 1, json.dumps(out[case.name][-1]), flush=True)
    finally:
        watch.stop()
        run.down()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--analyse", type=Path, help="re-analyse the rounds of this results file")
    args = parser.parse_args()
    stack = load_stack(STACK)
    if args.analyse is not None:
        earlier = json.loads(args.analyse.read_text())
        rounds = {
            name: [
                {selector: alert["rounds"][i] for selector, alert in case["alerts"].items()}
                for i in range(earlier["rounds"])
            ]
            for name, case in earlier["cases"].items()
        }
        figures = figures_of(stack, rounds, earlier["rounds"])
    else:
        figures = figures_of(stack, measure(stack, args.rounds), args.rounds)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
