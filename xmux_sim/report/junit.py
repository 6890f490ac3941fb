"""junit.xml: one test case per invariant, so CI shows each one.

- holds    -> a passing test case
- violated -> ``<failure type="violated">``: the system broke the invariant
- unknown  -> ``<error type="unknown">``: the checker had nothing to judge (no
  operations, a fault never healed, ...). An invariant that could not be checked
  has not been shown to hold, so CI must show it red; ``<error>`` says "the test
  could not run" rather than "the system misbehaved", and every CI that reads
  JUnit counts errors as failed. ``<skipped>`` is never used: it shows as grey.
- a run that could not be carried out (exit status 2) adds a test case ``run``
  with an ``<error type="run-error">`` carrying the error message, so the suite
  is red even when no invariant was checked. The same case appears as a
  ``<failure>`` if the exit status says violated but no invariant case is red,
  so junit.xml never reads greener than the exit code.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Final

from xmux_sim.report.formatting import clean, fmt_number, verdict_word
from xmux_sim.report.model import ExitStatus, Invariant, RunReport
from xmux_sim.report.results import jsonable

__all__ = ["add_case", "add_testsuite", "count", "junit_xml", "serialize", "set_counts"]

# Evidence is capped by the checkers, but a CI page still need not show all of it.
_EVIDENCE_CHARS: Final = 20_000


def _details(inv: Invariant) -> str:
    verdict = inv.verdict
    lines = [verdict.message or "(no message)", "", f"checker: {inv.checker}", f"threshold: {inv.threshold}"]
    if verdict.figures:
        lines += ["", "figures:"] + [f"  {k} = {fmt_number(v)}" for k, v in verdict.figures.items()]
    if verdict.evidence:
        text = json.dumps(jsonable(verdict.evidence), indent=2, allow_nan=False)
        if len(text) > _EVIDENCE_CHARS:
            text = text[:_EVIDENCE_CHARS] + "\n... (cut; full evidence in results.json)"
        lines += ["", "evidence:", text]
    return clean("\n".join(lines))


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: clean(v) for k, v in attrs.items()})
    if text is not None:
        element.text = clean(text)
    return element


def add_testsuite(
    parent: ET.Element, report: RunReport, *, name: str | None = None, expect_violation: bool = False
) -> ET.Element:
    """One ``<testsuite>`` for the run under ``parent``, with its counts set.

    ``expect_violation``: the scenario is an unsafe variant (``expect: violated``), so a
    violated invariant is what it set out to show and passes; whether one was caught at
    all is the suite's own test case.
    """
    suite_name = name or f"xmux-sim.{report.scenario}"
    suite = _sub(
        parent,
        "testsuite",
        name=suite_name,
        # JUnit's timestamp has no zone; it is UTC like every time in the report.
        timestamp=report.started_at.replace(tzinfo=None).isoformat(timespec="seconds"),
        time=f"{report.duration_s:.3f}",
    )
    props = _sub(suite, "properties")
    named = {
        "run_id": report.run_id,
        "seed": str(report.seed),
        "stack": report.stack,
        "scenario_path": str(report.scenario_path or ""),
        "exit_status": str(int(report.exit_status)),
        **{f"flavour.{service}": flavour for service, flavour in sorted(report.flavours.items())},
    }
    for key, value in named.items():
        _sub(props, "property", name=key, value=value)

    for inv in report.invariants:
        case = _sub(suite, "testcase", classname=suite_name, name=inv.name, time="0")
        word = verdict_word(inv.verdict.valid)
        if word == "violated" and not expect_violation:
            _sub(case, "failure", _details(inv), type="violated", message=inv.verdict.message)
        elif word not in ("holds", "violated"):
            _sub(case, "error", _details(inv), type="unknown", message=inv.verdict.message)
        else:
            note = "violated, as this unsafe variant expects\n\n" if word == "violated" else ""
            _sub(case, "system-out", note + _details(inv))

    error_text = report.error or "the run could not be carried out"
    if report.exit_status is ExitStatus.ERROR:
        add_case(suite, suite_name, "run", f"{report.duration_s:.3f}", "error", "run-error", error_text)
    elif report.exit_status is ExitStatus.VIOLATED and not expect_violation and count(suite)[1:] == (0, 0):
        message = report.error or "exit status 1 (violated) but no invariant case failed"
        add_case(suite, suite_name, "run", f"{report.duration_s:.3f}", "failure", "violated", message)
    set_counts(suite)
    return suite


def add_case(
    suite: ET.Element, classname: str, name: str, time: str, kind: str, kind_type: str, message: str
) -> ET.Element:
    """A test case with one ``<failure>`` or ``<error>`` carrying ``message``."""
    case = _sub(suite, "testcase", classname=classname, name=name, time=time)
    _sub(case, kind, message, type=kind_type, message=message)
    return case


def count(element: ET.Element) -> tuple[int, int, int]:
    """(tests, failures, errors) of the test cases below ``element``."""
    cases = element.findall(".//testcase")
    failures = sum(1 for c in cases if c.find("failure") is not None)
    errors = sum(1 for c in cases if c.find("error") is not None)
    return len(cases), failures, errors


def set_counts(element: ET.Element) -> None:
    tests, failures, errors = count(element)
    element.set("tests", str(tests))
    element.set("failures", str(failures))
    element.set("errors", str(errors))
    element.set("skipped", "0")


def serialize(root: ET.Element) -> str:
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def junit_xml(report: RunReport) -> str:
    root = ET.Element("testsuites")
    add_testsuite(root, report)
    set_counts(root)
    return serialize(root)
