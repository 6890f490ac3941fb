"""The lazy volume: the namespace and data a program sees, and the rules that make them durable.

Every method runs to completion without yielding (the FUSE loop is single-threaded and
nothing here awaits), so operations never interleave. Errors are OSError with the errno
the program should get. The rules are in the package docstring.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .backing import Attrs, Backing
from .inodes import ROOT_ID, Inode, Link
from .pages import FileData, ReadDurable

RENAME_NOREPLACE = 1
RENAME_EXCHANGE = 2
TEMP_PREFIX = b".lazyfs-moving-"


def fail(code: int) -> OSError:
    return OSError(code, os.strerror(code))


@dataclass
class Counters:
    synced_bytes: int = 0
    """File data written to the backing directory by syncs."""
    dropped_bytes: int = 0
    """Unsynced file data lost on purpose (drop, tear)."""
    dropped_entries: int = 0


class LazyVolume:
    def __init__(self, backing: Backing) -> None:
        self.backing = backing
        st = backing.lstat(b".")
        attrs = Attrs.of(st)
        self.root = Inode(ROOT_ID, attrs, attrs.copy())
        self.inodes: dict[int, Inode] = {ROOT_ID: self.root}
        self._next_id = ROOT_ID + 1
        self._by_backing_ino: dict[int, Inode] = {}
        self._persisting: set[tuple[int, bytes]] = set()
        self.counters = Counters()
        # Names of files set aside in the root (see _set_aside) are this volume's own, never
        # a name an earlier mount left behind.
        self._aside = TEMP_PREFIX + secrets.token_hex(4).encode() + b"-"

    # ----- finding inodes -----------------------------------------------------------------

    def get(self, inode_id: int) -> Inode:
        node = self.inodes.get(inode_id)
        if node is None:
            raise fail(errno.ESTALE)
        return node

    def entries(self, directory: Inode) -> dict[bytes, Inode]:
        if not directory.is_dir:
            raise fail(errno.ENOTDIR)
        if directory.entries is None:
            self._load(directory)
        assert directory.entries is not None
        return directory.entries

    def lookup(self, directory: Inode, name: bytes) -> Inode:
        node = self.entries(directory).get(name)
        if node is None:
            raise fail(errno.ENOENT)
        return node

    def resolve(self, path: str) -> Inode:
        """The inode at ``path`` (relative to the mount) as the program sees it."""
        node = self.root
        for part in os.fsencode(path).split(b"/"):
            if part and part != b".":
                node = self.lookup(node, part)
        return node

    def walk(self) -> Iterator[Inode]:
        """Every inode read so far (loaded directories and their children, and open anonymous files)."""
        return iter(list(self.inodes.values()))

    def _load(self, directory: Inode) -> None:
        path = self._path(directory)
        directory.entries, directory.durable_entries = {}, {}
        for name in self.backing.listdir(path):
            if directory.is_root and name.startswith(TEMP_PREFIX):
                continue  # set aside by a sync a power cut interrupted: the program never named it
            st = self.backing.lstat(path + b"/" + name)
            node = self._by_backing_ino.get(st.st_ino) if stat.S_ISREG(st.st_mode) else None
            if node is None:
                node = self._new_inode(Attrs.of(st))
                if stat.S_ISREG(st.st_mode):
                    node.data = FileData(st.st_size)
                    if st.st_nlink > 1:
                        self._by_backing_ino[st.st_ino] = node
                elif stat.S_ISLNK(st.st_mode):
                    node.target = self.backing.readlink(path + b"/" + name)
                node.durable_attrs = node.attrs.copy()
            directory.entries[name] = directory.durable_entries[name] = node
            node.links.add((directory, name))
            node.durable_links.add((directory, name))

    def _new_inode(self, attrs: Attrs) -> Inode:
        node = Inode(self._next_id, attrs, attrs.copy())
        self._next_id += 1
        self.inodes[node.id] = node
        return node

    # ----- the namespace ------------------------------------------------------------------

    def make(
        self,
        parent: Inode,
        name: bytes,
        mode: int,
        uid: int,
        gid: int,
        rdev: int = 0,
        target: bytes | None = None,
    ) -> Inode:
        """Create a file, directory, node or symlink (``mode`` holds the type)."""
        entries = self.entries(parent)
        if name in entries:
            raise fail(errno.EEXIST)
        now = time.time_ns()
        if parent.attrs.mode & stat.S_ISGID:
            gid = parent.attrs.gid
            if stat.S_ISDIR(mode):
                mode |= stat.S_ISGID
        attrs = Attrs(mode, uid, gid, rdev, now, now, now)
        node = self._new_inode(attrs)
        # Never durable yet: `durable_attrs` only matters once the inode is in the backing directory.
        if stat.S_ISREG(mode):
            node.data = FileData(0)
        elif stat.S_ISDIR(mode):
            node.entries, node.durable_entries = {}, {}
        elif stat.S_ISLNK(mode):
            node.target = target
        self._attach(parent, name, node)
        return node

    def link(self, node: Inode, parent: Inode, name: bytes) -> None:
        # Linux looks the new name up before it refuses a directory (EEXIST wins over EPERM).
        if name in self.entries(parent):
            raise fail(errno.EEXIST)
        if node.is_dir:
            raise fail(errno.EPERM)
        self._attach(parent, name, node)
        node.attrs.ctime_ns = time.time_ns()

    def unlink(self, parent: Inode, name: bytes) -> None:
        node = self.lookup(parent, name)
        if node.is_dir:
            raise fail(errno.EISDIR)
        self.release_if_unused(self._detach(parent, name))

    def rmdir(self, parent: Inode, name: bytes) -> None:
        node = self.lookup(parent, name)
        if not node.is_dir:
            raise fail(errno.ENOTDIR)
        if self.entries(node):
            raise fail(errno.ENOTEMPTY)
        self.release_if_unused(self._detach(parent, name))

    def rename(self, old_parent: Inode, old: bytes, new_parent: Inode, new: bytes, flags: int = 0) -> None:
        moved = self.lookup(old_parent, old)
        target = self.entries(new_parent).get(new)
        if moved.is_dir and self._is_within(new_parent, moved):
            raise fail(errno.EINVAL)
        if flags & RENAME_EXCHANGE:
            if target is None:
                raise fail(errno.ENOENT)
            if target.is_dir and self._is_within(old_parent, target):
                raise fail(errno.EINVAL)
            self._detach(old_parent, old)
            self._detach(new_parent, new)
            self._attach(new_parent, new, moved)
            self._attach(old_parent, old, target)
            return
        if target is moved:
            return
        if target is not None:
            if flags & RENAME_NOREPLACE:
                raise fail(errno.EEXIST)
            if target.is_dir and not moved.is_dir:
                raise fail(errno.EISDIR)
            if moved.is_dir and not target.is_dir:
                raise fail(errno.ENOTDIR)
            if target.is_dir and self.entries(target):
                raise fail(errno.ENOTEMPTY)
            self._detach(new_parent, new)
        self._detach(old_parent, old)
        self._attach(new_parent, new, moved)
        if target is not None:
            self.release_if_unused(target)

    def _is_within(self, node: Inode, ancestor: Inode) -> bool:
        while True:
            if node is ancestor:
                return True
            if node.is_root or not node.links:
                return False
            node = next(iter(node.links))[0]

    def _attach(self, parent: Inode, name: bytes, node: Inode) -> None:
        self.entries(parent)[name] = node
        node.links.add((parent, name))
        parent.attrs.mtime_ns = parent.attrs.ctime_ns = time.time_ns()

    def _detach(self, parent: Inode, name: bytes) -> Inode:
        node = self.entries(parent).pop(name)
        node.links.discard((parent, name))
        now = time.time_ns()
        parent.attrs.mtime_ns = parent.attrs.ctime_ns = node.attrs.ctime_ns = now
        return node

    def release_if_unused(self, node: Inode) -> None:
        """Forget an inode nobody can reach any more (no name, no open handle, unknown to the kernel)."""
        if node.links or node.opens or node.lookups or node.is_root:
            return
        self.inodes.pop(node.id, None)
        if node.fd is not None and not node.durable_links:
            os.close(node.fd)
            node.fd = None

    # ----- attributes and data ------------------------------------------------------------

    def set_attrs(
        self,
        node: Inode,
        *,
        mode: int | None = None,
        uid: int | None = None,
        gid: int | None = None,
        size: int | None = None,
        atime_ns: int | None = None,
        mtime_ns: int | None = None,
    ) -> None:
        now = time.time_ns()
        attrs = node.attrs
        if size is not None:
            if node.data is None:
                raise fail(errno.EISDIR if node.is_dir else errno.EINVAL)
            node.data.truncate(size)
            attrs.mtime_ns = now
        if mode is not None:
            attrs.mode = stat.S_IFMT(attrs.mode) | stat.S_IMODE(mode)
        if uid is not None:
            attrs.uid = uid
        if gid is not None:
            attrs.gid = gid
        if atime_ns is not None:
            attrs.atime_ns = atime_ns
        if mtime_ns is not None:
            attrs.mtime_ns = mtime_ns
        attrs.ctime_ns = now

    def read(self, node: Inode, offset: int, length: int) -> bytes:
        assert node.data is not None
        return node.data.read(offset, length, self._durable_reader(node))

    def write(self, node: Inode, offset: int, data: bytes) -> None:
        assert node.data is not None
        node.data.write(offset, data, self._durable_reader(node))
        node.attrs.mtime_ns = node.attrs.ctime_ns = time.time_ns()

    def readlink(self, node: Inode) -> bytes:
        if node.target is None:
            raise fail(errno.EINVAL)
        return node.target

    def _durable_reader(self, node: Inode) -> ReadDurable:
        def read(offset: int, length: int) -> bytes:
            fd = self.backing_fd(node)
            return b"" if fd is None else os.pread(fd, length, offset)

        return read

    def backing_fd(self, node: Inode) -> int | None:
        """The backing file of a regular file that has one (opened once, kept)."""
        if node.fd is None and node.durable_links:
            node.fd = self.backing.open_file(self._path(node))
        return node.fd

    # ----- making things durable (rules 1-5) ----------------------------------------------

    def sync(self, node: Inode, datasync: bool = False) -> None:
        """fsync(2)/fdatasync(2) of ``node``."""
        if node.is_dir:
            self.sync_dir(node)
            return
        if not node.durable_links:
            if not node.links:
                return  # an unnamed file: nowhere durable to put it
            self._persist_entry(*min(node.links, key=_link_order))  # rule 4
        if node.data is not None:
            fd = self.backing_fd(node)
            assert fd is not None
            self.counters.synced_bytes += node.data.flush(fd)
            self.backing.set_attrs(b"", node.attrs, fd=fd)
            if datasync:
                os.fdatasync(fd)
            else:
                os.fsync(fd)
        else:
            self.backing.set_attrs(self._path(node), node.attrs)
        node.durable_attrs = node.attrs.copy()

    def sync_dir(self, directory: Inode) -> None:
        if not directory.durable:
            if not directory.links:
                return  # removed, and never in the backing directory
            self._persist_entry(*next(iter(directory.links)))
        if directory.entries is not None:
            for name in directory.pending_entries():
                self._persist_entry(directory, name)
        path = self._path(directory)
        self.backing.set_attrs(path, directory.attrs)
        self.backing.fsync_dir(path)
        directory.durable_attrs = directory.attrs.copy()

    def sync_all(self) -> None:
        """Everything durable, as unmounting does."""
        for node in self.walk():
            if node.is_dir and (node.links or node.is_root):
                self.sync_dir(node)
        for node in self.walk():
            if not node.is_dir and node.unsynced() and (node.links or node.durable_links):
                self.sync(node)

    def _persist_entry(self, parent: Inode, name: bytes) -> None:
        """Make the backing directory's entry ``name`` in ``parent`` what the program sees (rule 3)."""
        assert parent.entries is not None and parent.durable_entries is not None
        key = (parent.id, name)
        if parent.durable_entries.get(name) is parent.entries.get(name) or key in self._persisting:
            return  # done, or already under way further up (names swapped: `_vacate` breaks the cycle)
        self._persisting.add(key)
        try:
            self._persist_entry_once(parent, name)
        finally:
            self._persisting.discard(key)

    def _persist_entry_once(self, parent: Inode, name: bytes) -> None:
        assert parent.entries is not None and parent.durable_entries is not None
        if not parent.durable:
            self._persist_entry(*next(iter(parent.links)))
            if not parent.durable:
                return  # its own name is being persisted further up (a cycle): the caller sets aside
        old = parent.durable_entries.get(name)
        if old is not None:
            self._vacate(parent, name, old)
            old = parent.durable_entries.get(name)
        new = parent.entries.get(name)
        path = self._path(parent) + b"/" + name
        if new is None:
            if old is not None:
                self.backing.remove(path, old.is_dir)
                self._forget_durable(old, (parent, name))
        elif new is not old:
            stale = [link for link in new.durable_links if _current(link) is not new]
            if stale:
                source = min(stale, key=_link_order)
                source_path = self._path(source[0]) + b"/" + source[1]
                self._replace(path, old, new, lambda at: self.backing.rename(source_path, at), atomic=True)
                self._forget_durable(new, source)
                if source[0] is not parent:
                    self.backing.fsync_dir(self._path(source[0]))
            elif new.durable_links:
                existing = self._path(new)
                self._replace(path, old, new, lambda at: self.backing.link(existing, at), atomic=False)
            else:
                self._create(path, old, new)
            if old is not None:
                self._forget_durable(old, (parent, name))
            new.durable_links.add((parent, name))
            parent.durable_entries[name] = new
        self.backing.fsync_dir(self._path(parent))

    def _vacate(self, parent: Inode, name: bytes, old: Inode) -> None:
        """Before ``name`` in ``parent`` stops holding ``old``: save what still needs it there."""
        if old.links and old.durable_links == {(parent, name)}:
            # Its last durable name, while the program still sees it elsewhere: move it there first,
            # or, when that move waits for this one (names swapped), out of the way.
            self._persist_entry(*min(old.links, key=_link_order))
            if old.durable_links == {(parent, name)}:
                self._set_aside(parent, name, old)
        elif old.is_dir and not old.links:
            for child in old.pending_entries():  # the removals inside a removed directory
                self._persist_entry(old, child)
        if old.data is not None and old.opens:
            self.backing_fd(old)  # an open file keeps its bytes after its last name goes

    def _set_aside(self, parent: Inode, name: bytes, old: Inode) -> None:
        """Move ``old`` out of ``name`` to a name of its own in the root, where it waits for its new
        place to become durable: out of ``parent``, which may be about to be removed."""
        assert parent.durable_entries is not None
        self.entries(self.root)
        assert self.root.durable_entries is not None
        temp = self._aside + str(old.id).encode()
        self.backing.rename(self._path(parent) + b"/" + name, b"./" + temp)
        del parent.durable_entries[name]
        self.root.durable_entries[temp] = old
        old.durable_links = {(self.root, temp)}
        self.backing.fsync_dir(b".")
        self.backing.fsync_dir(self._path(parent))

    def _replace(
        self, path: bytes, old: Inode | None, new: Inode, put: Callable[[bytes], None], atomic: bool
    ) -> None:
        """Put ``new`` at ``path`` where ``old`` may be, in one step where the backing file system allows."""
        if old is not None and (old.is_dir or new.is_dir) and not (old.is_dir and new.is_dir and atomic):
            self.backing.remove(path, old.is_dir)  # no single call replaces these: make room first
            old = None
        if old is None or atomic:
            put(path)
            return
        temp = path.rsplit(b"/", 1)[0] + b"/" + TEMP_PREFIX + b"new"
        put(temp)
        self.backing.rename(temp, path)

    def _create(self, path: bytes, old: Inode | None, new: Inode) -> None:
        if new.data is not None and new.fd is not None:
            # It had a backing file once (an unnamed open file): hold its bytes, the new one starts empty.
            new.data.rebase_to_empty(self._durable_reader(new))
            os.close(new.fd)
            new.fd = None
        attrs = new.attrs.copy()
        self._replace(path, old, new, lambda at: self.backing.make(at, attrs, new.target), atomic=False)
        new.durable_attrs = attrs
        if new.is_dir:
            new.durable_entries = {}

    def _forget_durable(self, node: Inode, link: Link) -> None:
        node.durable_links.discard(link)
        parent, name = link
        if parent.durable_entries is not None and parent.durable_entries.get(name) is node:
            del parent.durable_entries[name]
        if not node.durable_links and node.id not in self.inodes and node.fd is not None:
            os.close(node.fd)  # nobody can reach it any more
            node.fd = None

    def _path(self, node: Inode) -> bytes:
        """Where the backing directory holds ``node``."""
        if node.is_root:
            return b"."
        if not node.durable_links:
            raise AssertionError(f"inode {node.id} has no durable name")
        parent, name = min(node.durable_links, key=_link_order)
        return self._path(parent) + b"/" + name

    # ----- what is not durable ------------------------------------------------------------

    def unsynced(self) -> Unsynced:
        files = entries = data = 0
        for node in self.walk():
            if node.data is not None and node.data.dirty:
                files += 1
                data += node.data.unsynced_bytes()
            entries += len(node.pending_entries())
        return Unsynced(bytes=data, files=files, entries=entries)


@dataclass(frozen=True)
class Unsynced:
    bytes: int
    files: int
    entries: int


def _current(link: Link) -> Inode | None:
    parent, name = link
    return None if parent.entries is None else parent.entries.get(name)


def _link_order(link: Link) -> tuple[int, bytes]:
    return (link[0].id, link[1])
