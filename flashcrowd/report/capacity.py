"""The capacity chart engineers draw: throughput (all responses, and successful ones) and p95 against
load, saturation and first failure marked.

``capacity_svg`` / ``write_capacity_png`` take plain points (load, throughputs, p95) and
optional marker loads, so a run's report and find-break's output draw the same chart.
For a run, ``capacity_points`` and ``capacity_markers`` read them from its record (its
``capacity``, binned by ``flashcrowd.results.capacity``).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flashcrowd.report.plotting import pyplot
from flashcrowd.results.record import RunRecord

plt = pyplot()

LOAD_LABEL = "concurrent users (real-world equivalent)"
MARKER_COLOURS = {  # the p95 line is orange: a marker must not be
    "saturation": "#8c564b",
    "knee": "#8c564b",
    "first failure": "#9467bd",
    "first resets": "#d62728",
    "first reset": "#d62728",
}


@dataclass(frozen=True)
class CapacityPoint:
    """Responses a second (all, and successful ones: past the break, cheap failures swell the first) and
    p95 (ms, None if nothing ended) at one load."""

    load: float
    throughput: float
    p95_ms: float | None
    ok_throughput: float | None = None  # None: not known (a record written before it was)


@dataclass(frozen=True)
class LoadMarker:
    """A load to mark with a vertical line: saturation, first failure, first resets..."""

    label: str
    load: float


def capacity_points(record: RunRecord) -> list[CapacityPoint]:
    """The chart's points from a run's ``capacity``: real-world users, rps, p95."""
    return [CapacityPoint(p.real_users, p.rps, p.p95_ms, p.ok_rps) for p in record.capacity]


def capacity_markers(record: RunRecord) -> list[LoadMarker]:
    """Saturation, first failure and first resets from the record's ``break`` (the timeline's or
    find-break's), in the real-world users the chart's axis counts; without one, the knee, the first
    failure (unless it is the first reset) and the first reset, from the timeline."""
    found = record.break_answer
    if found is not None:
        named = (
            ("saturation", found.saturation),
            ("first failure", found.first_failure),
            ("first resets", found.first_resets),
        )
        return [LoadMarker(label, point.real_users) for label, point in named if point is not None]
    markers = [LoadMarker("knee", record.knee.real_users)] if record.knee else []
    failure, reset = record.first_failed_page, record.first_reset
    if failure and not (reset and abs(reset.wall_s - failure.wall_s) < 1):
        markers.append(LoadMarker("first failure", float(failure.real_users)))
    if reset:
        markers.append(LoadMarker("first reset", float(reset.real_users)))
    return markers


def capacity_svg(
    points: Sequence[CapacityPoint], markers: Sequence[LoadMarker] = (), *, load_label: str = LOAD_LABEL
) -> str:
    """The chart as an ``<svg>`` element, ready to inline in HTML."""
    buffer = io.StringIO()
    _draw(points, markers, load_label, buffer, "svg")
    svg = buffer.getvalue()
    return svg[svg.index("<svg") :]


def write_capacity_png(
    points: Sequence[CapacityPoint],
    markers: Sequence[LoadMarker],
    path: Path,
    *,
    load_label: str = LOAD_LABEL,
) -> None:
    """The chart as a PNG file (find-break's output)."""
    with path.open("wb") as file:
        _draw(points, markers, load_label, file, "png")


def _draw(
    points: Sequence[CapacityPoint],
    markers: Sequence[LoadMarker],
    load_label: str,
    output: Any,
    fmt: str,
) -> None:
    ordered = sorted(points, key=lambda point: point.load)
    loads = [point.load for point in ordered]
    figure, throughput_axes = plt.subplots(figsize=(10, 3.6), dpi=96)
    latency_axes = throughput_axes.twinx()
    try:
        throughput_axes.plot(
            loads, [p.throughput for p in ordered], "o-", color="#1f77b4", label="all responses", markersize=3
        )
        if any(p.ok_throughput is not None for p in ordered):
            ok = [float("nan") if p.ok_throughput is None else p.ok_throughput for p in ordered]
            throughput_axes.plot(loads, ok, "^-", color="#2ca02c", label="successful responses", markersize=3)
        p95 = [float("nan") if p.p95_ms is None else p.p95_ms for p in ordered]
        latency_axes.plot(loads, p95, "s-", color="#ff7f0e", label="p95", markersize=3)
        for marker in markers:
            throughput_axes.axvline(
                marker.load,
                color=MARKER_COLOURS.get(marker.label, "#d62728"),
                linestyle=":",
                linewidth=1.5,
                label=f"{marker.label} ({marker.load:,.0f})",
            )
        throughput_axes.set_title("Capacity: throughput and p95 against load", fontsize=11, loc="left")
        throughput_axes.set_xlabel(load_label)
        throughput_axes.set_ylabel("responses/s", color="#1f77b4")
        latency_axes.set_ylabel("p95 ms", color="#ff7f0e")
        throughput_axes.set_ylim(bottom=0)
        latency_axes.set_ylim(bottom=0)
        throughput_axes.set_xlim(left=0)
        throughput_axes.grid(alpha=0.3)
        handles, labels = throughput_axes.get_legend_handles_labels()
        more_handles, more_labels = latency_axes.get_legend_handles_labels()
        throughput_axes.legend(handles + more_handles, labels + more_labels, loc="upper left", fontsize=8)
        figure.tight_layout()
        figure.savefig(output, format=fmt)
    finally:
        plt.close(figure)
