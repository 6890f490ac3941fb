"""Router output parsers and route convergence, on outputs captured from real BIRD routers.

The captured texts come from benchmarks/fabric_experiment.py (BIRD 2.0.12 on Debian 12,
three routers, node-3's underlay link cut): trailing blanks are BIRD's and ip's own.
"""

from __future__ import annotations

import threading
import time
from ipaddress import IPv4Network

import pytest

from xmux_sim.checkers import RouteTarget, convergence, convergence_time, sampling_interval
from xmux_sim.fabric import RouteWatcher, parse_bird_protocols, parse_kernel_routes
from xmux_sim.timeline import RouteSample

SUPERNET = IPv4Network("198.18.0.0/15")
N1, N2, N3 = "198.18.201.0/24", "198.18.202.0/24", "198.18.203.0/24"

# ----- captured outputs ---------------------------------------------------------------------

PROTOCOLS_ESTABLISHED = (
    "BIRD 2.0.12 ready.\n"
    "Name       Proto      Table      State  Since         Info\n"
    "device_scan Device     ---        up     06:43:41.400  \n"
    "pod_cidr   Direct     ---        up     06:43:41.400  \n"
    "pod_fallback Static     master4    up     06:43:41.400  \n"
    "kernel_table Kernel     master4    up     06:43:41.400  \n"
    "node-2     BGP        ---        up     06:43:42.388  Established   \n"
    "node-3     BGP        ---        up     06:43:42.334  Established   \n"
)
# Router of node-1 after node-3's router lost its underlay link (hold timer expired).
PROTOCOLS_NODE1_DURING_CUT = (
    "BIRD 2.0.12 ready.\n"
    "Name       Proto      Table      State  Since         Info\n"
    "device_scan Device     ---        up     06:43:41.400  \n"
    "pod_cidr   Direct     ---        up     06:43:41.400  \n"
    "pod_fallback Static     master4    up     06:43:41.400  \n"
    "kernel_table Kernel     master4    up     06:43:41.400  \n"
    "node-2     BGP        ---        up     06:43:42.388  Established   \n"
    "node-3     BGP        ---        start  06:44:02.200  Connect       BGP Error: Hold timer expired\n"
)
# The cut router itself: its underlay interface vanished, so BIRD dropped both sessions.
PROTOCOLS_NODE3_DURING_CUT = (
    "BIRD 2.0.12 ready.\n"
    "Name       Proto      Table      State  Since         Info\n"
    "device_scan Device     ---        up     06:43:42.024  \n"
    "pod_cidr   Direct     ---        up     06:43:42.024  \n"
    "pod_fallback Static     master4    up     06:43:42.024  \n"
    "kernel_table Kernel     master4    up     06:43:42.024  \n"
    "node-1     BGP        ---        start  06:43:59.193  Idle          Error: Neighbor lost\n"
    "node-2     BGP        ---        start  06:43:59.193  Idle          Error: Neighbor lost\n"
)
# A router without peers: one session disabled with `birdc "disable 'node-2'"`.
PROTOCOLS_ALONE = (
    "BIRD 2.0.12 ready.\n"
    "Name       Proto      Table      State  Since         Info\n"
    "kernel_table Kernel     master4    up     06:45:45.577  \n"
    "node-2     BGP        ---        down   06:45:46.727  \n"
    "node-3     BGP        ---        start  06:45:33.350  Active        Socket: No route to host\n"
)

