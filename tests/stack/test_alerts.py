"""Monitoring under test, on real containers: the rules pass promtool and its unit tests, a bad
rule file stops a stack before it starts, and on a running stack the right alert reaches the
harness through Alertmanager's webhook in time and clears after the heal (and none fires in a
fault-free run).

The stack here: three nodes with a PostgreSQL replica each, Prometheus and Alertmanager on
node-1, its own address ranges (198.18.230-232, underlay 198.19.230.0/24). Scenarios run
through the real runner, attached to it; their bounds come from the stack's timers.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest

from tests.stack.conftest import status_json
from xmux_sim.errors import StackFileError
from xmux_sim.experiment import RunOptions, ScenarioRunner
from xmux_sim.faults.spec import FaultSpec
from xmux_sim.providers.docker.provider import DockerProvider, DockerRun
from xmux_sim.report import ExitStatus, RunReport
from xmux_sim.scenario import parse_scenario
from xmux_sim.services.prometheus import stack_scrape_interval
from xmux_sim.timeline import AlertStatus
from xmux_sim.topology import load_stack
from xmux_sim.topology.alerts import builtin_rules
from xmux_sim.topology.model import Stack

DATA = Path(__file__).parent / "data"

STACK = """\
name: alerts-test
network:
  underlay: 198.19.230.0/24
  bgp: {asn: 64512, hold: 3, keepalive: 1, connect_retry: 1, error_wait: [1, 5]}
nodes:
  - {name: node-1, cidr: 198.18.230.0/24}
  - {name: node-2, cidr: 198.18.231.0/24}
  - {name: node-3, cidr: 198.18.232.0/24}
services:
  postgres: {kind: postgres, replicas: 3, placement: [node-1, node-2, node-3]}
  prometheus: {kind: prometheus, placement: [node-1]}
  alertmanager: {kind: alertmanager, placement: [node-1]}
alerts:
  evaluation_interval: 1s
  notify: {group_wait: 0s, group_interval: 1s}
"""


@pytest.fixture(scope="module")
def stack_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("alerts") / "stack.yaml"
    path.write_text(STACK)
    return path


@pytest.fixture(scope="module")
def astack(stack_file: Path) -> Iterator[DockerRun]:
    run = DockerProvider().up(load_stack(stack_file))
    try:
        yield run
    finally:
        run.down()


def detection_bound(stack: Stack, alert: str) -> float:
    """Fault -> notification, from the timers: a scrape that times out (interval + timeout), an
    evaluation to see it and one to fire after `for:`, Alertmanager's group wait; doubled, plus
    5 s, for a busy machine."""
    scrape = stack_scrape_interval(stack)
    rule = next(r for g in builtin_rules().groups for r in g.rules if r.name == alert)
    timers = stack.alerts
    nominal = 2 * scrape + 2 * timers.evaluation_interval_s + (rule.for_s or 0.0) + timers.group_wait_s
    return 2 * nominal + 5


def clear_bound(stack: Stack) -> float:
    """Heal -> resolved notification: BGP back within BIRD's error wait (max) and connect retry,
    a scrape, an evaluation, Alertmanager's group interval; doubled, plus 5 s."""
    bgp = stack.network.bgp
    nominal = bgp.error_wait[1] + bgp.connect_retry + stack_scrape_interval(stack)
    nominal += stack.alerts.evaluation_interval_s + stack.alerts.group_interval_s
    return 2 * nominal + 5


def run_attached(astack: DockerRun, stack_file: Path, tmp_path: Path, body: str) -> RunReport:
    # A scenario names a stack file inside its own folder: it is written next to the stack's.
    scenario_file = stack_file.parent / f"{tmp_path.name}.yaml"
    scenario_file.write_text(f"stack: {stack_file.name}\n" + body)
    scenario = parse_scenario(scenario_file.read_text(), str(scenario_file))
    lines: list[str] = []
    outcome = ScenarioRunner(
        scenario, RunOptions(attach=astack.run_id, report_dir=tmp_path / "reports"), say=lines.append
    ).run()
    print("\n".join(lines))
    assert outcome.report is not None, outcome.error
    for inv in outcome.report.invariants:
        print(f"{inv.name}: {inv.verdict.valid} {inv.verdict.message}")
    return outcome.report


WORKLOAD = """\
workload:
  duration: {duration}
  clients:
    - {{kind: sql-insert, service: postgres, concurrency: 1, rate: 10, timeout: 2}}
"""


