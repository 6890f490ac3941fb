"""Alertmanager from Debian: receives the alerts of the stack's Prometheus and notifies the harness.

Its one receiver is a webhook into the run (:mod:`xmux_sim.services.alert_webhook`):
``http://GATEWAY:PORT/alerts`` with a bearer token, both chosen per run and kept with the
run's credentials, so a process attaching later listens where Alertmanager posts.
Every alert is a group of its own (``group_by: ['...']``) and resolutions are sent too,
so each firing and each resolution of each alert reaches the run's timeline. The
grouping timers are the stack file's ``alerts.notify`` (short by default: a
notification leaves as soon as Prometheus sends the alert).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import yaml

from xmux_sim.services.alert_webhook import PATH, alert_event, free_port
from xmux_sim.services.base import Endpoint, PodPlan, ProbeFailed, ServiceRuntime, StackPlan, new_secret
from xmux_sim.services.http_probe import expect_ok, http_get
from xmux_sim.timeline import AlertEvent
from xmux_sim.topology.alerts import prometheus_duration
from xmux_sim.topology.model import Service, Stack

__all__ = ["CONFIG", "RECEIVER", "AlertmanagerRuntime", "active_alerts", "webhook_host"]

CONFIG = "/etc/xmux/alertmanager.yml"
RECEIVER = "xmux-harness"
ACTIVE = "/api/v2/alerts?active=true&silenced=false&inhibited=false"


def webhook_host(stack: Stack, service: Service) -> str:
    """The host's address on the node network of the (one) Alertmanager pod: where it posts."""
    return str(stack.node(service.placement[0]).gateway)


def active_alerts(ep: Endpoint, t: float) -> list[AlertEvent]:
    """The alerts Alertmanager holds active now (its API v2), as timeline records at run time ``t``."""
    status, body = http_get(ep.host, ep.port("http"), ACTIVE, limit=4 << 20)
    if status != 200:
        raise ProbeFailed(f"alertmanager: GET {ACTIVE} answered {status}: {body[:200]}")
    try:
        listed = json.loads(body)
    except ValueError as exc:
        raise ProbeFailed(f"alertmanager: the list of alerts is not JSON: {exc}") from None
    return [alert_event(a, t, active_at_start=True) for a in listed]


class AlertmanagerRuntime(ServiceRuntime):
    data_dir = "/var/lib/xmux/alertmanager"

    def credentials(self, service: Service) -> dict[str, str]:
        return {"webhook_port": str(free_port()), "webhook_token": new_secret()}

    def files(self, pod: PodPlan, credentials: Mapping[str, str], plan: StackPlan) -> dict[str, bytes]:
        timers = plan.stack.alerts
        url = f"http://{pod.node.gateway}:{int(credentials['webhook_port'])}{PATH}"
        config = {
            "route": {
                "receiver": RECEIVER,
                # '...': every label set is a group of its own, so every alert is notified apart.
                "group_by": ["..."],
                "group_wait": prometheus_duration(timers.group_wait_s),
                "group_interval": prometheus_duration(timers.group_interval_s),
                "repeat_interval": prometheus_duration(timers.repeat_interval_s),
            },
            "receivers": [
                {
                    "name": RECEIVER,
                    "webhook_configs": [
                        {
                            "url": url,
                            "send_resolved": True,
                            "http_config": {
                                "authorization": {
                                    "type": "Bearer",
                                    "credentials": credentials["webhook_token"],
                                }
                            },
                        }
                    ],
                }
            ],
        }
        return {CONFIG: yaml.safe_dump(config, sort_keys=False).encode()}

    def probe(self, ep: Endpoint) -> None:
        expect_ok(ep.host, ep.port("http"), "/-/ready")

    def describe(self, ep: Endpoint, service: Service) -> dict[str, Any]:
        described: dict[str, Any] = {"url": f"http://{ep.address('http')}"}
        try:
            described["firing"] = [
                {
                    "alert": a.alert,
                    "labels": dict(a.labels),
                    "summary": a.summary,
                    "since": None if a.starts_at is None else a.starts_at.isoformat(),
                }
                for a in active_alerts(ep, 0.0)
            ]
        except ProbeFailed as exc:
            described["firing_error"] = str(exc)
        return described
