"""h2load's output and command line, and the gRPC frame it posts."""

from __future__ import annotations

from pathlib import Path

import pytest

from xmux_sim.errors import XmuxSimError
from xmux_sim.load.ceiling import APP_START_PATHS, H2load, grpc_frame, parse_h2load
from xmux_sim.load.config import Target

STDOUT = """
finished in 5.00s, 231.40 req/s, 118.92KB/s
requests: 1157 total, 1165 started, 1157 done, 1157 succeeded, 0 failed, 0 errored, 0 timeout
status codes: 1160 2xx, 0 3xx, 0 4xx, 0 5xx
traffic: 594.60KB (608872) total, 112.02KB (114707) headers (space savings 33.19%), 424.55KB (434739) data
"""


def test_parse_totals_and_quantiles_from_the_request_log() -> None:
    log = "".join(f"1795679161441267\t200\t{(i + 1) * 1000}\n" for i in range(100))
    result = parse_h2load(STDOUT, log)
    assert result["rps"] == 231.4 and result["requests"] == 1157 and result["failed"] == 0
    assert result["data_bytes_per_request"] == 375.7  # 434739 data bytes / 1157 replies
    assert (result["p50_ms"], result["p99_ms"]) == (50.0, 99.0)
    assert result["statuses"] == {"200": 100}


def test_no_result_is_an_error() -> None:
    with pytest.raises(XmuxSimError, match="no result"):
        parse_h2load("connect failed", "")


def test_grpc_frame_is_length_prefixed() -> None:
    assert grpc_frame(b"") == b"\x00\x00\x00\x00\x00"
    assert grpc_frame(b"ab") == b"\x00\x00\x00\x00\x02ab"


def test_command_posts_the_app_start_calls_with_grpc_headers(tmp_path: Path) -> None:
    target = Target(h2c="127.0.0.1:1234", http="http://127.0.0.1:80", seed=1, size="small")
    tool = H2load(target, "basic abc", clients=8, seconds=3)
    try:
        cmd = tool.command(tmp_path / "b", tmp_path / "l")
    except XmuxSimError:
        pytest.fail("h2load is not installed: scripts/setup installs nghttp2-client")
    assert [a for a in cmd if a.startswith("http://")] == [
        f"http://127.0.0.1:1234{p}" for p in APP_START_PATHS
    ]
    assert "content-type: application/grpc" in cmd and "authorization: basic abc" in cmd
    assert cmd[cmd.index("-c") + 1] == "8" and cmd[cmd.index("-D") + 1] == "3"


def test_only_local_targets_are_accepted() -> None:
    Target("127.0.0.1:1", "http://127.0.0.1:2", 1, "small").check_local()
    with pytest.raises(XmuxSimError, match="refusing"):
        Target("10.0.0.5:1", "http://127.0.0.1:2", 1, "small").check_local()
