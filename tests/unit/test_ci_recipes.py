"""The CI recipes users copy (docs/ci/): their structure, and the commands they run.

Every `xmux-sim` command line in them is parsed by the real command-line parser (a
renamed flag breaks this test, not a user's night); those that need no stack run for
real: `suite --help`, `dashboard` over report folders, and (with a Docker engine)
`images tags`, whose output is the cache key.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.unit.test_dashboard import nightly
from xmux_sim.cli import parser
from xmux_sim.images.catalogue import catalogue
from xmux_sim.report import write_report

ROOT = Path(__file__).resolve().parents[2]
GITHUB = ROOT / "docs" / "ci" / "github-actions.yml"
GITLAB = ROOT / "docs" / "ci" / "gitlab-ci.yml"
CRON = re.compile(r"^(\S+\s+){4}\S+$")


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text())
    return data


def github_job() -> dict[str, Any]:
    (job,) = load(GITHUB)["jobs"].values()
    assert isinstance(job, dict)
    return job


def gitlab_job() -> dict[str, Any]:
    (job,) = load(GITLAB).values()
    assert isinstance(job, dict)
    return job


def shell_lines(text: str) -> list[str]:
    lines = []
    for raw in text.splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            lines.append(line)
    return lines


def commands() -> list[str]:
    """Every shell line both recipes run."""
    lines = [line for step in github_job()["steps"] if "run" in step for line in shell_lines(step["run"])]
    job = gitlab_job()
    for part in ("script", "after_script"):
        lines += [line for entry in job[part] for line in shell_lines(entry)]
    return lines


def xmux_args(line: str) -> list[str]:
    """The arguments of the `xmux-sim` command on a line (the first, for `$(...)` the inner one)."""
    words = shlex.split(line.replace("$(", "$( "))
    start = next(i for i, w in enumerate(words) if w.endswith("xmux-sim"))
    args = []
    for word in words[start + 1 :]:
        if word in (">", "|", ")", "&&") or word.startswith(">"):
            break
        args.append(word.rstrip(")"))
    return args


def test_github_workflow_structure() -> None:
    workflow = load(GITHUB)
    # YAML 1.1 reads a bare `on` as true.
    triggers: dict[str, Any] = workflow["on"] if "on" in workflow else workflow[True]  # type: ignore[index]
    (schedule,) = triggers["schedule"]
    assert CRON.match(schedule["cron"]), schedule
    job = github_job()
    assert job["runs-on"].startswith("ubuntu") and job["timeout-minutes"] >= 120
    steps = job["steps"]
    uses = [s.get("uses", "") for s in steps]
    assert uses[0].startswith("actions/checkout@")
    restore = next(s for s in steps if s.get("id") == "image-cache")
    assert restore["uses"].startswith("actions/cache/restore@")
    assert (
        restore["with"]["key"] == "${{ steps.images.outputs.key }}"
        and restore["with"]["path"] == ".image-cache"
    )
    saved = [s for s in steps if s.get("uses", "").startswith("actions/cache/save@")]
    assert any(s["with"]["key"] == restore["with"]["key"] for s in saved)
    runs = [s.get("run", "").strip() for s in steps]
    order = [
        next(i for i, r in enumerate(runs) if (r == needle[1:] if needle[0] == "=" else needle in r))
        for needle in ("setup --no-images", "images tags > image-tags.txt", "docker load", "=scripts/setup",
                       "docker save", "xmux-sim suite", "xmux-sim dashboard")
    ]  # fmt: skip
    assert order == sorted(order), "the steps run out of order"
    uploads = [s for s in steps if s.get("uses", "").startswith("actions/upload-artifact@")]
    published = "\n".join(str(s["with"]["path"]) for s in uploads)
    assert all(s.get("if") == "always()" for s in uploads)
    for wanted in ("junit.xml", "reports/dashboard.html", "reports/nightly-*/"):
        assert wanted in published, wanted


def test_gitlab_job_structure() -> None:
    job = gitlab_job()
    assert {"if": '$CI_PIPELINE_SOURCE == "schedule"'} in job["rules"]
    caches = {c["key"]: c for c in job["cache"]}
    assert caches["xmux-sim-images"]["paths"] == [".image-cache/"]
    assert caches["xmux-sim-reports"]["paths"] == ["reports/"]
    script = "\n".join(job["script"])
    for needle in (
        "scripts/setup --no-images",
        "images tags",
        "docker load",
        "docker save",
        "xmux-sim suite",
    ):
        assert needle in script, needle
    assert "xmux-sim dashboard reports" in "\n".join(job["after_script"])
    artifacts = job["artifacts"]
    assert artifacts["when"] == "always" and artifacts["reports"]["junit"] == "junit.xml"
    assert {"junit.xml", "reports/dashboard.html", "reports/nightly-*/"} <= set(artifacts["paths"])


def test_every_xmux_sim_command_in_the_recipes_parses() -> None:
    lines = [line for line in commands() if "bin/xmux-sim" in line]
    seen = set()
    for line in lines:
        args = xmux_args(line)
        parsed = parser().parse_args(args)
        seen.add(parsed.command if parsed.command != "images" else f"images {parsed.images_command}")
    assert seen == {"images tags", "suite", "dashboard"}
    # scripts/setup takes the option the recipes give it.
    assert "--no-images) images=0" in (ROOT / "scripts" / "setup").read_text()


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "xmux_sim.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_recipes_suite_and_dashboard_commands_run(tmp_path: Path) -> None:
    done = run_cli("suite", "--help")
    assert done.returncode == 0 and "--report-dir" in done.stdout
    reports = tmp_path / "reports"
    for n in range(3):
        write_report(nightly("kill-postgres", n, 1.0), reports / f"nightly-{n}" / f"kill-postgres-{n}")
    (line,) = [line for line in commands() if "xmux-sim dashboard" in line][:1]
    done = subprocess.run(
        [sys.executable, "-m", "xmux_sim.cli", *xmux_args(line)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (reports / "dashboard.html").is_file() and "3 run(s)" in done.stderr


@pytest.mark.stack  # the tags come from the image builder, which the Docker provider holds
def test_images_tags_is_a_cache_key() -> None:
    done = run_cli("images", "tags")
    assert done.returncode == 0, done.stderr
    tags = done.stdout.split()
    assert len(tags) == len(catalogue())
    assert all(re.fullmatch(r"xmux-sim/[a-z0-9-]+:[0-9a-f]{12}", t) for t in tags), tags
    assert run_cli("images", "tags").stdout == done.stdout  # the same folders, the same key
    listed = run_cli("images", "tags", "--json")
    assert list(yaml.safe_load(listed.stdout).values()) == tags
