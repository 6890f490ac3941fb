"""Drives a LazyVolume by path (as a program on the mount would), and reads a directory tree back."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from xmux_sim.lazyfs.backing import Backing
from xmux_sim.lazyfs.inodes import Inode
from xmux_sim.lazyfs.volume import LazyVolume

Tree = dict[str, object]
"""relative path -> bytes (file), "dir", ("link", target) or ("node", mode)."""


class Program:
    """What a program does through the mount, by path, on one lazy volume."""

    def __init__(self, backing_dir: Path) -> None:
        self.backing_dir = backing_dir
        self.volume = LazyVolume(Backing.open(str(backing_dir)))

    def node(self, path: str) -> Inode:
        return self.volume.resolve(path)

    def _split(self, path: str) -> tuple[Inode, bytes]:
        parent, _, name = path.rpartition("/")
        directory = self.volume.resolve(parent)
        self.volume.entries(directory)  # the kernel's path walk: ENOTDIR before anything else
        return directory, os.fsencode(name)

    def create(self, path: str, data: bytes = b"", mode: int = 0o644) -> Inode:
        parent, name = self._split(path)
        node = self.volume.make(parent, name, stat.S_IFREG | mode, 0, 0)
        if data:
            self.volume.write(node, 0, data)
        return node

    def write(self, path: str, offset: int, data: bytes) -> None:
        self.volume.write(self.node(path), offset, data)

    def read(self, path: str) -> bytes:
        node = self.node(path)
        return self.volume.read(node, 0, node.size())

    def truncate(self, path: str, size: int) -> None:
        self.volume.set_attrs(self.node(path), size=size)

    def chmod(self, path: str, mode: int) -> None:
        self.volume.set_attrs(self.node(path), mode=mode)

    def mkdir(self, path: str) -> None:
        parent, name = self._split(path)
        self.volume.make(parent, name, stat.S_IFDIR | 0o755, 0, 0)

    def symlink(self, path: str, target: str) -> None:
        parent, name = self._split(path)
        self.volume.make(parent, name, stat.S_IFLNK | 0o777, 0, 0, target=os.fsencode(target))

    def link(self, existing: str, path: str) -> None:
        node = self.node(existing)  # the kernel resolves the source first
        self.volume.link(node, *self._split(path))

    def unlink(self, path: str) -> None:
        self.volume.unlink(*self._split(path))

    def rmdir(self, path: str) -> None:
        self.volume.rmdir(*self._split(path))

    def rename(self, old: str, new: str, flags: int = 0) -> None:
        self.volume.rename(*self._split(old), *self._split(new), flags)

    def fsync(self, path: str = "") -> None:
        self.volume.sync(self.node(path))

    def view(self) -> Tree:
        """The tree as the program sees it."""
        out: Tree = {}

        def visit(directory: Inode, prefix: str) -> None:
            for name, node in sorted(self.volume.entries(directory).items()):
                path = prefix + os.fsdecode(name)
                if node.is_dir:
                    out[path] = "dir"
                    visit(node, path + "/")
                elif node.target is not None:
                    out[path] = ("link", os.fsdecode(node.target))
                elif node.data is not None:
                    out[path] = self.volume.read(node, 0, node.size())
                else:
                    out[path] = ("node", stat.S_IFMT(node.attrs.mode))

        visit(self.volume.root, "")
        return out


def tree(root: Path) -> Tree:
    """A real directory tree, in the same shape as Program.view()."""
    out: Tree = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in sorted(dirnames + filenames):
            full = Path(dirpath) / name
            rel = str(full.relative_to(root))
            if full.is_symlink():
                out[rel] = ("link", os.readlink(full))
            elif full.is_dir():
                out[rel] = "dir"
            elif full.is_file():
                out[rel] = full.read_bytes()
            else:
                out[rel] = ("node", stat.S_IFMT(full.lstat().st_mode))
    return dict(sorted(out.items()))