ROUTES_NODE1 = (
    "default via 198.18.201.1 dev eth0 \n"
    "198.18.201.0/24 dev eth0 proto kernel scope link src 198.18.201.2 \n"
    "198.18.202.0/24 via 198.19.200.12 dev eth1 proto bird metric 32 \n"
    "198.18.203.0/24 via 198.19.200.13 dev eth1 proto bird metric 32 \n"
    "198.19.200.0/24 dev eth1 proto kernel scope link src 198.19.200.11 \n"
)
ROUTES_NODE1_BLACKHOLED = (
    "default via 198.18.201.1 dev eth0 \n"
    "198.18.201.0/24 dev eth0 proto kernel scope link src 198.18.201.2 \n"
    "198.18.202.0/24 via 198.19.200.12 dev eth1 proto bird metric 32 \n"
    "blackhole 198.18.203.0/24 proto bird metric 32 \n"
    "198.19.200.0/24 dev eth1 proto kernel scope link src 198.19.200.11 \n"
)
ROUTES_NODE1_UNREACHABLE = (
    "default via 198.18.201.1 dev eth0 \n"
    "198.18.201.0/24 dev eth0 proto kernel scope link src 198.18.201.2 \n"
    "198.18.202.0/24 via 198.19.200.12 dev eth1 proto bird metric 32 \n"
    "unreachable 198.18.203.0/24 proto bird metric 32 \n"
    "198.19.200.0/24 dev eth1 proto kernel scope link src 198.19.200.11"
)
ROUTES_POD1 = (
    "default via 198.18.201.1 dev eth0 \n"
    "198.18.0.0/15 via 198.18.201.2 dev eth0 \n"
    "198.18.201.0/24 dev eth0 proto kernel scope link src 198.18.201.10"
)


# ----- birdc show protocols -----------------------------------------------------------------


def test_established_sessions() -> None:
    assert parse_bird_protocols(PROTOCOLS_ESTABLISHED) == {"node-2": "established", "node-3": "established"}


def test_sessions_during_a_link_cut() -> None:
    assert parse_bird_protocols(PROTOCOLS_NODE1_DURING_CUT) == {"node-2": "established", "node-3": "connect"}
    assert parse_bird_protocols(PROTOCOLS_NODE3_DURING_CUT) == {"node-1": "idle", "node-2": "idle"}


def test_disabled_session_reports_the_protocol_state() -> None:
    assert parse_bird_protocols(PROTOCOLS_ALONE) == {"node-2": "down", "node-3": "active"}


def test_protocols_with_reply_codes_and_long_time_format() -> None:
    text = (
        "0001 BIRD 2.0.12 ready.\n"
        "2002-Name       Proto      Table      State  Since         Info\n"
        "1002-node-2     BGP        ---        up     2024-05-01 10:11:12  Established\n"
        " node-3     BGP        ---        start  2024-05-01 10:11:12.123  OpenSent\n"
        "0000 \n"
    )
    assert parse_bird_protocols(text) == {"node-2": "established", "node-3": "opensent"}


def test_no_protocols_in_an_error_answer() -> None:
    assert parse_bird_protocols("Unable to connect to server control socket (/run/bird/bird.ctl)") == {}
    assert parse_bird_protocols("") == {}


# ----- ip -4 route show ---------------------------------------------------------------------


def test_learned_routes_are_those_via_a_gateway_inside_the_supernet() -> None:
    # The own CIDR is directly connected; the underlay (also inside 198.18.0.0/15) too.
    assert parse_kernel_routes(ROUTES_NODE1, SUPERNET) == {N2, N3}


def test_blackhole_and_unreachable_fallbacks_are_not_routes() -> None:
    assert parse_kernel_routes(ROUTES_NODE1_BLACKHOLED, SUPERNET) == {N2}
    assert parse_kernel_routes(ROUTES_NODE1_UNREACHABLE, "198.18.0.0/15") == {N2}


def test_narrower_supernet_and_pod_table() -> None:
    assert parse_kernel_routes(ROUTES_NODE1, "198.18.203.0/24") == {N3}
    assert parse_kernel_routes(ROUTES_POD1, SUPERNET) == {"198.18.0.0/15"}
    assert parse_kernel_routes(ROUTES_NODE1, "10.0.0.0/8") == frozenset()


