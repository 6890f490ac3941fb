"""The lazy volume behaves like a real file system: random operations, compared with the host's.

Every operation runs on a plain directory (the reference: the host's own file system)
and on a lazy volume; what the program sees, and the errno of every refusal, must be the
same. After a clean stop (sync everything) the backing directory must equal the
reference; after a power cut (lose everything unsynced) the program must see exactly the
backing directory.
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.unit.lazyfs_support import Program, tree
from xmux_sim.lazyfs.loss import lose_unsynced

Step = tuple[Any, ...]
"""(operation, arguments...)."""

PATHS = ["a", "b", "d", "d/a", "d/b", "d/e", "d/e/a"]
path = st.sampled_from(PATHS)
# A run of one byte value: long enough to span pages (hypothesis' binary() stays short), and
# each write distinguishable from the others.
data = st.builds(lambda value, length: bytes([value]) * length, st.integers(1, 255), st.integers(0, 3 * 4096))
op = st.one_of(
    st.tuples(st.just("create"), path, data),
    st.tuples(st.just("write"), path, st.integers(0, 10000), data),
    st.tuples(st.just("truncate"), path, st.integers(0, 10000)),
    st.tuples(st.just("mkdir"), path),
    st.tuples(st.just("rmdir"), path),
    st.tuples(st.just("unlink"), path),
    st.tuples(st.just("rename"), path, path),
    st.tuples(st.just("link"), path, path),
    st.tuples(st.just("fsync"), path),
)


def on_reference(root: Path, step: Step) -> None:
    name, *args = step
    full: list[Any] = [str(root / a) if isinstance(a, str) else a for a in args]
    if name == "create":
        fd = os.open(full[0], os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        os.write(fd, full[1])
        os.close(fd)
    elif name == "mkdir":
        os.mkdir(full[0])
    elif name == "rmdir":
        os.rmdir(full[0])
    elif name == "unlink":
        os.unlink(full[0])
    elif name == "rename":
        os.rename(full[0], full[1])
    elif name == "link":
        os.link(full[0], full[1])


def on_program(p: Program, step: Step) -> None:
    name, *args = step
    if name == "create":
        p.create(str(args[0]), bytes(args[1]))
    elif name == "mkdir":
        p.mkdir(str(args[0]))
    elif name == "rmdir":
        p.rmdir(str(args[0]))
    elif name == "unlink":
        p.unlink(str(args[0]))
    elif name == "rename":
        p.rename(str(args[0]), str(args[1]))
    elif name == "link":
        p.link(str(args[0]), str(args[1]))


def outcome(fn: Any, *args: object) -> int:
    try:
        fn(*args)
    except OSError as exc:
        return exc.errno or -1
    return 0


def synced_as_seen(p: Program, backing: Path, path: str) -> None:
    """Right after an fsync, the backing directory holds what the program sees of that inode."""
    node = p.node(path)
    durable = backing / os.fsdecode(p.volume._path(node))
    if node.is_dir:
        names = {os.fsencode(n) for n in os.listdir(durable)}
        assert names == set(p.volume.entries(node)), f"fsync of {path}: names on disk"
    else:
        assert durable.read_bytes() == p.read(path), f"fsync of {path}: bytes on disk"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(op, max_size=25), st.booleans())
# A hard link onto an existing directory's own name: Linux answers EEXIST before EPERM.
@example([("mkdir", "a"), ("link", "a", "a")], False)
def test_random_operations_match_a_real_file_system(steps: list[Step], clean_stop: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        reference, backing = Path(tmp) / "reference", Path(tmp) / "backing"
        reference.mkdir()
        backing.mkdir()
        p = Program(backing)
        for step in steps:
            name, target = step[0], str(step[1])
            if name in ("write", "truncate", "fsync"):
                if not (reference / target).is_file() and name != "fsync":
                    continue
                if name == "fsync" and not (reference / target).exists():
                    continue
                if name == "write":
                    with open(reference / target, "r+b") as f:
                        f.seek(int(step[2]))
                        f.write(bytes(step[3]))
                    p.write(target, int(step[2]), bytes(step[3]))
                elif name == "truncate":
                    os.truncate(reference / target, int(step[2]))
                    p.truncate(target, int(step[2]))
                else:
                    p.fsync(target)
                    synced_as_seen(p, backing, target)
            else:
                expected = outcome(on_reference, reference, step)
                got = outcome(on_program, p, step)
                # Linux answers ENOTEMPTY or EEXIST for a rename onto a non-empty directory.
                same = {expected, got} <= {errno.ENOTEMPTY, errno.EEXIST} and expected != 0
                assert got == expected or same, f"{step}: errno {got}, the real file system gave {expected}"
            assert p.view() == tree(reference), f"after {step}"
        if clean_stop:
            p.volume.sync_all()
            assert tree(backing) == tree(reference)
        else:
            lose_unsynced(p.volume)
            assert p.view() == tree(backing)
            assert p.volume.unsynced().bytes == 0 and p.volume.unsynced().entries == 0
