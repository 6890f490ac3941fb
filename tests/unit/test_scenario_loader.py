"""Scenario files: a good file is modelled, and every kind of mistake names file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from xmux_sim.errors import ScenarioFileError, StackFileError
from xmux_sim.scenario import (
    Expectation,
    Phase,
    load_scenario,
    parse_scenario,
    resolve_stack,
)

REPO = Path(__file__).resolve().parents[2]

GOOD = """\
name: node-drop-link
description: what it shows
stack: default
overrides:
  services: {postgres: {config: {database: chaos}}}
  network: {bgp: {hold: 9, keepalive: 3}}
seed: 7
steady_state:
  interval: 0.5
  probes:
    - name: api-healthz
      http: {service: nginx, path: /healthz}
      tolerance: 0.1
    - name: db
      sql: {expect: 1}
      phases: [after]
workload:
  duration: 30
  clients:
    - kind: sql-insert
      service: postgres
      concurrency: 2
      rate: 20
    - kind: http-get
      params: {path: /healthz}
faults:
  - at: 5
    until: 15
    kind: drop-node
    node: node-2
  - generate:
      count: 3
      kinds: [kill, pause]
      targets: {pod: [postgres-0, nats-0]}
      min_gap: 2
      duration: [2, 8]
  - at: 20
    kind: latency
    service: mongo
    ms: 200
invariants:
  - name: no-lost-postgres-writes
    checker: lost-writes
    store: postgres
  - name: fast
    checker: latency
    store: [nginx, postgres]
    limits: {0.99: 0.5}
  - name: back-soon
    checker: recovery-time
    limit_s: 10
