"""Losing what was not synced, on purpose: everything, one file, or a torn subset."""

from __future__ import annotations

import errno
import random
from dataclasses import dataclass, field

from .inodes import Inode
from .volume import TEMP_PREFIX, LazyVolume, fail


@dataclass
class Loss:
    lost_bytes: int = 0
    """Unsynced file data that is gone."""
    lost_files: int = 0
    """Files that had unsynced data or attributes."""
    lost_entries: int = 0
    """Directory entry changes (creates, renames, removals) that are gone."""
    written_bytes: int = 0
    """Torn: unsynced data that reached the backing directory before the cut."""
    changed: list[tuple[int, bytes]] = field(default_factory=list)
    """(directory inode, name) of every entry that changed, for the kernel's caches."""
    touched: list[int] = field(default_factory=list)
    """Inodes whose data or attributes changed, for the kernel's caches."""

    def report(self) -> dict[str, int]:
        return {
            "lost_bytes": self.lost_bytes,
            "lost_files": self.lost_files,
            "lost_entries": self.lost_entries,
            "written_bytes": self.written_bytes,
        }


def lose_unsynced(
    volume: LazyVolume, path: str | None = None, seed: int | None = None, fraction: float = 1.0
) -> Loss:
    """Forget unsynced state, as a power cut does.

    ``path`` limits the loss to one regular file's data and attributes; without it every
    file loses its unsynced data and attributes, and every directory its unsynced entries.
    With ``seed``, only ``fraction`` of the unsynced pages (a seeded choice) is lost and
    the rest is written through first: a torn write. Entry changes are lost whole.
    """
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must be within 0..1, not {fraction}")
    if path is not None:
        node = volume.resolve(path)
        if node.data is None:
            raise fail(errno.EISDIR if node.is_dir else errno.EINVAL)
        files = [node]
    else:
        files = sorted((n for n in volume.walk() if not n.is_dir and n.unsynced()), key=lambda n: n.id)
    loss = Loss()
    pages = [(n.id, index) for n in files if n.data is not None for index in sorted(n.data.pages)]
    lost = (
        set(pages) if seed is None else set(random.Random(seed).sample(pages, round(fraction * len(pages))))
    )
    for node in files:
        if node.unsynced():
            loss.lost_files += 1
            loss.touched.append(node.id)
        if node.data is not None:
            fd = volume.backing_fd(node)  # none: the file has no durable name, so every page is lost
            gone = {i for i in node.data.pages if fd is None or (node.id, i) in lost}
            loss.lost_bytes += node.data.unsynced_bytes(gone)
            keep = [i for i in node.data.pages if i not in gone]
            loss.written_bytes += node.data.tear(fd, keep)
        node.attrs = node.durable_attrs.copy()
    if path is None:
        _lose_entries(volume, loss)
    volume.counters.dropped_bytes += loss.lost_bytes
    volume.counters.dropped_entries += loss.lost_entries
    return loss


def _lose_entries(volume: LazyVolume, loss: Loss) -> None:
    directories = [n for n in volume.walk() if n.is_dir and n.entries is not None]
    for directory in directories:
        pending = directory.pending_entries()
        loss.lost_entries += len(pending)
        loss.changed += [(directory.id, name) for name in pending]
        if pending or not directory.attrs.same_metadata(directory.durable_attrs):
            loss.touched.append(directory.id)
        directory.attrs = directory.durable_attrs.copy()
    for directory in directories:
        if directory.durable_entries is not None:
            directory.entries = dict(directory.durable_entries)
    for node in volume.walk():
        node.links = set(node.durable_links)
    # What a sync had set aside in the root (waiting for its new place) was never named by the
    # program: gone from its view, and removed from the disk by the root's next sync.
    root = volume.root
    for name in [n for n in root.entries or {} if n.startswith(TEMP_PREFIX)]:
        assert root.entries is not None
        root.entries.pop(name).links.discard((root, name))
    for node in volume.walk():
        _release(volume, node)


def _release(volume: LazyVolume, node: Inode) -> None:
    if node.links or node.is_root:
        return
    if node.is_dir:
        node.entries = {}  # a directory that never reached the disk is gone, with what was in it
    volume.release_if_unused(node)
