"""The FUSE side: pyfuse3's request handlers, each a thin call into the lazy volume."""

from __future__ import annotations

import asyncio
import errno
import functools
import os
import stat
import sys
import traceback
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, TypeVar

import pyfuse3

from .inodes import Inode
from .loss import Loss
from .volume import LazyVolume

T = TypeVar("T")
CACHE_S = 1.0
"""How long the kernel may keep names and attributes: every change passes through here, so
only a deliberate loss makes them stale, and that invalidates them explicitly."""


def handler(fn: Callable[..., Awaitable[T]]) -> Callable[..., Awaitable[T]]:
    """Errors as errno to the program; a frozen volume (power going off) answers nothing more."""

    @functools.wraps(fn)
    async def wrapper(self: LazyOperations, *args: Any) -> T:
        if self.frozen:
            await asyncio.Event().wait()
        try:
            return await fn(self, *args)
        except pyfuse3.FUSEError:
            raise
        except OSError as exc:
            raise pyfuse3.FUSEError(exc.errno or errno.EIO) from None
        except Exception:
            # A bug here must not take the file system (and the program on it) down: say it, answer EIO.
            traceback.print_exc(file=sys.stderr)
            raise pyfuse3.FUSEError(errno.EIO) from None

    return wrapper


@dataclass
class OpenFile:
    node: Inode
    sync: bool
    datasync: bool


@dataclass
class OpenDir:
    node: Inode
    listing: list[tuple[bytes, Inode]]


