"""Power cuts on the replicated stack, whose data services keep their volumes on the lazy
FUSE layer (durability: lazy): what a program did not fsync is gone after the cut, what it
did is there, and the fault says how many unsynced bytes each volume lost.

Runs xmux_sim/stacks/replicated.yaml as shipped, so it cannot run while a replicated
scenario (or another replicated-stack module) runs.
"""

from __future__ import annotations

import pytest

from tests.stack.test_roles import played
from xmux_sim.faults.base import FaultError
from xmux_sim.faults.spec import FaultSpec
from xmux_sim.providers.docker.provider import DockerRun
from xmux_sim.services.nats import DATA_DIR as NATS_DATA
from xmux_sim.services.postgres import PostgresRuntime
from xmux_sim.services.replicas import wait_until

PG_DATA = PostgresRuntime.data_dir
SYNCED = b"s" * 5000
UNSYNCED = b"u" * 7000

# Written by the program itself (python3 in the app container), through the FUSE mount.
WRITE = """
import os, sys
d = sys.argv[1]
with open(os.path.join(d, "probe-synced"), "wb") as f:
    f.write(b"s" * 5000); f.flush(); os.fsync(f.fileno())
fd = os.open(d, os.O_RDONLY); os.fsync(fd); os.close(fd)
for name in ("probe-unsynced", "probe-other"):
    with open(os.path.join(d, name), "wb") as f:
        f.write(b"u" * 7000)
"""

READ = """
import os, sys
for name in ("probe-synced", "probe-unsynced", "probe-other"):
    p = os.path.join(sys.argv[1], name)
    print(name, os.path.getsize(p) if os.path.exists(p) else "absent")
"""


def write_probes(run: DockerRun, service: str, replica: int, data_dir: str) -> None:
    code, out = run.exec(service, ["python3", "-c", WRITE, data_dir], replica)
    assert code == 0, out


def probes(run: DockerRun, service: str, replica: int, data_dir: str) -> dict[str, str]:
    """probe file -> its size on the volume after the cut, or "absent"."""

    def read() -> dict[str, str]:
        code, out = run.exec(service, ["python3", "-c", READ, data_dir], replica)
        assert code == 0, out
        return dict(line.split() for line in out.splitlines())

    # The app is started again by the heal; its volume answers once its FUSE layer is up.
    found: dict[str, str] = {}

    def readable() -> bool:
        try:
            found.update(read())
        except Exception:  # the app is still starting (not running yet, or its mount not up)
            return False
        return True

    wait_until(readable, 60, f"{service}-{replica}'s volume readable after the heal")
    return found


def test_power_off_loses_what_was_not_synced_and_says_how_much(rstack: DockerRun) -> None:
    write_probes(rstack, "nats", 1, NATS_DATA)
    event = played(rstack, FaultSpec.parse("power-off", {"pod": "nats-1"}))
    lost = event.unsynced["nats-1"]
    assert lost is not None and lost >= 2 * len(UNSYNCED), f"both unsynced files' bytes counted: {lost}"
    assert "[unsynced lost: nats-1 " in event.description
    assert probes(rstack, "nats", 1, NATS_DATA) == {
        "probe-synced": str(len(SYNCED)),
        "probe-unsynced": "absent",  # never fsynced, nor its directory entry
        "probe-other": "absent",
    }


def test_lose_unsynced_of_one_file_keeps_the_other_unsynced_file(rstack: DockerRun) -> None:
    write_probes(rstack, "postgres", 2, PG_DATA)
    spec = FaultSpec.parse("lose-unsynced", {"pod": "postgres-2", "path": "probe-unsynced"})
    event = played(rstack, spec)
    assert event.unsynced["postgres-2"] == len(UNSYNCED), "exactly the named file's unsynced bytes"
    assert probes(rstack, "postgres", 2, PG_DATA) == {
        "probe-synced": str(len(SYNCED)),
        "probe-unsynced": "0",  # its name was written with the rest, its data was lost
        "probe-other": str(len(UNSYNCED)),  # synced before the cut
    }


def test_a_node_power_cut_loses_unsynced_writes_of_each_lazy_volume_on_it(rstack: DockerRun) -> None:
    write_probes(rstack, "nats", 2, NATS_DATA)
    event = played(rstack, FaultSpec.parse("drop-node", {"node": "node-3", "mode": "power"}))
    assert set(event.unsynced) == {"postgres-2", "nats-2", "minio-2"}, "node-3's pods with volumes"
    assert all(isinstance(n, int) for n in event.unsynced.values()), "all three are lazy"
    nats_lost = event.unsynced["nats-2"]
    assert nats_lost is not None and nats_lost >= 2 * len(UNSYNCED)
    assert probes(rstack, "nats", 2, NATS_DATA)["probe-unsynced"] == "absent"


def test_a_plain_volume_keeps_its_writes_and_the_event_says_so(rstack: DockerRun) -> None:
    # Prometheus keeps its volume plain (no durability: lazy): a cut there is a kill.
    event = played(rstack, FaultSpec.parse("power-off", {"pod": "prometheus-0"}))
    assert event.unsynced == {"prometheus-0": None}
    assert event.description.endswith("[page cache kept: prometheus-0]")


def test_lose_unsynced_needs_a_lazy_volume(rstack: DockerRun) -> None:
    with pytest.raises(FaultError, match="its volume is not lazy"):
        rstack.faults().inject(FaultSpec.parse("lose-unsynced", {"pod": "prometheus-0"}))
    assert rstack.faults().active() == []
