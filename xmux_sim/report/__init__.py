"""The report of a scenario run: results.json, history.jsonl, junit.xml, report.html, verdict table.

Pure: reads a `RunReport` and writes files; nothing here touches Docker.
"""

from xmux_sim.report.model import ExitStatus, Invariant, RunReport, routes_by_router
from xmux_sim.report.series import RunSeries, Window, aggregate
from xmux_sim.report.terminal import verdict_table
from xmux_sim.report.writer import ReportPaths, report_folder, write_report

__all__ = [
    "ExitStatus",
    "Invariant",
    "ReportPaths",
    "RunReport",
    "RunSeries",
    "Window",
    "aggregate",
    "report_folder",
    "routes_by_router",
    "verdict_table",
    "write_report",
]
