"""Stack files: the default loads, and every kind of mistake names file, line and field."""

from __future__ import annotations

from ipaddress import IPv4Network
from pathlib import Path

import pytest

from xmux_sim.errors import StackFileError
from xmux_sim.services.base import StackPlan
from xmux_sim.topology import load_stack, parse_stack
from xmux_sim.topology.kinds import XMUS_SERVICES

GOOD = """\
name: small
nodes: [node-1, node-2]
services:
  db:
    kind: postgres
    placement: [node-2]
  front:
    kind: nginx
    publish: {http: 18080}
"""


def test_default_stack_has_the_foundations() -> None:
    stack = load_stack()
    assert stack.name == "xmux"
    assert [n.name for n in stack.nodes] == ["node-1", "node-2", "node-3"]
    assert len({s.placement[0] for s in stack.services.values()}) == 3, "services are spread over the nodes"
    assert {s.kind for s in stack.services.values()} == {
        "postgres",
        "mongo",
        "nats",
        "minio",
        "prometheus",
        "alertmanager",
        "nginx",
        *XMUS_SERVICES,
    }
    assert stack.network.bgp.hold == 3 and stack.network.bgp.asn == 64512
    assert stack.services["mongo"].flavour == "secantusdb"


def test_durability_is_host_unless_lazy_is_asked_and_the_replicated_stack_asks_for_its_data() -> None:
    assert {s.durability for s in load_stack("xmux").services.values()} == {"host"}
    replicated = load_stack("replicated").services
    assert {n for n, s in replicated.items() if s.durability == "lazy"} == {"postgres", "nats", "minio"}
    one = parse_stack("name: x\nservices:\n  q: {kind: nats, durability: lazy}\n", "q.yaml")
    assert one.services["q"].durability == "lazy"


def test_good_file_is_modelled() -> None:
    stack = parse_stack(GOOD, "small.yaml")
    assert [n.cidr for n in stack.nodes] == [IPv4Network("198.18.1.0/24"), IPv4Network("198.18.2.0/24")]
    assert stack.services["db"].placement == ("node-2",)
    assert stack.services["front"].publish == {"http": 18080, "grpc": 0, "h2c": 0}
    assert stack.services["db"].config["database"] == "xmux"
    plan = StackPlan.of(stack)
    assert {str(p.ip) for p in plan.pods} == {"198.18.2.10", "198.18.2.11"} or len(plan.pods) == 2
    assert len({p.ip for p in plan.pods}) == len(plan.pods)


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        ("name: x\nservices:\n  a: {kind: postgres\n", 4, "not valid YAML"),
        (
            "name: x\nservices:\n  db:\n    kind: oracle\n",
            4,
            "services.db.kind: unknown service kind 'oracle'",
        ),
        ("name: x\nservices:\n  db:\n    replicas: 1\n", 3, "services.db: missing field 'kind'"),
        ("services:\n  db: {kind: postgres}\n", 1, "missing field 'name'"),
        (
            "name: x\nservices:\n  db:\n    kind: postgres\n    colour: red\n",
            5,
            "services.db.colour: unknown field",
        ),
        (
            "name: x\nservices:\n  db:\n    kind: postgres\n    placement: [node-9]\n",
            5,
            "unknown node 'node-9'",
        ),
        (
            "name: x\nservices:\n  db:\n    kind: postgres\n    publish: {sql: 70000}\n",
            5,
            "above the maximum",
        ),
        (
            "name: x\nservices:\n  db:\n    kind: postgres\n    config: {database: 7}\n",
            5,
            "services.db.config.database: expected an SQL identifier",
        ),
        (
            "name: x\nnetwork:\n  bgp: {hold: 3, keepalive: 5}\nservices:\n  db: {kind: postgres}\n",
            3,
            "keepalive 5 must be shorter than hold 3",
        ),
        (
            "name: x\nnodes:\n  - {name: a, cidr: 10.0.0.0/24}\nservices:\n  db: {kind: postgres}\n",
            3,
            "outside the supernet",
        ),
        (
            "name: x\nservices:\n  a: {kind: nginx, publish: {http: 9000}}\n"
            "  b: {kind: minio, publish: {api: 9000}}\n",
            4,
            "host port 9000 is also asked for by a.http",
        ),
        (
            "name: x\nnetwork:\n  unknown_pods: drop\nservices:\n  db: {kind: postgres}\n",
            3,
            "network.unknown_pods: 'drop' is not one of: blackhole, unreachable",
        ),
        ("name: x\nservices:\n  db: {kind: postgres, flavour: fast}\n", 3, "has no flavours"),
        (
            "name: x\nservices:\n  db: {kind: postgres, durability: lazyish}\n",
            3,
            "services.db.durability: 'lazyish' is not one of: host, lazy",
        ),
        (
            "name: x\nservices:\n  p: {kind: prometheus, durability: lazy}\n",
            3,
            "kind 'prometheus' keeps no data",
        ),
        (
            "name: x\nservices:\n  db: {kind: postgres, image: 'pg:16', durability: lazy}\n",
            3,
            "lazy needs the kind's own image and entrypoint",
        ),
        (
            "name: x\nservices:\n  db: {kind: postgres, command: [postgres], durability: lazy}\n",
            3,
            "lazy needs the kind's own image and entrypoint",
        ),
        ("name: x\nservices:\n  m: {kind: mongo, flavour: fast}\n", 3, "'fast' is not one of"),
        ("name: Bad Name\nservices:\n  db: {kind: postgres}\n", 1, "name: 'Bad Name': expected lower-case"),
        ("name: x\nservices:\n  db: {kind: postgres}\n  db: {kind: nginx}\n", 4, "'db' appears twice"),
    ],
)
def test_bad_file_names_file_line_and_field(text: str, line: int, needle: str) -> None:
    with pytest.raises(StackFileError) as err:
        parse_stack(text, "bad.yaml")
    message = str(err.value)
    assert message.startswith(f"bad.yaml:{line}:"), message
    assert needle in message, message


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(StackFileError, match=r"no-such\.yaml: no such file"):
        load_stack(tmp_path / "no-such.yaml")
