"""What a stack file may say about a service's container beyond its kind: another image, or
one built from a directory (``build``), the entrypoint and command (``command``, ``args``),
and files written into it (``files``, e.g. the ``-conf`` file of a real service).

Every value is checked here, where the file and line are known; paths are relative to the
stack file's folder (a mounted file's source must stay inside it, and is read like every
input file: a regular file, within the size cap), and nothing of a user's is pasted into
generated configuration.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from typing import Any

from xmux_sim.errors import StackFileError
from xmux_sim.inputfile import check_inside, read_bytes, relative_inside
from xmux_sim.topology.model import Build
from xmux_sim.topology.yamldoc import KeyPath, Reader
from xmux_sim.values import IMAGE

BUILD_FIELDS = ("context", "dockerfile", "args")
ARG_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")
MAX_FILE_BYTES = 1 << 20


def _resolved(r: Reader, path: KeyPath, candidate: Path) -> Path:
    try:
        return candidate.resolve()
    except (OSError, RuntimeError):  # Python 3.11 reports a loop of links as a RuntimeError
        raise r.doc.error(path, "cannot be followed (a loop of symbolic links)") from None


def image_and_build(r: Reader, base: KeyPath, folder: Path) -> tuple[str | None, Build | None]:
    image = r.read((*base, "image"), IMAGE) if r.has((*base, "image")) else None
    if not r.has((*base, "build")):
        return image, None
    if image is not None:
        raise r.doc.error((*base, "build"), "give either image or build, not both")
    path: KeyPath = (*base, "build")
    r.mapping(path, allowed=BUILD_FIELDS, required=("context",))
    context = _resolved(r, (*path, "context"), folder / r.string((*path, "context")))
    if not context.is_dir():
        raise r.doc.error((*path, "context"), f"{context} is not a directory")
    dockerfile = r.string((*path, "dockerfile"), "Dockerfile")
    located = _resolved(r, (*path, "dockerfile"), context / dockerfile)
    if not located.is_relative_to(context):
        raise r.doc.error((*path, "dockerfile"), f"{dockerfile!r} is outside the context {context}")
    if not located.is_file():
        raise r.doc.error((*path, "dockerfile"), f"no file {located}")
    args: dict[str, str] = {}
    for name in r.mapping((*path, "args"), allowed=_any_key(r.raw((*path, "args"))), optional=True):
        value = r.raw((*path, "args", name))
        if not ARG_NAME.fullmatch(str(name)):
            raise r.doc.error((*path, "args", name), "build argument names are letters, digits and '_'")
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise r.doc.error((*path, "args", name), "expected a string or a number")
        args[str(name)] = str(value)
    return None, Build(context=context, dockerfile=located.relative_to(context).as_posix(), args=args)


def argv(r: Reader, path: KeyPath) -> tuple[str, ...] | None:
    if not r.has(path):
        return None
    value = r.raw(path)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise r.doc.error(
            path, 'expected a list of non-empty strings, e.g. ["-conf", "/data/conf/config.yaml"]'
        )
    return tuple(value)


def files(r: Reader, base: KeyPath, folder: Path) -> dict[str, bytes]:
    path: KeyPath = (*base, "files")
    out: dict[str, bytes] = {}
    for target in r.mapping(path, allowed=_any_key(r.raw(path)), optional=True):
        where: KeyPath = (*path, target)
        pure = PurePosixPath(str(target))
        if not pure.is_absolute() or ".." in pure.parts or str(pure) != str(target) or str(pure) == "/":
            raise r.doc.error(
                where, "expected an absolute path in the container, like /data/conf/config.yaml"
            )
        value = r.raw(where)
        if isinstance(value, str):
            try:
                source = relative_inside(value, folder)
                check_inside(source, folder)
            except ValueError as exc:
                raise r.doc.error(where, f"the file {exc}") from None
            try:
                out[str(target)] = read_bytes(source, error=StackFileError, max_bytes=MAX_FILE_BYTES)
            except StackFileError as exc:
                raise r.doc.error(where, str(exc)) from None
        elif isinstance(value, dict):
            r.mapping(where, allowed=("content",), required=("content",))
            content = r.raw((*where, "content"))
            if not isinstance(content, str) or len(content.encode()) > MAX_FILE_BYTES:
                raise r.doc.error((*where, "content"), f"expected text of at most {MAX_FILE_BYTES} bytes")
            out[str(target)] = content.encode()
        else:
            raise r.doc.error(where, "expected a file next to the stack file, or {content: TEXT}")
    return out


def _any_key(value: Any) -> list[str]:
    """Every key of a mapping whose keys are the user's own names (checked one by one after)."""
    return [str(k) for k in value] if isinstance(value, dict) else []
