"""Prometheus from Debian, scraping every pod of the stack that exposes metrics."""

from __future__ import annotations

from collections.abc import Mapping

import yaml

from xmux_sim.services.base import Endpoint, PodPlan, ServiceRuntime, StackPlan
from xmux_sim.services.http_probe import expect_ok
from xmux_sim.topology.kinds import KINDS


class PrometheusRuntime(ServiceRuntime):
    data_dir = "/var/lib/xmux/prometheus"

    def files(self, pod: PodPlan, credentials: Mapping[str, str], plan: StackPlan) -> dict[str, bytes]:
        interval = str(pod.service.config["scrape_interval"])
        jobs = []
        for svc in plan.stack.services.values():
            kind = KINDS[svc.kind]
            endpoint = kind.metrics_of(svc.flavour)
            if endpoint is None:
                continue
            port_name, path = endpoint
            port = kind.ports[port_name]
            targets = [
                {
                    "targets": [f"{p.ip}:{port}"],
                    "labels": {"service": svc.name, "replica": str(p.replica), "node": p.node.name},
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
        config = {
            "global": {"scrape_interval": interval, "evaluation_interval": interval},
            "scrape_configs": jobs,
        }
        return {"/etc/xmux/prometheus.yml": yaml.safe_dump(config, sort_keys=False).encode()}

    def probe(self, ep: Endpoint) -> None:
        expect_ok(ep.host, ep.port("http"), "/-/ready")
