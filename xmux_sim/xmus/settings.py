"""What a service process is told through its environment (set by the stack's runtime)."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    service: str
    pod: str
    grpc_port: int = 9000
    http_port: int = 8000
    metrics_port: int = 9100
    pg_dsn: str = ""
    mongo_url: str = ""
    mongo_db: str = "xmux"
    nats_url: str = ""
    nats_user: str = ""
    nats_password: str = ""
    minio_endpoint: str = ""
    minio_access_key: str = ""
    minio_secret_key: str = ""
    minio_bucket: str = "xmux"
    auth_target: str = ""
    """A gRPC target naming every auth replica (``ipv4:IP:PORT,IP:PORT``), balanced round robin."""
    token_key: str = ""
    """User only: the key custom tokens are signed with (none: Login answers NO_CUSTOM_TOKEN)."""
    chunk_delay: float = 0.0
    """Xia only: seconds between the pieces of a streamed reply."""
    seed: int = 1
    size: str = "small"
    ack_wait: float = 10.0
    ack_delay: float = 0.0
    """Notifier only: seconds between committing a notification and acknowledging its event.
    0 in normal runs; tests widen the window to restart the notifier inside it."""

    @classmethod
    def from_env(cls, service: str) -> Settings:
        env = os.environ
        return cls(
            service=service,
            pod=env.get("XMUS_POD", socket.gethostname()),
            grpc_port=int(env.get("XMUS_GRPC_PORT", "9000")),
            http_port=int(env.get("XMUS_HTTP_PORT", "8000")),
            metrics_port=int(env.get("XMUS_METRICS_PORT", "9100")),
            pg_dsn=env.get("XMUS_PG_DSN", ""),
            mongo_url=env.get("XMUS_MONGO_URL", ""),
            mongo_db=env.get("XMUS_MONGO_DB", "xmux"),
            nats_url=env.get("XMUS_NATS_URL", ""),
            nats_user=env.get("XMUS_NATS_USER", ""),
            nats_password=env.get("XMUS_NATS_PASSWORD", ""),
            minio_endpoint=env.get("XMUS_MINIO_ENDPOINT", ""),
            minio_access_key=env.get("XMUS_MINIO_ACCESS_KEY", ""),
            minio_secret_key=env.get("XMUS_MINIO_SECRET_KEY", ""),
            minio_bucket=env.get("XMUS_MINIO_BUCKET", "xmux"),
            auth_target=env.get("XMUS_AUTH_TARGET", ""),
            token_key=env.get("XMUS_TOKEN_KEY", ""),
            chunk_delay=float(env.get("XMUS_CHUNK_DELAY", "0")),
            seed=int(env.get("XMUS_SEED", "1")),
            size=env.get("XMUS_SIZE", "small"),
            ack_wait=float(env.get("XMUS_ACK_WAIT", "10")),
            ack_delay=float(env.get("XMUS_ACK_DELAY", "0")),
        )
