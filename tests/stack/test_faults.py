"""Fault primitives on a real three-node stack: each test observes the fault's effect.

The stack has its own CIDRs (198.18.111-113, underlay 198.19.111.0/24) so it runs beside
the session's default stack. Every test heals what it injected, and a fixture checks
after each one that no ledger entry, iptables chain, qdisc or proxy is left.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest

from tests.stack.conftest import labelled, status_json
from tests.stack.test_lifecycle import cli, wait_until_clean
from xmux_sim.checkers import RouteTarget, convergence_time
from xmux_sim.fabric import RouteWatcher
from xmux_sim.faults.base import FaultError
from xmux_sim.faults.spec import FaultSpec
from xmux_sim.providers.docker.provider import DockerProvider, DockerRun
from xmux_sim.services.base import Endpoint
from xmux_sim.timeline import Timeline
from xmux_sim.topology import parse_stack

HOLD = 3.0
ERROR_WAIT_MAX = 5.0
# After heal: BIRD retries within its error wait, then the session and routes come back.
REGAIN_BOUND = ERROR_WAIT_MAX + HOLD + 2.0

FAULT_STACK = """\
name: faults
network:
  underlay: 198.19.111.0/24
  unknown_pods: {unknown_pods}
  bgp: {{hold: 3, keepalive: 1, connect_retry: 1, error_wait: [1, 5]}}
nodes:
  - {{name: node-1, cidr: 198.18.{a}.0/24}}
  - {{name: node-2, cidr: 198.18.{b}.0/24}}
  - {{name: node-3, cidr: 198.18.{c}.0/24}}
services:
  postgres: {{kind: postgres, placement: [node-1]}}
  prometheus: {{kind: prometheus, placement: [node-2]}}
  minio: {{kind: minio, placement: [node-3]}}
"""


def spec(kind: str, **params: Any) -> FaultSpec:
    return FaultSpec.parse(kind, params)


@pytest.fixture(scope="module")
def fstack() -> Iterator[DockerRun]:
    text = FAULT_STACK.format(unknown_pods="blackhole", a=111, b=112, c=113)
    run = DockerProvider().up(parse_stack(text, "faults.yaml"))
    try:
        yield run
    finally:
        run.down()


@pytest.fixture(autouse=True)
def leaves_nothing(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "fstack" not in request.fixturenames:
        return
    run: DockerRun = request.getfixturevalue("fstack")
    assert run.faults().active() == [], "a fault is still in the ledger"
    for c in run.client.containers.list(filters={"label": f"xmux-sim.run={run.run_id}"}):
        role = c.labels.get("xmux-sim.role")
        assert role not in ("fault-proxy", "fault-tool"), f"{c.name} outlived its fault"
        if role in ("holder", "router"):
            rules = c.exec_run(["sh", "-c", "iptables -S; iptables -t nat -S"]).output.decode()
            assert "XF-" not in rules, f"{c.name} keeps fault rules:\n{rules}"
            qdiscs = c.exec_run(["tc", "qdisc", "show"]).output.decode()
            assert "tbf" not in qdiscs, f"{c.name} keeps a qdisc: {qdiscs}"


def curl(run: DockerRun, pod: str, url: str, max_time: float = 2.0) -> tuple[int, float, str]:
    """From inside a pod: curl's exit code (0 ok, 28 timeout, 7 refused/unreachable), seconds, output."""
    t0 = time.monotonic()
    result = run.holder(pod).exec_run(["curl", "-s", "-o", "/dev/null", "--max-time", str(max_time), url])
    return result.exit_code, time.monotonic() - t0, result.output.decode(errors="replace")


def prom_url(run: DockerRun) -> str:
    return f"http://{run.endpoint('prometheus').pod_ip}:9090/-/ready"


def minio_url(run: DockerRun) -> str:
    return f"http://{run.endpoint('minio').pod_ip}:9000/minio/health/live"


def pg_exporter_url(run: DockerRun) -> str:
    return f"http://{run.endpoint('postgres').pod_ip}:9187/metrics"


