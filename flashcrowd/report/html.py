"""report.html: one self-contained file (inline CSS and SVG, no scripts to fetch) for people who look.

The chart data is embedded too, as ``<script type="application/json" id="flashcrowd-data">``
holding ``{"summary", "timeline", "charts", "markers", "gaps"}``, so tools and
tests can check what the charts show.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime, timedelta
from html import escape
from pathlib import Path

from flashcrowd.report.capacity import capacity_markers
from flashcrowd.report.charts import Marker, build_charts, render_svg
from flashcrowd.report.pages import pages_table
from flashcrowd.report.sections import capacity_section, site_section, site_share_chart
from flashcrowd.report.tables import html_table as _table
from flashcrowd.results.record import FailedPage, FigureRow, Gap, Moment, RunRecord, SloResult, Totals

STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1000px;
  color:#222}
h1{margin-bottom:.2rem}.sub{color:#666;margin-top:0}
.verdict{display:inline-block;padding:.3rem .8rem;border-radius:4px;color:#fff;font-weight:600}
.passed{background:#2ca02c}.slo_breached{background:#d62728}
.target_unreachable,.generator_failure{background:#7f7f7f}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}
td,th{border:1px solid #ddd;padding:.3rem .6rem;text-align:left}
th{background:#f4f4f4}.bad{color:#d62728;font-weight:600}.ok{color:#2ca02c}
figure{margin:0 0 1rem}svg{max-width:100%;height:auto}
"""


def render_html(record: RunRecord) -> str:
    """The whole report for a run's record (its timeline included)."""
    scenario = record.scenario
    rows = record.timeline
    start = datetime.fromisoformat(scenario.real_start)

    def wall_to_time(wall_s: float) -> datetime:
        return start + timedelta(seconds=wall_s * scenario.compress)

    markers = [
        Marker(label, moment.wall_s, colour)
        for moment, label, colour in (
            (record.knee, "knee", "#ff7f0e"),
            (record.first_reset, "first reset", "#d62728"),
        )
        if moment
    ]
    end_s = rows[-1].wall_s if rows else 0.0
    gaps = [(gap.start_wall_s, end_s if gap.end_wall_s is None else gap.end_wall_s) for gap in record.gaps]
    charts = build_charts(rows)
    share_chart = site_share_chart(record)
    share_svg = render_svg(share_chart, rows, markers, gaps, wall_to_time) if share_chart and rows else ""
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
    figures = (
        "".join(
            f'<figure id="chart-{chart.id}">{render_svg(chart, rows, markers, gaps, wall_to_time)}</figure>'
            for chart in charts
        )
        if rows
        else "<p>The run recorded no timeline.</p>"
    )
    title = f"flashcrowd: {scenario.name}"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title><style>{STYLE}</style></head>
