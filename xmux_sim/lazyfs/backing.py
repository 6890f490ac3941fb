"""The backing directory (the real volume), reached through a descriptor opened before the mount.

The lazy file system is mounted over the very directory it keeps its data in, so every
path here is relative to that descriptor: the mount hides the directory's name, not the
directory. Nothing here may touch the mount itself (this process serves it: a request
to itself would never be answered).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass


@dataclass
class Attrs:
    mode: int
    """Type and permission bits, as st_mode."""
    uid: int
    gid: int
    rdev: int
    atime_ns: int
    mtime_ns: int
    ctime_ns: int

    @classmethod
    def of(cls, st: os.stat_result) -> Attrs:
        return cls(
            st.st_mode, st.st_uid, st.st_gid, st.st_rdev, st.st_atime_ns, st.st_mtime_ns, st.st_ctime_ns
        )

    def copy(self) -> Attrs:
        return Attrs(self.mode, self.uid, self.gid, self.rdev, self.atime_ns, self.mtime_ns, self.ctime_ns)

    def same_metadata(self, other: Attrs) -> bool:
        """Equal in what a sync writes (mode, owner, times)."""
        return (self.mode, self.uid, self.gid, self.atime_ns, self.mtime_ns) == (
            other.mode,
            other.uid,
            other.gid,
            other.atime_ns,
            other.mtime_ns,
        )


class Backing:
    def __init__(self, root_fd: int) -> None:
        self.root = root_fd

    @classmethod
    def open(cls, directory: str) -> Backing:
        return cls(os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC))

    def close(self) -> None:
        os.close(self.root)

    # ----- reading ----------------------------------------------------------------------

    def lstat(self, path: bytes) -> os.stat_result:
        return os.lstat(path, dir_fd=self.root)

    def listdir(self, path: bytes) -> list[bytes]:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=self.root)
        try:
            return [os.fsencode(name) for name in os.listdir(fd)]
        finally:
            os.close(fd)

    def readlink(self, path: bytes) -> bytes:
        return os.readlink(path, dir_fd=self.root)

    def open_file(self, path: bytes) -> int:
        return os.open(path, os.O_RDWR | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=self.root)

    def statvfs(self) -> os.statvfs_result:
        return os.fstatvfs(self.root)

    # ----- writing ----------------------------------------------------------------------

    def make(self, path: bytes, attrs: Attrs, target: bytes | None) -> None:
        """Create an inode of ``attrs``' type at ``path``: empty file, empty directory, symlink or node."""
        kind = stat.S_IFMT(attrs.mode)
        perm = stat.S_IMODE(attrs.mode)
        if kind == stat.S_IFREG:
            os.close(
                os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, perm, dir_fd=self.root)
            )
        elif kind == stat.S_IFDIR:
            os.mkdir(path, perm, dir_fd=self.root)
        elif kind == stat.S_IFLNK:
            assert target is not None
            os.symlink(target, path, dir_fd=self.root)
        else:
            os.mknod(path, attrs.mode, attrs.rdev, dir_fd=self.root)
        self.set_attrs(path, attrs)

    def set_attrs(self, path: bytes, attrs: Attrs, fd: int | None = None) -> None:
        times = (attrs.atime_ns, attrs.mtime_ns)
        if fd is not None:
            os.fchown(fd, attrs.uid, attrs.gid)
            os.fchmod(fd, stat.S_IMODE(attrs.mode))
            os.utime(fd, ns=times)
            return
        os.chown(path, attrs.uid, attrs.gid, dir_fd=self.root, follow_symlinks=False)
        if not stat.S_ISLNK(attrs.mode):  # a symlink's mode means nothing on Linux
            os.chmod(path, stat.S_IMODE(attrs.mode), dir_fd=self.root)
        os.utime(path, ns=times, dir_fd=self.root, follow_symlinks=False)

    def rename(self, source: bytes, target: bytes) -> None:
        os.rename(source, target, src_dir_fd=self.root, dst_dir_fd=self.root)

    def link(self, source: bytes, target: bytes) -> None:
        os.link(source, target, src_dir_fd=self.root, dst_dir_fd=self.root, follow_symlinks=False)

    def remove(self, path: bytes, directory: bool) -> None:
        if directory:
            os.rmdir(path, dir_fd=self.root)
        else:
            os.unlink(path, dir_fd=self.root)

    def fsync_dir(self, path: bytes) -> None:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC, dir_fd=self.root)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
