"""A small HTTP GET used by the probes of HTTP-speaking services."""

from __future__ import annotations

import http.client

from xmux_sim.services.base import ProbeFailed


def http_get(host: str, port: int, path: str, timeout: float = 2.0, limit: int = 65536) -> tuple[int, str]:
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read(limit).decode(errors="replace")
    except (OSError, http.client.HTTPException) as exc:
        raise ProbeFailed(f"GET http://{host}:{port}{path}: {exc.__class__.__name__}: {exc}") from None
    finally:
        conn.close()


def expect_ok(host: str, port: int, path: str, contains: str | None = None) -> str:
    status, body = http_get(host, port, path)
    if status != 200:
        raise ProbeFailed(f"GET {path} answered {status}: {body[:200]}")
    if contains is not None and contains not in body:
        raise ProbeFailed(f"GET {path} answered without {contains!r}: {body[:200]}")
    return body
