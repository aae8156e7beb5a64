"""junit.xml for CI: one test case per SLO; a breached SLO is a failure that names it and says when."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any


def junit_xml(summary: dict[str, Any]) -> str:
    """The JUnit document for a summary (see :func:`flashcrowd.report.summary.build_summary`)."""
    scenario = summary["scenario"]["name"]
    slos = summary["slos"]
    suite = ET.Element(
        "testsuite",
        name=f"flashcrowd.{scenario}",
        tests=str(len(slos) + 1),
        failures=str(sum(slo["breached"] for slo in slos)),
        errors=str(int(summary["verdict"] in {"target_unreachable", "generator_failure"})),
        time=f"{summary['totals']['duration_s']:.1f}",
    )
    for slo in slos:
        case = ET.SubElement(suite, "testcase", classname=f"flashcrowd.{scenario}.slo", name=slo["name"])
        statement = f"{slo['metric']} {slo['op']} {slo['threshold']:g} over {slo['window_s']:g} s"
        if slo["breached"]:
            breach = slo["first_breach"]
            message = (
                f"SLO {slo['name']} breached: {statement}; {slo['metric']} was {breach['value']:.4g} "
                f"at {breach['wall_s']:.0f} s ({breach['real_time']}), worst {slo['worst']:.4g}"
            )
            ET.SubElement(case, "failure", message=message, type="slo_breached").text = message
        else:
            worst = "not measured" if slo["worst"] is None else f"worst {slo['worst']:.4g}"
            ET.SubElement(case, "system-out").text = f"{statement}: held ({worst})"
    run_case = ET.SubElement(suite, "testcase", classname=f"flashcrowd.{scenario}", name="run completed")
    if summary["verdict"] in {"target_unreachable", "generator_failure"}:
        totals = summary["totals"]
        message = (
            f"{summary['verdict']}: {totals['requests']} requests, failures {totals['failures_by_kind']}"
        )
        ET.SubElement(run_case, "error", message=message, type=summary["verdict"]).text = message
    ET.indent(suite)
    return ET.tostring(suite, encoding="unicode", xml_declaration=True) + "\n"


def write_junit(summary: dict[str, Any], path: Path) -> None:
    path.write_text(junit_xml(summary), encoding="utf-8")
