"""The lazy volume on real containers: a real FUSE mount, real programs, real power cuts (docker kill)."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator

import docker
import pytest

from xmux_sim.providers.docker import lazy
from xmux_sim.providers.docker.durability import NatsAlone, PostgresAlone, power_cut_round
from xmux_sim.providers.docker.provider import DockerProvider
from xmux_sim.providers.docker.solo import SoloRun

# The program: a durable starting point, then changes made durable, then changes that are not.
WRITER = r"""
import os, sys, time
os.chdir("/data")
def put(path, data):
    with open(path, "wb") as f:
        f.write(data)
def fsync(path):
    fd = os.open(path, os.O_RDONLY)
    os.fsync(fd)
    os.close(fd)
for name in ("log", "old", "a", "trunc", "trunc2", "gone", "gone2"):
    put(name, name.encode() * 2000)
    fsync(name)
fsync(".")
# made durable: data (fsync of the file), entries (fsync of the directory), a new fsynced file
with open("log", "wb") as f:
    f.write(b"synced|")
    f.flush()
    os.fsync(f.fileno())
os.rename("a", "b")
os.unlink("gone2")
fsync(".")
os.truncate("trunc2", 10)
fsync("trunc2")
put("kept", b"kept")
fsync("kept")
# not made durable
with open("log", "ab") as f:
    f.write(b"unsynced")
os.rename("old", "renamed")
os.unlink("gone")
os.truncate("trunc", 10)
put("new", b"never synced")
os.mkdir("dir")
put("dir/f", b"in a new directory")
print("READY", flush=True)
time.sleep(3600)
"""

BEFORE_CUT = {
    "log": b"synced|unsynced",
    "renamed": b"old" * 2000,
    "b": b"a" * 2000,
    "trunc": b"trunctrunc",
    "trunc2": b"trunc2trun",
    "kept": b"kept",
    "new": b"never synced",
    "dir/f": b"in a new directory",
}
AFTER_CUT = {
    "log": b"synced|",
    "old": b"old" * 2000,
    "b": b"a" * 2000,
    "trunc": b"trunc" * 2000,
    "trunc2": b"trunc2trun",
    "gone": b"gone" * 2000,
    "kept": b"kept",
}
# Reads every file through the mount, as the program sees it.
READER = r"""
import json, os
out = {}
for root, dirs, files in os.walk("/data"):
    for name in files:
        path = os.path.join(root, name)
        out[os.path.relpath(path, "/data")] = open(path, "rb").read().decode("latin-1")
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def solo(docker_client: docker.DockerClient) -> Iterator[SoloRun]:
    with SoloRun(DockerProvider(docker_client)) as run:
        yield run


def seen(app_exec: tuple[int, str]) -> dict[str, bytes]:
    code, out = app_exec
    assert code == 0, out
    return {k: v.encode("latin-1") for k, v in json.loads(out.strip().splitlines()[-1]).items()}


def test_a_power_cut_keeps_exactly_what_was_synced(solo: SoloRun) -> None:
    app = solo.app("lazyfs", "/data", lazy_volume=True, command=["python3", "-c", WRITER], name="writer")
    app.wait_for_log("READY", timeout=60)
    # The lazyfs image's entrypoint is the plain wrapper: the program ran with the mount over /data.
    assert seen(app.exec(["python3", "-c", READER])) == BEFORE_CUT, "reads see unsynced data"
    status = app.ask("status")
    assert status["unsynced_files"] >= 3 and status["unsynced_entries"] >= 5, status
    app.power_cut()
    assert solo.volume_files(app) == AFTER_CUT


def test_without_the_lazy_layer_the_same_cut_loses_nothing(solo: SoloRun) -> None:
    """The bug this layer exists for: containers share the host's page cache."""
    app = solo.app("lazyfs", "/data", lazy_volume=False, command=["python3", "-c", WRITER], name="plain")
    app.wait_for_log("READY", timeout=60)
    app.power_cut()
    assert solo.volume_files(app) == BEFORE_CUT


def test_a_crash_of_the_program_alone_loses_nothing(solo: SoloRun) -> None:
    """kill-app SIGKILLs the program, not the machine: the page cache survives and reaches the disk."""
    app = solo.app("lazyfs", "/data", lazy_volume=True, command=["python3", "-c", WRITER], name="crash")
    app.wait_for_log("READY", timeout=60)
    app.ask("kill-app")
    app.container.wait(timeout=60)
    assert solo.volume_files(app) == BEFORE_CUT


def test_a_stopped_container_syncs_everything(solo: SoloRun) -> None:
    """docker stop is a clean shutdown: the program gets SIGTERM, then the page cache reaches the disk."""
    app = solo.app("lazyfs", "/data", lazy_volume=True, command=["python3", "-c", WRITER], name="stop")
    app.wait_for_log("READY", timeout=60)
    app.container.stop(timeout=30)
    assert app.container.wait(timeout=30)["StatusCode"] == 128 + 15, "the program's own end (SIGTERM)"
    assert solo.volume_files(app) == BEFORE_CUT


