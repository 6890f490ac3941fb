"""The lazy volume's rules, checked against its real backing directory.

A power cut is the loss of the volume object (its memory): what the backing directory
holds then is what survives. The FUSE layer over the same object is tested in
tests/stack/test_lazyfs.py.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.unit.lazyfs_support import Program, tree
from xmux_sim.lazyfs.loss import lose_unsynced
from xmux_sim.lazyfs.pages import PAGE
from xmux_sim.lazyfs.volume import RENAME_EXCHANGE


@pytest.fixture
def backing(tmp_path: Path) -> Path:
    root = tmp_path / "volume"
    root.mkdir()
    return root


def test_only_fsynced_data_survives_a_power_cut(backing: Path) -> None:
    (backing / "log").write_bytes(b"old")
    p = Program(backing)
    p.write("log", 0, b"synced part|")
    p.fsync("log")
    p.write("log", 12, b"lost part")
    assert p.read("log") == b"synced part|lost part", "reads see what is not synced yet"
    assert tree(backing) == {"log": b"synced part|"}


def test_a_new_file_needs_its_directory_fsynced_or_itself(backing: Path) -> None:
    p = Program(backing)
    p.create("never", b"never synced")
    p.create("named", b"name synced, data not")
    p.create("kept", b"fsynced file")
    p.fsync("kept")  # rule 4: its name comes along
    assert tree(backing) == {"kept": b"fsynced file"}
    p.fsync("")  # the directory: every name in it, but no file's data (rule 5)
    assert tree(backing) == {"kept": b"fsynced file", "named": b"", "never": b""}


def test_fsync_of_a_file_in_new_directories_persists_only_its_path(backing: Path) -> None:
    p = Program(backing)
    p.mkdir("a")
    p.mkdir("a/b")
    p.create("a/b/f", b"data")
    p.create("a/sibling", b"x")
    p.mkdir("other")
    p.fsync("a/b/f")
    assert tree(backing) == {"a": "dir", "a/b": "dir", "a/b/f": b"data"}


def test_truncate_follows_the_data_rule(backing: Path) -> None:
    (backing / "f").write_bytes(b"A" * 3 * PAGE)
    p = Program(backing)
    p.truncate("f", 10)
    p.truncate("f", PAGE + 20)
    p.write("f", PAGE, b"B")
    expected = b"A" * 10 + bytes(PAGE - 10) + b"B" + bytes(19)
    assert p.read("f") == expected, "bytes cut by the truncate read as zeros, not as the old backing bytes"
    assert tree(backing) == {"f": b"A" * 3 * PAGE}
    p.fsync("f")
    assert tree(backing) == {"f": expected}


def test_rename_is_durable_with_either_directory(backing: Path) -> None:
    (backing / "src").mkdir()
    (backing / "dst").mkdir()
    (backing / "src" / "f").write_bytes(b"f")
    (backing / "src" / "g").write_bytes(b"g")
    p = Program(backing)
    p.rename("src/f", "dst/f2")
    p.rename("src/g", "dst/g2")
    assert p.view() == {"dst": "dir", "dst/f2": b"f", "dst/g2": b"g", "src": "dir"}
    assert tree(backing) == {"dst": "dir", "src": "dir", "src/f": b"f", "src/g": b"g"}
    p.fsync("src")  # the source directory persists both renames whole
    assert tree(backing) == {"dst": "dir", "dst/f2": b"f", "dst/g2": b"g", "src": "dir"}


def test_atomic_replace_needs_the_directory_fsync(backing: Path) -> None:
    (backing / "conf").write_bytes(b"v1")
    p = Program(backing)
    p.create("conf.tmp", b"v2")
    p.fsync("conf.tmp")
    p.rename("conf.tmp", "conf")
    assert tree(backing) == {"conf": b"v1", "conf.tmp": b"v2"}
    p.fsync("")
    assert tree(backing) == {"conf": b"v2"}


def test_unlink_and_rmdir_are_undone_by_a_power_cut(backing: Path) -> None:
    (backing / "d").mkdir()
    (backing / "d" / "f").write_bytes(b"f")
    (backing / "g").write_bytes(b"g")
    p = Program(backing)
    p.unlink("d/f")
    p.rmdir("d")
    p.unlink("g")
    assert p.view() == {}
    assert tree(backing) == {"d": "dir", "d/f": b"f", "g": b"g"}
    p.fsync("")  # removing d durably first removes what d still holds on disk
    assert tree(backing) == {}


def test_an_unlinked_open_file_stays_readable_after_its_removal_is_synced(backing: Path) -> None:
    (backing / "f").write_bytes(b"content")
    p = Program(backing)
    node = p.node("f")
    node.opens += 1
    p.unlink("f")
    p.fsync("")
    assert tree(backing) == {}
    assert p.volume.read(node, 0, 100) == b"content"


def test_swapped_names_persist_without_losing_either_file(backing: Path) -> None:
    (backing / "a").write_bytes(b"A")
    (backing / "b").write_bytes(b"B")
    p = Program(backing)
    p.rename("a", "b", RENAME_EXCHANGE)
    assert p.view() == {"a": b"B", "b": b"A"}
    p.fsync("")
    assert tree(backing) == {"a": b"B", "b": b"A"}, "no file lost, no temporary name left"


def test_a_three_way_rotation_persists(backing: Path) -> None:
    for name in "xyz":
        (backing / name).write_bytes(name.encode())
    p = Program(backing)
    p.rename("x", "t")
    p.rename("y", "x")
    p.rename("z", "y")
    p.rename("t", "z")
    p.fsync("")
    assert tree(backing) == {"x": b"y", "y": b"z", "z": b"x"}


def test_links_and_symlinks_are_entries_too(backing: Path) -> None:
    (backing / "f").write_bytes(b"f")
    p = Program(backing)
    p.link("f", "hard")
    p.symlink("soft", "f")
    assert tree(backing) == {"f": b"f"}
    p.fsync("")
    assert tree(backing) == {"f": b"f", "hard": b"f", "soft": ("link", "f")}
    assert os.stat(backing / "f").st_ino == os.stat(backing / "hard").st_ino


def test_attributes_are_durable_with_the_file(backing: Path) -> None:
    (backing / "f").write_bytes(b"f")
    os.chmod(backing / "f", 0o644)
    p = Program(backing)
    p.chmod("f", 0o600)
    assert os.stat(backing / "f").st_mode & 0o777 == 0o644
    p.fsync("f")
    assert os.stat(backing / "f").st_mode & 0o777 == 0o600


def test_drop_one_file_keeps_the_others(backing: Path) -> None:
    (backing / "a").write_bytes(b"a-durable")
    (backing / "b").write_bytes(b"b-durable")
    p = Program(backing)
    p.write("a", 0, b"A-new")
    p.write("b", 0, b"B-new")
    loss = lose_unsynced(p.volume, path="a")
    assert loss.report() == {"lost_bytes": 9, "lost_files": 1, "lost_entries": 0, "written_bytes": 0}
    assert p.view() == {"a": b"a-durable", "b": b"B-newable"}


def test_drop_everything_returns_to_the_durable_state(backing: Path) -> None:
    (backing / "keep").write_bytes(b"k")
    p = Program(backing)
    p.create("new", b"x" * 5000)
    p.mkdir("dir")
    p.create("dir/inner", b"y")
    p.rename("keep", "renamed")
    p.write("renamed", 1, b"more")
    loss = lose_unsynced(p.volume)
    assert p.view() == {"keep": b"k"} == tree(backing)
    assert loss.lost_bytes == 5000 + 1 + 5
    assert loss.lost_entries == 5  # new, dir, keep->renamed (two names) in the root, inner in dir
    assert p.volume.unsynced().bytes == 0 and p.volume.counters.dropped_bytes == loss.lost_bytes


def test_a_torn_write_loses_a_seeded_share_of_the_pages(backing: Path) -> None:
    (backing / "f").write_bytes(b"")
    data = bytes(range(256)) * (PAGE * 10 // 256)

    def torn(seed: int) -> bytes:
        (backing / "f").write_bytes(b"")
        p = Program(backing)
        p.write("f", 0, data)
        loss = lose_unsynced(p.volume, seed=seed, fraction=0.5)
        assert loss.lost_bytes == loss.written_bytes == 5 * PAGE
        assert p.read("f") == (backing / "f").read_bytes(), "after the cut the program sees the disk"
        return (backing / "f").read_bytes()

    first = torn(7)
    pages = [first[i * PAGE : (i + 1) * PAGE] for i in range(10)]
    written = [i for i, page in enumerate(pages) if page == data[i * PAGE : (i + 1) * PAGE]]
    assert len(written) == 5, "half the pages reached the disk, the others are holes or missing"
    assert torn(7) == first, "the same seed tears the same way"


def test_sync_all_makes_the_disk_what_the_program_sees(backing: Path) -> None:
    (backing / "d").mkdir()
    (backing / "d" / "old").write_bytes(b"old" * 2000)
    p = Program(backing)
    p.mkdir("e")
    p.rename("d/old", "e/moved")
    p.write("e/moved", 3, b"patched")
    p.create("e/new", b"n" * 9000)
    p.truncate("e/new", 4097)
    p.symlink("e/link", "new")
    p.rmdir("d")
    p.volume.sync_all()
    assert tree(backing) == p.view()
    assert p.volume.unsynced().entries == 0 and p.volume.unsynced().bytes == 0


def replace_directory_by_one_that_took_its_files(backing: Path) -> Program:
    """What nats-server does with a raft group's directory: a new directory takes the old one's
    files and then its name; the parent is then fsynced. That sync once broke on the cycle (the
    new directory's own name was the entry being synced) and failed fsync with EIO."""
    (backing / "js" / "meta").mkdir(parents=True)
    (backing / "js" / "meta" / "peers").write_bytes(b"P")
    p = Program(backing)
    p.mkdir("js/new")
    p.rename("js/meta/peers", "js/new/peers")
    p.rmdir("js/meta")
    p.rename("js/new", "js/meta")
    p.fsync("js")
    return p


def test_a_directory_replaced_by_a_new_one_that_took_its_files_persists(backing: Path) -> None:
    p = replace_directory_by_one_that_took_its_files(backing)
    assert tree(backing / "js") == {"meta": "dir"}, "only the directory's name is durable, not its files"
    lose_unsynced(p.volume)
    assert p.view() == {"js": "dir", "js/meta": "dir"}, "the moved file was never synced in its new place"
    p.fsync("")
    p.fsync("js/meta")
    assert tree(backing) == {"js": "dir", "js/meta": "dir"}, "nothing left over from the move"


def test_the_same_replacement_synced_in_full_keeps_every_file(backing: Path) -> None:
    p = replace_directory_by_one_that_took_its_files(backing)
    p.fsync("js/meta")
    assert tree(backing) == {"js": "dir", "js/meta": "dir", "js/meta/peers": b"P"}
