"""A comparison for people and pipelines: a terminal table with a verdict line, an HTML page, JUnit."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from flashcrowd.compare.figures import Figure
from flashcrowd.report.tables import Badge, Table
from flashcrowd.report.templating import render


def value_text(figure: Figure, value: float | str | None) -> str:
    """A figure's value as people read it."""
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    if figure.unit == "%":
        return f"{value:.2%}"
    if figure.unit == "ms":
        return f"{value:,.1f} ms"
    if figure.unit == "req/s":
        return f"{value:,.1f} req/s"
    if figure.unit == "s":
        return f"{value:,.1f} s"
    return f"{value:,.0f}"


def verdict_text(figure: Figure) -> str:
    if not figure.judged:
        return "not judged"
    return f"REGRESSED ({figure.why})" if figure.regressed else "ok"


def regressed(figures: Sequence[Figure]) -> list[Figure]:
    return [figure for figure in figures if figure.regressed]


def verdict_line(figures: Sequence[Figure]) -> str:
    """One line: which figures regressed (baseline -> current), or that none did."""
    worse = regressed(figures)
    judged = sum(figure.judged for figure in figures)
    if not worse:
        return f"compare: no regression ({judged} figures within tolerance)"
    named = "; ".join(
        f"{f.name} {value_text(f, f.baseline)} -> {value_text(f, f.current)} ({f.change}, {f.why})"
        for f in worse
    )
    return f"compare: REGRESSED, {len(worse)} of {judged} figures beyond tolerance: {named}"


def terminal(figures: Sequence[Figure], baseline: str, current: str) -> str:
    """The side-by-side table and the verdict line."""
    rows = [
        (f.name, value_text(f, f.baseline), value_text(f, f.current), f.change, verdict_text(f))
        for f in figures
    ]
    header = ("figure", "baseline", "current", "change", "verdict")
    widths = [max(len(str(row[i])) for row in (header, *rows)) for i in range(len(header) - 1)]

    def line(row: Sequence[str]) -> str:
        return (
            "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=False))
            + "  "
            + row[-1]
        )

    return "\n".join(
        [
            f"baseline: {baseline}",
            f"current:  {current}",
            line(header),
            *map(line, rows),
            verdict_line(figures),
        ]
    )


def html_page(figures: Sequence[Figure], baseline: str, current: str) -> str:
    """One self-contained HTML page: the verdict and the table, regressions in red."""

    def verdict(figure: Figure) -> Badge:
        return Badge("bad" if figure.regressed else "ok" if figure.judged else "na", verdict_text(figure))

    rows = tuple(
        (f.name, value_text(f, f.baseline), value_text(f, f.current), f.change, verdict(f)) for f in figures
    )
    return render(
        "compare.html",
        baseline=baseline,
        current=current,
        verdict=verdict_line(figures),
        verdict_css="bad" if regressed(figures) else "ok",
        table=Table(("figure", "baseline", "current", "change", "verdict"), rows),
    )


def junit_xml(figures: Sequence[Figure]) -> str:
    """One test case per judged figure; a regression is a failure naming both values and the allowance."""
    judged = [figure for figure in figures if figure.judged]
    suite = ET.Element(
        "testsuite", name="flashcrowd.compare", tests=str(len(judged)), failures=str(len(regressed(judged)))
    )
    for figure in judged:
        case = ET.SubElement(
            suite, "testcase", classname=f"flashcrowd.compare.{figure.section}", name=figure.name
        )
        text = (
            f"{figure.name}: {value_text(figure, figure.baseline)} -> {value_text(figure, figure.current)} "
            f"({figure.change}; {figure.why})"
        )
        if figure.regressed:
            ET.SubElement(case, "failure", message=text, type="regression").text = text
        else:
            ET.SubElement(case, "system-out").text = text
    ET.indent(suite)
    return ET.tostring(suite, encoding="unicode", xml_declaration=True) + "\n"
