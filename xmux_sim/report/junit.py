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

__all__ = ["junit_xml"]

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


def junit_xml(report: RunReport) -> str:
    suite_name = f"xmux-sim.{report.scenario}"
    root = ET.Element("testsuites")
    suite = _sub(
        root,
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
    for name, value in named.items():
        _sub(props, "property", name=name, value=value)

    failures = errors = 0
    for inv in report.invariants:
        case = _sub(suite, "testcase", classname=suite_name, name=inv.name, time="0")
        word = verdict_word(inv.verdict.valid)
        if word == "violated":
            failures += 1
            _sub(case, "failure", _details(inv), type="violated", message=inv.verdict.message)
        elif word != "holds":
            errors += 1
            _sub(case, "error", _details(inv), type="unknown", message=inv.verdict.message)
        else:
            _sub(case, "system-out", _details(inv))

    error_text = report.error or "the run could not be carried out"
    if report.exit_status is ExitStatus.ERROR:
        errors += 1
        case = _sub(suite, "testcase", classname=suite_name, name="run", time=f"{report.duration_s:.3f}")
        _sub(case, "error", error_text, type="run-error", message=error_text)
    elif report.exit_status is ExitStatus.VIOLATED and not failures + errors:
        failures += 1
        case = _sub(suite, "testcase", classname=suite_name, name="run", time=f"{report.duration_s:.3f}")
        message = report.error or "exit status 1 (violated) but no invariant case failed"
        _sub(case, "failure", message, type="violated", message=message)

    tests = len(suite.findall("testcase"))
    for element in (root, suite):
        element.set("tests", str(tests))
        element.set("failures", str(failures))
        element.set("errors", str(errors))
        element.set("skipped", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