# ----- the rules themselves -----------------------------------------------------------------------


def test_the_shipped_rules_pass_promtool_and_their_unit_tests() -> None:
    tool = DockerProvider().images.run_tool
    rules = builtin_rules().path.read_bytes()
    code, output = tool(
        "prometheus", ["promtool", "check", "rules", "/tmp/xmux.rules.yml"], {"/tmp/xmux.rules.yml": rules}
    )
    assert code == 0, output
    assert "SUCCESS: 13 rules found" in output
    files = {
        "/tmp/xmux.rules.yml": rules,
        "/tmp/xmux.rules.test.yml": (DATA / "xmux.rules.test.yml").read_bytes(),
    }
    code, output = tool("prometheus", ["promtool", "test", "rules", "/tmp/xmux.rules.test.yml"], files)
    assert code == 0, output
    # The unit tests can fail: the same tests against a node rule that forgets the router.
    broken = rules.replace(b' unless on (node) (up{kind="router"} == 1)', b"")
    assert broken != rules
    code, output = tool(
        "prometheus",
        ["promtool", "test", "rules", "/tmp/xmux.rules.test.yml"],
        {**files, "/tmp/xmux.rules.yml": broken},
    )
    assert code != 0 and "NodePodsUnreachable" in output


BAD_RULES = """\
groups:
  - name: mine
    rules:
      - alert: Broken
        expr: sum(up) by (node
        for: 5s
"""


