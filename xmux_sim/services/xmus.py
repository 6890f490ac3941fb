"""The XMUS stand-in services: one runtime per kind, all on the ``xmus`` image.

Each pod is told where the backing services are (pod IPs, routed across nodes) and with
which per-run credentials, where every auth replica is, and which seed data to load. The
service code itself travels as a zip application copied into the pod (see
``xmux_sim.xmus.bundle``), so the image holds only Python and its libraries.

Every pod's environment carries two sets of the same facts: ``XMUS_*`` for the stand-ins,
and the variables the real services read (``DB_ADDR``, ``DB_PORT``, ``DB_NAME``,
``DB_USER``, ``DB_PASS``, ``AUTH_ENDPOINT``), each in the form the real service of that
kind parses, so a real image swapped in finds its database and the auth service.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from string import Template
from typing import Any

import grpc

from xmux_sim.errors import XmuxSimError
from xmux_sim.services.base import Endpoint, PodPlan, ProbeFailed, ServiceRuntime, StackPlan, new_secret
from xmux_sim.topology.kinds import KINDS
from xmux_sim.topology.model import Service
from xmux_sim.xmus import bundle

# The real forum is a Spring Boot service (grpc-spring-boot-starter): its AUTH_ENDPOINT needs a
# scheme and may list every replica; the others are grpc-go (Kratos), which takes one host:port.
STATIC_TARGET_SERVICES = frozenset({"forum"})
# What the real forum must be given to start (PORT, PROFILE, SENTRY_DSN); its ALIYUN_GREEN_*
# settings name an external moderation service and are the user's to give in config.env.
REAL_FORUM_ENV = {"PORT": "9000", "PROFILE": "prod", "SENTRY_DSN": ""}


def _first_of_kind(plan: StackPlan, kind: str) -> tuple[Service, PodPlan] | None:
    for svc in plan.stack.services.values():
        if svc.kind == kind:
            return svc, plan.pods_of(svc.name)[0]
    return None


def _require(plan: StackPlan, kind: str, who: str) -> tuple[Service, PodPlan, Mapping[str, str]]:
    found = _first_of_kind(plan, kind)
    if found is None:
        raise XmuxSimError(f"service {who} needs a {kind} service in the stack; add one (kind: {kind})")
    svc, pod = found
    return svc, pod, plan.credentials.get(svc.name, {})


def backing_environment(kind: str, svc: Service, peer: PodPlan, creds: Mapping[str, str]) -> dict[str, str]:
    """The XMUS_* settings of one backing service, and the real services' DB_* for a database."""
    port = KINDS[kind].ports
    if kind == "postgres":
        return {
            "XMUS_PG_DSN": f"postgresql://{creds['user']}:{creds['password']}@{peer.ip}:{port['sql']}/"
            f"{creds['database']}",
            # The real forum: host only, the port apart (a JDBC URL is made of them).
            "DB_ADDR": str(peer.ip),
            "DB_PORT": str(port["sql"]),
            "DB_NAME": creds["database"],
            "DB_USER": creds["user"],
            "DB_PASS": creds["password"],
        }
    if kind == "mongo":
        return {
            "XMUS_MONGO_URL": f"mongodb://{creds['user']}:{creds['password']}@{peer.ip}:{port['wire']}/"
            "?authSource=admin",
            "XMUS_MONGO_DB": creds.get("database", "xmux"),
            # The real lost-and-found: a URI without credentials; DB_USER/DB_PASS override any, and
            # the user lives in DB_NAME (its authSource), so it is the database's own user.
            "DB_ADDR": f"mongodb://{peer.ip}:{port['wire']}",
            "DB_PORT": str(port["wire"]),
            "DB_NAME": creds.get("database", "xmux"),
            "DB_USER": creds.get("app_user", ""),
            "DB_PASS": creds.get("app_password", ""),
        }
    if kind == "nats":
        return {
            "XMUS_NATS_URL": f"nats://{peer.ip}:{port['client']}",
            "XMUS_NATS_USER": creds.get("user", ""),
            "XMUS_NATS_PASSWORD": creds.get("password", ""),
        }
    if kind == "minio":
        return {
            "XMUS_MINIO_ENDPOINT": f"{peer.ip}:{port['api']}",
            "XMUS_MINIO_ACCESS_KEY": creds["access_key"],
            "XMUS_MINIO_SECRET_KEY": creds["secret_key"],
            "XMUS_MINIO_BUCKET": str(svc.config["bucket"]),
        }
    raise KeyError(kind)


def auth_environment(service_name: str, auth: list[PodPlan]) -> dict[str, str]:
    grpc_port = KINDS["xmus-auth"].ports["grpc"]
    addresses = [f"{p.ip}:{grpc_port}" for p in auth]
    endpoint = "static://" + ",".join(addresses) if service_name in STATIC_TARGET_SERVICES else addresses[0]
    return {"XMUS_AUTH_TARGET": "ipv4:" + ",".join(addresses), "AUTH_ENDPOINT": endpoint}


