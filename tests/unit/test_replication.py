"""Replicated data services: what each replica is told about its peers, from the stack file alone."""

from __future__ import annotations

import json
from ipaddress import IPv4Network
from pathlib import Path

import pytest

from xmux_sim.errors import Unsupported, XmuxSimError
from xmux_sim.scenario import parse_scenario, resolve_stack
from xmux_sim.services.base import Endpoint, PodPlan, StackPlan
from xmux_sim.services.minio import drives_in_sync
from xmux_sim.services.nats import server_config
from xmux_sim.services.postgres import replication_config, sync_standby_names
from xmux_sim.services.registry import runtime_for
from xmux_sim.services.replicas import in_sync, wait_until
from xmux_sim.topology.model import Service, Stack
from xmux_sim.topology.stackfile import load_stack, parse_stack

REPO = Path(__file__).resolve().parents[2]
REPLICATED = REPO / "xmux_sim" / "stacks" / "replicated.yaml"
PG_CREDS = {"user": "xmux", "password": "pw", "database": "xmux"}


@pytest.fixture(scope="module")
def stack() -> Stack:
    return load_stack(REPLICATED)


@pytest.fixture(scope="module")
def plan(stack: Stack) -> StackPlan:
    return StackPlan.of(stack)


def pods(plan: StackPlan, service: str) -> list[PodPlan]:
    return plan.pods_of(service)


def test_replicated_stack_spreads_every_service_over_the_nodes(stack: Stack) -> None:
    replicated = {s.name: s for s in stack.services.values() if s.replicas > 1}
    assert {name: s.replicas for name, s in replicated.items()} == {"postgres": 3, "nats": 3, "minio": 4}
    for svc in replicated.values():
        assert set(svc.placement) == {"node-1", "node-2", "node-3"}, svc.name
    # Its monitoring watches from node-1, which the scenarios keep in the fabric.
    assert {s.kind: s.placement for s in stack.services.values() if s.replicas == 1} == {
        "prometheus": ("node-1",),
        "alertmanager": ("node-1",),
    }
    # Its own ranges, so it runs beside the default stack (198.18.1-3.0/24, 198.19.0.0/24).
    allowed = IPv4Network("198.18.220.0/22")
    assert all(node.cidr.subnet_of(allowed) for node in stack.nodes)
    assert stack.network.underlay == IPv4Network("198.19.220.0/24")
    assert not any(node.cidr.overlaps(load_stack().nodes[0].cidr) for node in stack.nodes)


# ----- PostgreSQL ----------------------------------------------------------------------------


def test_replica_0_is_the_primary_and_the_others_stream_from_it(plan: StackPlan) -> None:
    runtime = runtime_for("postgres")
    primary, standby, _ = pods(plan, "postgres")
    env0 = runtime.environment(primary, PG_CREDS, plan)
    env1 = runtime.environment(standby, PG_CREDS, plan)
    assert (env0["PG_ROLE"], env1["PG_ROLE"]) == ("primary", "standby")
    assert env0["PG_PRIMARY"] == env1["PG_PRIMARY"] == str(primary.ip)
    assert str(primary.ip) not in env0["PG_PEERS"].split() and len(env0["PG_PEERS"].split()) == 2
    conf = replication_config(standby, PG_CREDS, plan)
    assert f"host={primary.ip} port=5432" in conf and "application_name=postgres-1" in conf
    assert 'synchronous_standby_names = \'ANY 1 ("postgres-1", "postgres-2")\'' in conf


def test_quorum_follows_the_config() -> None:
    def svc(replicas: int, quorum: int) -> Service:
        config = {
            "database": "x",
            "user": "x",
            "sync_quorum": quorum,
            "synchronous_commit": "on",
            "fsync": True,
        }
        return Service("db", "postgres", replicas, ("node-1",) * replicas, {}, config)

    assert sync_standby_names(svc(3, 2)) == 'ANY 2 ("db-1", "db-2")'
    assert sync_standby_names(svc(3, 0)) == ""  # asynchronous
    assert sync_standby_names(svc(1, 1)) == ""  # nothing to wait for
    with pytest.raises(XmuxSimError, match="sync_quorum 3 asks for more standbys than it has"):
        sync_standby_names(svc(3, 3))


def test_unsafe_settings_reach_the_server() -> None:
    text = REPLICATED.read_text().replace(
        '{sync_quorum: 1, synchronous_commit: "on", fsync: true}',
        '{sync_quorum: 0, synchronous_commit: "off", fsync: false}',
    )
    plan = StackPlan.of(parse_stack(text))
    conf = replication_config(plan.pods_of("postgres")[0], PG_CREDS, plan)
    assert "synchronous_standby_names = ''" in conf
    assert "synchronous_commit = 'off'" in conf and "fsync = 'off'" in conf


