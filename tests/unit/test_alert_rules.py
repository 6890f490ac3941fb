"""Alerting in the stack file: rule files read and checked at their lines, settings typed, and the
Prometheus and Alertmanager configuration written from them."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from xmux_sim.errors import StackFileError
from xmux_sim.services import StackPlan, runtime_for
from xmux_sim.services.prometheus import RULES_DIR, promtool_errors
from xmux_sim.topology import load_stack
from xmux_sim.topology.alerts import builtin_rules, parse_duration, prometheus_duration

SHIPPED = {
    "ServiceDown",
    "NodePodsUnreachable",
    "BgpPeerDown",
    "PodCidrWithdrawn",
    "PostgresStandbyMissing",
    "PostgresStandbyLagging",
    "JetStreamReplicasNotCurrent",
    "MinioDrivesOffline",
    "ApiErrorRatioHigh",
    "ApiLatencyHigh",
    "DiskFilling",
}

STACK = """\
name: s
nodes: [node-1, node-2]
services:
  pg: {kind: postgres, replicas: 2}
  prometheus: {kind: prometheus, placement: [node-1]}
  alertmanager: {kind: alertmanager, placement: [node-2]}
"""

RULES = """\
groups:
  - name: mine
    rules:
      - alert: TooFewRows
        expr: pg_up == 0
        for: 30s
        labels: {severity: page}
        annotations: {summary: "{{ $labels.service }} is down"}
      - record: job:up:sum
        expr: sum by (job) (up)
