"""Reading a file a user names, safely: the first step of every input the tool reads.

Stack files, scenario files, load profiles, baselines (and the rule files of later
kinds) all come through :func:`read_text`, so each of them gets the same guarantees
before a parser sees a byte:

- only a regular file is read: a directory, a FIFO (which would block the reader until
  a writer comes), a device or a socket is refused by its kind, and a symbolic-link loop
  by name. The file is opened non-blocking and checked again on the open descriptor, so
  a file swapped for a FIFO between the two checks cannot hang us either;
- a size cap (256 KiB by default; our files are a few KiB), checked before reading and
  while reading, so a 50 MB file costs one ``stat``;
- UTF-8 text only, with a plain reason otherwise (UTF-16, binary, a bad byte's line).

Every failure is the caller's :class:`~xmux_sim.errors.InputError` subclass, naming the
file: ``path: what is wrong``.
"""

from __future__ import annotations

import codecs
import errno
import json
import os
import stat
from pathlib import Path, PurePosixPath
from typing import Any

from xmux_sim.errors import InputError

__all__ = [
    "MAX_BYTES",
    "check_inside",
    "read_bytes",
    "read_json",
    "read_text",
    "relative_inside",
    "size_text",
]

MAX_BYTES = 256 << 10
"""The largest input file read (256 KiB): the shipped ones are under 10 KiB, and a file this
size validates in a fraction of a second (benchmarks/validation.py)."""

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)
# UTF-32 first: its little-endian mark starts with UTF-16's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


def size_text(n: int) -> str:
    if n >= 1 << 20:
        return f"{n / (1 << 20):.1f} MiB"
    if n >= 1 << 10:
        return f"{n / (1 << 10):.1f} KiB"
    return f"{n} bytes"


def _kind(mode: int) -> str | None:
    """What a non-regular file is, as an error names it; None: a regular file."""
    if stat.S_ISREG(mode):
        return None
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _why(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "a loop of symbolic links"
    if exc.errno == errno.EACCES:
        return "permission denied"
    if exc.errno == errno.ENAMETOOLONG:
        return "the name is too long"
    if exc.errno == errno.ENOTDIR:
        return "a part of the path is not a directory"
    return exc.strerror or type(exc).__name__


def read_text(path: str | Path, *, error: type[InputError] = InputError, max_bytes: int = MAX_BYTES) -> str:
    """The UTF-8 text of the regular file at ``path``; anything else is an ``error`` naming the file."""
    return _decode(read_bytes(path, error=error, max_bytes=max_bytes), str(path), error)


def read_bytes(
    path: str | Path, *, error: type[InputError] = InputError, max_bytes: int = MAX_BYTES
) -> bytes:
    """The bytes of the regular file at ``path`` (at most ``max_bytes``), read as :func:`read_text` reads."""
    where = str(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise error(f"{where}: no such file") from None
    except OSError as exc:
        raise error(f"{where}: cannot be read: {_why(exc)}") from None
    except ValueError:  # a NUL byte in the name
        raise error(f"{where!r}: not a valid file name") from None
    _check(where, st, error, max_bytes)
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise error(f"{where}: cannot be read: {_why(exc)}") from None
    try:
        # What was opened may not be what was looked at: check the descriptor too.
        _check(where, os.fstat(fd), error, max_bytes)
        chunks: list[bytes] = []
        size = 0
        while size <= max_bytes:
            chunk = os.read(fd, min(1 << 16, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise error(f"{where}: cannot be read: {_why(exc)}") from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > max_bytes:
        raise error(f"{where}: larger than {size_text(max_bytes)}, the most an input file may be")
    return data


def _check(where: str, st: os.stat_result, error: type[InputError], max_bytes: int) -> None:
    kind = _kind(st.st_mode)
    if kind is not None:
        raise error(f"{where}: is {kind}, not a regular file")
    if st.st_size > max_bytes:
        size, cap = size_text(st.st_size), size_text(max_bytes)
        if size == cap:  # just over the cap: in bytes, not "1.0 MiB is too large ... at most 1.0 MiB"
            size, cap = f"{st.st_size} bytes", f"{max_bytes} bytes"
        raise error(f"{where}: {size} is too large; an input file may be at most {cap}")


def _decode(data: bytes, where: str, error: type[InputError] = InputError) -> str:
    """``data`` as UTF-8 text (a UTF-8 byte-order mark is dropped), or an error saying what it is."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            raise error(f"{where}: is {encoding} text; save it as UTF-8")
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise error(f"{where}:{line}: holds NUL bytes: a binary (or UTF-16) file, not UTF-8 text")
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise error(
            f"{where}:{line}: not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as UTF-8"
        ) from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"{text[:20]} is too large a number")
    return value


def read_json(path: str | Path, *, error: type[InputError] = InputError, max_bytes: int = MAX_BYTES) -> Any:
    """A JSON file read like any input: finite numbers only (no NaN/Infinity), a clear error otherwise."""
    text = read_text(path, error=error, max_bytes=max_bytes)
    try:
        return json.loads(text, parse_constant=_no_constant, parse_float=_finite)
    except json.JSONDecodeError as exc:
        raise error(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}") from None
    except (ValueError, RecursionError) as exc:
        # Integers of thousands of digits, NaN, nesting deeper than the parser's stack.
        problem = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise error(f"{path}: not valid JSON: {problem}") from None


def relative_inside(spec: str, folder: Path) -> Path:
    """A path a file names (``stacks/x.yaml``) as a path inside ``folder``, the file's own folder.

    ValueError for an absolute path, a ``..`` or a backslash: a file may point below itself,
    never elsewhere. Symbolic links are checked when the path is read (:func:`check_inside`).
    """
    relative = PurePosixPath(spec)
    if relative.is_absolute() or ".." in relative.parts or "\\" in spec or not relative.parts:
        raise ValueError("must stay inside this file's folder (a relative path without '..')")
    return folder / relative


def check_inside(path: Path, folder: Path) -> None:
    """ValueError when ``path``, its symbolic links followed, is not inside ``folder``."""
    try:
        inside = path.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError):  # Python 3.11 reports a loop of links as a RuntimeError
        raise ValueError("cannot be followed (a loop of symbolic links)") from None
    if not inside:
        raise ValueError("leads out of this file's folder (through a symbolic link)")
