"""A failing image build step, as the terminal shows it: the tail of the step's output and
the path of a log that holds it (the builder's own failure path, under --quiet).

The image builder reports each chunk of Docker's build output by its last line; its
successor on branch `kind` writes every line to a log of its own and names it in the
failure, which this test accepts as well."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from xmux_sim.cli import main
from xmux_sim.images.catalogue import catalogue

BROKEN = """\
ARG BASE
FROM ${BASE}
RUN for i in $(seq 1 60); do echo "build-line-$i"; done; exit 3
"""


@pytest.fixture
def broken_image(tmp_path: Path) -> Iterator[str]:
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "Dockerfile").write_text(BROKEN)
    name = "xmux-test-broken"
    # One image of our own in the catalogue for this test, built FROM the base like the others.
    catalogue()[name] = dataclasses.replace(
        catalogue()["common"], name=name, folder=folder, program="broken", version_cmd=(), go=(), pip=()
    )
    try:
        yield name
    finally:
        del catalogue()[name]


def test_a_failing_build_step_prints_the_tail_and_the_log_path(
    broken_image: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["images", "build", broken_image, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: "), err  # quiet: nothing before the failure
    assert "build-line-60" in err, err  # the tail of the step's output
    logs = [Path(p) for p in re.findall(r"(/\S+\.log)\b", err)]
    assert logs, f"no log path printed:\n{err}"
    # The log holds the step's output and what came before it (the step lines --quiet hid).
    kept = [
        p for p in logs if p.is_file() and "build-line-60" in p.read_text() and "RUN for i" in p.read_text()
    ]
    assert kept, f"no printed log holds the step's output: {logs}"