"""


def stack_with(tmp_path: Path, alerts: str, rules: str = RULES, stack: str = STACK) -> Path:
    (tmp_path / "mine.rules.yml").write_text(rules)
    path = tmp_path / "stack.yaml"
    path.write_text(stack + alerts)
    return path


def test_the_shipped_rules_load_with_their_names_and_for() -> None:
    rules = builtin_rules()
    assert rules.alerts == SHIPPED
    by_name = {r.name: r for g in rules.groups for r in g.rules}
    assert by_name["NodePodsUnreachable"].for_s == 2.0
    assert "sum by (node) (up" in by_name["NodePodsUnreachable"].expr
    assert load_stack().alerts.alerts == SHIPPED, "the default stack loads them"


def test_settings_set_the_for_of_the_shipped_rules_and_of_named_alerts(tmp_path: Path) -> None:
    path = stack_with(
        tmp_path,
        "alerts:\n  evaluation_interval: 500ms\n  rules: [mine.rules.yml]\n"
        "  for: {ServiceDown: 7s, TooFewRows: 1.5}\n  notify: {group_wait: 0, group_interval: 2s}\n",
    )
    alerts = load_stack(path).alerts
    assert alerts.evaluation_interval_s == 0.5 and alerts.group_interval_s == 2.0
    assert alerts.alerts == SHIPPED | {"TooFewRows"}
    files = {name: yaml.safe_load(content) for name, content in alerts.rendered().items()}
    assert list(files) == ["00-xmux.rules.yml", "01-mine.rules.yml"]
    shipped = {r["alert"]: r for r in files["00-xmux.rules.yml"]["groups"][0]["rules"] if "alert" in r}
    assert shipped["ServiceDown"]["for"] == "7s" and shipped["NodePodsUnreachable"]["for"] == "2s"
    mine = files["01-mine.rules.yml"]["groups"][0]["rules"]
    assert mine[0] == {
        "alert": "TooFewRows",
        "expr": "pg_up == 0",
        "for": "1500ms",
        "labels": {"severity": "page"},
        "annotations": {"summary": "{{ $labels.service }} is down"},
    }
    assert mine[1] == {"record": "job:up:sum", "expr": "sum by (job) (up)"}


def test_one_duration_sets_every_shipped_rule_and_builtin_false_leaves_them_out(tmp_path: Path) -> None:
    every = load_stack(stack_with(tmp_path, "alerts: {for: 4s}\n")).alerts.rendered()["00-xmux.rules.yml"]
    assert {r["for"] for r in yaml.safe_load(every)["groups"][0]["rules"]} == {"4s"}
    own = load_stack(stack_with(tmp_path, "alerts: {builtin: false, rules: [mine.rules.yml]}\n")).alerts
    assert own.alerts == {"TooFewRows"} and list(own.rendered()) == ["00-mine.rules.yml"]


@pytest.mark.parametrize(
    ("alerts", "error"),
    [
        (
            "alerts: {evaluation_interval: 2 s}\n",
            r"stack.yaml:7: alerts.evaluation_interval: expected a duration",
        ),
        ("alerts: {evaluation_interval: 10ms}\n", r"evaluation_interval: 10ms is out of range"),
        (
            "alerts: {for: {NoSuchAlert: 3s}}\n",
            r"stack.yaml:7: alerts.for.NoSuchAlert: no loaded rule file defines",
        ),
        ("alerts: {builtin: false, for: 3s}\n", r"alerts.for: one duration sets the shipped rules"),
        ("alerts: {rules: [nowhere.yml]}\n", r"stack.yaml:7: alerts.rules\[0\]: no rule file"),
        ("alerts: {notify: {group_interval: 5s, repeat_interval: 1s}}\n", r"repeat_interval: 1 s is below"),
        ("alerts: {for: 2h}\n", r"alerts.for: 7200s is out of range; expected 0s..1h"),
        ("alerts: {rules: [../x.yml]}\n", r"alerts.rules\[0\]: the rule file must stay inside"),
        ("alerts: {notify: {group_wait: true}}\n", r"alerts.notify.group_wait: expected a duration"),
        ("alerts: {colour: red}\n", r"alerts.colour: unknown field"),
    ],
)
def test_bad_settings_are_reported_at_their_line(tmp_path: Path, alerts: str, error: str) -> None:
    with pytest.raises(StackFileError, match=error):
        load_stack(stack_with(tmp_path, alerts))


@pytest.mark.parametrize(
    ("rules", "error"),
    [
        (
            "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: 'up\n",
            r"mine.rules.yml:6: not valid YAML",
        ),
        (
            "groups:\n  - name: g\n    rules:\n      - alert: A\n",
            r"mine.rules.yml:4: groups\[0\].rules\[0\].expr: expected",
        ),
        (
            "groups:\n  - name: g\n    rules:\n      - {alert: A, record: b, expr: up}\n",
            r":4: .*exactly one of",
        ),
        (
            "groups:\n  - name: g\n    rules:\n      - {alert: A, expr: up, for: 5}\n",
            r":4: .*for: expected a dur",
        ),
        (
            "groups:\n  - name: g\n    rules:\n      - {alert: A, expr: up, fro: 5s}\n",
            r":4: .*fro: unknown field",
        ),
        (
            "groups:\n  - name: g\n    rules:\n      - {alert: A b, expr: up}\n",
            r":4: .*'A b' is not a valid name",
        ),
        (
            "groups:\n  - name: g\n    rules:\n      - {record: r, expr: up, for: 1s}\n",
            r"only alerting rules",
        ),
        (
            "groups:\n  - {name: g, rules: []}\n  - {name: g, rules: []}\n",
            r":3: groups\[1\].name: group 'g' appears",
        ),
        (
            "groups:\n  - name: g\n    rules:\n      - {alert: A, expr: up, labels: {a-b: c}}\n",
            r"expected a label",
        ),
    ],
)
def test_a_bad_rule_file_is_reported_with_its_file_and_line(tmp_path: Path, rules: str, error: str) -> None:
    with pytest.raises(StackFileError, match=error):
        load_stack(stack_with(tmp_path, "alerts: {rules: [mine.rules.yml]}\n", rules=rules))


def test_alerting_needs_a_prometheus_and_one_alertmanager(tmp_path: Path) -> None:
    bare = "name: s\nservices:\n  pg: {kind: postgres}\n"
    with pytest.raises(StackFileError, match=r"stack.yaml:4: alerts: the stack has no prometheus service"):
        load_stack(stack_with(tmp_path, "alerts: {for: 3s}\n", stack=bare))
    with pytest.raises(StackFileError, match=r"alertmanager needs a prometheus service"):
        load_stack(stack_with(tmp_path, "  am: {kind: alertmanager}\n", stack=bare))
    with pytest.raises(StackFileError, match=r"services.am2: one alertmanager per stack"):
        load_stack(stack_with(tmp_path, "  am2: {kind: alertmanager}\n"))
    with pytest.raises(
        StackFileError, match=r"services.prometheus.config.scrape_interval: expected a duration"
    ):
        load_stack(
            stack_with(
                tmp_path, "", stack=STACK.replace("[node-1]}", "[node-1], config: {scrape_interval: soon}}")
            )
        )


def test_durations_read_and_write_as_prometheus_does() -> None:
    assert parse_duration("1m30s") == 90.0 and parse_duration("250ms") == 0.25
    assert prometheus_duration(90.0) == "90s" and prometheus_duration(0.25) == "250ms"
    assert prometheus_duration(0.0) == "0s"
    for bad in ("2 s", "1.5s", "-1s", "", True, "5s\n", "2d1y"):
        with pytest.raises(ValueError):
            parse_duration(bad)
    with pytest.raises(ValueError, match="expected a duration such as 2s"):
        parse_duration(5)


def test_prometheus_scrapes_pods_and_routers_and_sends_to_alertmanager(tmp_path: Path) -> None:
    stack = load_stack(stack_with(tmp_path, "alerts: {rules: [mine.rules.yml], evaluation_interval: 2s}\n"))
    plan = StackPlan.of(stack)
    prom = next(p for p in plan.pods if p.service.kind == "prometheus")
    files = runtime_for("prometheus").files(prom, {}, plan)
    config = yaml.safe_load(files["/etc/xmux/prometheus.yml"])
    assert config["global"] == {"scrape_interval": "2s", "evaluation_interval": "2s"}
    assert config["rule_files"] == [f"{RULES_DIR}/*.yml"]
    am = plan.pods_of("alertmanager")[0]
    assert config["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"] == [f"{am.ip}:9093"]
    jobs = {j["job_name"]: j for j in config["scrape_configs"]}
    assert jobs["pg"]["static_configs"][1]["labels"] == {
        "service": "pg",
        "replica": "1",
        "node": "node-2",
        "kind": "postgres",
    }
    routers = jobs["routers"]["static_configs"]
    assert [r["targets"] for r in routers] == [["198.18.1.2:9324"], ["198.18.2.2:9324"]]
    assert routers[0]["labels"] == {"service": "router", "node": "node-1", "kind": "router"}
    assert sorted(files) == sorted(
        [
            "/etc/xmux/prometheus.yml",
            f"{RULES_DIR}/00-xmux.rules.yml",
            f"{RULES_DIR}/01-mine.rules.yml",
            f"{RULES_DIR}/zz-stack.yml",
        ]
    )
    declared = yaml.safe_load(files[f"{RULES_DIR}/zz-stack.yml"])["groups"][0]["rules"]
    assert {
        "record": "xmux_service_replicas",
        "expr": "vector(2)",
        "labels": {"service": "pg", "kind": "postgres"},
    } in declared


def test_alertmanager_posts_every_alert_apart_to_the_harness_on_its_node_gateway(tmp_path: Path) -> None:
    stack = load_stack(stack_with(tmp_path, "alerts: {notify: {group_wait: 0, group_interval: 1500ms}}\n"))
    plan = StackPlan.of(stack)
    pod = plan.pods_of("alertmanager")[0]
    runtime = runtime_for("alertmanager")
    creds = runtime.credentials(pod.service)
    config = yaml.safe_load(runtime.files(pod, creds, plan)["/etc/xmux/alertmanager.yml"])
    route = config["route"]
    assert (
        route["group_by"] == ["..."] and route["group_wait"] == "0s" and route["group_interval"] == "1500ms"
    )
    (hook,) = config["receivers"][0]["webhook_configs"]
    assert hook["url"] == f"http://198.18.2.1:{creds['webhook_port']}/alerts", (
        "node-2's bridge gateway: the host"
    )
    assert hook["send_resolved"] is True
    assert hook["http_config"]["authorization"]["credentials"] == creds["webhook_token"]


def test_promtool_complaints_name_the_users_file_and_line() -> None:
    output = """\
Checking /tmp/xmux-check-0.yml
  FAILED:
/tmp/xmux-check-0.yml: 5:15: group "g", rule 1, "Foo": could not parse expression: 1:6: parse error
/tmp/xmux-check-1.yml: yaml: unmarshal errors:
  line 5: field exprr not found in type rulefmt.RuleNode
"""
    paths = {"/tmp/xmux-check-0.yml": "rules/a.yml", "/tmp/xmux-check-1.yml": "rules/b.yml"}
    assert promtool_errors(output, paths) == [
        'rules/a.yml:5: group "g", rule 1, "Foo": could not parse expression: 1:6: parse error',
        "rules/b.yml:5: field exprr not found in type rulefmt.RuleNode",
    ]
