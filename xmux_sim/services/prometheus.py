"""Prometheus from Debian: scrapes every pod and router of the stack, evaluates the alert rules,
and sends the alerts to the stack's Alertmanager.

Every target carries the labels the rules group by: ``service``, ``replica``, ``node`` and
``kind`` (routers: service and kind ``router``). The rule files are the stack's
(:mod:`xmux_sim.topology.alerts`: the shipped ones and the user's, written out again with
the stack's ``for:``), plus one the harness generates: ``xmux_service_replicas``, the
replicas each service is declared with, which the replica rules compare against. Before
the stack starts, ``promtool check rules`` (from this image) judges the user's rule files
as written, so a bad expression is reported with its file and line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import yaml

from xmux_sim.errors import StackFileError
from xmux_sim.services.base import Endpoint, PodPlan, ServiceRuntime, StackPlan, ToolRun
from xmux_sim.services.http_probe import expect_ok
from xmux_sim.topology.alerts import prometheus_duration
from xmux_sim.topology.kinds import KINDS
from xmux_sim.topology.model import Service, Stack

__all__ = ["ROUTER_METRICS_PORT", "RULES_DIR", "PrometheusRuntime", "promtool_errors", "scrape_interval"]

RULES_DIR = "/etc/xmux/rules"
# The exporter beside BIRD in the router image (images/router/bird-exporter.py).
ROUTER_METRICS_PORT = 9324
CHECK_DIR = "/tmp"  # exists in every image
_PROMTOOL_LINE = re.compile(
    r"^(?P<path>/tmp/xmux-check-\d+\.yml): (?:(?P<line>\d+):\d+: |yaml: line (?P<yline>\d+): )?(?P<rest>.*)$"
)
_UNMARSHAL = re.compile(r"^\s+line (?P<line>\d+): (?P<rest>.*)$")


def scrape_interval(service: Service) -> float:
    """The service's scrape interval in seconds (checked when the stack file loads)."""
    return float(service.config["scrape_interval"].seconds)


def stack_scrape_interval(stack: Stack) -> float:
    """The scrape interval of the stack's Prometheus (StopIteration when it has none)."""
    return scrape_interval(next(s for s in stack.services.values() if s.kind == "prometheus"))


def stack_rules(stack: Stack) -> bytes:
    """The rule file the harness writes for every stack: what it declares, as series the rules can use."""
    rules = [
        {
            "record": "xmux_service_replicas",
            "expr": f"vector({svc.replicas})",
            "labels": {"service": svc.name, "kind": svc.kind},
        }
        for svc in stack.services.values()
    ]
    doc = {"groups": [{"name": "xmux-stack", "rules": rules}]}
    return (
        "# The stack's declarations, written by xmux-sim\n" + yaml.safe_dump(doc, sort_keys=False)
    ).encode()


def promtool_errors(output: str, paths: Mapping[str, str]) -> list[str]:
    """promtool's complaints as ``file:line: what``, with the checked copies named by the user's paths."""
    problems: list[str] = []
    last: str | None = None
    for raw in output.splitlines():
        m = _PROMTOOL_LINE.match(raw.strip())
        if m:
            last = paths.get(m["path"], m["path"])
            line = m["line"] or m["yline"]
            rest = m["rest"]
            if rest.startswith("yaml: unmarshal errors"):
                continue
            problems.append(f"{last}:{line}: {rest}" if line else f"{last}: {rest}")
        elif last and (u := _UNMARSHAL.match(raw)):
            problems.append(f"{last}:{u['line']}: {u['rest']}")
    return list(dict.fromkeys(problems))


class PrometheusRuntime(ServiceRuntime):
    data_dir = "/var/lib/xmux/prometheus"

    def files(self, pod: PodPlan, credentials: Mapping[str, str], plan: StackPlan) -> dict[str, bytes]:
        stack = plan.stack
        interval = prometheus_duration(scrape_interval(pod.service))
        jobs = []
        for svc in stack.services.values():
            kind = KINDS[svc.kind]
            endpoint = kind.metrics_of(svc.flavour)
            if endpoint is None:
                continue
            port_name, path = endpoint
            port = kind.ports[port_name]
            targets = [
                {
                    "targets": [f"{p.ip}:{port}"],
                    "labels": {
                        "service": svc.name,
                        "replica": str(p.replica),
                        "node": p.node.name,
                        "kind": svc.kind,
                    },
                }
                for p in plan.pods_of(svc.name)
            ]
            jobs.append(
                {
                    "job_name": svc.name,
                    "metrics_path": path,
                    "static_configs": targets,
                    "scrape_timeout": interval,
                }
            )
        if stack.routed:
            routers = [
                {
                    "targets": [f"{node.router_ip}:{ROUTER_METRICS_PORT}"],
                    "labels": {"service": "router", "node": node.name, "kind": "router"},
                }
                for node in stack.nodes
            ]
            jobs.append({"job_name": "routers", "static_configs": routers, "scrape_timeout": interval})
        alertmanagers = [
            f"{p.ip}:{KINDS['alertmanager'].ports['http']}"
            for svc in stack.services.values()
            if svc.kind == "alertmanager"
            for p in plan.pods_of(svc.name)
        ]
        config: dict[str, Any] = {
            "global": {
                "scrape_interval": interval,
                "evaluation_interval": prometheus_duration(stack.alerts.evaluation_interval_s),
            },
            "rule_files": [f"{RULES_DIR}/*.yml"],
            "scrape_configs": jobs,
        }
        if alertmanagers:
            config["alerting"] = {"alertmanagers": [{"static_configs": [{"targets": alertmanagers}]}]}
        files = {"/etc/xmux/prometheus.yml": yaml.safe_dump(config, sort_keys=False).encode()}
        files |= {f"{RULES_DIR}/{name}": content for name, content in stack.alerts.rendered().items()}
        files[f"{RULES_DIR}/zz-stack.yml"] = stack_rules(stack)
        return files

    def preflight(self, service: Service, stack: Stack, tool: ToolRun) -> None:
        """``promtool check rules`` on the user's rule files as written (the shipped one is tested)."""
        user = [f for f in stack.alerts.rule_files if not f.builtin]
        if not user:
            return
        copies = {f"{CHECK_DIR}/xmux-check-{i}.yml": f for i, f in enumerate(user)}
        code, output = tool(
            self.image_name(service),
            ["promtool", "check", "rules", *copies],
            {path: f.text.encode() for path, f in copies.items()},
        )
        if code == 0:
            return
        problems = promtool_errors(output, {path: str(f.path) for path, f in copies.items()})
        detail = "\n".join(problems) or output.strip()
        raise StackFileError(f"{detail}\n(promtool check rules: Prometheus would not load these rules)")

    def probe(self, ep: Endpoint) -> None:
        expect_ok(ep.host, ep.port("http"), "/-/ready")