# ----- NATS ------------------------------------------------------------------------------------


def test_nats_servers_route_to_every_peer_but_themselves(plan: StackPlan) -> None:
    creds = {"user": "xmux", "password": "pw"}
    for pod in pods(plan, "nats"):
        config = json.loads(server_config(pod, creds, plan))
        others = [p for p in pods(plan, "nats") if p.replica != pod.replica]
        assert config["server_name"] == pod.name
        assert config["cluster"]["name"] == "xmux"
        assert config["cluster"]["routes"] == [f"nats://xmux:pw@{p.ip}:6222" for p in others]
        assert f"node:{pod.node.name}" in config["server_tags"]
        assert "sync_interval" not in config["jetstream"]


def test_a_single_nats_server_forms_no_cluster() -> None:
    plan = StackPlan.of(load_stack())
    config = json.loads(server_config(plan.pods_of("nats")[0], {"user": "u", "password": "p"}, plan))
    assert "cluster" not in config and config["jetstream"]["store_dir"] == "/var/lib/xmux/nats"


# ----- MinIO -----------------------------------------------------------------------------------


def test_minio_replicas_share_one_ordered_drive_list(plan: StackPlan) -> None:
    creds = {"access_key": "a", "secret_key": "b"}
    envs = [runtime_for("minio").environment(p, creds, plan) for p in pods(plan, "minio")]
    assert len({e["MINIO_VOLUMES"] for e in envs}) == 1
    drives = envs[0]["MINIO_VOLUMES"].split()
    assert drives == [f"http://{p.ip}:9000/var/lib/xmux/minio" for p in pods(plan, "minio")]
    assert all(e["MINIO_CI_CD"] == "on" and "MINIO_STORAGE_CLASS_STANDARD" not in e for e in envs)


def test_minio_drive_health_from_server_info() -> None:
    info = {
        "servers": [
            {"endpoint": "a", "drives": [{"endpoint": "a/d", "state": "ok"}]},
            {"endpoint": "b", "drives": [{"endpoint": "b/d", "state": "ok", "healing": True}]},
            {"endpoint": "c", "drives": [{"endpoint": "c/d", "state": "offline"}]},
        ]
    }
    good, detail = drives_in_sync(info)
    assert good == 1
    assert "b/d ok healing" in detail and "c/d offline" in detail


# ----- MongoDB ---------------------------------------------------------------------------------


def test_a_stand_in_refuses_a_replica_set_before_anything_starts() -> None:
    text = "name: m\nnodes: [n1, n2, n3]\nservices:\n  mongo: {kind: mongo, replicas: 3}\n"
    svc = parse_stack(text).service("mongo")
    with pytest.raises(Unsupported, match="'secantusdb' flavour is a wire-compatible stand-in"):
        runtime_for("mongo").image_name(svc)
    single = parse_stack(text.replace("replicas: 3", "replicas: 1")).service("mongo")
    assert runtime_for("mongo").image_name(single) == "mongo"


# ----- scenario files --------------------------------------------------------------------------


def test_client_replica_must_exist() -> None:
    text = (
        "name: s\nstack: replicated.yaml\nworkload:\n  duration: 10\n  clients:\n"
        "    - kind: sql-insert\n      params: {replica: 3}\n"
    )
    scenario = parse_scenario(text, str(REPLICATED))
    with pytest.raises(XmuxSimError, match=r"postgres has 3 replica\(s\): expected 0..2"):
        resolve_stack(scenario)


def test_replication_probe_needs_a_replica_count() -> None:
    text = (
        "name: s\nworkload: {duration: 10}\nsteady_state:\n  probes:\n"
        "    - name: p\n      replication: {service: postgres}\n"
    )
    with pytest.raises(XmuxSimError, match="replicas"):
        parse_scenario(text)


# ----- waiting for a rebuild ---------------------------------------------------------------------


def test_wait_until_counts_a_raising_predicate_as_not_yet() -> None:
    calls: list[bool | Exception] = [ValueError("still cloning"), False, True]

    def predicate() -> bool:
        value = calls.pop(0)
        if isinstance(value, Exception):
            raise value
        return value

    assert wait_until(predicate, 5, "rebuilt", poll=0.01) >= 0
    with pytest.raises(TimeoutError, match=r"never: not within 0\.05s"):
        wait_until(lambda: False, 0.05, "never", poll=0.01)


def test_a_kind_without_replication_state_is_never_in_sync() -> None:
    class Run:
        def endpoint(self, service: str, replica: int = 0) -> Endpoint:
            return Endpoint(service, replica, "prometheus", {}, "198.18.220.20")

    assert in_sync(Run(), "prometheus") == 0
