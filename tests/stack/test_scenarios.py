"""`xmux-sim run` end to end: verdicts, exit codes, replay by seed, and interrupted runs.

Scenarios here use small stacks with their own CIDRs (198.18.141-149), written next to
the scenario file, so they run beside the session's default stack.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest

from tests.stack.conftest import labelled
from tests.stack.test_lifecycle import wait_until_clean
from xmux_sim.providers.docker.provider import DockerProvider, DockerRun
from xmux_sim.topology import load_stack

STACK = """\
name: scen
network:
  underlay: 198.19.{a}.0/24
  bgp: {{hold: 3, keepalive: 1, connect_retry: 1, error_wait: [1, 5]}}
nodes:
  - {{name: node-1, cidr: 198.18.{a}.0/24}}
  - {{name: node-2, cidr: 198.18.{b}.0/24}}
services:
  postgres: {{kind: postgres, placement: [node-1]}}
  nats: {{kind: nats, placement: [node-2]}}
"""

WIPE = """\
name: wipe-one-replica
stack: stack.yaml
workload:
  duration: 12
  clients:
    - kind: jetstream-publish
      concurrency: 2
      rate: 40
      params: {stream: ONE, subject: one.writes}
faults:
  - {at: 5, duration: 2, kind: wipe-volume, pod: nats-0}
invariants:
  - {name: no-lost-messages, checker: lost-writes, store: nats, allow_duplicates: true}
expect: violated
"""

GENERATED = """\
name: generated
stack: stack.yaml
workload:
  duration: 8
  clients:
    - {kind: sql-insert, from: node-2, rate: 20, timeout: 2}
faults:
  - generate:
      count: 2
      kinds: [pause, kill]
      targets: {pod: [postgres-0, nats-0]}
      duration: [1, 2]
      max_concurrent: 1
      min_gap: 1
invariants:
  - {name: no-lost-writes, checker: lost-writes, store: postgres}
"""

LONG_FAULT = """\
name: long-fault
stack: stack.yaml
workload:
  duration: 120
  clients:
    - {kind: sql-insert, rate: 10}
faults:
  - {at: 1, duration: 100, kind: partition, a: [node-1], b: [node-2]}
  - {at: 1, duration: 100, kind: latency, service: nats, ms: 100}
"""


def write(tmp_path: Path, scenario: str, a: int) -> Path:
    (tmp_path / "stack.yaml").write_text(STACK.format(a=a, b=a + 1))
    path = tmp_path / "scenario.yaml"
    path.write_text(scenario)
    return path


def xmux(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "xmux_sim.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "COLUMNS": "200"},
        check=False,
    )


def results(report_dir: Path) -> dict[str, Any]:
    (folder,) = [p for p in report_dir.iterdir() if p.is_dir()]
    data: dict[str, Any] = json.loads((folder / "results.json").read_text())
    return data


@pytest.fixture(scope="module")
def attached(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DockerRun]:
    folder = tmp_path_factory.mktemp("attached")
    (folder / "stack.yaml").write_text(STACK.format(a=141, b=142))
    with DockerProvider().up(load_stack(folder / "stack.yaml")) as run:
        yield run


def test_unsafe_scenario_exits_1_and_names_the_lost_keys(tmp_path: Path, attached: DockerRun) -> None:
    path = write(tmp_path, WIPE, 141)
    result = xmux("run", str(path), "--attach", attached.run_id, "--report-dir", str(tmp_path / "r"))
    assert result.returncode == 1, result.stderr[-3000:]
    assert "VIOLATED" in result.stdout and "lost" in result.stdout, result.stdout
    data = results(tmp_path / "r")
    (verdict,) = [v for v in data["verdicts"] if v["name"] == "no-lost-messages"]
    assert verdict["valid"] is False
    lost = verdict["evidence"]["lost"]
    assert lost and all(k.startswith("jetstream-publish-0@") for k in lost), lost
    assert attached.faults().active() == []


def test_same_seed_same_schedule_other_seed_other_schedule(tmp_path: Path, attached: DockerRun) -> None:
    path = write(tmp_path, GENERATED, 141)

    def schedule(seed: int, name: str) -> list[str]:
        report_dir = tmp_path / name
        result = xmux(
            "run",
            str(path),
            "--attach",
            attached.run_id,
            "--seed",
            str(seed),
            "--report-dir",
            str(report_dir),
        )
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
        data = results(report_dir)
        assert data["seed"] == seed
        return [
            f"{f['description']}@{round(f['inject_t'] - data['faults'][0]['inject_t'])}"
            for f in data["faults"]
        ]

    first, again, other = schedule(7, "a"), schedule(7, "b"), schedule(8, "c")
    assert first == again and len(first) == 2
    assert other != first


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start_run(path: Path, report_dir: Path) -> tuple[subprocess.Popen[str], str]:
    """Start `xmux-sim run` and return once its faults are in, with its run id."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "xmux_sim.cli", "run", str(path), "--report-dir", str(report_dir)],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        # As from a terminal: a test run started in the background (nohup, CI without job
        # control) inherits an ignored SIGINT, and Python would then never see Ctrl-C.
        preexec_fn=_default_sigint,
    )
    assert proc.stderr is not None
    run_id, injected = "", 0
    deadline = time.monotonic() + 120
    lines: list[str] = []
    while injected < 2 and time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        lines.append(line)
        if "run " in line and ": starting the reaper" in line:
            run_id = line.split("run ", 1)[1].split(":", 1)[0].strip()
        injected += "injected" in line
    assert run_id and injected == 2, "".join(lines)
    # Keep draining stderr so the runner never blocks on a full pipe.
    threading.Thread(target=proc.stderr.read, daemon=True).start()
    return proc, run_id