def wait_for(predicate: Any, timeout: float, what: str) -> float:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if predicate():
            return time.monotonic() - t0
        time.sleep(0.2)
    raise AssertionError(f"{what} not within {timeout:g}s")


def watcher(run: DockerRun, nodes: list[str]) -> RouteWatcher:
    return RouteWatcher(run.learned_routes, nodes, interval=0.2)


def wait_healthy(run: DockerRun, timeout: float = 60.0) -> None:
    def healthy() -> bool:
        status = run.status()
        return all(s["state"] == "healthy" for s in status["services"].values())

    wait_for(healthy, timeout, "every pod healthy again")


# ----- drop-node --------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["link", "bgp", "power"])
def test_drop_node_withdraws_routes_and_traffic_fails_then_returns(fstack: DockerRun, mode: str) -> None:
    cidr2 = "198.18.112.0/24"
    timeline = Timeline()
    faults = fstack.faults(timeline)
    survivors = ["node-1", "node-3"]
    assert curl(fstack, "postgres-0", prom_url(fstack))[0] == 0
    host_port = fstack.endpoint("prometheus").ports["http"]

    with watcher(fstack, survivors) as watch:
        # Times from the start of inject and of heal: a power fault takes seconds to kill and to
        # restart a node's containers, and routes move while it does.
        injected = time.monotonic()
        fault = faults.inject(spec("drop-node", node="node-2", mode=mode))
        try:
            for node in survivors:
                wait_for(
                    lambda n=node: cidr2 not in fstack.learned_routes(n), HOLD + 2.5, f"{node} withdraws"
                )
            # Black-holed: packets to node-2's pods vanish, the client times out.
            code, took, _ = curl(fstack, "postgres-0", prom_url(fstack), max_time=2)
            assert code == 28 and took >= 1.9, (code, took)
            check_mode_specifics(fstack, mode)
        finally:
            healed = time.monotonic()
            fault.heal()
        # Waited for in the watcher's own samples: a fresh read can see the route back while the
        # watcher's last read, begun just before, still does not, and the watch ends on it.
        regained = {n: RouteTarget.regained(cidr2) for n in survivors}
        wait_for(
            lambda: convergence_time(watch.samples, healed, regained) is not None,
            REGAIN_BOUND + 1,
            "the survivors regain node-2's CIDR",
        )
        wait_for(lambda: curl(fstack, "postgres-0", prom_url(fstack))[0] == 0, 30, "traffic to node-2 again")
    samples = watch.samples
    during = [s for s in samples if s.t < healed]
    withdraw_s = convergence_time(during, injected, {n: RouteTarget.withdrawn(cidr2) for n in survivors})
    regain_s = convergence_time(samples, healed, regained)
    assert withdraw_s is not None and withdraw_s <= HOLD + 2, withdraw_s
    assert regain_s is not None and regain_s <= REGAIN_BOUND, regain_s
    event = timeline.events[0]
    assert event.kind == "drop-node" and event.heal_t is not None and event.heal_t > event.inject_t
    if mode == "power":
        wait_healthy(fstack)
        # Pods powered back on keep their published ports.
        assert fstack.provider.attach(fstack.run_id).endpoint("prometheus").ports["http"] == host_port


@pytest.mark.parametrize("mode", ["link", "power"])
def test_nodes_dropped_together_go_and_come_back_together(fstack: DockerRun, mode: str) -> None:
    cidrs = {"node-2": "198.18.112.0/24", "node-3": "198.18.113.0/24"}
    timeline = Timeline()
    fault = fstack.faults(timeline).inject(spec("drop-node", nodes=list(cidrs), mode=mode))
    try:
        assert [e.id for e in fstack.faults().active()] == [fault.id]  # one ledger entry for both
        wait_for(lambda: not set(cidrs.values()) & fstack.learned_routes("node-1"), HOLD + 2.5, "withdrawn")
    finally:
        fault.heal()
    wait_for(lambda: set(cidrs.values()) <= fstack.learned_routes("node-1"), REGAIN_BOUND + 1, "regained")
    (event,) = timeline.events
    assert event.spread_ms is not None and event.heal_t is not None
    assert event.description.startswith(f"drop-node nodes=node-2,node-3 mode={mode} (together within ")
    print(f"drop-node {mode} of node-2 and node-3: cuts {event.spread_ms:.1f} ms apart")
    if mode == "power":
        wait_healthy(fstack)


