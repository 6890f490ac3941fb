"""MinIO built from its Go module; serves its own Prometheus metrics.

With several replicas every pod runs ``minio server`` over the same list of drives, one
per pod (distributed mode): objects are erasure coded over the drives, so a lost drive
is rebuilt from the others (MinIO heals a fresh, empty drive by itself).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from minio import Minio
from minio.credentials.providers import StaticProvider
from minio.error import MinioException
from minio.minioadmin import MinioAdmin

from xmux_sim.services.base import Endpoint, PodPlan, ProbeFailed, ServiceRuntime, StackPlan, new_secret
from xmux_sim.services.http_probe import expect_ok
from xmux_sim.topology.model import Service

DATA_DIR = "/var/lib/xmux/minio"
API_PORT = 9000


class MinioRuntime(ServiceRuntime):
    data_dir = DATA_DIR
    startup_timeout = 90.0

    def credentials(self, service: Service) -> dict[str, str]:
        return {"access_key": "xmux-" + new_secret()[:8], "secret_key": new_secret()}

    def environment(self, pod: PodPlan, credentials: Mapping[str, str], plan: StackPlan) -> dict[str, str]:
        env = {
            "MINIO_ROOT_USER": credentials["access_key"],
            "MINIO_ROOT_PASSWORD": credentials["secret_key"],
            "MINIO_VOLUMES": " ".join(drives(pod, plan)),
        }
        if pod.service.replicas > 1:
            # The drives are Docker volumes on the host's root disk, which MinIO refuses in
            # distributed mode unless told it is a test set-up.
            env["MINIO_CI_CD"] = "on"
        parity = int(pod.service.config["parity"])
        if parity > 0:
            env["MINIO_STORAGE_CLASS_STANDARD"] = f"EC:{parity}"
        return env

    def probe(self, ep: Endpoint) -> None:
        expect_ok(ep.host, ep.port("api"), "/minio/health/ready")

    def after_ready(self, ep: Endpoint, service: Service) -> None:
        bucket = str(service.config["bucket"])
        try:
            client = Minio(
                ep.address("api"),
                access_key=ep.credentials["access_key"],
                secret_key=ep.credentials["secret_key"],
                secure=False,
            )
            if not client.bucket_exists(bucket):
                client.make_bucket(bucket)
        except (MinioException, OSError) as exc:
            raise ProbeFailed(f"minio: creating bucket {bucket!r}: {exc}") from None

    def replication(self, ep: Endpoint, params: Mapping[str, Any]) -> tuple[int, str]:
        """Drives in sync: online and not healing, as the admin API's server info reports them."""
        admin = MinioAdmin(
            endpoint=ep.address("api"),
            credentials=StaticProvider(ep.credentials["access_key"], ep.credentials["secret_key"]),
            secure=False,
        )
        try:
            info = json.loads(admin.info())
        except (MinioException, OSError, ValueError) as exc:
            raise ProbeFailed(f"minio: admin info: {exc}") from None
        return drives_in_sync(info)

    def describe(self, ep: Endpoint, service: Service) -> dict[str, Any]:
        return {
            "url": f"http://{ep.address('api')}",
            "access_key": ep.credentials["access_key"],
            "secret_key": ep.credentials["secret_key"],
            "bucket": service.config["bucket"],
        }


def drives(pod: PodPlan, plan: StackPlan) -> list[str]:
    """MinIO's volume arguments: the local directory, or every pod's drive in replica order."""
    pods = plan.pods_of(pod.service.name)
    if len(pods) == 1:
        return [DATA_DIR]
    return [f"http://{p.ip}:{API_PORT}{DATA_DIR}" for p in pods]


def drives_in_sync(info: Mapping[str, Any]) -> tuple[int, str]:
    """(drives online and not healing, one line per drive that is not) from MinIO's server info."""
    good, problems = 0, []
    for server in info.get("servers") or []:
        for drive in server.get("drives") or []:
            name = drive.get("endpoint") or server.get("endpoint", "?")
            state, healing = drive.get("state"), bool(drive.get("healing"))
            if state == "ok" and not healing:
                good += 1
            else:
                problems.append(f"{name} {state}{' healing' if healing else ''}")
    return good, f"{good} drive(s) in sync" + (f"; {', '.join(problems)}" if problems else "")
