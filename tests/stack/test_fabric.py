"""The default stack's nodes: BGP between routers, and pods reaching each other through them."""

from __future__ import annotations

from tests.stack.conftest import as_docker, status_json
from xmux_sim.providers.base import Run


def test_full_mesh_established_and_routes_learned(xmux_stack: Run) -> None:
    nodes = status_json(xmux_stack.run_id)["nodes"]
    assert set(nodes) == {"node-1", "node-2", "node-3"}
    cidrs = {name: node["cidr"] for name, node in nodes.items()}
    for name, node in nodes.items():
        others = {n for n in nodes if n != name}
        assert node["router"]["sessions"] == dict.fromkeys(others, "established"), node["router"]
        assert set(node["router"]["routes"]) == {cidrs[n] for n in others}
        assert node["pods"], f"{name} holds no pod"


def test_cross_node_traffic_goes_through_both_routers(xmux_stack: Run) -> None:
    run = as_docker(xmux_stack)
    postgres = xmux_stack.endpoint("postgres")
    prometheus = xmux_stack.endpoint("prometheus")
    stack = xmux_stack.stack
    assert stack is not None
    src_node = stack.node(run.app("prometheus").labels["xmux-sim.node"])
    dst_ip = postgres.pod_ip
    code, route = xmux_stack.exec("prometheus", ["ip", "route", "get", dst_ip])
    assert code == 0 and f"via {src_node.router_ip}" in route, route
    assert prometheus.pod_ip.rsplit(".", 1)[0] != dst_ip.rsplit(".", 1)[0], "pods must be on different nodes"

    # Count the packets each router forwards to the far pod's exporter while we fetch from it.
    rule = ["FORWARD", "-d", dst_ip, "-p", "tcp", "--dport", "9187", "-j", "ACCEPT"]
    # The two nodes' routers wherever the stack file places the pods (not fixed node names).
    dst_node = run.app("postgres").labels["xmux-sim.node"]
    routers = [run.router(src_node.name), run.router(dst_node)]
    for r in routers:
        assert r.exec_run(["iptables", "-I", *rule]).exit_code == 0
    try:
        code, body = xmux_stack.exec(
            "prometheus", ["curl", "-sf", "--max-time", "5", f"http://{dst_ip}:9187/metrics"]
        )
        assert code == 0 and "pg_up" in body
        for r in routers:
            out = r.exec_run(["iptables", "-L", "FORWARD", "-v", "-n", "-x"]).output.decode()
            line = next(ln for ln in out.splitlines() if dst_ip in ln and "9187" in ln)
            assert int(line.split()[0]) > 0, f"{r.name} forwarded nothing: {line}"
    finally:
        for r in routers:
            r.exec_run(["iptables", "-D", *rule])