def check_mode_specifics(run: DockerRun, mode: str) -> None:
    """What tells the three modes apart, observed from outside the dropped node."""
    far_router = run.router("node-2")
    probe = ["nc", "-z", "-w", "2", far_router.labels["xmux-sim.underlay-ip"], "179"]
    link_up = run.router("node-1").exec_run(probe).exit_code == 0
    node2 = run.client.containers.list(
        all=True, filters={"label": [f"xmux-sim.run={run.run_id}", "xmux-sim.node=node-2"]}
    )
    states = {c.labels["xmux-sim.role"]: c.status for c in node2}
    if mode == "bgp":
        # The daemon is frozen, but the node's kernel still answers on the underlay, and its pods run.
        assert link_up, "bgp mode must leave the underlay link up"
        assert states["router"] == "paused" and states["app"] == "running", states
    else:
        assert not link_up, f"{mode} mode must cut the node's link"
    if mode == "link":
        assert states["app"] == "running", states
        # node-2's own pods lost their way out too.
        assert curl(run, "prometheus-0", minio_url(run), max_time=1)[0] != 0
    if mode == "power":
        assert set(states.values()) == {"exited"}, states


def test_unreachable_setting_fails_fast(docker_client: docker.DockerClient) -> None:
    text = FAULT_STACK.format(unknown_pods="unreachable", a=114, b=115, c=116).replace(
        "198.19.111.0/24", "198.19.114.0/24"
    )
    run = DockerProvider().up(parse_stack(text, "unreachable.yaml"))
    with run, run.faults().inject(spec("drop-node", node="node-2", mode="link")):
        wait_for(lambda: "198.18.115.0/24" not in run.learned_routes("node-1"), HOLD + 2, "withdraw")
        code, took, _ = curl(run, "postgres-0", prom_url(run), max_time=5)
        assert code == 7 and took < 1.0, (code, took)  # No route to host, at once


# ----- partition ----------------------------------------------------------------------------


def reach(run: DockerRun) -> dict[tuple[str, str], bool]:
    urls = {"postgres-0": pg_exporter_url(run), "prometheus-0": prom_url(run), "minio-0": minio_url(run)}
    pods = list(urls)
    return {(a, b): curl(run, a, urls[b], max_time=1.5)[0] == 0 for a in pods for b in pods if a != b}


def test_partition_between_nodes_cuts_exactly_the_named_pairs(fstack: DockerRun) -> None:
    assert all(reach(fstack).values())
    with fstack.faults().inject(spec("partition", a=["node-1"], b=["node-2"])):
        got = reach(fstack)
    cut = {("postgres-0", "prometheus-0"), ("prometheus-0", "postgres-0")}
    assert {pair for pair, ok in got.items() if not ok} == cut, got
    # The cut also silenced BGP between the two routers (as a cut cable does): once the hold
    # timer expired the routes went, and they return after BIRD's error wait.
    wait_for(lambda: all(reach(fstack).values()), REGAIN_BOUND + 3, "every pair reachable again")


def test_one_way_partition_between_pods(fstack: DockerRun) -> None:
    with fstack.faults().inject(spec("partition", a=["minio-0"], b=["postgres-0"], direction="one")):
        got = reach(fstack)
        # minio -> postgres dropped; postgres -> minio's replies are dropped too (TCP needs both ways).
        assert not got[("minio-0", "postgres-0")]
        assert got[("minio-0", "prometheus-0")] and got[("prometheus-0", "postgres-0")]
    assert all(reach(fstack).values())


# ----- latency, loss, bandwidth ---------------------------------------------------------


def http_time(url: str) -> float:
    t0 = time.monotonic()
    with urllib.request.urlopen(url, timeout=10) as resp:  # a new connection each time
        resp.read()
    return time.monotonic() - t0