expect: violated
"""

# Each file is a minimal scenario with one mistake; the line marked `#<` is where the error must point.
HEAD = "name: s\nworkload:\n  duration: 30\n  clients: [{kind: sql-insert}]\n"
BAD: list[tuple[str, str, str]] = [
    ("name: s\nwork: load: x #<\nworkload: {duration: 30}\n", "", "not valid YAML"),
    (HEAD + "colour: red #<\n", "colour", "unknown field; expected one of"),
    ("name: Bad_Name #<\nworkload: {duration: 30}\n", "name", "lower-case letters"),
    ("name: s\nworkload:\n  duration: soon #<\n", "workload.duration", "expected a number, got str 'soon'"),
    (
        HEAD + "faults:\n  - at: 5\n    kind: explode #<\n    pod: postgres-0\n",
        "faults[0].kind",
        "unknown fault kind",
    ),
    (
        HEAD + "faults:\n  - at: 5\n    kind: kill\n    pod: postgres #<\n",
        "faults[0].pod",
        "expected a pod as SERVICE-REPLICA",
    ),
    (
        HEAD + "faults:\n  - at: 5\n    kind: kill\n    pod: postgres-0\n    mode: link #<\n",
        "faults[0].mode",
        "unknown field; kill takes: pod, pods, at, duration, until",
    ),
    (
        HEAD + "faults:\n  - at: 5\n    duration: 3\n    until: 9 #<\n    kind: kill\n    pod: postgres-0\n",
        "faults[0].until",
        "give duration or until, not both",
    ),
    (
        HEAD + "faults:\n  - at: 31 #<\n    kind: kill\n    pod: postgres-0\n",
        "faults[0].at",
        "not before the workload ends",
    ),
    (
        HEAD + "faults:\n  - at: 25\n    duration: 10 #<\n    kind: kill\n    pod: postgres-0\n",
        "faults[0].duration",
        "lasts until 35s, after the workload ends (30s)",
    ),
    (
        HEAD
        + "faults:\n  - {at: 5, duration: 10, kind: kill, pod: postgres-0}\n"
        + "  - {at: 12, kind: pause, pod: postgres-0} #<\n",
        "faults[1].at",
        "overlaps kill pod=postgres-0 at 5s for 10s (line 6) on the same target pod:postgres-0",
    ),
    (
        HEAD + "faults:\n  - at: 5\n    duration: 2 #<\n    kind: start\n    pod: postgres-0\n",
        "faults[0].duration",
        "start is instant",
    ),
    (
        HEAD + "steady_state:\n  probes:\n    - name: p\n      grpc: {service: nginx} #<\n",
        "steady_state.probes[0].grpc",
        "unknown probe kind or field",
    ),
    (
        HEAD + "steady_state:\n  probes:\n    - name: p\n      tolerance: 2 #<\n      http: {}\n",
        "steady_state.probes[0].tolerance",
        "2 is above the maximum 1",
    ),
    (
        HEAD + "steady_state:\n  probes:\n    - name: p\n      jetstream: {min_messages: 1} #<\n",
        "steady_state.probes[0].jetstream.stream",
        "missing; jetstream needs it",
    ),
    (
        HEAD
        + "steady_state:\n  probes:\n    - name: p\n      http: {}\n      phases: [before, whenever] #<\n",
        "steady_state.probes[0].phases[1]",
        "'whenever' is not one of: before, during, after",
    ),
    (
        "name: s\nworkload:\n  duration: 30\n  clients:\n    - kind: sql-upsert #<\n",
        "workload.clients[0].kind",
        "'sql-upsert' is not one of: sql-insert",
    ),
    (
        HEAD + "invariants:\n  - name: i\n    checker: magic #<\n",
        "invariants[0].checker",
        "'magic' is not one of: alert, availability",
    ),
    (
        HEAD + "invariants:\n  - name: i\n    checker: availability\n    min_ratoi: 0.9 #<\n",
        "invariants[0].min_ratoi",
        "unknown field; availability takes: window_s, min_ratio, min_window_ratio, store, op, process",
    ),
    (
        HEAD + "invariants:\n  - name: i\n    checker: availability\n    min_ratio: high #<\n",
        "invariants[0].min_ratio",
        "expected a number, got str 'high'",
    ),
    (
        HEAD + "invariants:\n  - name: i #<\n    checker: recovery-time\n",
        "invariants[0]",
        "missing field 'limit_s'",
    ),
    (
        HEAD + "invariants:\n  - name: i\n    checker: recovery-time\n    limit_s: 5\n    healthy: ok #<\n",
        "invariants[0].healthy",
        "cannot be set from a file",
    ),
    (
        HEAD + "invariants:\n  - name: i\n    checker: lost-writes\n    store: mongo #<\n",
        "invariants[0].store",
        "no workload client writes to 'mongo'; stores here: postgres",
    ),
    (
        HEAD
        + "invariants:\n  - {name: i, checker: lost-writes, store: postgres}\n"
        + "  - name: i #<\n    checker: availability\n",
        "invariants[1].name",
        "invariant 'i' appears twice",
    ),
    (
        HEAD + "faults:\n  - generate:\n      count: 2\n      kinds: [kill]\n"
        "      targets: {node: [node-1]} #<\n      duration: 1\n",
        "faults[0].generate.targets.node",
        "none of the kinds (kill) takes 'node'",
    ),
    (
        HEAD + "faults:\n  - generate:\n      count: 2\n      kinds: [kill]\n"
        "      targets:\n        pod:\n          - postgres-0\n          - postgres #<\n      duration: 1\n",
        "faults[0].generate.targets.pod[1]",
        "expected a pod as SERVICE-REPLICA",
    ),
    (
        HEAD + "faults:\n  - generate:\n      count: 2\n      kinds: [kill, drop-node] #<\n"
        "      targets: {pod: [postgres-0]}\n      duration: 1\n",
        "faults[0].generate.kinds[1]",
        "no candidate target makes a valid drop-node: drop-node needs exactly one of: node, nodes",
    ),
    (
        HEAD + "faults:\n  - generate:\n      count: 6 #<\n      kinds: [kill]\n"
        "      targets: {pod: [postgres-0]}\n      min_gap: 2\n      duration: [4, 8]\n",
        "faults[0].generate.count",
        "need until 34s; the window is 0s to 30s (at most 5 fit)",
    ),
    (
        HEAD + "faults:\n  - generate:\n      count: 2\n      kinds: [kill]\n"
        "      targets: {pod: [postgres-0]}\n      max_concurrent: 2 #<\n      duration: 1\n",
        "faults[0].generate.max_concurrent",
        "1 distinct target(s)",
    ),
    (
        HEAD + "faults:\n  - {at: 5, duration: 5, kind: kill, pod: postgres-0}\n"
        "  - generate: #<\n      count: 2\n      kinds: [pause]\n"
        "      targets: {pod: [postgres-0]}\n      duration: 1\n",
        "faults[1].generate.window",
        "kill pod=postgres-0 at 5s for 5s (line 6) holds pod:postgres-0",
    ),
    (
        HEAD
        + "faults:\n  - generate:\n      count: 1\n      kinds: [kill]\n      targets: {pod: [postgres-0]}\n"
        "      duration: 1\n      window: [0, 40] #<\n",
        "faults[0].generate.window",
        "ends after the workload (30s)",
    ),
    (HEAD + "expect: maybe #<\n", "expect", "'maybe' is not one of: hold, violated"),
    (
        HEAD + "overrides:\n  network:\n    bgp: {hold: 1} #<\n",
        "overrides.network.bgp.hold",
        "below the minimum 3",
    ),
    (
        # Needs no stack: the sides are checked when the fault is parsed.
        HEAD + "faults:\n  - at: 5\n    kind: partition\n    a: [node-1]\n    b: [node-1, node-2] #<\n",
        "faults[0].b",
        "the two sides of a partition overlap",
    ),
]


def marked_line(text: str) -> int:
    return next((i for i, line in enumerate(text.splitlines(), 1) if "#<" in line), 2)


def test_good_file_is_modelled() -> None:
    s = parse_scenario(GOOD, "good.yaml")
    assert (s.name, s.description, s.seed, s.expect) == (
        "node-drop-link",
        "what it shows",
        7,
        Expectation.violated,
    )
    assert s.stack.file is None and s.overrides.bgp == {"hold": 9.0, "keepalive": 3.0}
    (pg,) = s.overrides.services
    assert pg.service == "postgres" and pg.config == {"database": "chaos"} and pg.line == 5
    api, db = s.steady_state.probes
    assert s.steady_state.interval == 0.5
    assert (api.kind, api.service, api.params) == (
        "http",
        "nginx",
        {"path": "/healthz", "status": 200, "port": "http"},
    )
    assert api.phases == (Phase.before, Phase.during, Phase.after) and api.tolerance == 0.1
    assert (db.service, db.params, db.phases) == (
        "postgres",
        {"query": "select 1", "expect": 1},
        (Phase.after,),
    )
    sql, http = s.workload.clients
    assert (sql.kind, sql.concurrency, sql.rate, sql.timeout) == ("sql-insert", 2, 20.0, 2.0)
    assert sql.params == {"table": "xmux_sim_writes"}
    assert (http.service, http.params["path"]) == ("nginx", "/healthz")
    drop, lat = s.faults
    assert (drop.at, drop.duration, drop.spec.params) == (5.0, 10.0, {"node": "node-2", "mode": "link"})
    assert (drop.line, drop.lines["node"]) == (27, 30)
    assert (lat.duration, lat.heal_at(s.horizon), lat.spec.params["ms"]) == (None, 30.0, 200.0)
    (gen,) = s.schedules
    assert (gen.count, gen.kinds, gen.window, gen.duration) == (3, ("kill", "pause"), (0.0, 30.0), (2.0, 8.0))
    assert gen.targets == {"pod": ("postgres-0", "nats-0")} and gen.min_gap == 2.0 and gen.max_concurrent == 1
    lost, fast, back = s.invariants
    assert (lost.checker, lost.kwargs) == ("lost-writes", {"store": "postgres"})
    assert fast.kwargs == {"store": ("nginx", "postgres"), "limits": {0.99: 0.5}}
    assert back.kwargs == {"limit_s": 10.0} and s.recovery.timeout == 30.0


def test_defaults_of_a_minimal_file() -> None:
    s = parse_scenario("name: tiny\nworkload: {duration: 5}\n")
    assert s.stack.spec == "default" and s.seed is None and s.expect is Expectation.hold
    assert not (s.faults or s.schedules or s.invariants or s.steady_state.probes or s.workload.clients)


@pytest.mark.parametrize(
    ("text", "field", "needle"), BAD, ids=[f"{b[1] or 'yaml'}-{i}" for i, b in enumerate(BAD)]
)
def test_bad_file_names_file_line_and_field(text: str, field: str, needle: str) -> None:
    with pytest.raises(ScenarioFileError) as caught:
        parse_scenario(text, "bad.yaml")
    message = str(caught.value)
    prefix = f"bad.yaml:{marked_line(text)}: " + (f"{field}: " if field else "")
    assert message.startswith(prefix), message
    assert needle in message, message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioFileError, match="no such file"):
        load_scenario(tmp_path / "nope.yaml")


def test_stack_path_is_relative_to_the_scenario(tmp_path: Path) -> None:
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "one.yaml").write_text("name: one\nservices:\n  db: {kind: postgres}\n")
    file = tmp_path / "s.yaml"
    file.write_text(
        "name: s\nstack: stacks/one.yaml\n"
        "workload:\n  duration: 10\n  clients: [{kind: sql-insert, service: db}]\n"
    )
    stack = resolve_stack(load_scenario(file))
    assert stack.name == "one" and list(stack.services) == ["db"]
    file.write_text("name: s\nstack: stacks/two.yaml\nworkload: {duration: 10}\n")
    with pytest.raises(ScenarioFileError, match=r"s\.yaml:2: stack: no stack file"):
        resolve_stack(load_scenario(file))
    (tmp_path / "stacks" / "two.yaml").write_text("name: two\n")
    with pytest.raises(StackFileError, match=r"two\.yaml:1: .*services"):
        resolve_stack(load_scenario(file))


def test_overrides_make_a_new_stack() -> None:
    s = parse_scenario(GOOD, "good.yaml")
    stack = resolve_stack(s)
    assert {k: stack.services["postgres"].config[k] for k in ("database", "user")} == {
        "database": "chaos",
        "user": "xmux",
    }
    assert (stack.network.bgp.hold, stack.network.bgp.keepalive, stack.network.bgp.asn) == (9.0, 3.0, 64512)
    default = resolve_stack(parse_scenario("name: d\nworkload: {duration: 5}\n"))
    assert default.services["postgres"].config["database"] == "xmux" and default.network.bgp.hold == 3.0


def test_placement_override() -> None:
    text = "name: s\noverrides:\n  services:\n    postgres: {placement: [node-3]}\nworkload: {duration: 5}\n"
    assert resolve_stack(parse_scenario(text)).services["postgres"].placement == ("node-3",)


RESOLVE_HEAD = "name: s\nworkload:\n  duration: 30\n  clients: [{kind: sql-insert}]\n"
BAD_FOR_STACK: list[tuple[str, str, str]] = [
    (
        "overrides:\n  services:\n    oracle: {replicas: 1} #<\n",
        "overrides.services.oracle",
        "no service 'oracle' in stack 'xmux'",
    ),
    (
        "overrides:\n  services:\n    postgres:\n      config:\n        wal_level: logical #<\n",
        "overrides.services.postgres.config.wal_level",
        "postgres has no setting 'wal_level'; settings: database, user, sync_quorum, synchronous_commit",
    ),
    (
        "overrides:\n  services:\n    nats:\n      config: {jetstream: 'yes'} #<\n",
        "overrides.services.nats.config.jetstream",
        "expected true or false, got str 'yes'",
    ),
    (
        "overrides:\n  services:\n    postgres:\n      replicas: 9 #<\n",
        "overrides.services.postgres.replicas",
        "at most 5 replica(s)",
    ),
    (
        "overrides:\n  services:\n    mongo: {flavour: atlas} #<\n",
        "overrides.services.mongo.flavour",
        "'atlas' is not one of: secantusdb, ferretdb, official",
    ),
    (
        "overrides:\n  services:\n    postgres:\n      placement: [node-9] #<\n",
        "overrides.services.postgres.placement[0]",
        "unknown node 'node-9'",
    ),
    (
        "overrides:\n  network:\n    bgp: {keepalive: 5} #<\n",
        "overrides.network.bgp.keepalive",
        "keepalive 5 must be shorter than hold 3",
    ),
    (
        "faults:\n  - at: 5\n    kind: drop-node\n    node: node-9 #<\n",
        "faults[0].node",
        "no node 'node-9'; nodes: node-1, node-2, node-3",
    ),
    (
        "  - kind: sql-insert\n    from: node-7 #<\n",
        "workload.clients[1].from",
        "no node 'node-7'; nodes: node-1, node-2, node-3",
    ),
    (
        "  - kind: mongo-insert\n    service: postgres #<\n",
        "workload.clients[1].service",
        "mongo-insert talks to mongo services; 'postgres' is a postgres",
    ),
    (
        "steady_state:\n  probes:\n    - name: p\n      http: {service: web} #<\n",
        "steady_state.probes[0].http.service",
        "no service 'web' in stack 'xmux'",
    ),
    (
        "steady_state:\n  probes:\n    - name: p\n      tcp: {service: nats, port: http} #<\n",
        "steady_state.probes[0].tcp.port",
        "nats has no port 'http'; ports: client, monitor, metrics, cluster",
    ),
    (
        "faults:\n  - generate:\n      count: 1\n      kinds: [kill]\n"
        "      targets:\n        pod: [postgres-0, postgres-4] #<\n      duration: 1\n",
        "faults[0].generate.targets.pod[1]",
        "no pod 'postgres-4'",
    ),
]


@pytest.mark.parametrize(("tail", "field", "needle"), BAD_FOR_STACK, ids=[b[1] for b in BAD_FOR_STACK])
def test_names_are_checked_against_the_stack(tail: str, field: str, needle: str) -> None:
    if tail.startswith("  - kind"):
        text = "name: s\nworkload:\n  duration: 30\n  clients:\n  - kind: sql-insert\n" + tail
    else:
        text = RESOLVE_HEAD + tail
    scenario = parse_scenario(text, "bad.yaml")  # the file alone is fine
    with pytest.raises(ScenarioFileError) as caught:
        resolve_stack(scenario)
    message = str(caught.value)
    assert message.startswith(f"bad.yaml:{marked_line(text)}: {field}: "), message
    assert needle in message, message


@pytest.mark.parametrize("path", sorted((REPO / "scenarios").glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_scenarios_load_and_resolve(path: Path) -> None:
    scenario = load_scenario(path)
    assert scenario.name == path.stem
    stack = resolve_stack(scenario)
    assert scenario.invariants and scenario.faults
    if stack.name.startswith("replicated"):  # replica loss and rebuild: longer runs, replicated stacks
        monitoring = ("prometheus", "alertmanager")
        assert all(s.replicas > 1 for s in stack.services.values() if s.kind not in monitoring)
        assert 20 <= scenario.workload.duration <= 150
    else:
        assert stack.name == "xmux"
        assert 20 <= scenario.workload.duration <= 30


def test_reference_page_example_is_valid() -> None:
    page = (REPO / "docs" / "scenario-file.md").read_text()
    example = page.split("## A complete example", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    resolve_stack(parse_scenario(example, str(REPO / "docs" / "example.yaml")))
