"""Connecting to the Docker engine, with an error that says what to do when there is none."""

from __future__ import annotations

import os

import docker
import docker.errors


def engine_address() -> str:
    return os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")


def connect(timeout: int = 120) -> docker.DockerClient:
    from xmux_sim.errors import DockerUnavailable

    try:
        client = docker.from_env(timeout=timeout)
        client.ping()
    except (docker.errors.DockerException, OSError) as exc:
        raise DockerUnavailable(
            f"No Docker engine answers at {engine_address()} ({exc.__class__.__name__}). "
            "Run scripts/setup: it installs Debian's docker.io and starts dockerd when none is running; "
            "or point DOCKER_HOST at a running engine."
        ) from None
    return client