def test_drop_of_one_file_is_seen_by_the_running_program(solo: SoloRun) -> None:
    app = solo.app("lazyfs", "/data", lazy_volume=True, command=["python3", "-c", WRITER], name="drop")
    app.wait_for_log("READY", timeout=60)
    answer = app.ask("drop", path="log")
    assert answer["lost_bytes"] == len(b"synced|unsynced") and answer["lost_files"] == 1, answer
    view = seen(app.exec(["python3", "-c", READER]))
    assert view["log"] == b"synced|", "the kernel's cached pages and size were invalidated"
    assert view["new"] == b"never synced", "other files keep their unsynced data"


def test_power_off_reports_what_it_lost(solo: SoloRun) -> None:
    app = solo.app("lazyfs", "/data", lazy_volume=True, command=["python3", "-c", WRITER], name="poweroff")
    app.wait_for_log("READY", timeout=60)
    answer = app.ask("power-off")
    # log: 15 bytes in its one dirty page; new and dir/f: their bytes (a cut is no written data).
    assert answer["lost_bytes"] == 15 + 12 + 18, answer
    # log, trunc, new, dir/f; old, renamed, gone, new, dir in / and f in dir.
    assert answer["lost_files"] == 4 and answer["lost_entries"] == 6, answer
    assert app.container.wait(timeout=30)["StatusCode"] == 137
    assert solo.volume_files(app) == AFTER_CUT


def test_sigpwr_is_the_same_power_off_without_an_exec(solo: SoloRun) -> None:
    """What drop-node power sends each lazy app: the cut of `power-off` by a signal, and its report."""
    app = solo.app("lazyfs", "/data", lazy_volume=True, command=["python3", "-c", WRITER], name="sigpwr")
    app.wait_for_log("READY", timeout=60)
    lazy.cut_power(app.container)
    assert lazy.lost_at_power_off(app.container) == 15 + 12 + 18, "the same loss as the power-off request"
    assert app.container.wait(timeout=30)["StatusCode"] == 137
    assert solo.volume_files(app) == AFTER_CUT


def test_postgres_with_fsync_keeps_every_acknowledged_row_across_20_power_cuts(solo: SoloRun) -> None:
    pg = PostgresAlone(solo, lazy=True, name="pg-fsync")
    pg.wait_ready()
    rng = random.Random(14)
    acknowledged = unsynced = 0
    for cut in range(20):
        result = power_cut_round(
            pg, range(cut * 100_000, (cut + 1) * 100_000), rng.uniform(0.5, 2.0), lazy=True
        )
        assert not result.lost, f"power cut {cut}: acknowledged rows lost: {result.lost[:10]}"
        acknowledged += len(result.writes.acknowledged)
        unsynced += result.unsynced_bytes_before or 0
    assert acknowledged > 20 * 10, "the cuts fell while rows were being written"
    assert unsynced > 0, "the cuts lost unsynced data (PostgreSQL fsyncs its data files only at checkpoints)"


def test_postgres_without_fsync_loses_acknowledged_commits_on_a_lazy_volume(solo: SoloRun) -> None:
    pg = PostgresAlone(solo, lazy=True, fsync=False, name="pg-nofsync")
    pg.wait_ready()
    result = power_cut_round(pg, range(100_000), 2.0, lazy=True)
    assert len(result.writes.acknowledged) > 10
    assert result.lost, "fsync=off: acknowledged commits never reached the disk and are gone"


def test_nats_with_sync_always_keeps_every_acknowledged_message_across_20_power_cuts(solo: SoloRun) -> None:
    server = NatsAlone(solo, lazy=True, sync="always", name="nats-always")
    server.wait_ready()
    rng = random.Random(14)
    acknowledged = 0
    for cut in range(20):
        result = power_cut_round(
            server, range(cut * 100_000, (cut + 1) * 100_000), rng.uniform(0.5, 2.0), lazy=True
        )
        assert not result.lost, f"power cut {cut}: acknowledged messages lost: {result.lost[:10]}"
        acknowledged += len(result.writes.acknowledged)
    assert acknowledged > 20 * 10


def test_nats_with_the_default_sync_interval_loses_acknowledged_messages(solo: SoloRun) -> None:
    """Jepsen's NATS 2.12.1 finding on one server: acknowledged, not yet fsynced, gone with the power."""
    server = NatsAlone(solo, lazy=True, sync="default", name="nats-default")
    server.wait_ready()
    result = power_cut_round(server, range(100_000), 2.0, lazy=True)
    assert len(result.writes.acknowledged) > 10
    assert result.lost, "the default sync interval (2 min) left acknowledged messages unsynced"
