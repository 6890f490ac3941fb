"""Write a run's report folder: results.json, history.jsonl, junit.xml, report.html."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from xmux_sim.report.junit import junit_xml
from xmux_sim.report.model import RunReport
from xmux_sim.report.page import render_html
from xmux_sim.report.results import results_json
from xmux_sim.report.series import aggregate

__all__ = ["ReportPaths", "report_folder", "write_report"]


@dataclass(frozen=True)
class ReportPaths:
    folder: Path
    results: Path
    history: Path
    junit: Path
    html: Path


def report_folder(base: Path, name: str, run_id: str) -> Path:
    """``base/<name>-<run>``, or with a number appended when a run wrote there already."""
    folder = base / f"{name}-{run_id}"
    n = 2
    while folder.exists():
        folder = base / f"{name}-{run_id}-{n}"
        n += 1
    return folder


def _write(path: Path, text: str) -> None:
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
    _write(paths.results, results_json(report, series))
    _write(paths.junit, junit_xml(report))
    _write(paths.html, render_html(report, series))
    return paths
