"""A service built with ``build:`` from a tree of its own replaces the lost-and-found stand-in.

The tree is tests/stack/lost_found_service (our own small service and its Dockerfile),
copied next to a stack file as a user's would be. It is configured only as the real
lost-and-found is: ``-conf`` (a file the stack mounts), DB_ADDR / DB_NAME / DB_USER /
DB_PASS for MongoDB and AUTH_ENDPOINT for the auth service. Its own one-node stack, in
198.18.204.0/24, so it can run beside the session stack.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import docker
import docker.errors
import grpc
import pytest
from bson import ObjectId

from tests.stack.xmus_support import rpc_error, ts
from xmux_sim import clients
from xmux_sim.api import open_stack
from xmux_sim.errors import BuildFailed
from xmux_sim.providers.docker.images import ImageBuilder
from xmux_sim.providers.docker.provider import DockerProvider
from xmux_sim.providers.docker.stack_builds import build_service
from xmux_sim.topology import load_stack
from xmux_sim.xmus import bundle, client, seed
from xmux_sim.xmus.protos.xmux.lost_found.v4 import lost_found_pb2

SERVICE_TREE = Path(__file__).parent / "lost_found_service"
STACK = """
name: xmus-swap
nodes: [{name: node-1, cidr: 198.18.204.0/24}]
services:
  postgres: {kind: postgres}
  mongo: {kind: mongo}
  nginx: {kind: nginx}
  auth: {kind: xmus-auth}
  lost-found:
    kind: xmus-lost-found
    build: {context: lost-found, args: {BASE: xmux-sim/xmus}}
    args: ["-conf", "/data/conf/config.yaml"]
    files: {/data/conf/config.yaml: lost-found.yaml}