def test_latency_adds_200ms_and_goes_away(fstack: DockerRun) -> None:
    port = fstack.endpoint("prometheus").ports["http"]
    url = f"http://127.0.0.1:{port}/-/ready"
    before = sorted(http_time(url) for _ in range(5))[2]
    with fstack.faults().inject(spec("latency", service="prometheus", ms=200)):
        during = sorted(http_time(url) for _ in range(5))[2]
        # From another node too: the proxy sits in the pod, not on the host's path.
        _, took, _ = curl(fstack, "postgres-0", prom_url(fstack), max_time=5)
    after = sorted(http_time(url) for _ in range(5))[2]
    assert during >= before + 0.2, (before, during)
    assert took >= 0.2
    assert after < before + 0.1, (before, after)


UDP_RECEIVER = """
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", 9999)); s.settimeout(3)
n = 0
try:
    while True:
        s.recv(64); n += 1
except socket.timeout:
    print(n)
"""
UDP_SENDER = """
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range({n}):
    s.sendto(b"x", ("{ip}", 9999)); time.sleep(0.001)
"""


def udp_delivered(run: DockerRun, sender: str, receiver: str, n: int) -> int:
    got: list[str] = []
    rx = threading.Thread(
        target=lambda: got.append(
            run.holder(receiver).exec_run(["python3", "-c", UDP_RECEIVER]).output.decode()
        )
    )
    rx.start()
    time.sleep(0.5)
    ip = run.endpoint(receiver.rsplit("-", 1)[0]).pod_ip
    run.holder(sender).exec_run(["python3", "-c", UDP_SENDER.format(n=n, ip=ip)])
    rx.join(timeout=30)
    return int(got[0].strip())


def test_loss_30_percent_on_a_node(fstack: DockerRun) -> None:
    n = 2000
    assert udp_delivered(fstack, "postgres-0", "prometheus-0", 200) == 200
    with fstack.faults().inject(spec("loss", node="node-2", percent=30)):
        delivered = udp_delivered(fstack, "postgres-0", "prometheus-0", n)
    loss = 1 - delivered / n
    assert 0.25 <= loss <= 0.35, loss  # 2000 packets: 5 standard deviations is about 0.05


TCP_SINK = (
    "import socket; s=socket.socket(); s.bind(('0.0.0.0', 9998)); s.listen(1); c,_=s.accept()\n"
    "while c.recv(65536): pass"
)
TCP_SEND = (
    "import socket,time; s=socket.create_connection(('{ip}', 9998)); t=time.monotonic(); "
    "s.sendall(b'x'*{size}); s.shutdown(socket.SHUT_WR); s.recv(1); print(time.monotonic()-t)"
)


def tcp_seconds(run: DockerRun, size: int) -> float:
    sink = threading.Thread(target=lambda: run.holder("prometheus-0").exec_run(["python3", "-c", TCP_SINK]))
    sink.start()
    time.sleep(0.5)
    ip = run.endpoint("prometheus").pod_ip
    out = run.holder("postgres-0").exec_run(["python3", "-c", TCP_SEND.format(ip=ip, size=size)]).output
    sink.join(timeout=60)
    return float(out.decode().strip().splitlines()[-1])


def test_bandwidth_limits_a_node_link(fstack: DockerRun) -> None:
    size = 500_000  # 4 Mbit: 2 s at 2 Mbit/s
    fast = tcp_seconds(fstack, size)
    with fstack.faults().inject(spec("bandwidth", node="node-2", rate="2mbit")):
        slow = tcp_seconds(fstack, size)
    assert fast < 0.5, fast
    assert 1.6 <= slow <= 4.0, slow


# ----- pods ---------------------------------------------------------------------------------


def test_kill_and_pause_then_heal(fstack: DockerRun) -> None:
    with fstack.faults().inject(spec("kill", pod="minio-0")):
        code, _, _ = curl(fstack, "postgres-0", minio_url(fstack), max_time=2)
        assert code == 7, code  # the pod's IP answers, nothing listens: refused
    wait_for(lambda: curl(fstack, "postgres-0", minio_url(fstack))[0] == 0, 30, "minio back after kill")
    with fstack.faults().inject(spec("pause", pod="minio-0")):
        code, _, _ = curl(fstack, "postgres-0", minio_url(fstack), max_time=2)
        assert code == 28, code  # frozen: the connection opens, no answer comes
    assert curl(fstack, "postgres-0", minio_url(fstack), max_time=5)[0] == 0