def test_multipath_host_and_unicast_routes() -> None:
    text = (
        "198.18.5.0/24 proto bird metric 32 \n"
        "\tnexthop via 198.19.0.15 dev eth1 weight 1 \n"
        "\tnexthop via 198.19.0.16 dev eth1 weight 1 \n"
        "198.18.6.0/24 proto bird metric 32 \n"
        "\tnexthop dev eth1 weight 1 \n"
        "198.18.7.9 via 198.19.0.17 dev eth1 \n"
        "unicast 198.18.8.0/24 via 198.19.0.18 dev eth1 proto bird \n"
        "prohibit 198.18.9.0/24 proto bird \n"
        "172.17.0.0/16 via 172.17.0.1 dev eth2 \n"
    )
    assert parse_kernel_routes(text, SUPERNET) == {"198.18.5.0/24", "198.18.7.9/32", "198.18.8.0/24"}


def test_garbage_lines_are_ignored() -> None:
    assert parse_kernel_routes("Error: ipv4: FIB table does not exist.\n\n", SUPERNET) == frozenset()


# ----- convergence_time ---------------------------------------------------------------------


def series(
    router: str, states: list[frozenset[str]], start: float = 0.0, step: float = 0.2
) -> list[RouteSample]:
    return [RouteSample(round(start + i * step, 6), router, routes) for i, routes in enumerate(states)]


BOTH = frozenset({N2, N3})
ONLY2 = frozenset({N2})


def test_withdrawal_time_is_the_slowest_router() -> None:
    # Cut at t=1.0; r1 drops the route at 3.6, r2 at 3.2.
    r1 = series("r1", [BOTH] * 18 + [ONLY2] * 5)
    r2 = series("r2", [BOTH] * 16 + [ONLY2] * 7)
    took = convergence_time(r1 + r2, 1.0, {"r1": RouteTarget.withdrawn(N3), "r2": RouteTarget.withdrawn(N3)})
    assert took == pytest.approx(2.6)
    assert convergence_time(r2, 1.0, {"r2": RouteTarget.withdrawn(N3)}) == pytest.approx(2.2)


def test_flapping_route_that_ends_wrong_has_not_converged() -> None:
    flapping = series("r1", [BOTH, ONLY2, BOTH, ONLY2, BOTH, ONLY2, BOTH])
    assert convergence_time(flapping, 0.0, {"r1": RouteTarget.withdrawn(N3)}) is None
    # The other router converged; one unconverged router is enough to say None.
    steady = series("r2", [BOTH, ONLY2, ONLY2, ONLY2, ONLY2, ONLY2, ONLY2])
    assert (
        convergence_time(
            flapping + steady, 0.0, {"r1": RouteTarget.withdrawn(N3), "r2": RouteTarget.withdrawn(N3)}
        )
        is None
    )


def test_flapping_route_counts_from_when_it_last_settled() -> None:
    flapping = series("r1", [BOTH, ONLY2, BOTH, ONLY2, ONLY2, ONLY2])  # settles at t=0.6
    assert convergence_time(flapping, 0.0, {"r1": RouteTarget.withdrawn(N3)}) == pytest.approx(0.6)


def test_already_in_the_expected_state_took_no_time() -> None:
    samples = series("r1", [ONLY2] * 10)
    assert convergence_time(samples, 0.5, {"r1": RouteTarget.withdrawn(N3)}) == 0.0


def test_regaining_routes() -> None:
    empty: frozenset[str] = frozenset()
    samples = series("r1", [ONLY2] * 5 + [BOTH] * 5) + series("r3", [empty] * 3 + [frozenset({N1, N2})] * 7)
    took = convergence_time(
        samples, 0.0, {"r1": RouteTarget.regained(N2, N3), "r3": RouteTarget.regained(N1, N2)}
    )
    assert took == pytest.approx(1.0)


def test_router_without_samples_after_the_event_is_unknown() -> None:
    early = series("r1", [ONLY2] * 3)  # last sample at 0.4
    assert convergence_time(early, 1.0, {"r1": RouteTarget.withdrawn(N3)}) is None
    assert (
        convergence_time(early, 0.0, {"r1": RouteTarget.withdrawn(N3), "r9": RouteTarget.withdrawn(N3)})
        is None
    )


def test_no_expectations_is_a_mistake() -> None:
    with pytest.raises(ValueError):
        convergence_time([], 0.0, {})


