"""The content of one regular file: the backing file's bytes under the pages written since the last sync."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable

PAGE = 4096

ReadDurable = Callable[[int, int], bytes]
"""Reads (offset, length) of the backing file; may return fewer bytes at its end."""


class FileData:
    def __init__(self, durable_size: int) -> None:
        self.durable_size = durable_size
        """The backing file's size."""
        self.size = durable_size
        """The size the program sees."""
        self.visible = durable_size
        """Backing bytes at or past this offset were cut by a truncate since the last sync: read as zeros."""
        self.pages: dict[int, bytearray] = {}
        """Page index -> PAGE bytes written since the last sync (zeros past ``size``)."""

    # ----- what the program sees ------------------------------------------------------

    def read(self, offset: int, length: int, durable: ReadDurable) -> bytes:
        end = min(offset + length, self.size)
        if offset >= end:
            return b""
        out = bytearray()
        pos = offset
        while pos < end:
            index, start = divmod(pos, PAGE)
            stop = min(PAGE, end - index * PAGE)
            page = self.pages.get(index)
            if page is not None:
                out += page[start:stop]
            else:
                out += self._durable_page(index, durable)[start:stop]
            pos = index * PAGE + stop
        return bytes(out)

    def write(self, offset: int, data: bytes, durable: ReadDurable) -> None:
        if not data:
            return  # writing nothing does not extend the file
        pos, end = offset, offset + len(data)
        while pos < end:
            index, start = divmod(pos, PAGE)
            stop = min(PAGE, end - index * PAGE)
            page = self.pages.get(index)
            if page is None:
                whole = start == 0 and stop == PAGE
                page = bytearray(PAGE) if whole else self._durable_page(index, durable)
                self.pages[index] = page
            page[start:stop] = data[pos - offset : pos - offset + stop - start]
            pos = index * PAGE + stop
        self.size = max(self.size, end)

    def truncate(self, size: int) -> None:
        if size < self.size:
            for index in [i for i in self.pages if i * PAGE >= size]:
                del self.pages[index]
            index, start = divmod(size, PAGE)
            if start and index in self.pages:
                self.pages[index][start:] = bytes(PAGE - start)
            self.visible = min(self.visible, size)
        # Growing needs nothing: past the old size, pages hold zeros and `visible` hides the backing.
        self.size = size

    def _durable_page(self, index: int, durable: ReadDurable) -> bytearray:
        page = bytearray(PAGE)
        limit = min(self.visible, self.durable_size) - index * PAGE
        if limit > 0:
            chunk = durable(index * PAGE, min(PAGE, limit))
            page[: len(chunk)] = chunk
        return page

    # ----- what is not durable ----------------------------------------------------------

    @property
    def dirty(self) -> bool:
        return bool(self.pages) or self.size != self.durable_size or self.visible < self.durable_size

    def unsynced_bytes(self, indexes: Iterable[int] | None = None) -> int:
        """Bytes of the written pages (those named, or all) that lie within the file."""
        chosen = self.pages if indexes is None else indexes
        return sum(max(0, min(PAGE, self.size - i * PAGE)) for i in chosen)

    # ----- making it durable, or losing it ----------------------------------------------

    def flush(self, fd: int) -> int:
        """Write everything to the backing file ``fd``; returns the bytes written."""
        if self.visible < self.durable_size:
            os.ftruncate(fd, self.visible)
        written = self._write_pages(fd, sorted(self.pages))
        os.ftruncate(fd, self.size)
        self.durable_size = self.visible = self.size
        self.pages.clear()
        return written

    def tear(self, fd: int | None, keep: Iterable[int]) -> int:
        """Power failed mid-writeback: the pages ``keep`` reach ``fd``, everything else is lost."""
        written = 0
        if fd is not None:
            written = self._write_pages(fd, sorted(keep))
            self.durable_size = os.fstat(fd).st_size
        self.drop()
        return written

    def drop(self) -> None:
        self.pages.clear()
        self.size = self.visible = self.durable_size

    def rebase_to_empty(self, durable: ReadDurable) -> None:
        """The backing file is being replaced by an empty one: hold every byte in pages."""
        for index in range((self.size + PAGE - 1) // PAGE):
            if index not in self.pages:
                self.pages[index] = self._durable_page(index, durable)
        self.durable_size = self.visible = 0

    def _write_pages(self, fd: int, indexes: list[int]) -> int:
        written = 0
        for index in indexes:
            length = min(PAGE, self.size - index * PAGE)
            if length > 0:
                os.pwrite(fd, self.pages[index][:length], index * PAGE)
                written += length
        return written
