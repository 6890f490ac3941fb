"""The small exporters in our images, on recorded output of the programs they read.

They run inside the images (no xmux_sim there), so they are loaded here from their files.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from xmux_sim.images.catalogue import images_root
from xmux_sim.xmus import metrics

DATA = Path(__file__).parent / "data"


def exporter(image: str, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        name.replace("-", "_"), images_root() / image / f"{name}.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bird_exporter_reads_sessions_and_learned_cidrs() -> None:
    bird = exporter("router", "bird-exporter")
    protocols = bird.parse_protocols((DATA / "birdc-show-protocols-all.txt").read_text())
    assert protocols == {
        "node-2": {"up": True, "cidr": "198.18.221.0/24", "imported": 1},
        "node-3": {"up": False, "cidr": "198.18.222.0/24", "imported": 0},
    }
    routes = bird.parse_routes((DATA / "birdc-show-route.txt").read_text())
    # node-3's CIDR is only in the table as the blackhole fallback: not learned.
    assert ("198.18.221.0/24", "node-2") in routes and ("198.18.221.0/24", "pod_fallback") in routes
    assert not any(prefix == "198.18.222.0/24" and source == "node-3" for prefix, source in routes)
    page = bird.render_page(protocols, routes).splitlines()
    assert 'bird_bgp_session_up{peer="node-3",cidr="198.18.222.0/24"} 0' in page
    assert 'bird_bgp_cidr_learned{peer="node-2",cidr="198.18.221.0/24"} 1' in page
    assert 'bird_bgp_cidr_learned{peer="node-3",cidr="198.18.222.0/24"} 0' in page


JSZ = {
    "storage": 2048,
    "config": {"max_storage": 10240},
    "account_details": [
        {
            "stream_detail": [
                {  # led by this server: one follower behind
                    "name": "ORDERS",
                    "config": {"num_replicas": 3},
                    "cluster": {
                        "leader": "nats-0",
                        "replicas": [
                            {"name": "nats-1", "current": True},
                            {"name": "nats-2", "current": False},
                        ],
                    },
                },
                {  # led by another server: only that one reports its replicas
                    "name": "FORUM",
                    "config": {"num_replicas": 3},
                    "cluster": {"leader": "nats-2", "replicas": [{"name": "nats-0", "current": False}]},
                },
                {"name": "LOST", "config": {"num_replicas": 3}, "cluster": {"leader": "", "replicas": []}},
            ]
        }
    ],
}


def test_nats_exporter_reports_replicas_as_the_stream_leader_sees_them() -> None:
    nats = exporter("nats", "nats-exporter")
    lines = nats.jetstream_lines("nats-0", JSZ)
    assert 'nats_stream_replicas{stream="ORDERS"} 3' in lines
    assert 'nats_stream_replicas_current{stream="ORDERS"} 2' in lines
    assert not any('stream="FORUM"' in line and "replicas" in line for line in lines)
    assert 'nats_stream_has_leader{stream="FORUM"} 1' in lines
    assert 'nats_stream_has_leader{stream="LOST"} 0' in lines
    assert "nats_jetstream_storage_bytes 2048" in lines and "nats_jetstream_max_storage_bytes 10240" in lines
    volume = nats.volume_lines(str(DATA))
    assert [line.split("{")[0] for line in volume] == ["xmux_volume_free_bytes", "xmux_volume_size_bytes"]


def test_nginx_exporter_counts_statuses_and_latency_from_access_log_lines() -> None:
    nginx = exporter("nginx", "nginx-exporter")
    requests = nginx.Requests()
    for line in ("<190>xmux: 200 0.004 0", "<190>xmux: 200 0.300 14", "<190>xmux: 502 1.200 -", "garbage"):
        requests.observe(line)
    page = requests.lines()
    assert 'nginx_requests_by_status_total{status="200",grpc_status="0"} 1' in page
    assert 'nginx_requests_by_status_total{status="200",grpc_status="14"} 1' in page
    assert 'nginx_requests_by_status_total{status="502",grpc_status=""} 1' in page
    assert 'nginx_request_duration_seconds_bucket{le="0.005"} 1' in page
    assert 'nginx_request_duration_seconds_bucket{le="0.5"} 2' in page
    assert 'nginx_request_duration_seconds_bucket{le="+Inf"} 3' in page
    stub = "Active connections: 2 \nserver accepts handled requests\n 10 10 31 \n"
    stub += "Reading: 0 Writing: 1 Waiting: 1 \n"
    assert nginx.stub_lines(stub)[:5] == [
        "nginx_up 1",
        "nginx_connections_active 2",
        "nginx_connections_accepted 10",
        "nginx_connections_handled 10",
        "nginx_http_requests_total 31",
    ]
    assert nginx.stub_lines("404 Not Found") == ["nginx_up 0"]


def test_xmus_metrics_count_server_errors_and_keep_a_latency_histogram() -> None:
    metrics.observe("GetThreadsTest", "OK", 0.02)
    metrics.observe("GetThreadsTest", "DEPENDENCY_UNAVAILABLE", 2.0, server_error=True)
    metrics.observe("GetThreadsTest", "INVALID_ARGUMENT", 0.001)
    page = metrics.render("forum", "forum-0", True).splitlines()
    labels = 'service="forum",method="GetThreadsTest"'
    assert f"xmus_request_errors_total{{{labels}}} 1" in page
    assert f'xmus_request_seconds_bucket{{{labels},le="0.005"}} 1' in page
    assert f'xmus_request_seconds_bucket{{{labels},le="0.025"}} 2' in page
    assert f'xmus_request_seconds_bucket{{{labels},le="+Inf"}} 3' in page
    assert f"xmus_request_seconds_count{{{labels}}} 3" in page
