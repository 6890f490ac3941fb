"""Write a run's report folder: results.json, history.jsonl, junit.xml, report.html."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from xmux_sim.report.junit import junit_xml
from xmux_sim.report.model import RunReport
from xmux_sim.report.page import render_html
from xmux_sim.report.results import results_json
from xmux_sim.report.series import aggregate

__all__ = ["ReportPaths", "check_report_dir", "report_folder", "write_atomic", "write_report"]

_LEAF = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
"""A report folder's own name: one path component, never '..', never a separator."""


@dataclass(frozen=True)
class ReportPaths:
    folder: Path
    results: Path
    history: Path
    junit: Path
    html: Path


def check_report_dir(text: str) -> Path:
    """Where report folders go, checked before a run starts; ValueError says what is wrong."""
    if not text or any(ord(c) < 32 for c in text):
        raise ValueError(f"{text!r} is not a usable folder name")
    path = Path(text)
    existing = next((p for p in (path, *path.parents) if p.exists()), Path("."))
    if not existing.is_dir():
        raise ValueError(f"{str(existing)!r} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ValueError(f"{str(existing)!r} is not writable")
    return path


def report_folder(base: Path, name: str, run_id: str) -> Path:
    """``base/<name>-<run>``, or with a number appended when a run wrote there already.

    The folder is always one level below ``base``: a name that is not one plain path
    component (``x/../..``) is refused, so a report never lands outside the report folder.
    """
    leaf = f"{name}-{run_id}"
    if not _LEAF.fullmatch(leaf) or ".." in leaf:
        raise ValueError(f"{leaf!r} is not a report folder name (letters, digits, '.', '_' and '-')")
    folder = base / leaf
    n = 2
    while folder.exists():
        folder = base / f"{name}-{run_id}-{n}"
        n += 1
    return folder


def write_atomic(path: Path, text: str) -> None:
    # Write then rename: a run killed mid-write leaves the old file or none, never half a file
    # that CI would read as a broken (or, worse, a passing) report.
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def write_report(report: RunReport, folder: Path, *, window_s: float | None = None) -> ReportPaths:
    """Write every report file into ``folder`` (created if missing) and return their paths.

    ``window_s`` fixes the chart window; by default it is chosen from the run's length.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = ReportPaths(
        folder=folder,
        results=folder / "results.json",
        history=folder / "history.jsonl",
        junit=folder / "junit.xml",
        html=folder / "report.html",
    )
    # One pass over the history serves both results.json and the charts.
    series = aggregate(report.history, report.duration_s, window_s=window_s)
    report.history.write_jsonl(paths.history)
    write_atomic(paths.results, results_json(report, series))
    write_atomic(paths.junit, junit_xml(report))
    write_atomic(paths.html, render_html(report, series))
    return paths
