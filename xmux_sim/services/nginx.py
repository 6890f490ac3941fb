"""nginx in front of the stack: the client-facing load balancer.

Three listeners, published on 127.0.0.1:
- ``grpc`` (TLS with a CA made for the run; HTTP/2 and HTTP/1.1 by ALPN): the gRPC API
  v4, routed by package prefix with ``grpc_pass``, and every REST route, on one port as
  in production. Presigned URLs name this port, so any HTTP client can use them.
- ``http`` (cleartext HTTP/1.1): /healthz, the REST API v2 (/v2/, /test), object
  downloads (/v4/oss/) and the bucket path presigned URLs point at;
- ``h2c`` (cleartext HTTP/2, prior knowledge): the gRPC routes without TLS, for load
  tests that should not measure handshakes.

Every upstream lists each replica's pod IP. Passive health checks (max_fails /
fail_timeout) and next-upstream retries come from the stack file; a request is retried
on another replica only when it was not sent (connection refused or timed out), so a
write is never applied twice by a retry.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from xmux_sim.services.base import Endpoint, PodPlan, ServiceRuntime, StackPlan
from xmux_sim.services.http_probe import expect_ok
from xmux_sim.services.tls import ca_file, new_run_pki
from xmux_sim.topology.kinds import KINDS, XMUS
from xmux_sim.topology.model import Service

HEALTH_BODY = "xmux-sim nginx ok"
# One line per request to the exporter in the pod (images/nginx/nginx-exporter.py), which
# turns them into request counts by status and a latency histogram for the alert rules.
# $sent_trailer_grpc_status: the gRPC status of a gRPC call ("-" for plain HTTP).
METRICS_SINK = "syslog:server=127.0.0.1:5514,nohostname,tag=xmux"
METRICS_LOG = "log_format xmux_metrics '$status $request_time $sent_trailer_grpc_status';"
TLS_CERT = "/etc/nginx/tls/server.crt"
TLS_KEY = "/etc/nginx/tls/server.key"

# gRPC package prefix -> the XMUS kind serving it, as each kind declares.
GRPC_ROUTES: Mapping[str, str] = {prefix: kind for kind, x in XMUS.items() for prefix in x.grpc}
# Internal services inside a routed package: services ask them within the cluster, clients
# must not (a 404 reaches a gRPC client as UNIMPLEMENTED, as for an unrouted package).
INTERNAL_SERVICES: tuple[str, ...] = tuple(service for x in XMUS.values() for service in x.internal)
# HTTP path -> (kind, container port name); "=" marks an exact match.
REST_ROUTES: tuple[tuple[str, str, str], ...] = tuple(
    (path, kind, "http") for kind, x in XMUS.items() for path in x.rest
)


def _upstream_name(kind: str, port: str) -> str:
    return f"{kind.replace('-', '_')}_{port}"


def upstreams(plan: StackPlan, cfg: Mapping[str, Any]) -> dict[tuple[str, str], str]:
    """(kind, port name) -> an nginx upstream block listing every replica of that kind."""
    blocks: dict[tuple[str, str], str] = {}
    wanted = (
        {(k, "grpc") for k in GRPC_ROUTES.values()} | {(k, p) for _, k, p in REST_ROUTES} | {("minio", "api")}
    )
    for kind, port_name in sorted(wanted):
        pods = [p for s in plan.stack.services.values() if s.kind == kind for p in plan.pods_of(s.name)]
        if not pods:
            continue
        port = KINDS[kind].ports[port_name]
        health = f"max_fails={cfg['max_fails']} fail_timeout={cfg['fail_timeout']}"
        servers = "\n".join(f"    server {p.ip}:{port} {health};  # {p.name}" for p in pods)
        blocks[(kind, port_name)] = (
            f"upstream {_upstream_name(kind, port_name)} {{\n{servers}\n    keepalive 32;\n}}\n"
        )
    return blocks


def rest_locations(plan: StackPlan, have: set[tuple[str, str]]) -> str:
    out = []
    for path, kind, port in REST_ROUTES:
        if (kind, port) in have:
            out.append(f"    location {path} {{ proxy_pass http://{_upstream_name(kind, port)}; }}")
    minio = next((s for s in plan.stack.services.values() if s.kind == "minio"), None)
    if (
        minio is not None
        and ("minio", "api") in have
        and any(s.kind == "xmus-oss" for s in plan.stack.services.values())
    ):
        # Presigned URLs were signed for the host the client used: keep it for MinIO's check.
        # `= /bucket` too: presigned POSTs go to the bucket itself, which nginx would otherwise
        # redirect to `/bucket/` (naming its container port, not the published one).
        for path in (f"= /{minio.config['bucket']}", f"/{minio.config['bucket']}/"):
            out.append(
                f"    location {path} {{ proxy_pass http://minio_api; "
                "proxy_set_header Host $http_host; client_max_body_size 11m; }"
            )
    return "\n".join(out)


def render(plan: StackPlan, cfg: Mapping[str, Any]) -> str:
    blocks = upstreams(plan, cfg)
    rest = rest_locations(plan, set(blocks))
    grpc = "\n".join(
        [
            f"    location /{prefix} {{ grpc_pass grpc://{_upstream_name(kind, 'grpc')}; }}"
            for prefix, kind in GRPC_ROUTES.items()
            if (kind, "grpc") in blocks
        ]
        + [f"    location /{service}/ {{ return 404; }}" for service in INTERNAL_SERVICES]
    )
    retries = f"""
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header X-Forwarded-Host $http_host;
    proxy_connect_timeout {cfg["connect_timeout"]};
    proxy_read_timeout {cfg["read_timeout"]};
    proxy_next_upstream error timeout http_502 http_503 http_504;
    proxy_next_upstream_tries {cfg["next_upstream_tries"]};
    proxy_next_upstream_timeout {cfg["next_upstream_timeout"]};
    grpc_set_header X-Forwarded-Host $http_host;
    grpc_set_header X-Forwarded-Proto $scheme;
    grpc_connect_timeout {cfg["connect_timeout"]};
    grpc_read_timeout {cfg["read_timeout"]};
    grpc_send_timeout {cfg["read_timeout"]};
    grpc_next_upstream error timeout http_502 http_503 http_504;
    grpc_next_upstream_tries {cfg["next_upstream_tries"]};
    grpc_next_upstream_timeout {cfg["next_upstream_timeout"]};
    access_log {METRICS_SINK} xmux_metrics;"""
    ports = KINDS["nginx"].ports
    return f"""
{METRICS_LOG}
{"".join(blocks.values())}
server {{
    listen {ports["http"]} default_server;
    {retries.strip()}
    location = /healthz {{ access_log off; default_type text/plain; return 200 "{HEALTH_BODY}\\n"; }}
{rest}
    location / {{ default_type text/plain; return 200 "xmux-sim stack {plan.stack.name}\\n"; }}
}}
server {{
    listen {ports["grpc"]} ssl http2;
    ssl_certificate {TLS_CERT};
    ssl_certificate_key {TLS_KEY};
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache shared:tls:1m;
    {retries.strip()}
    location = /healthz {{ access_log off; default_type text/plain; return 200 "{HEALTH_BODY}\\n"; }}
{grpc}
{rest}
}}
server {{
    listen {ports["h2c"]} http2;
    {retries.strip()}
    location = /healthz {{ access_log off; default_type text/plain; return 200 "{HEALTH_BODY}\\n"; }}
{grpc}
}}
# Read by the Prometheus exporter in the same pod only.
server {{
    listen 127.0.0.1:8081;
    access_log off;
    location = /stub_status {{ stub_status; }}
}}
"""


class NginxRuntime(ServiceRuntime):
    def credentials(self, service: Service) -> dict[str, str]:
        return new_run_pki(service.name)

    def files(self, pod: PodPlan, credentials: Mapping[str, str], plan: StackPlan) -> dict[str, bytes]:
        return {
            "/etc/nginx/conf.d/xmux.conf": render(plan, pod.service.config).encode(),
            TLS_CERT: credentials["tls_cert"].encode(),
            TLS_KEY: credentials["tls_key"].encode(),
        }

    def probe(self, ep: Endpoint) -> None:
        expect_ok(ep.host, ep.port("http"), "/healthz", contains=HEALTH_BODY)

    def describe(self, ep: Endpoint, service: Service) -> dict[str, Any]:
        described: dict[str, Any] = {"url": f"http://{ep.address('http')}"}
        if "grpc" in ep.ports:
            described["grpc"] = ep.address("grpc")
        if "ca_cert" in ep.credentials:
            described["ca_file"] = str(ca_file(ep.credentials["ca_cert"]))
        if "h2c" in ep.ports:
            described["h2c"] = ep.address("h2c")
        return described
