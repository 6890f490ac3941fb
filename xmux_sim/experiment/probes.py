"""Steady-state probes: one real call each, passed or failed, with a line saying why.

Each function here carries out the probe kind of its name (declared in
:data:`~xmux_sim.scenario.kinds.PROBE_KINDS`); :data:`PROBES` maps kinds to them.
"""

from __future__ import annotations

import asyncio
import json
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

import psycopg

from xmux_sim.clients import nats_connect_once
from xmux_sim.scenario.model import Probe
from xmux_sim.services.base import Endpoint
from xmux_sim.services.postgres import PostgresRuntime
from xmux_sim.services.registry import runtime_for

TIMEOUT_S = 2.0

ProbeCall = Callable[[dict[str, Any], Endpoint], tuple[bool, str]]
PROBES: dict[str, ProbeCall] = {}
"""Probe kind -> the call that carries it out."""


def implements(kind: str) -> Callable[[ProbeCall], ProbeCall]:
    def register(call: ProbeCall) -> ProbeCall:
        PROBES[kind] = call
        return call

    return register


def check(probe: Probe, ep: Endpoint) -> tuple[bool, str]:
    """Run one probe against a service endpoint: (passed, detail)."""
    try:
        return PROBES[probe.kind](dict(probe.params), ep)
    except Exception as exc:  # any failure of the call is a failed probe, never a crashed run
        return False, f"{type(exc).__name__}: {str(exc).strip()[:200]}"


@implements("http")
def _http(params: dict[str, Any], ep: Endpoint) -> tuple[bool, str]:
    url = f"http://{ep.address(str(params.get('port') or 'http'))}{params.get('path') or '/'}"
    want = int(params.get("status", 200))
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as resp:
            status = int(resp.status)
    except urllib.error.HTTPError as exc:
        status = exc.code
    return status == want, f"GET {params.get('path') or '/'}: {status}"


@implements("sql")
def _sql(params: dict[str, Any], ep: Endpoint) -> tuple[bool, str]:
    with psycopg.connect(
        PostgresRuntime.url(ep), connect_timeout=2, tcp_user_timeout=int(TIMEOUT_S * 1000), autocommit=True
    ) as conn:
        row = conn.execute(str(params.get("query") or "select 1")).fetchone()
    value = row[0] if row else None
    expect = params.get("expect")
    if expect is not None and str(value) != str(expect):
        return False, f"got {value!r}, expected {expect!r}"
    return True, f"{value!r}"


@implements("jetstream")
def _jetstream(params: dict[str, Any], ep: Endpoint) -> tuple[bool, str]:
    async def info() -> int:
        nc = await nats_connect_once(ep, TIMEOUT_S)
        try:
            state = await nc.jetstream().stream_info(str(params["stream"]))
            return int(state.state.messages)
        finally:
            await nc.close()

    messages = asyncio.run(info())
    want = int(params.get("min_messages", 0))
    return messages >= want, f"{messages} messages (want >= {want})"


@implements("prometheus")
def _prometheus(params: dict[str, Any], ep: Endpoint) -> tuple[bool, str]:
    query = urllib.parse.urlencode({"query": str(params["query"])})
    with urllib.request.urlopen(f"http://{ep.address('http')}/api/v1/query?{query}", timeout=TIMEOUT_S) as r:
        data = json.load(r)
    results = data.get("data", {}).get("result", [])
    if not results:
        return False, "no samples"
    values = [float(s["value"][1]) for s in results]
    lo, hi = params.get("min"), params.get("max")
    bad = [v for v in values if (lo is not None and v < float(lo)) or (hi is not None and v > float(hi))]
    return not bad, f"{len(values)} samples, {len(bad)} out of range"


@implements("replication")
def _replication(params: dict[str, Any], ep: Endpoint) -> tuple[bool, str]:
    in_sync, detail = runtime_for(ep.kind).replication(ep, params)
    want = int(params["replicas"])
    return in_sync >= want, f"{in_sync} of {want} in sync: {detail}"


@implements("tcp")
def _tcp(params: dict[str, Any], ep: Endpoint) -> tuple[bool, str]:
    address = ep.address(str(params["port"]))
    host, _, port = address.rpartition(":")
    with socket.create_connection((host, int(port)), timeout=TIMEOUT_S):
        return True, f"connected to {address}"
