"""nginx in front of the stack: a health page here; XMUS routes are added by later kinds."""

from __future__ import annotations

from collections.abc import Mapping

from xmux_sim.services.base import Endpoint, PodPlan, ServiceRuntime, StackPlan
from xmux_sim.services.http_probe import expect_ok

HEALTH_BODY = "xmux-sim nginx ok"


class NginxRuntime(ServiceRuntime):
    kind = "nginx"
    metrics = ("metrics", "/metrics")

    def files(self, pod: PodPlan, credentials: Mapping[str, str], plan: StackPlan) -> dict[str, bytes]:
        conf = f"""
server {{
    listen 80 default_server;
    location = /healthz {{ default_type text/plain; return 200 "{HEALTH_BODY}\\n"; }}
    location / {{ default_type text/plain; return 200 "xmux-sim stack {plan.stack.name}\\n"; }}
}}
# Read by the Prometheus exporter in the same pod only.
server {{
    listen 127.0.0.1:8081;
    location = /stub_status {{ stub_status; }}
}}
"""
        return {"/etc/nginx/conf.d/xmux.conf": conf.encode()}

    def probe(self, ep: Endpoint) -> None:
        expect_ok(ep.host, ep.port("http"), "/healthz", contains=HEALTH_BODY)