def test_agrees_with_the_convergence_checker() -> None:
    samples = series("r1", [BOTH] * 18 + [ONLY2] * 5) + series("r2", [BOTH] * 16 + [ONLY2] * 7)
    verdict = convergence(
        samples, 1.0, {"r1": RouteTarget.withdrawn(N3), "r2": RouteTarget.withdrawn(N3)}, limit_s=5
    )
    assert verdict.figures["convergence_s"] == pytest.approx(
        convergence_time(samples, 1.0, {"r1": RouteTarget.withdrawn(N3), "r2": RouteTarget.withdrawn(N3)})
    )


def test_sampling_interval_is_the_median_gap_per_router() -> None:
    samples = series("r1", [BOTH] * 5, step=0.2) + series("r2", [BOTH] * 3, step=0.3)
    samples.append(RouteSample(10.0, "r1", BOTH))  # one long gap does not move the median
    assert sampling_interval(samples) == pytest.approx(0.2)
    assert sampling_interval(series("r1", [BOTH])) is None


# ----- RouteWatcher -------------------------------------------------------------------------


class FakeRouters:
    """Tables that change when told to; one router can be made to fail."""

    def __init__(self) -> None:
        self.tables = {"r1": BOTH, "r2": BOTH}
        self.broken: set[str] = set()
        self.lock = threading.Lock()

    def read(self, router: str) -> frozenset[str]:
        with self.lock:
            if router in self.broken:
                raise RuntimeError(f"{router} is stopped")
            return self.tables[router]

    def set(self, router: str, routes: frozenset[str]) -> None:
        with self.lock:
            self.tables[router] = routes


def test_watcher_samples_every_router_until_stopped() -> None:
    routers = FakeRouters()
    watcher = RouteWatcher(routers.read, ["r1", "r2"], interval=0.01)
    with watcher:
        assert watcher.wait_until(lambda t: t["r1"] == BOTH and t["r2"] == BOTH, timeout=5)
        event_t = time.monotonic()
        routers.set("r1", ONLY2)
        routers.set("r2", ONLY2)
        assert watcher.wait_until(lambda t: all(N3 not in r for r in t.values()), timeout=5)
    samples = watcher.samples
    count = len(samples)
    time.sleep(0.05)
    assert len(watcher.samples) == count  # stopped means stopped
    assert {s.router for s in samples} == {"r1", "r2"}
    took = convergence_time(
        samples, event_t, {"r1": RouteTarget.withdrawn(N3), "r2": RouteTarget.withdrawn(N3)}
    )
    assert took is not None and 0 <= took < 5
    interval = watcher.achieved_interval()
    assert interval is not None and interval >= 0.009
    assert watcher.median_read_s() is not None


def test_watcher_records_failed_reads_without_inventing_samples() -> None:
    routers = FakeRouters()
    routers.broken.add("r2")
    with RouteWatcher(routers.read, ["r1", "r2"], interval=0.01) as watcher:
        deadline = time.monotonic() + 5
        while not (watcher.errors and watcher.latest().get("r1")) and time.monotonic() < deadline:
            time.sleep(0.01)
        # r2 has never been read, so "every router read" cannot hold.
        assert not watcher.wait_until(lambda t: True, timeout=0.1)
    assert watcher.errors and watcher.errors[0].router == "r2"
    assert "RuntimeError: r2 is stopped" in watcher.errors[0].error
    assert all(s.router == "r1" for s in watcher.samples)


def test_wait_until_times_out() -> None:
    routers = FakeRouters()
    with RouteWatcher(routers.read, ["r1"], interval=0.01) as watcher:
        started = time.monotonic()
        assert not watcher.wait_until(lambda t: N1 in t["r1"], timeout=0.2)
        assert time.monotonic() - started >= 0.2


def test_watcher_arguments_are_checked() -> None:
    with pytest.raises(ValueError):
        RouteWatcher(FakeRouters().read, [], interval=0.1)
    with pytest.raises(ValueError):
        RouteWatcher(FakeRouters().read, ["r1"], interval=0)
