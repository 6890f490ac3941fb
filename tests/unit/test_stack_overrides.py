"""A service's container from the stack file: build, command, args, files; every mistake located."""

from __future__ import annotations

from pathlib import Path

import pytest

from xmux_sim.errors import StackFileError
from xmux_sim.topology import load_stack

HEAD = "name: t\nservices:\n  mongo: {kind: mongo}\n  lf:\n    kind: xmus-lost-found\n"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A user's service tree next to the stack file."""
    service = tmp_path / "laf"
    service.mkdir()
    (service / "Dockerfile").write_text("ARG BASE\nFROM ${BASE}\n")
    (service / "build.Dockerfile").write_text("FROM scratch\n")
    (tmp_path / "config.yaml").write_text("server:\n  grpc:\n    addr: 0.0.0.0:9000\n")
    return tmp_path


def load(tree: Path, body: str) -> object:
    path = tree / "stack.yaml"
    path.write_text(HEAD + body)
    return load_stack(path)


def test_build_command_args_and_files_are_modelled(tree: Path) -> None:
    stack = load(
        tree,
        "    build: {context: laf, dockerfile: build.Dockerfile, args: {BASE: xmux-sim/xmus, LEVEL: 3}}\n"
        "    command: [/srv/lost_found]\n"
        "    args: ['-conf', /data/conf/config.yaml]\n"
        "    files:\n"
        "      /data/conf/config.yaml: config.yaml\n"
        "      /etc/motd: {content: hello}\n",
    )
    svc = stack.services["lf"]  # type: ignore[attr-defined]
    assert svc.image is None
    assert (svc.build.context, svc.build.dockerfile) == ((tree / "laf").resolve(), "build.Dockerfile")
    assert dict(svc.build.args) == {"BASE": "xmux-sim/xmus", "LEVEL": "3"}
    assert svc.command == ("/srv/lost_found",)
    assert svc.args == ("-conf", "/data/conf/config.yaml")
    assert svc.files == {
        "/data/conf/config.yaml": (tree / "config.yaml").read_bytes(),
        "/etc/motd": b"hello",
    }


def test_build_defaults_to_the_contexts_dockerfile_and_paths_are_relative_to_the_stack_file(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir("/")
    stack = load(tree, "    build: {context: laf}\n")
    build = stack.services["lf"].build  # type: ignore[attr-defined]
    assert (build.context, build.dockerfile, dict(build.args)) == ((tree / "laf").resolve(), "Dockerfile", {})


@pytest.mark.parametrize(
    ("body", "line", "needle"),
    [
        ("    image: x/y:1\n    build: {context: laf}\n", 7, "lf.build: give either image or build"),
        ("    build: {dockerfile: Dockerfile}\n", 6, "lf.build: missing field 'context'"),
        ("    build: {context: nowhere}\n", 6, "lf.build.context: "),
        ("    build: {context: laf, dockerfile: Nope}\n", 6, "lf.build.dockerfile: no file"),
        ("    build: {context: laf, dockerfile: ../config.yaml}\n", 6, "is outside the context"),
        ("    build: {context: laf, tag: x}\n", 6, "lf.build.tag: unknown field"),
        (
            "    build: {context: laf, args: {BASE: [1]}}\n",
            6,
            "lf.build.args.BASE: expected a string or a number",
        ),
        ("    build: {context: laf, args: {'1-X': a}}\n", 6, "build argument names"),
        ("    args: -conf\n", 6, "lf.args: expected a list of non-empty strings"),
        ("    command: []\n", 6, "lf.command: expected a list"),
        ("    args: ['-conf', '']\n", 6, "lf.args: expected a list"),
        ("    files: {data/conf.yaml: config.yaml}\n", 6, "expected an absolute path"),
        ("    files: {/data/../etc/passwd: config.yaml}\n", 6, "expected an absolute path"),
        ("    files: {/data/conf.yaml: missing.yaml}\n", 6, "missing.yaml: no such file"),
        ("    files: {/data/conf.yaml: ../outside.yaml}\n", 6, "must stay inside this file's folder"),
        ("    files: {/data/conf.yaml: {text: x}}\n", 6, "unknown field"),
        ("    files: {/data/conf.yaml: 3}\n", 6, "expected a file next to the stack file"),
    ],
)
def test_mistakes_name_file_line_and_field(tree: Path, body: str, line: int, needle: str) -> None:
    with pytest.raises(StackFileError) as exc:
        load(tree, body)
    message = str(exc.value)
    assert message.startswith(f"{tree / 'stack.yaml'}:{line}: "), message
    assert needle in message, message


def test_a_file_too_large_to_mount_is_refused(tree: Path) -> None:
    (tree / "big.bin").write_bytes(b"x" * ((1 << 20) + 1))
    with pytest.raises(StackFileError, match="is too large; an input file may be at most 1048576 bytes"):
        load(tree, "    files: {/data/big.bin: big.bin}\n")
