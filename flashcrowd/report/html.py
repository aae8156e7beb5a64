"""report.html: one self-contained file (inline CSS and SVG, no scripts to fetch) for people who look.

Rendered from ``templates/report.html`` with the run's record, the charts drawn from its
timeline and the tables of ``sections`` and ``site_view``. The chart data is embedded too,
as ``<script type="application/json" id="flashcrowd-data">`` holding ``{"summary", "timeline",
"charts", "markers", "gaps", "capacity"}``, so tools and tests can check what the charts show.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path

from markupsafe import Markup

from flashcrowd.breakpoint.result import answer_lines as search_lines
from flashcrowd.report import sections, site_view
from flashcrowd.report.capacity import capacity_markers, capacity_points, capacity_svg
from flashcrowd.report.charts import Chart, Marker, build_charts, render_svg
from flashcrowd.report.templating import render
from flashcrowd.results.break_text import break_lines, record_span
from flashcrowd.results.record import RunRecord


@dataclass(frozen=True)
class DrawnChart:
    id: str
    svg: Markup  # drawn by matplotlib, inlined as it is


def render_html(record: RunRecord) -> str:
    """The whole report for a run's record (its timeline included)."""
    rows = record.timeline
    start = datetime.fromisoformat(record.scenario.real_start)

    def wall_to_time(wall_s: float) -> datetime:
        return start + timedelta(seconds=wall_s * record.scenario.compress)

    knee = record.knee.at if record.knee else None  # a search's knee is a step's, not a moment's
    markers = [
        Marker(label, when.wall_s, colour)
        for when, label, colour in ((knee, "knee", "#ff7f0e"), (record.first_reset, "first reset", "#d62728"))
        if when
    ]
    end_s = rows[-1].wall_s if rows else 0.0
    gaps = [(gap.start_wall_s, end_s if gap.end_wall_s is None else gap.end_wall_s) for gap in record.gaps]
    charts = build_charts(rows)
    share_chart = site_view.share_chart(record)
    points = capacity_points(record)
    data = {
        "summary": record.to_json(),
        "timeline": [row.as_record() for row in rows],
        "charts": [chart.data() for chart in (*charts, *([share_chart] if share_chart else []))],
        "markers": [
            {"label": m.label, "wall_s": m.wall_s, "real_time": wall_to_time(m.wall_s).isoformat()}
            for m in markers
        ],
        "gaps": [asdict(gap) for gap in record.gaps],
        "capacity": {
            "points": [asdict(point) for point in record.capacity],
            "markers": [vars(marker) for marker in capacity_markers(record)],
        },
    }

    def drawn(chart: Chart) -> Markup:
        return Markup(render_svg(chart, rows, markers, gaps, wall_to_time))

    return render(
        "report.html",
        record=record,
        sections=sections.tables(record),
        charts=[DrawnChart(chart.id, drawn(chart)) for chart in charts] if rows else [],
        capacity_svg=Markup(capacity_svg(points, capacity_markers(record))) if points else None,
        site_tables=site_view.tables(record),
        share_svg=drawn(share_chart) if share_chart and rows else None,
        answer=answer_lines(record),
        data=json_for_script(data),
    )


def answer_lines(record: RunRecord) -> list[str]:
    """The run's one answer as the CLI printed it: find-break's, or `flashcrowd run`'s three sentences."""
    if record.find_break is not None:
        return [line.strip() for line in search_lines(record.find_break)]
    return break_lines(record.break_answer, record_span(record))


def write_html(record: RunRecord, path: Path) -> None:
    path.write_text(render_html(record), encoding="utf-8")


def json_for_script(data: object) -> Markup:
    """``data`` as JSON to embed in a ``<script>`` element, as it is (not HTML-escaped)."""
    # "</" would end the script element early; JSON allows it escaped.
    return Markup(json.dumps(data, default=str).replace("</", "<\\/"))
