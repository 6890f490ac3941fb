"""The lazy volume's control requests: checked before anything happens."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from xmux_sim.lazyfs.backing import Backing
from xmux_sim.lazyfs.control import ControlError, ControlServer, parse
from xmux_sim.lazyfs.volume import LazyVolume


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        (b"not json", "not JSON"),
        (b"[1]", "a request is a JSON object"),
        (b'{"op": "format-disk"}', "op: expected one of"),
        (b'{"op": "status", "path": "x"}', "status: unknown argument(s) path"),
        (b'{"op": "drop", "path": 3}', "path: expected a string"),
        (b'{"op": "drop", "seed": "7", "fraction": 0.5}', "seed: expected an integer"),
        (b'{"op": "drop", "seed": 7, "fraction": 1.5}', "fraction: expected a number from 0 to 1"),
        (b'{"op": "power-off", "fraction": 0.5}', "fraction: needs a seed"),
    ],
)
def test_bad_requests_are_refused_with_the_reason(raw: bytes, error: str) -> None:
    with pytest.raises(ControlError, match=error.replace("(", r"\(").replace(")", r"\)")):
        parse(raw)


def test_a_good_request_passes_as_is() -> None:
    assert parse(b'{"op": "drop", "path": "log", "seed": 3, "fraction": 0.25}\n') == {
        "op": "drop",
        "path": "log",
        "seed": 3,
        "fraction": 0.25,
    }


async def _no_invalidation(_loss: object) -> None:
    return None


def test_drop_answers_with_the_loss_and_status_counts_it(tmp_path: Path) -> None:
    import asyncio
    import stat

    (tmp_path / "volume").mkdir()
    volume = LazyVolume(Backing.open(str(tmp_path / "volume")))
    node = volume.make(volume.root, b"f", stat.S_IFREG | 0o644, 0, 0)
    volume.write(node, 0, b"x" * 100)
    calls: list[str] = []
    report = tmp_path / "power-off.json"
    server = ControlServer(
        volume,
        _no_invalidation,
        lambda: calls.append("freeze"),
        lambda: None,
        lambda: calls.append("off"),
        report_path=str(report),
    )
    status, after = asyncio.run(server.handle({"op": "status"}))
    assert (status["unsynced_bytes"], status["unsynced_files"], status["unsynced_entries"]) == (100, 1, 1)
    answer, after = asyncio.run(server.handle({"op": "drop"}))
    assert answer["lost_bytes"] == 100 and answer["lost_entries"] == 1 and after is None
    assert answer["before"]["unsynced_bytes"] == 100
    status, _ = asyncio.run(server.handle({"op": "status"}))
    assert (status["unsynced_bytes"], status["dropped_bytes"]) == (0, 100)
    answer, after = asyncio.run(server.handle({"op": "power-off"}))
    assert calls == ["freeze"] and after is not None, "power-off freezes first and cuts after answering"
    assert json.loads(report.read_text()) == answer, "the answer also stays in the container's files"


def test_power_off_of_one_file_loses_only_that_file_and_syncs_the_rest(tmp_path: Path) -> None:
    import asyncio
    import stat

    backing_dir = tmp_path / "volume"
    backing_dir.mkdir()
    volume = LazyVolume(Backing.open(str(backing_dir)))
    kept = volume.make(volume.root, b"kept", stat.S_IFREG | 0o644, 0, 0)
    lost = volume.make(volume.root, b"lost", stat.S_IFREG | 0o644, 0, 0)
    volume.sync_all()  # both names durable, both files empty
    volume.write(kept, 0, b"k" * 300)
    volume.write(lost, 0, b"l" * 200)
    server = ControlServer(
        volume, _no_invalidation, lambda: None, lambda: None, lambda: None, str(tmp_path / "r.json")
    )
    answer, after = asyncio.run(server.handle(parse(b'{"op": "power-off", "path": "lost"}')))
    assert after is not None
    assert (answer["lost_bytes"], answer["lost_files"], answer["lost_entries"]) == (200, 1, 0)
    assert (backing_dir / "kept").read_bytes() == b"k" * 300, "everything but the named file is synced"
    assert (backing_dir / "lost").read_bytes() == b"", "the named file keeps only its synced state"


def test_power_off_of_a_missing_file_is_refused_before_the_program_is_frozen(tmp_path: Path) -> None:
    import asyncio

    (tmp_path / "volume").mkdir()
    volume = LazyVolume(Backing.open(str(tmp_path / "volume")))
    calls: list[str] = []
    freeze = lambda: calls.append("freeze")  # noqa: E731
    server = ControlServer(volume, _no_invalidation, freeze, lambda: None, lambda: None, str(tmp_path / "r"))
    with pytest.raises(OSError):
        asyncio.run(server.handle(parse(b'{"op": "power-off", "path": "no/such/file"}')))
    assert calls == [], "the program goes on when the request is refused"
