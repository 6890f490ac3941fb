"""What an XMUS pod is told: backing services, auth replicas, seed; and its code bundle."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from dataclasses import replace
from io import BytesIO
from pathlib import Path

import pytest

from xmux_sim.errors import XmuxSimError
from xmux_sim.services.base import StackPlan
from xmux_sim.services.registry import runtime_for
from xmux_sim.topology import load_stack
from xmux_sim.xmus import bundle

STACK = """
name: t
nodes: [node-1, node-2]
services:
  postgres: {kind: postgres}
  nats: {kind: nats}
  auth: {kind: xmus-auth, replicas: 2}
  forum: {kind: xmus-forum, config: {seed: 9, size: load, env: {EXTRA: "1", DB: "${XMUS_PG_DSN}"}}}
  notifier: {kind: xmus-notifier, config: {ack_wait: 3, ack_delay_ms: 1500}}
  lost: {kind: xmus-lost-found, image: example/lost-found:1, config: {env: {PORT: "9000"}, probe: tcp}}
"""
CREDS = {
    "postgres": {"user": "xmux", "password": "pgpass", "database": "xmux"},
    "nats": {"user": "xmux", "password": "natspass"},
}


def plan_of(text: str, tmp_path: Path) -> StackPlan:
    path = tmp_path / "stack.yaml"
    path.write_text(text)
    return replace(StackPlan.of(load_stack(path)), credentials=CREDS)


def test_forum_is_told_where_postgres_nats_and_every_auth_replica_are(tmp_path: Path) -> None:
    plan = plan_of(STACK, tmp_path)
    pod = plan.pods_of("forum")[0]
    runtime = runtime_for("xmus-forum")
    env = runtime.environment(pod, {}, plan)
    pg, nats = plan.pods_of("postgres")[0], plan.pods_of("nats")[0]
    assert env["XMUS_PG_DSN"] == f"postgresql://xmux:pgpass@{pg.ip}:5432/xmux"
    assert env["XMUS_NATS_URL"] == f"nats://{nats.ip}:4222" and env["XMUS_NATS_PASSWORD"] == "natspass"
    assert env["XMUS_AUTH_TARGET"] == "ipv4:" + ",".join(f"{p.ip}:9000" for p in plan.pods_of("auth"))
    assert (env["XMUS_SEED"], env["XMUS_SIZE"], env["EXTRA"]) == ("9", "load", "1")
    assert env["DB"] == env["XMUS_PG_DSN"]
    assert runtime.command(pod) == ["forum"]
    assert runtime.files(pod, {}, plan) == {bundle.PATH_IN_POD: bundle.pyz()}


def test_notifier_ack_settings_reach_the_pod(tmp_path: Path) -> None:
    plan = plan_of(STACK, tmp_path)
    env = runtime_for("xmus-notifier").environment(plan.pods_of("notifier")[0], {}, plan)
    assert (env["XMUS_ACK_WAIT"], env["XMUS_ACK_DELAY"]) == ("3", "1.5")
    assert "XMUS_AUTH_TARGET" not in env


def test_a_swapped_in_image_keeps_its_command_and_gets_its_env(tmp_path: Path) -> None:
    plan = plan_of(STACK.replace("  lost:", "  mongo: {kind: mongo}\n  lost:"), tmp_path)
    pod = plan.pods_of("lost")[0]
    runtime = runtime_for("xmus-lost-found")
    assert runtime.command(pod) is None
    assert runtime.files(pod, {}, plan) == {}
    assert (
        runtime.environment(
            pod, {}, replace(plan, credentials={**CREDS, "mongo": {"user": "u", "password": "p"}})
        )["PORT"]
        == "9000"
    )
    assert runtime.credentials(pod.service) == {"probe": "tcp"}


def test_a_missing_backing_service_is_named(tmp_path: Path) -> None:
    plan = plan_of(STACK, tmp_path)
    with pytest.raises(XmuxSimError, match="needs a mongo service"):
        runtime_for("xmus-lost-found").environment(plan.pods_of("lost")[0], {}, plan)


def test_the_bundle_is_the_service_code_and_runs(tmp_path: Path) -> None:
    data = bundle.pyz()
    names = zipfile.ZipFile(BytesIO(data)).namelist()
    assert "__main__.py" in names and "xmux_sim/xmus/protos/forum_pb2.py" in names
    assert all(
        n == "__main__.py" or n.startswith("xmux_sim/xmus/") or n == "xmux_sim/__init__.py" for n in names
    )
    pyz = tmp_path / "xmus.pyz"
    pyz.write_bytes(data)
    result = subprocess.run(
        [sys.executable, str(pyz), "nonsense"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2 and "usage: xmus SERVICE" in result.stderr
