"""The answer's two charts: find-break.png (the steps, three panels) and capacity.png (as a run's report)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from flashcrowd.breakpoint.answer import SearchAnswer, Step
from flashcrowd.report.capacity import CapacityPoint, LoadMarker, write_capacity_png
from flashcrowd.report.plotting import pyplot
from flashcrowd.results.analysis import FAILED_REQUESTS

COLOURS = {"good": "tab:green", "bad": "tab:red", "inconclusive": "tab:grey"}


def draw_capacity_chart(answer: SearchAnswer, path: Path) -> None:
    """Throughput and p95 against the offered load, with the three loads marked (report/capacity.py)."""
    steps = sorted((s.measure for s in answer.steps if not s.verdict.inconclusive), key=lambda m: m.offered)
    points = [CapacityPoint(m.offered, m.ended_rps, m.p95_ms, m.throughput_rps) for m in steps]
    markers = [LoadMarker(label, load) for label, load, _ in _marked_loads(answer)]
    write_capacity_png(points, markers, path, load_label=f"offered load ({answer.unit})")


def draw_steps_chart(answer: SearchAnswer, path: Path) -> None:
    """Offered load against throughput, p95 and failed requests, with the three loads and the prediction."""
    plt = pyplot()
    steps = sorted(answer.steps, key=lambda step: step.measure.offered)
    panels: tuple[tuple[str, Callable[[Step], float | None]], ...] = (
        ("throughput (req/s)", lambda s: s.measure.throughput_rps),
        ("p95 (ms)", lambda s: s.measure.p95_ms),
        ("failed requests (% of requests)", _failure_percent),
    )
    figure, axes = plt.subplots(len(panels), 1, sharex=True, figsize=(8, 8))
    for axis, (label, value) in zip(axes, panels, strict=True):
        drawn = [s for s in steps if value(s) is not None]
        points = [(s.measure.offered, value(s), COLOURS[s.verdict.status]) for s in drawn]
        if points:
            xs, ys, cs = zip(*points, strict=True)
            axis.plot(xs, ys, color="lightgrey", zorder=1)
            axis.scatter(xs, ys, c=cs, zorder=2)
        axis.set_ylabel(label)
        _mark(axis, answer)
    axes[0].set_title(f"find-break ({answer.model} model): {answer.stop_reason}", fontsize=9)
    axes[0].legend(loc="upper left", fontsize=8)
    axes[-1].set_xlabel(f"offered load ({answer.unit})")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def _marked_loads(answer: SearchAnswer) -> list[tuple[str, float, str]]:
    """The three loads the answer found: label, load, colour."""
    found = (
        ("saturation", answer.saturation, "tab:orange"),
        ("first failure", answer.first_failure, "tab:red"),
        ("resets begin", answer.first_resets, "darkred"),
    )
    return [(label, point.load, colour) for label, point, colour in found if point is not None]


def _failure_percent(step: Step) -> float:
    failures = sum(step.measure.count(kinds) for kinds in FAILED_REQUESTS.values())
    return 100.0 * failures / max(step.measure.requests, 1)


def _mark(axis: Any, answer: SearchAnswer) -> None:
    for label, load, colour in _marked_loads(answer):
        axis.axvline(load, color=colour, linestyle="--", label=label)
    if answer.prediction:
        axis.axvline(answer.prediction.break_, color="black", linestyle=":", label="predicted break")
