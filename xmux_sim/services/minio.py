"""MinIO built from its Go module; serves its own Prometheus metrics."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from minio import Minio
from minio.error import MinioException

from xmux_sim.services.base import Endpoint, PodPlan, ProbeFailed, ServiceRuntime, StackPlan, new_secret
from xmux_sim.services.http_probe import expect_ok
from xmux_sim.topology.model import Service


class MinioRuntime(ServiceRuntime):
    kind = "minio"
    data_dir = "/var/lib/xmux/minio"
    metrics = ("api", "/minio/v2/metrics/cluster")

    def credentials(self, service: Service) -> dict[str, str]:
        return {"access_key": "xmux-" + new_secret()[:8], "secret_key": new_secret()}

    def environment(self, pod: PodPlan, credentials: Mapping[str, str], plan: StackPlan) -> dict[str, str]:
        return {
            "MINIO_ROOT_USER": credentials["access_key"],
            "MINIO_ROOT_PASSWORD": credentials["secret_key"],
        }

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

    def describe(self, ep: Endpoint, service: Service) -> dict[str, Any]:
        return {
            "url": f"http://{ep.address('api')}",
            "access_key": ep.credentials["access_key"],
            "secret_key": ep.credentials["secret_key"],
            "bucket": service.config["bucket"],
        }