@pytest.mark.parametrize(("sig", "a"), [(signal.SIGINT, 144), (signal.SIGTERM, 146), (signal.SIGKILL, 148)])
def test_an_interrupted_run_leaves_nothing(
    tmp_path: Path, docker_client: docker.DockerClient, sig: signal.Signals, a: int
) -> None:
    path = write(tmp_path, LONG_FAULT, a)
    proc, run_id = _start_run(path, tmp_path / "r")
    names = labelled(docker_client, run_id)["containers"]
    assert any("toxiproxy" in n for n in names), names
    proc.send_signal(sig)
    proc.wait(timeout=120)  # healing and taking a stack down on a busy machine
    # Ctrl-C and SIGTERM clean up on the way out; after SIGKILL the run's reaper does.
    assert wait_until_clean(docker_client, run_id, timeout=5 if sig != signal.SIGKILL else 40), labelled(
        docker_client, run_id
    )


def test_an_attached_run_heals_its_faults_when_interrupted(tmp_path: Path, attached: DockerRun) -> None:
    path = write(tmp_path, LONG_FAULT, 141)
    proc = subprocess.Popen(
        [sys.executable, "-m", "xmux_sim.cli", "run", str(path), "--attach", attached.run_id],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        cwd=tmp_path,
    )
    assert proc.stderr is not None
    deadline = time.monotonic() + 60
    seen = 0
    while seen < 2 and time.monotonic() < deadline:
        seen += "injected" in proc.stderr.readline()
    assert len(attached.faults().active()) == 2
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)
    assert attached.faults().active() == []
    assert "XF-" not in attached.router("node-1").exec_run(["iptables", "-S"]).output.decode()
    assert attached.status()["services"]["postgres"]["state"] == "healthy"


def test_a_scenario_this_machine_cannot_run_says_why(docker_client: docker.DockerClient) -> None:
    """A MongoDB replica set needs a real mongod: with the stand-in the run refuses, starting nothing."""
    before = {
        c.id for c in docker_client.containers.list(all=True, filters={"label": "xmux-sim.run"}, sparse=True)
    }
    result = xmux(
        "run", "needs-official-mongo/replica-loss-mongo.yaml", "--report-dir", "/tmp/xmux-sim-refused"
    )
    assert result.returncode == 2, result.stdout[-1000:] + result.stderr[-1000:]
    text = " ".join(result.stderr.split())
    assert "cannot form one" in text and "official mongo image" in text, text
    after = {
        c.id for c in docker_client.containers.list(all=True, filters={"label": "xmux-sim.run"}, sparse=True)
    }
    assert after <= before
