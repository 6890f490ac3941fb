"""nginx's configuration for the XMUS services, rendered from a stack file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from xmux_sim.errors import StackFileError
from xmux_sim.services.base import StackPlan
from xmux_sim.services.nginx import render
from xmux_sim.topology import load_stack

STACK = """
name: t
nodes: [node-1, node-2, node-3]
services:
  postgres: {kind: postgres}
  minio: {kind: minio}
  nginx: {kind: nginx, config: {max_fails: 2, fail_timeout: 7s, next_upstream_tries: 4}}
  auth: {kind: xmus-auth, replicas: 2}
  user: {kind: xmus-user, replicas: 3}
  forum: {kind: xmus-forum}
  oss: {kind: xmus-oss}
  xia: {kind: xmus-xia}
"""


def plan_of(text: str, tmp_path: Path) -> StackPlan:
    path = tmp_path / "stack.yaml"
    path.write_text(text)
    return StackPlan.of(load_stack(path))


def upstream(conf: str, name: str) -> list[str]:
    block = re.search(rf"upstream {name} \{{(.*?)\}}", conf, re.S)
    assert block, f"no upstream {name}"
    return re.findall(r"server (\S+) max_fails=2 fail_timeout=7s;", block.group(1))


def test_upstreams_list_every_replica_on_its_node(tmp_path: Path) -> None:
    plan = plan_of(STACK, tmp_path)
    conf = render(plan, plan.stack.services["nginx"].config)
    users = [f"{p.ip}:9000" for p in plan.pods_of("user")]
    assert upstream(conf, "xmus_user_grpc") == users
    assert len({p.node.name for p in plan.pods_of("user")}) == 3
    assert upstream(conf, "xmus_oss_http") == [f"{plan.pods_of('oss')[0].ip}:8000"]
    assert "grpc_next_upstream_tries 4;" in conf


def test_grpc_routes_by_package_prefix_and_auth_stays_internal(tmp_path: Path) -> None:
    plan = plan_of(STACK, tmp_path)
    conf = render(plan, plan.stack.services["nginx"].config)
    assert "location /xmux.core.user.v4. { grpc_pass grpc://xmus_user_grpc; }" in conf
    assert "location /xmux.forum.v4. { grpc_pass grpc://xmus_forum_grpc; }" in conf
    assert "xmux.core.auth.v4" not in conf
    assert "xmus_auth" not in conf
    # Kinds missing from the stack get no route (nginx would refuse an empty upstream).
    assert "lost_found" not in conf and "xmus_aaos" not in conf
    # Presigned URLs reach MinIO with the client's Host kept.
    assert "location = /xmux { proxy_pass http://minio_api; proxy_set_header Host $http_host;" in conf
    assert re.search(r"listen 443 ssl http2;", conf) and re.search(r"listen 8080 http2;", conf)


def test_xia_is_routed_and_internal_services_of_routed_packages_are_not(tmp_path: Path) -> None:
    plan = plan_of(STACK, tmp_path)
    conf = render(plan, plan.stack.services["nginx"].config)
    assert "location /xmux.xia.v4. { grpc_pass grpc://xmus_xia_grpc; }" in conf
    # A longer prefix wins in nginx: UserInternal and OSSInternal stay inside the cluster.
    assert "location /xmux.core.user.v4.UserInternal/ { return 404; }" in conf
    assert "location /xmux.core.oss.v4.OSSInternal/ { return 404; }" in conf


def test_retries_never_resend_a_request_that_was_sent(tmp_path: Path) -> None:
    plan = plan_of(STACK, tmp_path)
    conf = render(plan, plan.stack.services["nginx"].config)
    assert "non_idempotent" not in conf


def test_xmus_replicas_are_bounded(tmp_path: Path) -> None:
    with pytest.raises(StackFileError, match="replicas"):
        plan_of(STACK.replace("replicas: 3", "replicas: 9"), tmp_path)
    assert len(plan_of(STACK.replace("replicas: 3", "replicas: 5"), tmp_path).pods_of("user")) == 5


def test_timeouts_are_rendered_from_typed_durations(tmp_path: Path) -> None:
    # A number of seconds or a duration with a unit: nginx gets our rendering, never the text written.
    text = STACK.replace("fail_timeout: 7s", "fail_timeout: 7s, read_timeout: 1.5, connect_timeout: 2000ms")
    plan = plan_of(text, tmp_path)
    conf = render(plan, plan.stack.services["nginx"].config)
    assert "proxy_read_timeout 1500ms;" in conf and "grpc_send_timeout 1500ms;" in conf
    assert "proxy_connect_timeout 2s;" in conf and "grpc_connect_timeout 2s;" in conf
    assert "proxy_next_upstream_timeout 10s;" in conf  # the default, a Duration too
    with pytest.raises(StackFileError, match=r"fail_timeout: expected a duration"):
        plan_of(STACK.replace("fail_timeout: 7s", 'fail_timeout: "7s; } server { listen 81; }"'), tmp_path)