def test_start_of_a_running_pod_is_refused(fstack: DockerRun) -> None:
    with pytest.raises(FaultError, match="running"):
        fstack.faults().inject(spec("start", pod="minio-0"))


def test_wipe_volume_restarts_the_pod_on_an_empty_data_dir(fstack: DockerRun) -> None:
    code, out = fstack.exec("postgres", ["sh", "-c", 'touch "$PGDATA/xmux-marker" && ls "$PGDATA"'])
    assert code == 0 and "xmux-marker" in out, out
    app = fstack.app("postgres")
    started = app.attrs["State"]["StartedAt"]
    with fstack.faults().inject(spec("wipe-volume", pod="postgres-0")):
        pass
    wait_healthy(fstack)
    app.reload()
    assert app.attrs["State"]["StartedAt"] != started
    code, out = fstack.exec("postgres", ["sh", "-c", 'ls -a "$PGDATA"'])
    assert code == 0 and "xmux-marker" not in out, out


def test_wipe_volume_at_heal_keeps_the_pod_away_until_the_heal(fstack: DockerRun) -> None:
    code, out = fstack.exec("postgres", ["sh", "-c", 'touch "$PGDATA/xmux-marker"'])
    assert code == 0, out
    app = fstack.app("postgres")
    with fstack.faults().inject(spec("wipe-volume", pod="postgres-0", restart="at-heal")):
        app.reload()
        assert app.status == "exited", app.status
        time.sleep(2)  # still away: nothing but the heal starts it
        app.reload()
        assert app.status == "exited", app.status
    app.reload()
    assert app.status == "running", app.status
    wait_healthy(fstack)
    code, out = fstack.exec("postgres", ["sh", "-c", 'ls -a "$PGDATA"'])
    assert code == 0 and "xmux-marker" not in out, out


# ----- the command line, and a harness killed with faults in place --------------------------


def test_cli_fault_list_and_heal(fstack: DockerRun) -> None:
    run = ["--run", fstack.run_id]
    injected = cli("fault", "partition", "a=node-1", "b=node-3", *run, "--json")
    assert injected.returncode == 0, injected.stderr
    fault_id = json.loads(injected.stdout)["id"]
    listed = json.loads(cli("faults", *run, "--json").stdout)
    assert [f["id"] for f in listed] == [fault_id] and listed[0]["kind"] == "partition"
    rules = fstack.router("node-1").exec_run(["iptables", "-S"]).output.decode()
    assert f"XF-{fault_id}" in rules
    assert status_json(fstack.run_id)["faults"][0]["id"] == fault_id
    healed = cli("heal", fault_id, *run)
    assert healed.returncode == 0 and "healed partition a=node-1 b=node-3" in healed.stderr, healed.stderr
    assert json.loads(cli("faults", *run, "--json").stdout) == []
    wait_for(lambda: all(reach(fstack).values()), REGAIN_BOUND + 3, "every pair reachable again")


def test_cli_bad_fault_input_names_the_problem(fstack: DockerRun) -> None:
    run = ["--run", fstack.run_id]
    unknown = cli("fault", "meteor", "node=node-1", *run)
    assert unknown.returncode == 2 and "unknown fault kind 'meteor'" in unknown.stderr
    bad = cli("fault", "drop-node", "node=node-2", "mode=flood", *run)
    assert bad.returncode == 2 and "mode" in bad.stderr and "link, bgp, power" in bad.stderr, bad.stderr
    missing = cli("fault", "kill", "pod=postgres-7", *run)
    assert missing.returncode == 2 and "no pod 'postgres-7'" in missing.stderr, missing.stderr
    heal_unknown = cli("heal", "deadbeef", *run)
    assert heal_unknown.returncode == 2 and "no active fault 'deadbeef'" in heal_unknown.stderr


