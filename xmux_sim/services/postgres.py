"""PostgreSQL 15 from Debian, with the Debian Prometheus exporter beside it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import psycopg

from xmux_sim.services.base import Endpoint, PodPlan, ProbeFailed, ServiceRuntime, StackPlan, new_secret
from xmux_sim.topology.model import Service


class PostgresRuntime(ServiceRuntime):
    kind = "postgres"
    data_dir = "/var/lib/xmux/postgres"
    metrics = ("metrics", "/metrics")

    def credentials(self, service: Service) -> dict[str, str]:
        return {
            "user": str(service.config["user"]),
            "password": new_secret(),
            "database": str(service.config["database"]),
        }

    def environment(self, pod: PodPlan, credentials: Mapping[str, str], plan: StackPlan) -> dict[str, str]:
        return {
            "POSTGRES_USER": credentials["user"],
            "POSTGRES_PASSWORD": credentials["password"],
            "POSTGRES_DB": credentials["database"],
        }

    @staticmethod
    def url(ep: Endpoint) -> str:
        c = ep.credentials
        return f"postgresql://{c['user']}:{c['password']}@{ep.address('sql')}/{c['database']}"

    def probe(self, ep: Endpoint) -> None:
        try:
            with psycopg.connect(self.url(ep), connect_timeout=2) as conn:
                row = conn.execute("SELECT 1").fetchone()
        except psycopg.Error as exc:
            raise ProbeFailed(f"postgres: {str(exc).strip()[:200]}") from None
        if row != (1,):
            raise ProbeFailed(f"postgres: SELECT 1 returned {row}")

    def describe(self, ep: Endpoint, service: Service) -> dict[str, Any]:
        return {"url": self.url(ep)}