class LazyOperations(pyfuse3.Operations):  # type: ignore[misc]
    supports_dot_lookup = True
    enable_writeback_cache = False  # every write must reach us: the kernel would otherwise hold it

    def __init__(self, volume: LazyVolume) -> None:
        super().__init__()
        self.volume = volume
        self.frozen = False
        self.files: dict[int, OpenFile] = {}
        self.dirs: dict[int, OpenDir] = {}
        self._next_handle = 1

    def entry(self, node: Inode) -> Any:
        attrs = node.attrs
        size = node.size()
        e = pyfuse3.EntryAttributes()
        e.st_ino = node.id
        e.generation = 0
        e.entry_timeout = e.attr_timeout = CACHE_S
        e.st_mode = attrs.mode
        e.st_nlink = node.nlink()
        e.st_uid, e.st_gid, e.st_rdev = attrs.uid, attrs.gid, attrs.rdev
        e.st_size = size
        e.st_blksize = 4096
        e.st_blocks = (size + 511) // 512
        e.st_atime_ns, e.st_mtime_ns, e.st_ctime_ns = attrs.atime_ns, attrs.mtime_ns, attrs.ctime_ns
        return e

    def _looked_up(self, node: Inode) -> Any:
        node.lookups += 1
        return self.entry(node)

    def _handle(self) -> int:
        self._next_handle += 1
        return self._next_handle

    # ----- names ----------------------------------------------------------------------------

    @handler
    async def lookup(self, parent_inode: int, name: bytes, ctx: Any = None) -> Any:
        parent = self.volume.get(parent_inode)
        if name == b".":
            node = parent
        elif name == b"..":
            node = parent if parent.is_root or not parent.links else next(iter(parent.links))[0]
        else:
            node = self.volume.lookup(parent, name)
        return self._looked_up(node)

    async def forget(self, inode_list: list[tuple[int, int]]) -> None:
        for inode, count in inode_list:
            node = self.volume.inodes.get(inode)
            if node is not None:
                node.lookups = max(0, node.lookups - count)
                self.volume.release_if_unused(node)

    @handler
    async def mknod(self, parent_inode: int, name: bytes, mode: int, rdev: int, ctx: Any) -> Any:
        node = self._make(parent_inode, name, mode, ctx, rdev=rdev)
        return self._looked_up(node)

    @handler
    async def mkdir(self, parent_inode: int, name: bytes, mode: int, ctx: Any) -> Any:
        node = self._make(parent_inode, name, stat.S_IFDIR | stat.S_IMODE(mode), ctx)
        return self._looked_up(node)

    @handler
    async def symlink(self, parent_inode: int, name: bytes, target: bytes, ctx: Any) -> Any:
        parent = self.volume.get(parent_inode)
        node = self.volume.make(parent, name, stat.S_IFLNK | 0o777, ctx.uid, ctx.gid, target=target)
        return self._looked_up(node)

    @handler
    async def create(self, parent_inode: int, name: bytes, mode: int, flags: int, ctx: Any) -> Any:
        node = self._make(parent_inode, name, stat.S_IFREG | stat.S_IMODE(mode), ctx)
        return self._open(node, flags), self._looked_up(node)

    def _make(self, parent_inode: int, name: bytes, mode: int, ctx: Any, rdev: int = 0) -> Inode:
        parent = self.volume.get(parent_inode)
        # The kernel may or may not have applied the umask already; applying it twice changes nothing.
        mode = stat.S_IFMT(mode) | (stat.S_IMODE(mode) & ~ctx.umask)
        return self.volume.make(parent, name, mode, ctx.uid, ctx.gid, rdev=rdev)

    @handler
    async def link(self, inode: int, new_parent_inode: int, new_name: bytes, ctx: Any) -> Any:
        node = self.volume.get(inode)
        self.volume.link(node, self.volume.get(new_parent_inode), new_name)
        return self._looked_up(node)

    @handler
    async def unlink(self, parent_inode: int, name: bytes, ctx: Any) -> None:
        self.volume.unlink(self.volume.get(parent_inode), name)

    @handler
    async def rmdir(self, parent_inode: int, name: bytes, ctx: Any) -> None:
        self.volume.rmdir(self.volume.get(parent_inode), name)

    @handler
    async def rename(
        self,
        parent_inode_old: int,
        name_old: bytes,
        parent_inode_new: int,
        name_new: bytes,
        flags: int,
        ctx: Any,
    ) -> None:
        old, new = self.volume.get(parent_inode_old), self.volume.get(parent_inode_new)
        self.volume.rename(old, name_old, new, name_new, flags)

    @handler
    async def readlink(self, inode: int, ctx: Any) -> bytes:
        return self.volume.readlink(self.volume.get(inode))

    # ----- attributes -----------------------------------------------------------------------

    @handler
    async def getattr(self, inode: int, ctx: Any = None) -> Any:
        return self.entry(self.volume.get(inode))

    @handler
    async def setattr(self, inode: int, attr: Any, fields: Any, fh: int | None, ctx: Any) -> Any:
        node = self.volume.get(inode)
        self.volume.set_attrs(
            node,
            mode=attr.st_mode if fields.update_mode else None,
            uid=attr.st_uid if fields.update_uid else None,
            gid=attr.st_gid if fields.update_gid else None,
            size=attr.st_size if fields.update_size else None,
            atime_ns=attr.st_atime_ns if fields.update_atime else None,
            mtime_ns=attr.st_mtime_ns if fields.update_mtime else None,
        )
        return self.entry(node)

    @handler
    async def statfs(self, ctx: Any) -> Any:
        st = self.volume.backing.statvfs()
        out = pyfuse3.StatvfsData()
        for name in ("bsize", "frsize", "blocks", "bfree", "bavail", "files", "ffree", "favail", "namemax"):
            setattr(out, f"f_{name}", getattr(st, f"f_{name}"))
        return out

    async def access(self, inode: int, mode: int, ctx: Any) -> bool:
        return True  # mounted with default_permissions: the kernel checks modes itself

    # ----- files ----------------------------------------------------------------------------

    @handler
    async def open(self, inode: int, flags: int, ctx: Any) -> Any:
        return self._open(self.volume.get(inode), flags)

    def _open(self, node: Inode, flags: int) -> Any:
        if node.data is None:
            raise OSError(errno.EISDIR if node.is_dir else errno.EINVAL, "not a regular file")
        if flags & os.O_TRUNC:
            # libfuse 3 asks the kernel for atomic O_TRUNC: the flag comes here, no setattr before it.
            self.volume.set_attrs(node, size=0)
        fh = self._handle()
        sync = bool(flags & (os.O_SYNC | os.O_DSYNC))
        self.files[fh] = OpenFile(node, sync=sync, datasync=(flags & os.O_SYNC) != os.O_SYNC)
        node.opens += 1
        # O_DIRECT needs direct I/O on the FUSE side, or the kernel refuses the open.
        return pyfuse3.FileInfo(fh=fh, keep_cache=True, direct_io=bool(flags & os.O_DIRECT))

    @handler
    async def read(self, fh: int, off: int, size: int) -> bytes:
        return self.volume.read(self.files[fh].node, off, size)

    @handler
    async def write(self, fh: int, off: int, buf: bytes) -> int:
        handle = self.files[fh]
        self.volume.write(handle.node, off, buf)
        if handle.sync:
            self.volume.sync(handle.node, datasync=handle.datasync)
        return len(buf)

    async def flush(self, fh: int) -> None:
        pass  # close(2) makes nothing durable

    async def release(self, fh: int) -> None:
        handle = self.files.pop(fh)
        handle.node.opens -= 1
        self.volume.release_if_unused(handle.node)

    @handler
    async def fsync(self, fh: int, datasync: bool) -> None:
        self.volume.sync(self.files[fh].node, datasync=datasync)

    # ----- directories ----------------------------------------------------------------------

    @handler
    async def opendir(self, inode: int, ctx: Any) -> int:
        node = self.volume.get(inode)
        fh = self._handle()
        self.dirs[fh] = OpenDir(node, sorted(self.volume.entries(node).items()))
        return fh

    @handler
    async def readdir(self, fh: int, start_id: int, token: Any) -> None:
        listing = self.dirs[fh].listing
        for position in range(start_id, len(listing)):
            name, node = listing[position]
            if not pyfuse3.readdir_reply(token, name, self.entry(node), position + 1):
                return
            node.lookups += 1

    async def releasedir(self, fh: int) -> None:
        del self.dirs[fh]

    @handler
    async def fsyncdir(self, fh: int, datasync: bool) -> None:
        self.volume.sync_dir(self.dirs[fh].node)

    # ----- after a deliberate loss ----------------------------------------------------------

    async def invalidate(self, loss: Loss) -> None:
        """Make the kernel forget cached names, attributes and pages that the loss made stale."""

        def forget_all() -> None:
            # OSError: the kernel had not cached it.
            for parent, name in loss.changed:
                with suppress(OSError):
                    pyfuse3.invalidate_entry(parent, name)
            for inode in loss.touched:
                with suppress(OSError):
                    pyfuse3.invalidate_inode(inode)

        await asyncio.to_thread(forget_all)
