"""bird_config and underlay_ip: the router configuration a node gets, checked without BIRD."""

from __future__ import annotations

import re
from dataclasses import replace
from ipaddress import IPv4Address, IPv4Network

import pytest

from xmux_sim.fabric import bird_config, protocol_name, underlay_ip
from xmux_sim.topology.model import BgpSettings, NetworkSettings, Node, Stack

SHORT = BgpSettings(asn=64512, hold=3, keepalive=1, connect_retry=1, error_wait=(1, 5))


def make_stack(count: int = 3, bgp: BgpSettings = SHORT, underlay: str = "198.19.0.0/24") -> Stack:
    nodes = tuple(
        Node(name=f"node-{i}", index=i, cidr=IPv4Network(f"198.18.{i}.0/24")) for i in range(1, count + 1)
    )
    network = NetworkSettings(underlay=IPv4Network(underlay), bgp=bgp)
    return Stack(name="test", nodes=nodes, services={}, network=network)


def blocks(config: str, kind: str) -> dict[str, str]:
    """Protocol name -> body of every ``protocol KIND NAME { ... }`` block (BIRD nests braces)."""
    found: dict[str, str] = {}
    for m in re.finditer(rf"^protocol {kind} '?([\w-]+)'? \{{", config, re.MULTILINE):
        depth, i = 1, m.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(config[i], 0)
            i += 1
        found[m.group(1)] = config[m.end() : i - 1]
    return found


# ----- addressing -------------------------------------------------------------------------


def test_underlay_ip_is_fixed_by_node_index() -> None:
    stack = make_stack()
    assert [underlay_ip(stack, n) for n in stack.nodes] == [
        IPv4Address("198.19.0.11"),
        IPv4Address("198.19.0.12"),
        IPv4Address("198.19.0.13"),
    ]


def test_underlay_ip_outside_a_small_underlay_is_refused() -> None:
    stack = make_stack(underlay="198.19.0.0/29")
    with pytest.raises(ValueError, match="no router address in the underlay"):
        underlay_ip(stack, stack.nodes[0])


# ----- the configuration ------------------------------------------------------------------


def test_router_id_and_bgp_peers_are_all_other_nodes() -> None:
    stack = make_stack()
    node = stack.node("node-2")
    config = bird_config(stack, node)
    assert "router id 198.19.0.12;" in config
    bgp = blocks(config, "bgp")
    assert set(bgp) == {"node-1", "node-3"} == {protocol_name(n) for n in stack.nodes if n != node}
    assert "neighbor 198.19.0.11 as 64512;" in bgp["node-1"]
    assert "neighbor 198.19.0.13 as 64512;" in bgp["node-3"]
    for body in bgp.values():
        assert "local 198.19.0.12 as 64512;" in body


def test_every_node_peers_with_every_other_node() -> None:
    stack = make_stack(5)
    sessions = {(n.name, peer) for n in stack.nodes for peer in blocks(bird_config(stack, n), "bgp")}
    assert sessions == {(a.name, b.name) for a in stack.nodes for b in stack.nodes if a != b}


def test_timers_come_from_the_stack() -> None:
    bgp = blocks(bird_config(make_stack(), make_stack().nodes[0]), "bgp")
    for body in bgp.values():
        assert "hold time 3;" in body
        assert "keepalive time 1;" in body
        assert "connect retry time 1;" in body
        assert "error wait time 1, 5;" in body
        assert "connect delay time 1;" in body


def test_kube_router_default_timers() -> None:
    defaults = BgpSettings()  # hold 90, keepalive 30, BIRD's own error wait (60, 300)
    stack = make_stack(bgp=defaults)
    body = blocks(bird_config(stack, stack.nodes[0]), "bgp")["node-2"]
    assert "hold time 90;" in body
    assert "keepalive time 30;" in body
    assert "connect retry time 5;" in body
    assert "error wait time 60, 300;" in body