def test_a_rule_with_a_syntax_error_is_reported_with_file_and_line_before_anything_starts(
    tmp_path: Path, docker_client: docker.DockerClient
) -> None:
    (tmp_path / "mine.rules.yml").write_text(BAD_RULES)
    stack_file = tmp_path / "stack.yaml"
    stack_file.write_text(
        STACK.replace("name: alerts-test", "name: bad-rules") + "  rules: [mine.rules.yml]\n"
    )
    stack = load_stack(stack_file)  # the structure is fine: only Prometheus can judge the expression
    with pytest.raises(StackFileError) as caught:
        DockerProvider().up(stack)
    message = str(caught.value)
    assert f"{tmp_path / 'mine.rules.yml'}:5: " in message
    assert (
        'rule 1, "Broken": could not parse expression' in message and "unclosed left parenthesis" in message
    )
    started = docker_client.containers.list(all=True, filters={"label": "xmux-sim.stack=bad-rules"})
    assert started == [], "nothing may start"
    # The command line says the same, with exit status 2 and no traceback.
    result = subprocess.run(
        [sys.executable, "-m", "xmux_sim.cli", "validate", str(stack_file)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"{tmp_path / 'mine.rules.yml'}:5:" in result.stderr.replace("\n", "")
    assert "Traceback" not in result.stderr


# ----- on a running stack --------------------------------------------------------------------------


def test_a_fault_free_run_fires_no_alert(astack: DockerRun, stack_file: Path, tmp_path: Path) -> None:
    report = run_attached(
        astack,
        stack_file,
        tmp_path,
        "name: quiet\n"
        + WORKLOAD.format(duration=25)
        + "invariants:\n"
        + "  - {name: no-alert, checker: alert, alert: '{alertname=~\".+\"}', must: stay-silent}\n",
    )
    assert report.exit_status is ExitStatus.OK, [i.verdict.message for i in report.invariants]
    (verdict,) = [i.verdict for i in report.invariants if i.name == "no-alert"]
    assert verdict.valid is True and verdict.figures["firings"] == 0
    # It listened from before the workload to after it: silence was heard, not assumed.
    listened_from, listened_to = verdict.figures["listened_from_t"], verdict.figures["listened_to_t"]
    assert isinstance(listened_from, float) and isinstance(listened_to, float)
    assert listened_to - listened_from >= 25


def test_dropping_a_node_fires_the_node_alert_in_time_and_it_resolves_after_the_heal(
    astack: DockerRun, stack_file: Path, tmp_path: Path
) -> None:
    stack = load_stack(stack_file)
    fires, clears = detection_bound(stack, "NodePodsUnreachable"), clear_bound(stack)
    report = run_attached(
        astack,
        stack_file,
        tmp_path,
        "name: node-drop\n"
        + WORKLOAD.format(duration=30)
        + "faults:\n  - {at: 5, duration: 12, kind: drop-node, node: node-2, mode: link}\n"
        + "recovery: {timeout: 90}\n"
        + "invariants:\n"
        + f"  - {{name: node-alert, checker: alert, alert: 'NodePodsUnreachable{{node=\"node-2\"}}', "
        f"fires_within_s: {fires}, resolves_within_s: {clears}}}\n",
    )
    (verdict,) = [i.verdict for i in report.invariants if i.name == "node-alert"]
    assert verdict.valid is True, verdict.message
    (fault,) = report.faults
    # The notification itself, as Alertmanager's webhook delivered it.
    node_alerts = [a for a in report.alerts if a.alert == "NodePodsUnreachable" and not a.active_at_start]
    firing = [a for a in node_alerts if a.status is AlertStatus.firing]
    resolved = [a for a in node_alerts if a.status is AlertStatus.resolved]
    assert firing and resolved, node_alerts
    assert firing[0].labels == {"alertname": "NodePodsUnreachable", "node": "node-2", "severity": "critical"}
    assert firing[0].summary == "no pod on node-2 answers"
    assert firing[0].fingerprint and resolved[0].fingerprint == firing[0].fingerprint
    assert fault.heal_t is not None
    detected, cleared = firing[0].t - fault.inject_t, resolved[0].t - fault.heal_t
    print(
        f"node alert: fired {detected:.1f} s after the drop (bound {fires:g}), "
        f"resolved {cleared:.1f} s after the heal (bound {clears:g})"
    )
    assert 0 < detected <= fires and 0 < cleared <= clears
    assert firing[0].starts_at is not None and resolved[0].ends_at is not None


def test_a_wiped_replica_fires_the_replica_alert(astack: DockerRun, stack_file: Path, tmp_path: Path) -> None:
    stack = load_stack(stack_file)
    fires = detection_bound(stack, "PostgresStandbyMissing")
    # A standby restarted at once on an empty disk re-clones this small database and streams
    # again in under a second (measured 0.8-0.9 s), often between two scrapes. Away until the
    # heal, for two scrape and two evaluation intervals, at least one scrape sees it missing.
    away = 2 * stack_scrape_interval(stack) + 2 * stack.alerts.evaluation_interval_s
    report = run_attached(
        astack,
        stack_file,
        tmp_path,
        "name: wipe\n"
        + WORKLOAD.format(duration=25)
        + f"faults:\n  - {{at: 5, duration: {away:g}, kind: wipe-volume, pod: postgres-1, "
        + "restart: at-heal}\n"
        + "recovery: {timeout: 90}\n"
        + "invariants:\n"
        + "  - {name: replica-alert, checker: alert, alert: PostgresStandbyMissing, "
        + f"fires_within_s: {fires}, resolves_within_s: 60}}\n"
        + "  - {name: no-node-alert, checker: alert, alert: NodePodsUnreachable, must: stay-silent}\n",
    )
    verdicts = {i.name: i.verdict for i in report.invariants}
    assert verdicts["replica-alert"].valid is True, verdicts["replica-alert"].message
    assert verdicts["no-node-alert"].valid is True, verdicts["no-node-alert"].message
    firing = [
        a for a in report.alerts if a.alert == "PostgresStandbyMissing" and a.status is AlertStatus.firing
    ]
    assert firing and not firing[0].active_at_start, "delivered by Alertmanager during the run"
    assert firing[0].labels["service"] == "postgres"


def test_status_shows_the_alerts_firing_in_a_running_stack(astack: DockerRun, stack_file: Path) -> None:
    stack = load_stack(stack_file)
    bound = detection_bound(stack, "ServiceDown")
    fault = astack.faults().inject(FaultSpec.parse("kill", {"pod": "postgres-2"}))
    try:
        deadline = time.monotonic() + bound
        firing: list[dict[str, Any]] = []
        while time.monotonic() < deadline and not firing:
            firing = [
                a
                for a in status_json(astack.run_id)["services"]["alertmanager"]["firing"]
                if a["alert"] == "ServiceDown" and a["labels"].get("replica") == "2"
            ]
            time.sleep(1)
        assert firing, f"no ServiceDown for postgres-2 within {bound:g} s"
        assert firing[0]["labels"]["service"] == "postgres" and firing[0]["since"]
        shown = subprocess.run(
            [sys.executable, "-m", "xmux_sim.cli", "status", "--run", astack.run_id],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
        assert "firing alert ServiceDown{node=node-3, replica=2, service=postgres}" in " ".join(shown.split())
    finally:
        fault.heal()