class XmusRuntime(ServiceRuntime):
    startup_timeout = 120.0  # the first replica may load seed data (10,000 students: seconds)

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        declared = self.info.xmus
        if declared is None:
            raise TypeError(f"service kind {kind} is not an XMUS service")
        self.service = declared

    @property
    def service_name(self) -> str:
        return self.service.serves

    def command(self, pod: PodPlan) -> list[str] | None:
        # A swapped-in image keeps its own command.
        return None if pod.service.image else [self.service_name]

    def files(self, pod: PodPlan, credentials: Mapping[str, str], plan: StackPlan) -> dict[str, bytes]:
        return {} if pod.service.image else {bundle.PATH_IN_POD: bundle.pyz()}

    def environment(self, pod: PodPlan, credentials: Mapping[str, str], plan: StackPlan) -> dict[str, str]:
        cfg = pod.service.config
        env = {
            "XMUS_POD": pod.name,
            "XMUS_SEED": str(cfg["seed"]),
            "XMUS_SIZE": str(cfg["size"]),
            "XMUS_GRPC_PORT": str(self.info.ports["grpc"]),
            "XMUS_METRICS_PORT": str(self.info.ports["metrics"]),
        }
        if "http" in self.info.ports:
            env["XMUS_HTTP_PORT"] = str(self.info.ports["http"])
        who = pod.service.name
        for kind in self.service.needs:
            svc, peer, creds = _require(plan, kind, who)
            env.update(backing_environment(kind, svc, peer, creds))
        if self.service.asks_auth:
            auth = [
                p for s in plan.stack.services.values() if s.kind == "xmus-auth" for p in plan.pods_of(s.name)
            ]
            if not auth:
                raise XmuxSimError(f"service {who} asks the auth service; add one (kind: xmus-auth)")
            env.update(auth_environment(self.service_name, auth))
        if self.service_name == "forum":
            env.update(REAL_FORUM_ENV)
        env.update(self.extra_environment(cfg, credentials))
        # ${XMUS_PG_DSN}, ${DB_PASS} and friends expand, so a swapped-in image can be told this
        # run's credentials, which are made when the run starts.
        env.update({str(k): Template(str(v)).safe_substitute(env) for k, v in dict(cfg["env"]).items()})
        return env

    def extra_environment(self, config: Mapping[str, Any], credentials: Mapping[str, str]) -> dict[str, str]:
        return {}

    def probe(self, ep: Endpoint) -> None:
        if ep.credentials.get("probe") == "tcp":
            try:
                socket.create_connection((ep.host, ep.port("grpc")), timeout=2).close()
            except OSError as exc:
                raise ProbeFailed(f"{ep.service}: {exc}") from None
            return
        health_check(ep.address("grpc"))

    def credentials(self, service: Service) -> dict[str, str]:
        # Not secret: how to probe this service (status/attach read it back from the pod's labels).
        return {"probe": str(service.config["probe"])}

    def describe(self, ep: Endpoint, service: Service) -> dict[str, Any]:
        return {"url": f"grpc://{ep.address('grpc')}"}


class NotifierRuntime(XmusRuntime):
    def extra_environment(self, config: Mapping[str, Any], credentials: Mapping[str, str]) -> dict[str, str]:
        return {
            "XMUS_ACK_WAIT": str(config["ack_wait"]),
            "XMUS_ACK_DELAY": str(config["ack_delay_ms"] / 1000),
        }


class UserRuntime(XmusRuntime):
    """The user service signs custom tokens with a key made for the run."""

    def credentials(self, service: Service) -> dict[str, str]:
        return {**super().credentials(service), "token_key": new_secret()}

    def extra_environment(self, config: Mapping[str, Any], credentials: Mapping[str, str]) -> dict[str, str]:
        return {"XMUS_TOKEN_KEY": credentials["token_key"]}


class XiaRuntime(XmusRuntime):
    def extra_environment(self, config: Mapping[str, Any], credentials: Mapping[str, str]) -> dict[str, str]:
        return {"XMUS_CHUNK_DELAY": str(config["chunk_delay_ms"] / 1000)}


def health_check(address: str, timeout: float = 2.0) -> None:
    """grpc.health.v1 Check: ProbeFailed unless the service says SERVING."""
    from xmux_sim.xmus.protos import health_pb2, health_pb2_grpc

    with grpc.insecure_channel(address) as channel:
        try:
            reply = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(), timeout=timeout
            )
        except grpc.RpcError as exc:
            raise ProbeFailed(f"health check of {address}: {exc.code().name}") from None
    if reply.status != health_pb2.HealthCheckResponse.SERVING:
        raise ProbeFailed(f"{address} is {health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)}")