def test_asn_from_the_stack_on_both_ends() -> None:
    stack = make_stack(bgp=replace(SHORT, asn=65001))
    body = blocks(bird_config(stack, stack.nodes[0]), "bgp")["node-3"]
    assert "local 198.19.0.11 as 65001;" in body
    assert "neighbor 198.19.0.13 as 65001;" in body
    assert "64512" not in bird_config(stack, stack.nodes[0])


def test_only_the_own_pod_cidr_is_exported_and_everything_imported() -> None:
    stack = make_stack()
    node = stack.node("node-3")
    config = bird_config(stack, node)
    for body in blocks(config, "bgp").values():
        assert re.findall(r"export where net = (\S+);", body) == ["198.18.3.0/24"]
        assert "import all;" in body
    direct = blocks(config, "direct")["pod_cidr"]
    assert "import where net = 198.18.3.0/24;" in direct
    # Matched by address: the interface name depends on Docker's attach order.
    assert "interface 198.18.3.0/24;" in direct
    assert "eth" not in config


def test_kernel_gets_learned_routes_and_nothing_is_read_back() -> None:
    config = bird_config(make_stack(), make_stack().nodes[0])
    kernel = blocks(config, "kernel")["kernel_table"]
    assert "import none;" in kernel
    assert "export where source = RTS_BGP || source = RTS_STATIC;" in kernel


def test_fallback_routes_cover_peer_cidrs_only_never_the_underlay() -> None:
    stack = make_stack()
    node = stack.nodes[0]
    static = blocks(bird_config(stack, node), "static")["pod_fallback"]
    routes = re.findall(r"route (\S+) (\w+);", static)
    assert routes == [("198.18.2.0/24", "blackhole"), ("198.18.3.0/24", "blackhole")]
    assert "preference 10;" in static  # below BGP's 100: a learned route always wins
    # Docker refuses to reconnect the underlay if a route overlaps it (a healed link cut).
    assert not any(IPv4Network(net).overlaps(stack.network.underlay) for net, _ in routes)


def test_unreachable_and_default_route_modes() -> None:
    stack = make_stack()
    unreachable = bird_config(stack, stack.nodes[0], unknown_pods="unreachable")
    assert "route 198.18.2.0/24 unreachable;" in unreachable
    plain = bird_config(stack, stack.nodes[0], unknown_pods="default-route")
    assert blocks(plain, "static") == {}
    assert "export where source = RTS_BGP;" in plain
    with pytest.raises(ValueError, match="unknown_pods"):
        bird_config(stack, stack.nodes[0], unknown_pods="drop")  # type: ignore[arg-type]


def test_single_node_stack_has_no_peers() -> None:
    stack = make_stack(1)
    config = bird_config(stack, stack.nodes[0])
    assert blocks(config, "bgp") == {}
    assert blocks(config, "static")["pod_fallback"].count("route ") == 0


def test_braces_balance() -> None:
    config = bird_config(make_stack(4), make_stack(4).nodes[2])
    assert config.count("{") == config.count("}")
    assert config.endswith("}\n")


@pytest.mark.parametrize(
    ("bgp", "message"),
    [
        (replace(SHORT, hold=2), "hold time must be 0 or 3"),
        (replace(SHORT, keepalive=1.5), "keepalive time must be whole seconds"),
        (replace(SHORT, hold=3, keepalive=3), "shorter than the hold time"),
        (replace(SHORT, error_wait=(5, 1)), "min 5 s > max 1 s"),
        (replace(SHORT, connect_retry=0), "connect retry time must be whole seconds >= 1"),
        (replace(SHORT, asn=0), "AS number"),
    ],
)
def test_timers_bird_cannot_take_are_refused(bgp: BgpSettings, message: str) -> None:
    stack = make_stack(bgp=bgp)
    with pytest.raises(ValueError, match=message):
        bird_config(stack, stack.nodes[0])


def test_node_of_another_stack_is_refused() -> None:
    stranger = Node(name="node-9", index=9, cidr=IPv4Network("198.18.9.0/24"))
    with pytest.raises(ValueError, match="not part of stack"):
        bird_config(make_stack(), stranger)
