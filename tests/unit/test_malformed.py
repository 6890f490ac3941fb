"""Every bad input gets a clear error and starts nothing: the corpus in tests/unit/malformed/.

Each file of the corpus breaks one rule; ``manifest.yaml`` names the command that reads it
(the one that would bring a stack up or drive load), and the line, field and words of the
error. Each command line of the manifest breaks one rule of an option. Every case runs
the real command line in-process and must end with exit 2, the located message, no
traceback, and no provider opened (no Docker is needed, and none may be touched).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from xmux_sim import cli, providers

CORPUS = Path(__file__).with_name("malformed")
MANIFEST: dict[str, list[dict[str, Any]]] = yaml.safe_load((CORPUS / "manifest.yaml").read_text())
BIG_BYTES = 50 << 20


@pytest.fixture
def touched(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The providers opened meanwhile: every way to Docker goes through ``providers._package``."""
    opened: list[str] = []

    def refuse(name: str) -> Any:
        opened.append(name)
        raise AssertionError(f"provider {name} opened while validating input")

    monkeypatch.setattr(providers, "_package", refuse)
    yield opened


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    try:
        code = cli.main(argv)
    except SystemExit as exc:  # argparse's own errors (an option's type) exit 2 as well
        code = int(exc.code or 0)
    return code, capsys.readouterr().err


def check(code: int, err: str, says: str, opened: list[str]) -> None:
    assert code == 2, err
    assert says in err, err
    assert "Traceback" not in err and "failed unexpectedly" not in err, err
    assert opened == [], f"a provider was opened: {opened}"


@pytest.mark.parametrize("case", MANIFEST["files"], ids=[c["file"] for c in MANIFEST["files"]])
def test_a_malformed_file_is_located_and_starts_nothing(
    case: dict[str, Any], capsys: pytest.CaptureFixture[str], touched: list[str]
) -> None:
    path = CORPUS / case["file"]
    assert path.exists() or path.is_symlink(), f"{path} is missing from the corpus"
    code, err = run_cli([*case["command"], str(path)], capsys)
    where = str(CORPUS / case.get("source", case["file"]))
    located = f"{where}:{case['line']}: " if case["line"] is not None else f"{where}: "
    if case["field"] is not None:
        located += f"{case['field']}: "
    assert located in err, err
    check(code, err, case["says"], touched)


@pytest.fixture(scope="module")
def specials(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """What git cannot hold: a FIFO (reading it must not block) and a 50 MiB file."""
    folder = tmp_path_factory.mktemp("specials")
    fifo = folder / "stack.yaml"
    os.mkfifo(fifo)
    big = folder / "big.yaml"
    with big.open("wb") as f:
        f.write(b"name: big\nservices: {db: {kind: postgres}}\n")
        f.truncate(BIG_BYTES)
    return {"dir": str(CORPUS), "fifo": str(fifo), "big": str(big)}


COMMAND_IDS = [" ".join(c["argv"]) for c in MANIFEST["commands"]]


@pytest.mark.timeout(60)  # a FIFO read without O_NONBLOCK would block here for ever
@pytest.mark.parametrize("case", MANIFEST["commands"], ids=COMMAND_IDS)
def test_a_malformed_command_line_is_refused_and_starts_nothing(
    case: dict[str, Any],
    specials: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    touched: list[str],
) -> None:
    argv = [arg.format(**specials) for arg in case["argv"]]
    code, err = run_cli(argv, capsys)
    check(code, err, case["says"].format(**specials), touched)


def test_the_corpus_covers_every_kind_of_input() -> None:
    kinds = {c["file"].split("/")[0] for c in MANIFEST["files"]}
    assert kinds == {"read", "yaml", "stack", "scenario", "profile", "summary"}
    assert len(MANIFEST["files"]) >= 100 and len(MANIFEST["commands"]) >= 30


def test_user_text_in_an_error_prints_as_written(
    capsys: pytest.CaptureFixture[str], touched: list[str]
) -> None:
    # Rich markup and emoji codes in what a user wrote must neither crash the printer nor vanish.
    code, err = run_cli(["run", str(CORPUS / "scenario" / "client-kind-markup.yaml")], capsys)
    check(code, err, "'[/]:x:[bold red]' is not one of", touched)


def test_debug_shows_the_traceback_of_an_unexpected_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(args: Any) -> int:
        raise RuntimeError("a bug of ours\nwith two lines")

    monkeypatch.setattr(cli, "cmd_validate", broken)
    code, err = run_cli(["validate", "x.yaml"], capsys)
    assert code == 2
    assert "error: xmux-sim failed unexpectedly: RuntimeError: a bug of ours with two lines" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    code, err = run_cli(["validate", "x.yaml", "--debug"], capsys)
    assert code == 2 and "Traceback" in err and "a bug of ours" in err
