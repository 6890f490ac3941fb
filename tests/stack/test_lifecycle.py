"""Up and down, crashes and bad input: nothing is ever left behind."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import docker
import pytest

from tests.stack.conftest import labelled, nothing_left
from xmux_sim.errors import ImageMissing, PortInUse
from xmux_sim.providers.docker.provider import DockerProvider
from xmux_sim.topology import parse_stack

# Own node CIDRs, so these stacks can run while the session's default stack is up.
SMALL = """\
name: small
nodes:
  - {{name: node-1, cidr: 198.18.{net}.0/24}}
services:
  db: {{kind: postgres}}
  front: {{kind: nginx{front_extra}}}
"""


def small_stack(net: int, front_extra: str = "") -> str:
    return SMALL.format(net=net, front_extra=front_extra)


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "xmux_sim.cli", *args],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, **(env or {})},
        check=False,
    )


def wait_until_clean(client: docker.DockerClient, run_id: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if nothing_left(client, run_id):
            return True
        time.sleep(0.5)
    return False


def test_up_keep_status_down_leaves_nothing(tmp_path: Path, docker_client: docker.DockerClient) -> None:
    stack_file = tmp_path / "small.yaml"
    stack_file.write_text(small_stack(101))
    up = cli("up", "--stack", str(stack_file), "--keep")
    assert up.returncode == 0, up.stderr
    run_id = next(
        word
        for line in up.stderr.splitlines()
        if "up as run" in line
        for word in line.split()
        if word.isalnum() and len(word) == 12
    )
    assert labelled(docker_client, run_id)["containers"]
    status = cli("status", "--run", run_id, "--json")
    assert status.returncode == 0 and '"healthy"' in status.stdout
    down = cli("down", "--run", run_id)
    assert down.returncode == 0, down.stderr
    assert nothing_left(docker_client, run_id), labelled(docker_client, run_id)


def test_sigkilled_harness_is_reaped(tmp_path: Path, docker_client: docker.DockerClient) -> None:
    script = tmp_path / "harness.py"
    script.write_text(
        textwrap.dedent(f"""
        import sys, time
        from xmux_sim.providers.docker.provider import DockerProvider
        from xmux_sim.topology import parse_stack
        run = DockerProvider().up(parse_stack({small_stack(102)!r}, "small.yaml"))
        print(run.run_id, flush=True)
        time.sleep(600)
    """)
    )
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    run_id = proc.stdout.readline().strip()
    assert run_id, "the harness did not bring its stack up"
    assert len(labelled(docker_client, run_id)["containers"]) == 4
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    # Reaper: 5 s reconnection timeout, then removal.
    assert wait_until_clean(docker_client, run_id, timeout=40), labelled(docker_client, run_id)


def test_port_already_taken_is_named_and_nothing_starts(docker_client: docker.DockerClient) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        stack = parse_stack(small_stack(103, f", publish: {{http: {port}}}"), "small.yaml")
        before = DockerProvider().runs()
        with pytest.raises(PortInUse, match=f"127.0.0.1:{port}.*front.publish.http"):
            DockerProvider().up(stack)
        assert DockerProvider().runs() == before


def test_image_not_built_says_what_to_do(docker_client: docker.DockerClient) -> None:
    stack = parse_stack(
        "name: x\nnodes: [{name: n, cidr: 198.18.104.0/24}]\nservices:\n"
        "  db: {kind: postgres, image: 'xmux-sim/never-built:0'}\n",
        "x.yaml",
    )
    before = DockerProvider().runs()
    with pytest.raises(ImageMissing, match="never-built"):
        DockerProvider().up(stack)
    assert DockerProvider().runs() == before


def test_bad_stack_file_exits_2_and_starts_nothing(
    tmp_path: Path, docker_client: docker.DockerClient
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nservices:\n  db:\n    kind: oracle\n")
    before = DockerProvider().runs()
    result = cli("up", "--stack", str(bad), "--keep")
    assert result.returncode == 2
    assert f"{bad}:4: services.db.kind: unknown service kind 'oracle'" in result.stderr.replace("\n", "")
    assert DockerProvider().runs() == before


def test_no_docker_engine_says_what_to_do() -> None:
    result = cli("status", env={"DOCKER_HOST": "unix:///nonexistent/docker.sock"})
    assert result.returncode == 2
    assert "No Docker engine answers" in result.stderr and "scripts/setup" in result.stderr.replace("\n", " ")


def test_stack_image_not_built_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    provider = DockerProvider()
    real_tag = provider.images.tag

    def tag(name: str) -> str:
        # As after editing nginx's Dockerfile without rebuilding: its tag does not exist yet.
        return "xmux-sim/nginx:000000000000" if name == "nginx" else real_tag(name)

    monkeypatch.setattr(provider.images, "tag", tag)
    before = provider.runs()
    with pytest.raises(ImageMissing, match=r"not built: nginx\. Run `xmux-sim images build`"):
        provider.up(parse_stack(small_stack(105), "small.yaml"))
    assert provider.runs() == before


def test_images_list_shows_state_size_and_version() -> None:
    import json

    result = cli("images", "list", "--json")
    assert result.returncode == 0, result.stderr
    rows = {r["name"]: r for r in json.loads(result.stdout)}
    for name in ("postgres", "mongo", "nats", "minio", "prometheus", "nginx", "reaper", "router"):
        assert rows[name]["built"], name
        assert rows[name]["size_mb"] > 0
    assert "PostgreSQL) 15" in rows["postgres"]["version"]
    assert "v2.15" in rows["nats"]["version"]
    assert "RELEASE." in rows["minio"]["version"]
    assert "SecantusDB" in rows["mongo"]["version"]
