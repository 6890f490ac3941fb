"""Inodes of the lazy file system: each holds its current state and remembers its durable one."""

from __future__ import annotations

import stat
from dataclasses import dataclass, field

from .backing import Attrs
from .pages import FileData

ROOT_ID = 1

Link = tuple["Inode", bytes]
"""(directory, name): one directory entry naming an inode."""


@dataclass(eq=False)
class Inode:
    id: int
    attrs: Attrs
    durable_attrs: Attrs
    data: FileData | None = None
    """Regular files: the content."""
    target: bytes | None = None
    """Symbolic links: the target."""
    entries: dict[bytes, Inode] | None = None
    """Directories: the current entries (None until read from the backing directory)."""
    durable_entries: dict[bytes, Inode] | None = None
    """Directories: the entries the backing directory holds."""
    links: set[Link] = field(default_factory=set)
    """Where the program sees this inode."""
    durable_links: set[Link] = field(default_factory=set)
    """Where the backing directory holds it (may be names the program no longer sees)."""
    lookups: int = 0
    opens: int = 0
    fd: int | None = None
    """An open descriptor of the backing file (regular files with backing data)."""

    @property
    def is_dir(self) -> bool:
        return stat.S_ISDIR(self.attrs.mode)

    @property
    def is_root(self) -> bool:
        return self.id == ROOT_ID

    @property
    def durable(self) -> bool:
        return self.is_root or bool(self.durable_links)

    def nlink(self) -> int:
        if self.is_dir:
            subdirs = sum(1 for child in (self.entries or {}).values() if child.is_dir)
            return 2 + subdirs
        return len(self.links)

    def size(self) -> int:
        if self.data is not None:
            return self.data.size
        if self.target is not None:
            return len(self.target)
        return 0

    def pending_entries(self) -> list[bytes]:
        """Names whose current inode differs from the durable one."""
        if self.entries is None or self.durable_entries is None:
            return []
        names = set(self.entries) | set(self.durable_entries)
        return sorted(n for n in names if self.entries.get(n) is not self.durable_entries.get(n))

    def unsynced(self) -> bool:
        data_dirty = self.data is not None and self.data.dirty
        return data_dirty or not self.attrs.same_metadata(self.durable_attrs) or bool(self.pending_entries())