def test_sigkilled_harness_with_faults_in_place_leaves_nothing(
    tmp_path: Path, docker_client: docker.DockerClient
) -> None:
    text = FAULT_STACK.format(unknown_pods="blackhole", a=117, b=118, c=119).replace(
        "198.19.111.0/24", "198.19.117.0/24"
    )
    script = tmp_path / "harness.py"
    script.write_text(
        textwrap.dedent(f"""
        import time
        from xmux_sim.faults.spec import FaultSpec
        from xmux_sim.providers.docker.provider import DockerProvider
        from xmux_sim.topology import parse_stack
        run = DockerProvider().up(parse_stack({text!r}, "killed.yaml"))
        faults = run.faults()
        faults.inject(FaultSpec.parse("latency", {{"service": "minio", "ms": 100}}))
        faults.inject(FaultSpec.parse("partition", {{"a": ["node-1"], "b": ["node-3"]}}))
        faults.inject(FaultSpec.parse("bandwidth", {{"node": "node-3", "rate": "1mbit"}}))
        faults.inject(FaultSpec.parse("drop-node", {{"node": "node-2", "mode": "link"}}))
        print(run.run_id, flush=True)
        time.sleep(600)
    """)
    )
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    run_id = proc.stdout.readline().strip()
    assert run_id, "the harness did not bring its stack up"
    names = labelled(docker_client, run_id)["containers"]
    assert any("toxiproxy" in n for n in names) and sum("-fault-" in n for n in names) == 4, names
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert wait_until_clean(docker_client, run_id, timeout=40), labelled(docker_client, run_id)


def test_a_relay_puts_a_host_client_on_a_node(fstack: DockerRun) -> None:
    """Through a relay on node-2, the host feels node-3's drop; straight to the pod, it does not."""
    direct = fstack.endpoint("minio")
    via = fstack.relay("minio", "node-2", timeout_s=2)
    assert via.ports["api"] != direct.ports["api"]

    def live(ep: Endpoint) -> bool:
        try:
            http_time(f"http://{ep.address('api')}/minio/health/live")
            return True
        except OSError:
            return False

    assert live(via) and live(direct)
    with fstack.faults().inject(spec("drop-node", node="node-3", mode="link")):
        wait_for(lambda: not live(via), HOLD + 6, "the relayed client loses minio")
        assert live(direct)
    wait_for(lambda: live(via), REGAIN_BOUND + 5, "the relayed client reaches minio again")


def test_latency_reaches_a_pooled_connection(fstack: DockerRun) -> None:
    """A connection open before the inject is reset and its client comes back through the proxy."""
    import psycopg

    from xmux_sim.services.postgres import PostgresRuntime

    url = PostgresRuntime.url(fstack.endpoint("postgres"))

    def timed(conn: psycopg.Connection[Any]) -> float:
        t0 = time.monotonic()
        conn.execute("select 1").fetchone()
        return time.monotonic() - t0

    conn = psycopg.connect(url, autocommit=True)
    before = timed(conn)
    with fstack.faults().inject(spec("latency", service="postgres", ms=200)):
        with pytest.raises(psycopg.OperationalError):
            timed(conn)  # the pooled connection was broken at inject
        conn = psycopg.connect(url, autocommit=True)
        during = timed(conn)
    assert before < 0.1 and during >= 0.2, (before, during)
    conn.close()


def test_rules_in_a_frozen_router_are_removed_on_heal(fstack: DockerRun) -> None:
    """Loss on node-2, then node-2's BGP daemon frozen: healing the loss first must still clear it."""
    faults = fstack.faults()
    loss = faults.inject(spec("loss", node="node-2", percent=50))
    frozen = faults.inject(spec("drop-node", node="node-2", mode="bgp"))
    loss.heal()  # the router is paused: a helper joins its namespace to remove the chain
    frozen.heal()
    rules = fstack.router("node-2").exec_run(["iptables", "-S"]).output.decode()
    assert f"XF-{loss.id}" not in rules, rules
    wait_for(lambda: all(reach(fstack).values()), REGAIN_BOUND + 3, "every pair reachable again")
