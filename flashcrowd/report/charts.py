"""The report's charts as inline SVG (matplotlib, Agg backend): nothing to fetch, so the report works offline.

Every chart runs on the real-world clock of the scenario's curve, marks the knee
and the first reset with vertical lines, and shades the gaps in the measurements.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import matplotlib.dates as mdates

from flashcrowd.http.classify import KINDS
from flashcrowd.report.plotting import pyplot
from flashcrowd.results.timeline import TimelineRow

plt = pyplot()

# In KINDS' order: resets red, TLS handshakes pink, the set-up's own errors (4xx, TLS set-up) muted.
COLOURS = ("#d62728", "#9467bd", "#8c564b", "#f7b6d2", "#e377c2", "#2ca02c", "#ff7f0e", "#bcbd22", "#17becf")
KIND_COLOURS = dict(zip(KINDS, (*COLOURS, "#aec7e8", "#7f7f7f"), strict=True))


@dataclass(frozen=True)
class Series:
    label: str
    values: list[float | None]
    colour: str
    dashed: bool = False


@dataclass(frozen=True)
class Chart:
    """One chart: its id in the report, title, y-axis label and series over the timeline's rows."""

    id: str
    title: str
    y_label: str
    series: tuple[Series, ...]

    def data(self) -> dict[str, Any]:
        """The chart's numbers as embedded in the report for tools and tests."""
        return {
            "id": self.id,
            "title": self.title,
            "y_label": self.y_label,
            "series": {s.label: s.values for s in self.series},
        }


def build_charts(rows: Sequence[TimelineRow]) -> list[Chart]:
    """The report's four charts: users, requests per second, latency percentiles, errors by kind."""
    kinds = [kind for kind in KINDS if any(row.failures.get(kind) for row in rows)]
    return [
        Chart(
            "users",
            "Target and achieved users (real-world equivalent)",
            "concurrent users",
            (
                Series("target", [row.target_real_users for row in rows], "#1f77b4", dashed=True),
                Series("achieved", [row.achieved_real_users for row in rows], "#2ca02c"),
            ),
        ),
        Chart(
            "rps",
            "Requests per second, and the visitors' retries among them",
            "requests/s",
            (
                Series("rps", [row.rps for row in rows], "#1f77b4"),
                Series("retries", [float(row.retries) for row in rows], "#17becf", dashed=True),
            ),
        ),
        Chart(
            "latency",
            "Latency percentiles per second",
            "ms",
            (
                Series("p50", [row.p50_ms for row in rows], "#2ca02c"),
                Series("p95", [row.p95_ms for row in rows], "#ff7f0e"),
                Series("p99", [row.p99_ms for row in rows], "#d62728"),
                Series("p95 of successes", [row.p95_ok_ms for row in rows], "#9467bd", dashed=True),
            ),
        ),
        Chart(
            "errors",
            "Failed requests per second, by kind",
            "failures/s",
            tuple(
                Series(kind, [float(row.failures.get(kind, 0)) for row in rows], KIND_COLOURS[kind])
                for kind in kinds
            ),
        ),
    ]


@dataclass(frozen=True)
class Marker:
    label: str
    wall_s: float
    colour: str


def render_svg(
    chart: Chart,
    rows: Sequence[TimelineRow],
    markers: Sequence[Marker],
    gaps: Sequence[tuple[float, float]],
    wall_to_time: Any,
) -> str:
    """The chart as an ``<svg>`` element (no XML prolog), ready to inline in HTML."""
    times = [datetime.fromisoformat(row.real_time) for row in rows]
    figure, axes = plt.subplots(figsize=(10, 3.2), dpi=96)
    try:
        for series in chart.series:
            values = [float("nan") if v is None else v for v in series.values]
            axes.plot(
                times,
                values,
                label=series.label,
                color=series.colour,
                linestyle="--" if series.dashed else "-",
                drawstyle="steps-pre",  # a row holds the second that ends at its time
                linewidth=1.4,
            )
        for start, end in gaps:
            axes.axvspan(wall_to_time(start), wall_to_time(end), color="#999999", alpha=0.25, label="gap")
        for marker in markers:
            axes.axvline(
                wall_to_time(marker.wall_s),
                color=marker.colour,
                linestyle=":",
                linewidth=1.5,
                label=marker.label,
            )
        axes.set_title(chart.title, fontsize=11, loc="left")
        axes.set_ylabel(chart.y_label)
        axes.set_ylim(bottom=0)
        axes.grid(alpha=0.3)
        if times:
            if len(times) > 1:  # also when no series has a line (no failures at all)
                axes.set_xlim(times[0], times[-1])
            axes.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M:%S", tz=times[0].tzinfo))
            axes.set_xlabel(f"real-world clock ({times[0].strftime('%Y-%m-%d UTC%z')})")
        if axes.get_legend_handles_labels()[0]:
            axes.legend(loc="upper left", fontsize=8, ncols=4)
        figure.tight_layout()
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg")
    finally:
        plt.close(figure)
    svg = buffer.getvalue()
    return svg[svg.index("<svg") :]
