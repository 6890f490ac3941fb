"""PostgreSQL 15 from Debian, with the Debian Prometheus exporter beside it.

Replication: replica 0 is the primary, every other replica a hot standby streaming from
it, with quorum commit (``synchronous_standby_names = 'ANY n (...)'``, n = the
``sync_quorum`` config; 0 = asynchronous). There is no automatic failover: a lost primary
stops writes until it is back (documented in the README). A standby whose disk was lost
re-clones itself from the primary with ``pg_basebackup``; a primary whose disk was lost
re-clones itself from the most advanced standby, which under quorum commit holds every
acknowledged commit (see images/postgres/entrypoint).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import psycopg

from xmux_sim.errors import XmuxSimError
from xmux_sim.services.base import Endpoint, PodPlan, ProbeFailed, ServiceRuntime, StackPlan, new_secret
from xmux_sim.topology.model import Service

CONFIG_FILE = "/etc/xmux/postgres-replication.conf"
SYNC_LAG_BYTES = 1 << 20
"""A standby this close to the primary's WAL counts as caught up (a busy primary never stands still)."""
WAL_STATUS_INTERVAL_S = 1
"""How often a standby reports to its primary (wal_receiver_status_interval)."""
WAL_TIMEOUT_S = 5
"""How long a primary and a standby wait on a silent peer before dropping it (wal_*_timeout)."""


class PostgresRuntime(ServiceRuntime):
    data_dir = "/var/lib/xmux/postgres"
    # A standby clones the primary first, and the primary may wait for its peers after a disk loss.
    startup_timeout = 120.0

    def credentials(self, service: Service) -> dict[str, str]:
        return {
            "user": str(service.config["user"]),
            "password": new_secret(),
            "database": str(service.config["database"]),
        }

    def environment(self, pod: PodPlan, credentials: Mapping[str, str], plan: StackPlan) -> dict[str, str]:
        pods = plan.pods_of(pod.service.name)
        return {
            "POSTGRES_USER": credentials["user"],
            "POSTGRES_PASSWORD": credentials["password"],
            "POSTGRES_DB": credentials["database"],
            "PG_ROLE": "primary" if pod.replica == 0 else "standby",
            "PG_PRIMARY": str(pods[0].ip),
            "PG_PEERS": " ".join(str(p.ip) for p in pods if p.replica != pod.replica),
            "PG_CONFIG": CONFIG_FILE,
        }

    def files(self, pod: PodPlan, credentials: Mapping[str, str], plan: StackPlan) -> dict[str, bytes]:
        return {CONFIG_FILE: replication_config(pod, credentials, plan).encode()}

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

    def replication(self, ep: Endpoint, params: Mapping[str, Any]) -> tuple[int, str]:
        """Members in sync, counted on the primary: itself plus every standby streaming and caught up."""
        max_lag = int(params.get("max_lag_bytes") or SYNC_LAG_BYTES)
        with psycopg.connect(self.url(ep), connect_timeout=2, autocommit=True) as conn:
            if conn.execute("SELECT pg_is_in_recovery()").fetchone() == (True,):
                raise ProbeFailed(f"postgres-{ep.replica} is a standby; ask the primary (replica 0)")
            rows = conn.execute(
                "SELECT application_name, state, sync_state,"
                " coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn), -1)::bigint"
                " FROM pg_stat_replication WHERE application_name <> 'pg_basebackup'"
                " ORDER BY application_name"
            ).fetchall()
        in_sync = 1 + sum(1 for _, state, _, lag in rows if state == "streaming" and 0 <= lag <= max_lag)
        detail = ", ".join(f"{name} {state}/{sync} lag {lag}B" for name, state, sync, lag in rows)
        return in_sync, f"primary + [{detail or 'no standby'}]"

    def leader(self, endpoints: Sequence[Endpoint], params: Mapping[str, str]) -> str:
        """The primary: the one member not in recovery (asked of each, since there is no failover
        to ask about, and a rebuilt member may come back either way)."""
        answers: dict[str, bool | str] = {}
        for ep in endpoints:
            pod = f"{ep.service}-{ep.replica}"
            try:
                with psycopg.connect(self.url(ep), connect_timeout=2, autocommit=True) as conn:
                    row = conn.execute("SELECT pg_is_in_recovery()").fetchone()
                answers[pod] = bool(row and row[0])
            except psycopg.Error as exc:
                answers[pod] = str(exc).strip()[:120]
        return sole_primary(answers)

    def describe(self, ep: Endpoint, service: Service) -> dict[str, Any]:
        return {"url": self.url(ep)}


def sole_primary(answers: Mapping[str, bool | str]) -> str:
    """Pod -> pg_is_in_recovery() (or why it did not answer) -> the one primary; ProbeFailed unless one."""
    primaries = sorted(pod for pod, standby in answers.items() if standby is False)
    if len(primaries) == 1:
        return primaries[0]
    said = ", ".join(
        f"{pod}: {'standby' if a is True else 'primary' if a is False else a}"
        for pod, a in sorted(answers.items())
    )
    if primaries:
        raise ProbeFailed(f"postgres: several members say they are primary ({said})")
    raise ProbeFailed(f"postgres: no member says it is primary ({said})")


def sync_standby_names(service: Service) -> str:
    """``ANY n ("postgres-1", ...)``, or empty (asynchronous) when the quorum is 0 or there is no standby."""
    quorum = int(service.config["sync_quorum"])
    standbys = [f'"{service.name}-{i}"' for i in range(1, service.replicas)]
    if quorum <= 0 or not standbys:
        return ""
    if quorum > len(standbys):
        # Commits would wait for standbys that do not exist: refuse rather than hang every write.
        raise XmuxSimError(
            f"{service.name}: config sync_quorum {quorum} asks for more standbys than it has "
            f"({len(standbys)}); use at most replicas - 1, or 0 for asynchronous replication"
        )
    return f"ANY {quorum} ({', '.join(standbys)})"


def replication_config(pod: PodPlan, credentials: Mapping[str, str], plan: StackPlan) -> str:
    """postgresql.conf lines of one member; the same file serves as primary and as standby."""
    service = pod.service
    primary = plan.pods_of(service.name)[0]
    conninfo = (
        f"host={primary.ip} port=5432 user={credentials['user']} password={credentials['password']} "
        f"application_name={pod.name} connect_timeout=2"
    )
    settings = {
        "cluster_name": pod.name,
        "wal_level": "replica",
        "max_wal_senders": "10",
        # Enough WAL kept for a standby that was down a while to catch up without re-cloning.
        "wal_keep_size": "512MB",
        "hot_standby": "on",
        "hot_standby_feedback": "on",
        "wal_receiver_status_interval": f"{WAL_STATUS_INTERVAL_S}s",
        # Notice a vanished peer within seconds, not PostgreSQL's default minute: a standby
        # must drop its dead primary's connection before a rebuilt primary clones it.
        "wal_receiver_timeout": f"{WAL_TIMEOUT_S}s",
        "wal_sender_timeout": f"{WAL_TIMEOUT_S}s",
        "synchronous_standby_names": sync_standby_names(service),
        "synchronous_commit": str(service.config["synchronous_commit"]),
        "fsync": "on" if service.config["fsync"] else "off",
        "primary_conninfo": conninfo,
    }
    return "".join(f"{key} = '{_quoted(value)}'\n" for key, value in settings.items())


def _quoted(value: str) -> str:
    return value.replace("'", "''")