"""
CONFIG = "server:\n  grpc:\n    addr: 0.0.0.0:9000\n  http:\n    addr: 0.0.0.0:8000\n"


def copy_tree(into: Path) -> Path:
    """The service tree as a user keeps it: its sources, its Dockerfile, and the protos it uses."""
    tree = into / "lost-found"
    shutil.copytree(SERVICE_TREE, tree, ignore=shutil.ignore_patterns("__pycache__"))
    (tree / "xmus.pyz").write_bytes(bundle.pyz())
    return tree


def built_images(client_: docker.DockerClient) -> set[str]:
    return {t for image in client_.images.list(name="xmux-sim/build-lost-found") for t in image.tags}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory, docker_client: docker.DockerClient) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("swap")
    copy_tree(folder)
    (folder / "lost-found.yaml").write_text(CONFIG)
    (folder / "stack.yaml").write_text(STACK)
    before = built_images(docker_client)
    yield folder
    # The images this module built (content-hashed: a later run would only reuse them).
    for tag in built_images(docker_client) - before:
        docker_client.images.remove(tag, force=True)


@pytest.fixture(scope="module")
def run(folder: Path) -> Iterator[Any]:
    with open_stack(load_stack(folder / "stack.yaml")) as r:
        yield r


@pytest.fixture(scope="module")
def api(run: Any) -> client.Stubs:
    return client.connect(run.endpoint("nginx").address("h2c"))


def test_nginx_routes_the_api_to_the_service_built_from_the_tree(run: Any, api: client.Stubs) -> None:
    app = run.app("lost-found")
    assert app.attrs["Config"]["Image"].startswith("xmux-sim/build-lost-found:")
    # The mounted -conf file told it where to listen (its packaged one says 9999).
    assert app.attrs["Args"] == ["/srv/lost-found/server.py", "-conf", "/data/conf/config.yaml"]
    _, call = api.lost_found.GetBriefs.with_call(lost_found_pb2.GetBriefsReq())
    assert ("x-service-version", "1") in call.initial_metadata()


def test_it_reaches_mongodb_as_the_databases_own_user(run: Any, api: client.Stubs) -> None:
    app = run.app("lost-found")
    env = dict(e.split("=", 1) for e in app.attrs["Config"]["Env"])
    mongo = run.endpoint("mongo")
    assert env["DB_ADDR"] == f"mongodb://{mongo.pod_ip}:27017" and env["DB_NAME"] == "xmux"
    assert (env["DB_USER"], env["DB_PASS"]) == (
        mongo.credentials["app_user"],
        mongo.credentials["app_password"],
    )
    when = datetime(2024, 3, 1, 8, 30, tzinfo=UTC)
    doc = {
        "_id": ObjectId(), "uid": "swe1909123", "type": 1, "name": "Green bottle", "timestamp": when,
        "location": "Library", "description": "half full", "contacts": {"phone": "+60 12-1"}, "pictures": [],
    }  # fmt: skip
    root = clients.mongo(mongo)
    try:
        root[env["DB_NAME"]].items.insert_one(doc)
    finally:
        root.close()
    got = api.lost_found.GetDetail(lost_found_pb2.GetDetailReq(id=str(doc["_id"])))
    assert got == lost_found_pb2.LostAndFoundDetail(
        uid="swe1909123", type=lost_found_pb2.Found, name="Green bottle", time=ts(when), location="Library",
        description="half full", contacts={"phone": "+60 12-1"},
    )  # fmt: skip


def test_it_authenticates_through_auth_internal(run: Any, api: client.Stubs) -> None:
    me = next(s for s in seed.students(1, "small") if not s.staff)
    name = f"Keys {uuid.uuid4().hex[:6]}"
    request = lost_found_pb2.AddItemReq(type=lost_found_pb2.Lost, name=name, time=ts(datetime.now(UTC)))
    api.lost_found.AddItem(request, metadata=client.auth_metadata(me.campus_id, me.password))
    root = clients.mongo(run.endpoint("mongo"))
    try:
        stored = root["xmux"].items.find_one({"name": name})
    finally:
        root.close()
    assert stored is not None and stored["uid"] == me.uid
    # AuthInternal's refusal reaches the client through the swapped-in service, reason and all.
    wrong = rpc_error(
        lambda: api.lost_found.AddItem(request, metadata=client.auth_metadata(me.campus_id, "not-it"))
    )
    assert (wrong.code, wrong.reason) == (grpc.StatusCode.PERMISSION_DENIED, "WRONG_PASSWORD")


def test_a_changed_source_file_rebuilds_and_an_unchanged_tree_does_not(run: Any, folder: Path) -> None:
    running = run.app("lost-found").attrs["Config"]["Image"]
    build = load_stack(folder / "stack.yaml").services["lost-found"].build
    assert build is not None
    lines: list[str] = []
    images = ImageBuilder(run.provider.client, progress=lines.append)
    assert build_service(images, "lost-found", build) == running
    assert not any("Step" in line for line in lines), "an unchanged tree is not built again"
    server = folder / "lost-found" / "server.py"
    server.write_text(server.read_text().replace('VERSION = "1"', 'VERSION = "2"'))
    lines.clear()
    rebuilt = build_service(images, "lost-found", build)
    assert rebuilt != running and rebuilt.startswith("xmux-sim/build-lost-found:")
    steps = [line for line in lines if "Step" in line]
    assert steps and all(line.startswith("[build lost-found] Step ") for line in steps), lines
    image = run.provider.client.images.get(rebuilt)
    assert image.labels["xmux-sim.build"] == "lost-found"


def test_a_failing_build_shows_its_log_and_starts_nothing(
    tmp_path: Path, docker_client: docker.DockerClient
) -> None:
    tree = tmp_path / "broken"
    tree.mkdir()
    (tree / "Dockerfile").write_text(
        "ARG BASE\nFROM ${BASE}\nRUN echo the-compiler-said-no-$((6*7)) && false\n"
    )
    stack_file = tmp_path / "stack.yaml"
    stack_file.write_text(
        STACK.replace("name: xmus-swap", "name: xmus-swap-broken").replace(
            "context: lost-found", "context: broken"
        )
    )
    (tmp_path / "lost-found.yaml").write_text(CONFIG)
    lines: list[str] = []
    with pytest.raises(BuildFailed) as exc:
        DockerProvider(progress=lines.append).up(load_stack(stack_file))
    assert "building lost-found" in str(exc.value) and "the-compiler-said-no-42" in str(exc.value)
    assert not docker_client.containers.list(all=True, filters={"label": "xmux-sim.stack=xmus-swap-broken"})
    assert not docker_client.networks.list(filters={"label": "xmux-sim.stack=xmus-swap-broken"})
