"""What decides whether a stack's own image is built again: the content it sends, nothing else."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from xmux_sim.errors import ImageMissing
from xmux_sim.providers.docker.stack_builds import context_digest, image_tag, resolve_args
from xmux_sim.topology.model import Build


@pytest.fixture
def context(tmp_path: Path) -> Path:
    (tmp_path / "Dockerfile").write_text("ARG BASE\nFROM ${BASE}\nCOPY . /srv\n")
    (tmp_path / "server.py").write_text("VERSION = 1\n")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("nothing\n")
    (tmp_path / ".dockerignore").write_text("# not sent\nnotes\n*.log\n")
    return tmp_path


def digest(context: Path, args: dict[str, str] | None = None, dockerfile: str = "Dockerfile") -> str:
    return context_digest(Build(context=context, dockerfile=dockerfile), args or {})


def test_the_same_content_has_the_same_digest(context: Path) -> None:
    first = digest(context)
    os.utime(context / "server.py", (0, 0))  # a touched file is the same file
    assert digest(context) == first


@pytest.mark.parametrize(
    "change",
    [
        lambda c: (c / "server.py").write_text("VERSION = 2\n"),
        lambda c: (c / "extra.py").write_text(""),
        lambda c: (c / "server.py").rename(c / "main.py"),
        lambda c: (c / "server.py").chmod(0o755),
        lambda c: (c / "Dockerfile").write_text("ARG BASE\nFROM ${BASE}\n"),
    ],
)
def test_a_change_that_is_sent_changes_the_digest(context: Path, change: object) -> None:
    before = digest(context)
    change(context)  # type: ignore[operator]
    assert digest(context) != before


def test_ignored_files_do_not_count(context: Path) -> None:
    before = digest(context)
    (context / "notes" / "todo.txt").write_text("changed\n")
    (context / "build.log").write_text("log\n")
    assert digest(context) == before


def test_build_arguments_and_the_dockerfile_name_count(context: Path) -> None:
    (context / "Other").write_text("FROM scratch\n")
    assert digest(context, {"BASE": "a:1"}) != digest(context, {"BASE": "a:2"})
    assert digest(context) != digest(context, dockerfile="Other")


def test_tags_name_the_service_and_the_content(context: Path) -> None:
    d = digest(context)
    assert image_tag("lost-found", d) == f"xmux-sim/build-lost-found:{d[:12]}"


def test_an_unknown_image_of_ours_is_named(context: Path) -> None:
    build = Build(context=context, args={"BASE": "xmux-sim/nosuch"})
    with pytest.raises(ImageMissing, match="no image 'xmux-sim/nosuch'"):
        resolve_args(build, images=None)  # type: ignore[arg-type]
    # Anything else is passed as given, without asking the engine.
    assert resolve_args(Build(context=context, args={"BASE": "debian:12"}), images=None) == {  # type: ignore[arg-type]
        "BASE": "debian:12"
    }
