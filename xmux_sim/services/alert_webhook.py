"""The harness's end of Alertmanager: a webhook receiver on the host, recording every notification.

Alertmanager (a pod of the stack) posts its notifications to ``http://GATEWAY:PORT/alerts``,
where GATEWAY is the host's address on the Alertmanager pod's node network (the Docker
bridge's gateway: a pod reaches it directly, without its node's router, so fabric faults
do not cut the harness off from its monitoring) and PORT and a bearer token are chosen per
run. Each alert of a notification becomes an :class:`~xmux_sim.timeline.AlertEvent` on the
run's clock, handed to ``record``. The receiver listens on that one address only.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from xmux_sim.timeline import AlertEvent, AlertStatus

__all__ = ["PATH", "AlertReceiver", "alert_event", "free_port"]

PATH = "/alerts"
MAX_BODY = 4 << 20


def free_port() -> int:
    """A TCP port nothing listens on now (the receiver binds it later, on the node's gateway)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("", 0))
        return int(s.getsockname()[1])


def _time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value or value.startswith("0001-"):
        return None  # Alertmanager's zero time: not set
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def alert_event(raw: Mapping[str, Any], t: float, *, active_at_start: bool = False) -> AlertEvent:
    """One alert of a webhook notification (or of Alertmanager's API v2 list) as a timeline record."""
    labels = {str(k): str(v) for k, v in (raw.get("labels") or {}).items()}
    status = raw.get("status")
    if isinstance(status, Mapping):  # the API's {"state": "active" | "suppressed" | ...}
        status = "firing"
    return AlertEvent(
        t=t,
        alert=labels.get("alertname", ""),
        status=AlertStatus.resolved if status == "resolved" else AlertStatus.firing,
        labels=labels,
        fingerprint=str(raw.get("fingerprint") or ""),
        starts_at=_time(raw.get("startsAt")),
        ends_at=_time(raw.get("endsAt")),
        summary=str((raw.get("annotations") or {}).get("summary", "")),
        active_at_start=active_at_start,
    )


class AlertReceiver:
    """An HTTP server in a thread that turns Alertmanager's webhook posts into alert events."""

    def __init__(
        self,
        host: str,
        port: int,
        token: str,
        record: Callable[[AlertEvent], None],
        clock: Callable[[], float],
    ) -> None:
        self.host, self.port = host, port
        self.pings = 0
        """Posts without alerts (the reachability check sends one)."""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                t = clock()
                if self.path != PATH:
                    self.send_error(404)
                    return
                if self.headers.get("Authorization") != f"Bearer {token}":
                    self.send_error(401)
                    return
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    if not 0 < length <= MAX_BODY:
                        raise ValueError(f"body of {length} bytes")
                    payload = json.loads(self.rfile.read(length))
                    alerts = payload.get("alerts") or []
                    events = [alert_event(a, t) for a in alerts]
                except (ValueError, AttributeError, TypeError) as exc:
                    self.send_error(400, f"not an Alertmanager notification: {exc}")
                    return
                for event in events:
                    record(event)
                if not events:
                    receiver.pings += 1
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        try:
            self._server = ThreadingHTTPServer((host, port), Handler)
        except OSError as exc:
            raise OSError(f"cannot listen for Alertmanager on {host}:{port}: {exc.strerror or exc}") from None
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="alert-webhook", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}{PATH}"

    def start(self) -> AlertReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
