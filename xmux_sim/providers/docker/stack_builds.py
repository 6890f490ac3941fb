"""Images a stack file builds itself: ``build: {context, dockerfile, args}``, as docker compose means it.

Built before anything of a run starts, once per content: the tag is a hash of every file
the build sends (``.dockerignore`` respected, as Docker does), the Dockerfile's name and
the build arguments, like the tags of our own images, so an unchanged tree is never built
again and a changed file always is. A build argument naming one of our images by its
repository (``xmux-sim/xmus``) becomes that image's current tag: no registry is needed to
build FROM it. Progress is one line per Dockerfile step; a failed build reports the tail
of its log.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import docker.errors
from docker.utils.build import exclude_paths

from xmux_sim.errors import BuildFailed, ImageMissing
from xmux_sim.images.catalogue import REPOSITORY, catalogue
from xmux_sim.providers.docker.images import ImageBuilder
from xmux_sim.topology.model import Build, Stack

TAIL_LINES = 25


def _ignored_patterns(context: Path) -> list[str]:
    """.dockerignore's patterns, read as docker-py reads them when it sends the context."""
    path = context / ".dockerignore"
    if not path.is_file():
        return []
    lines = (line.strip() for line in path.read_text().splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def context_digest(build: Build, args: Mapping[str, str]) -> str:
    """Hash of what a build sends (file names, modes and bytes), its Dockerfile and its arguments."""
    h = hashlib.sha256()
    for rel in sorted(exclude_paths(str(build.context), _ignored_patterns(build.context), build.dockerfile)):
        path = build.context / rel
        if path.is_symlink():
            h.update(f"{rel}\0link\0{os.readlink(path)}\0".encode())
        elif path.is_file():
            h.update(f"{rel}\0{path.stat().st_mode & 0o777:o}\0".encode())
            h.update(path.read_bytes())
            h.update(b"\0")
    h.update(f"dockerfile\0{build.dockerfile}\0".encode())
    for name, value in sorted(args.items()):
        h.update(f"arg\0{name}\0{value}\0".encode())
    return h.hexdigest()


def resolve_args(build: Build, images: ImageBuilder) -> dict[str, str]:
    """The build arguments, with our images named by repository replaced by their current tags."""
    ours = {spec.repository: name for name, spec in catalogue().items()}
    resolved: dict[str, str] = {}
    for key, value in build.args.items():
        if value in ours:
            resolved[key] = images.require([ours[value]])[ours[value]]
        elif value.startswith(f"{REPOSITORY}/") and ":" not in value:
            raise ImageMissing(
                f"build argument {key}={value}: no image {value!r}; ours are: {', '.join(sorted(ours))}"
            )
        else:
            resolved[key] = value
    return resolved


def image_tag(service: str, digest: str) -> str:
    return f"{REPOSITORY}/build-{service}:{digest[:12]}"


def build_service(images: ImageBuilder, service: str, build: Build) -> str:
    """The tag of the service's image, built now unless an image of the same content exists."""
    args = resolve_args(build, images)
    tag = image_tag(service, context_digest(build, args))
    label = f"[build {service}]"
    try:
        images.client.images.get(tag)
        images.progress(f"{label} {tag} is built (its context is unchanged)")
        return tag
    except docker.errors.ImageNotFound:
        pass
    images.progress(f"{label} building {tag} from {build.context}")
    log: list[str] = []
    stream = images.client.api.build(
        path=str(build.context),
        dockerfile=build.dockerfile,
        tag=tag,
        buildargs=args,
        decode=True,
        rm=True,
        forcerm=True,
        labels={"xmux-sim.build": service, "xmux-sim.context": str(build.context)},
        network_mode="bridge",
    )
    try:
        for chunk in stream:
            if "error" in chunk:
                raise BuildFailed(
                    f"building {service} from {build.context} failed: {chunk['error'].strip()}\n"
                    + "\n".join(log[-TAIL_LINES:])
                )
            for line in str(chunk.get("stream") or chunk.get("status") or "").splitlines():
                if line.strip():
                    log.append(line.rstrip())
                    if line.startswith("Step "):
                        images.progress(f"{label} {line.strip()[:150]}")
    except docker.errors.APIError as exc:
        raise BuildFailed(
            f"building {service} from {build.context} failed: {exc.explanation or exc}"
        ) from None
    try:
        images.client.images.get(tag)
    except docker.errors.ImageNotFound:
        raise BuildFailed(
            f"building {service} from {build.context} made no image:\n" + "\n".join(log[-TAIL_LINES:])
        ) from None
    images.progress(f"{label} built")
    return tag


def build_stack_images(images: ImageBuilder, stack: Stack) -> Stack:
    """The stack with every ``build`` service's image built (or found) and named in ``image``."""
    built = {
        name: replace(svc, image=build_service(images, name, svc.build))
        for name, svc in stack.services.items()
        if svc.build is not None
    }
    return replace(stack, services={**stack.services, **built}) if built else stack