<body>
<h1>{escape(title)}</h1>
<p class="sub">{escape(scenario.real_start)}, {scenario.real_duration_s:g} s of real-world time
replayed in {scenario.wall_duration_s:g} s (scale {scenario.scale:g} simulated users per real user)</p>
<p><span class="verdict {record.verdict}">{escape(record.verdict.replace("_", " "))}</span>
exit code {record.exit_code}{_stopped(record)}</p>
{_key_facts(record)}
<h2>Charts</h2>
{figures}
<h2>Capacity: throughput and p95 against load</h2>
{capacity_section(record)}
<h2>Pages</h2>
{pages_table(record.pages)}
<h2>SLO verdicts</h2>
{_slo_table(record.slos)}
<h2>Documented figures and this run</h2>
{_figure_table(scenario.figures)}
<h2>The site's own view</h2>
{site_section(record, share_svg)}
<h2>Failures by detail</h2>
{_table(("detail", "count"), sorted(record.totals.failures_by_detail.items()))}
<h2>Gaps in the measurements</h2>
{_gap_table(record.gaps)}
<h2>Versions and machine</h2>
{_versions_table(record)}
<script type="application/json" id="flashcrowd-data">{_json_for_script(data)}</script>
</body></html>
"""


def write_html(record: RunRecord, path: Path) -> None:
    path.write_text(render_html(record), encoding="utf-8")


def _json_for_script(data: object) -> str:
    # "</" would end the script element early; JSON allows it escaped.
    return json.dumps(data, default=str).replace("</", "<\\/")


def _stopped(record: RunRecord) -> str:
    stop = record.stopped_by
    if not stop:
        return ""
    when = f"{stop.wall_s:.0f} s ({escape(stop.real_time)})"
    return f"; stopped early at {when} on the breach of {escape(stop.slo)}"


def _moment(point: Moment | None) -> str:
    if not point:
        return "none"
    return (
        f"{point.wall_s:.1f} s into the run, real-world {point.real_time}, "
        f"{point.sim_users} simulated users (~{point.real_users:,.0f} real)"
    )


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f} ms"


def _key_facts(record: RunRecord) -> str:
    totals = record.totals
    failures = ", ".join(f"{k} {v}" for k, v in sorted(totals.failures_by_kind.items())) or "none"
    return _table(
        ("", ""),
        [
            ("first connection reset", _moment(record.first_reset)),
            ("knee (latency starts to rise)", _moment(record.knee)),
            ("requests", f"{totals.requests:,} in {totals.duration_s:.0f} s ({totals.rps:,.1f}/s)"),
            ("failures", f"{totals.failures:,}: {failures}"),
            ("retries", _retries(totals)),
            ("first page to fail", _first_page(record.first_failed_page)),
            (
                "latency p50 / p95 / p99 / max",
                " / ".join(_ms(v) for v in (totals.p50_ms, totals.p95_ms, totals.p99_ms, totals.max_ms)),
            ),
            (
                "latency of successes p95 / p99",
                " / ".join(_ms(v) for v in (totals.p95_ok_ms, totals.p99_ok_ms)),
            ),
            (
                "peak achieved users",
                f"{totals.peak_achieved_users} simulated (~{totals.peak_achieved_real_users:,.0f} real)",
            ),
        ],
    )


def _retries(totals: Totals) -> str:
    share = totals.retries / totals.requests if totals.requests else 0.0
    return f"{totals.retries:,} ({share:.1%} of requests were a visitor's retry)"


def _first_page(page: FailedPage | None) -> str:
    if not page:
        return "none failed"
    return f"{page.method} {page.name}: {page.kind} at {page.wall_s:.1f} s ({page.real_time})"


def _versions_table(record: RunRecord) -> str:
    machine = record.machine
    return _table(
        ("", ""),
        [
            *record.versions.items(),
            ("cpus", machine.cpus),
            ("memory", f"{machine.memory_bytes / 2**30:.1f} GiB"),
            ("platform", machine.platform),
            ("locust role", record.role),
        ],
    )


def _slo_table(slos: Sequence[SloResult]) -> str:
    def verdict(slo: SloResult) -> str:
        if not slo.first_breach:
            return '<span class="ok">held</span>'
        breach = slo.first_breach
        return (
            f'<span class="bad">breached</span> at {breach.wall_s:.0f} s '
            f"({escape(breach.real_time)}): {breach.value:.4g}"
        )

    rows = [
        (
            slo.name,
            f"{slo.metric} {slo.op} {slo.threshold:g}",
            f"{slo.window_s:g} s",
            "-" if slo.worst is None else f"{slo.worst:.4g}",
            verdict(slo),
        )
        for slo in slos
    ]
    return (
        _table(("SLO", "objective", "window", "worst", "verdict"), rows, raw_last=True)
        if rows
        else "<p>The scenario sets no SLOs.</p>"
    )


def _figure_table(figures: Sequence[FigureRow]) -> str:
    def rows_for(figure: FigureRow) -> tuple[str, ...]:
        share = figure.measure.get("kind") == "origin_share"

        def number(value: float | None) -> str:
            return "-" if value is None else f"{value:.1%}" if share else f"{value:,.0f}"

        documented = number(figure.documented)
        if figure.documented_high is not None:
            documented += f" to {number(figure.documented_high)}"
        return (
            figure.id,
            figure.text + ("" if figure.modelled else " (checked, not modelled)"),
            documented,
            number(figure.scenario_equivalent),
            number(figure.run_equivalent),
            figure.source,
        )

    rows = [rows_for(figure) for figure in figures]
    header = ("#", "figure", "documented", "scenario's equivalent", "this run's equivalent", "source")
    return _table(header, rows) if rows else "<p>The scenario cites no documented figures.</p>"


def _gap_table(gaps: Sequence[Gap]) -> str:
    rows = [
        (
            f"{g.start_wall_s:.1f} s",
            "end of run" if g.end_wall_s is None else f"{g.end_wall_s:.1f} s",
            g.reason,
        )
        for g in gaps
    ]
    return _table(("from", "to", "reason"), rows) if rows else "<p>None: every second was measured.</p>"
