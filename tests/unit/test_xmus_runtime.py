"""What an XMUS pod is told: backing services, auth replicas, seed, the real services' variables;
and its code bundle."""

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
  mongo: {kind: mongo}
  auth: {kind: xmus-auth, replicas: 2}
  user: {kind: xmus-user}
  forum: {kind: xmus-forum, config: {seed: 9, size: load, env: {EXTRA: "1", DB: "${XMUS_PG_DSN}"}}}
  notifier: {kind: xmus-notifier, config: {ack_wait: 3, ack_delay_ms: 1500}}
  xia: {kind: xmus-xia, config: {chunk_delay_ms: 20}}
  lost: {kind: xmus-lost-found, image: example/lost-found:1, config: {env: {CONF: "${DB_NAME}"}, probe: tcp}}
"""
CREDS = {
    "postgres": {"user": "xmux", "password": "pgpass", "database": "xmux"},
    "nats": {"user": "xmux", "password": "natspass"},
    "mongo": {
        "user": "xmux",
        "password": "root",
        "database": "xmux",
        "app_user": "xmus",
        "app_password": "app",
    },
    "user": {"probe": "health", "token_key": "k3y"},
}


def plan_of(text: str, tmp_path: Path) -> StackPlan:
    path = tmp_path / "stack.yaml"
    path.write_text(text)
    return replace(StackPlan.of(load_stack(path)), credentials=CREDS)


def env_of(plan: StackPlan, service: str) -> dict[str, str]:
    pod = plan.pods_of(service)[0]
    runtime = runtime_for(pod.service.kind)
    return runtime.environment(pod, plan.credentials.get(service, {}), plan)


def test_forum_is_told_where_postgres_nats_and_every_auth_replica_are(tmp_path: Path) -> None:
    plan = plan_of(STACK, tmp_path)
    env = env_of(plan, "forum")
    pg, nats = plan.pods_of("postgres")[0], plan.pods_of("nats")[0]
    assert env["XMUS_PG_DSN"] == f"postgresql://xmux:pgpass@{pg.ip}:5432/xmux"
    assert env["XMUS_NATS_URL"] == f"nats://{nats.ip}:4222" and env["XMUS_NATS_PASSWORD"] == "natspass"
    assert env["XMUS_AUTH_TARGET"] == "ipv4:" + ",".join(f"{p.ip}:9000" for p in plan.pods_of("auth"))
    assert (env["XMUS_SEED"], env["XMUS_SIZE"], env["EXTRA"]) == ("9", "load", "1")
    assert env["DB"] == env["XMUS_PG_DSN"]
    pod = plan.pods_of("forum")[0]
    assert runtime_for("xmus-forum").command(pod) == ["forum"]
    assert runtime_for("xmus-forum").files(pod, {}, plan) == {bundle.PATH_IN_POD: bundle.pyz()}


def test_the_real_forum_finds_postgres_and_every_auth_replica_in_its_own_forms(tmp_path: Path) -> None:
    plan = plan_of(STACK, tmp_path)
    env = env_of(plan, "forum")
    pg = plan.pods_of("postgres")[0]
    # Spring Boot: host and port apart; a scheme and every replica for grpc-java.
    assert (env["DB_ADDR"], env["DB_PORT"], env["DB_NAME"], env["DB_USER"], env["DB_PASS"]) == (
        str(pg.ip), "5432", "xmux", "xmux", "pgpass",
    )  # fmt: skip
    assert env["AUTH_ENDPOINT"] == "static://" + ",".join(f"{p.ip}:9000" for p in plan.pods_of("auth"))
    assert (env["PORT"], env["PROFILE"], env["SENTRY_DSN"]) == ("9000", "prod", "")


def test_the_real_lost_and_found_finds_mongo_as_the_databases_own_user_and_one_auth_address(
    tmp_path: Path,
) -> None:
    plan = plan_of(STACK, tmp_path)
    env = env_of(plan, "lost")
    mongo = plan.pods_of("mongo")[0]
    # A URI without credentials: DB_USER/DB_PASS override, authenticated in DB_NAME.
    assert env["DB_ADDR"] == f"mongodb://{mongo.ip}:27017"
    assert (env["DB_NAME"], env["DB_USER"], env["DB_PASS"]) == ("xmux", "xmus", "app")
    # grpc-go takes one host:port (no scheme, no list).
    assert env["AUTH_ENDPOINT"] == f"{plan.pods_of('auth')[0].ip}:9000"
    assert env["CONF"] == "xmux"
    assert "PORT" not in env


def test_services_without_a_database_get_no_db_variables(tmp_path: Path) -> None:
    plan = plan_of(STACK, tmp_path)
    xia = env_of(plan, "xia")
    assert not {k for k in xia if k.startswith("DB_")}
    assert xia["AUTH_ENDPOINT"] == f"{plan.pods_of('auth')[0].ip}:9000"
    assert xia["XMUS_CHUNK_DELAY"] == "0.02"
    assert "AUTH_ENDPOINT" not in env_of(plan, "auth")


def test_the_user_service_signs_with_the_runs_key(tmp_path: Path) -> None:
    plan = plan_of(STACK, tmp_path)
    assert env_of(plan, "user")["XMUS_TOKEN_KEY"] == "k3y"
    made = runtime_for("xmus-user").credentials(plan.pods_of("user")[0].service)
    assert made["probe"] == "health" and len(made["token_key"]) >= 20


def test_notifier_ack_settings_reach_the_pod(tmp_path: Path) -> None:
    plan = plan_of(STACK, tmp_path)
    env = env_of(plan, "notifier")
    assert (env["XMUS_ACK_WAIT"], env["XMUS_ACK_DELAY"]) == ("3", "1.5")
    assert "XMUS_AUTH_TARGET" not in env


def test_a_swapped_in_image_keeps_its_command_and_gets_its_env(tmp_path: Path) -> None:
    plan = plan_of(STACK, tmp_path)
    pod = plan.pods_of("lost")[0]
    runtime = runtime_for("xmus-lost-found")
    assert runtime.command(pod) is None
    assert runtime.files(pod, {}, plan) == {}
    assert runtime.credentials(pod.service) == {"probe": "tcp"}


def test_a_missing_backing_service_is_named(tmp_path: Path) -> None:
    plan = plan_of(STACK.replace("  mongo: {kind: mongo}\n", ""), tmp_path)
    with pytest.raises(XmuxSimError, match="needs a mongo service"):
        env_of(plan, "lost")


def test_the_bundle_is_the_service_code_and_runs(tmp_path: Path) -> None:
    data = bundle.pyz()
    names = zipfile.ZipFile(BytesIO(data)).namelist()
    assert "__main__.py" in names and "xmux_sim/xmus/protos/forum_service_pb2.py" in names
    assert "xmux_sim/xmus/protos/xmux/core/user/v4/user_pb2.py" in names
    assert all(
        n == "__main__.py" or n.startswith("xmux_sim/xmus/") or n == "xmux_sim/__init__.py" for n in names
    )
    pyz = tmp_path / "xmus.pyz"
    pyz.write_bytes(data)
    result = subprocess.run(
        [sys.executable, str(pyz), "nonsense"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2 and "usage: xmus SERVICE" in result.stderr
    # Every service module (and so every generated proto it imports) imports from the zip.
    probe = (
        f"import sys; sys.path.insert(0, {str(pyz)!r}); import importlib; "
        "from xmux_sim.xmus.main import SERVICES; "
        "[importlib.import_module(f'xmux_sim.xmus.{s}') for s in SERVICES]; print('ok')"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-c", probe], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert done.stdout.strip() == "ok", done.stderr[-2000:]
