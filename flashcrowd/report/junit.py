"""junit.xml for CI: one test case per SLO; a breached SLO is a failure that names it and says when.

A last case, ``run completed``, errors when the run measured nothing to judge, and fails when every
request failed (such a run never passes, whatever its SLOs allow)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from flashcrowd.results.record import RunRecord

NOT_COMPLETED = {"target_unreachable", "generator_failure"}  # verdicts that error the last test case


def junit_xml(record: RunRecord) -> str:
    """The JUnit document for a run's record."""
    scenario = record.scenario.name
    slos = record.slos
    all_failed = record.totals.all_failed and record.verdict not in NOT_COMPLETED
    suite = ET.Element(
        "testsuite",
        name=f"flashcrowd.{scenario}",
        tests=str(len(slos) + 1),
        failures=str(sum(slo.breached for slo in slos) + int(all_failed)),
        errors=str(int(record.verdict in NOT_COMPLETED)),
        time=f"{record.totals.duration_s:.1f}",
    )
    for slo in slos:
        case = ET.SubElement(suite, "testcase", classname=f"flashcrowd.{scenario}.slo", name=slo.name)
        statement = f"{slo.metric} {slo.op} {slo.threshold:g} over {slo.window_s:g} s"
        if slo.first_breach is not None:
            breach = slo.first_breach
            message = (
                f"SLO {slo.name} breached: {statement}; {slo.metric} was {breach.value:.4g} "
                f"at {breach.wall_s:.0f} s ({breach.real_time}), worst {slo.worst:.4g}"
            )
            ET.SubElement(case, "failure", message=message, type="slo_breached").text = message
        else:
            worst = "not measured" if slo.worst is None else f"worst {slo.worst:.4g}"
            ET.SubElement(case, "system-out").text = f"{statement}: held ({worst})"
    run_case = ET.SubElement(suite, "testcase", classname=f"flashcrowd.{scenario}", name="run completed")
    totals = record.totals
    failures = f"{totals.requests} requests, failures {dict(totals.failures_by_kind)}"
    if record.verdict in NOT_COMPLETED:
        message = f"{record.verdict}: {failures}"
        ET.SubElement(run_case, "error", message=message, type=record.verdict).text = message
    elif all_failed:
        message = f"every request failed: {failures}"
        ET.SubElement(run_case, "failure", message=message, type="all_failed").text = message
    ET.indent(suite)
    return ET.tostring(suite, encoding="unicode", xml_declaration=True) + "\n"


def write_junit(record: RunRecord, path: Path) -> None:
    path.write_text(junit_xml(record), encoding="utf-8")
