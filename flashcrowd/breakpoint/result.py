"""The answer of a search, built from its steps (answer.py types it), its files, and the lines the CLI prints.

find-break.json holds every step (load, verdict, what the window measured) and three
loads, each in simulated units and in real-world equivalents, with its
evidence: where the site saturated (throughput stopped rising with load), where
it first failed and how, and where connection resets began (or how far up the
search looked without seeing any). Also the longest time the site took to
drain after overload, the knee (where p95 starts to rise) and, for the bundled
target, the analytic prediction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from flashcrowd.breakpoint.answer import PredictedBreak, Recovery, SearchAnswer, Step, write_answer
from flashcrowd.breakpoint.charts import draw_capacity_chart, draw_steps_chart
from flashcrowd.breakpoint.criteria import StepMeasure, Verdict
from flashcrowd.breakpoint.prediction import Prediction
from flashcrowd.breakpoint.search import BreakSearch
from flashcrowd.breakpoint.units import LoadUnits
from flashcrowd.results import analysis
from flashcrowd.results.break_types import FirstFailure, FirstResets, LoadPoint, Saturation

RESULT_NAME = "find-break.json"
CHART_NAME = "find-break.png"
CAPACITY_CHART_NAME = "capacity.png"  # the same capacity chart as a run's report
STOP_TEXT = {
    "resolved": "resolved to the requested resolution",
    "budget": "time budget spent before the resolution was reached",
    "inconclusive": "the load generator, not the site, was the limit: the last good load is a lower bound",
    "ceiling": "the site held the highest load the search may ask for",
    "undrained": "the site did not recover after a failing step, so lighter loads were not measured",
    None: "interrupted before the search ended",
}


def build_answer(
    search: BreakSearch,
    measured: list[tuple[StepMeasure, Verdict]],
    units: LoadUnits,
    prediction: Prediction | None,
    settings: Mapping[str, Any],
) -> SearchAnswer:
    """The answer, from the search's state and the steps measured so far."""

    def point(users: int | None, point_type: type[LoadPoint] = LoadPoint, **extra: Any) -> Any:
        if users is None:
            return None
        offered = units.offered(users)
        return point_type(load=offered, users=users, real_world=units.real_world(offered), **extra)

    bad = search.first_bad_verdict
    first_bad = point(search.first_bad, FirstFailure, kind=bad.kind, reason=bad.reason) if bad else None
    resets = search.resets
    reset_step = next((m for m, v in measured if m.load == resets.bad and v.resets), None)
    first_resets = point(
        resets.bad, FirstResets, evidence=_reset_evidence(reset_step), held=point(resets.good)
    )
    drains = tuple(m.drain_s for m, _ in measured if m.drain_s > 0)
    stopped = search.stopped.value if search.stopped else None
    samples = _samples(measured)
    return SearchAnswer(
        stopped=stopped,
        stop_reason=STOP_TEXT[stopped],
        model=units.model,
        unit=units.unit,
        load_per_user=units.per_user,
        scale=units.scale,
        saturation=_saturation(samples, units),
        first_failure=replace(first_bad, held=point(search.last_good)) if first_bad else None,
        first_resets=first_resets,
        resets_looked_up_to=point(search.highest),
        reset_search_cut=search.reset_search_cut,
        recovery_s=Recovery(max(drains), drains) if drains else None,
        last_good=point(search.last_good),
        first_bad=first_bad,
        failure_kind=bad.kind if bad else None,
        knee=point(_knee(samples, units)),
        break_=point(search.first_bad),
        inconclusive=next((v.reason for _, v in measured if v.inconclusive), None),
        prediction=None if prediction is None else _predicted(prediction, first_resets),
        steps=tuple(Step(measure, verdict) for measure, verdict in measured),
        settings=settings,
    )


def _predicted(prediction: Prediction, measured_resets: LoadPoint | None) -> PredictedBreak:
    return PredictedBreak(
        knee=prediction.knee,
        break_=prediction.break_,
        break_deviation=None if measured_resets is None else prediction.deviation(measured_resets.load),
        basis=prediction.basis,
        break_with_retries=prediction.break_with_retries,
        retries_basis=prediction.retries_basis,
    )


def write_answer_files(answer: SearchAnswer, out_dir: Path) -> Path:
    """Write ``find-break.json`` and the two charts into ``out_dir``; return the JSON's path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / RESULT_NAME
    write_answer(answer, path)
    draw_steps_chart(answer, out_dir / CHART_NAME)
    draw_capacity_chart(answer, out_dir / CAPACITY_CHART_NAME)
    return path


def _saturation(samples: list[analysis.Sample], units: LoadUnits) -> Saturation | None:
    """Where the served rate stopped following the load (results/analysis.py, the same rule as a run's):
    None while the strained steps still got what light load's rate gives, or with fewer than two steps."""
    found = analysis.find_saturation(samples, analysis.STEPS, units.pacing) if len(samples) >= 2 else None
    if found is None:
        return None
    point = LoadPoint(load=found.load, users=units.users(found.load), real_world=units.real_world(found.load))
    return found.saturation(point, samples, units.unit_one)


def _samples(measured: list[tuple[StepMeasure, Verdict]]) -> list[analysis.Sample]:
    """The steps the site was judged on, lightest first, as the analysis's samples."""
    judged = sorted((m for m, v in measured if not v.inconclusive and m.seconds), key=lambda m: m.offered)
    return [
        analysis.Sample(m.offered, m.seconds, m.requests, m.errors, m.p95_ms, m.p95_ok_ms, m.p50_ms)
        for m in judged
    ]


def _reset_evidence(step: StepMeasure | None) -> str:
    if step is None or not step.requests:
        return ""
    return f"{step.resets} resets ({step.resets / step.requests:.1%} of {step.requests} requests)"


def _knee(samples: list[analysis.Sample], units: LoadUnits) -> int | None:
    """The lowest load at which p95 rose for good (results/analysis.py), in Locust users."""
    knee = analysis.find_knee(samples, analysis.STEPS)
    return None if knee is None else units.users(samples[knee].load)


def summary_lines(answer: SearchAnswer, result_path: Path) -> list[str]:
    """What the CLI prints: the answer (:func:`answer_lines`), then the files."""
    charts = f"{result_path.with_name(CHART_NAME)}, {result_path.with_name(CAPACITY_CHART_NAME)}"
    return [*answer_lines(answer), f"  result     {result_path}, {charts}"]


def answer_lines(answer: SearchAnswer) -> list[str]:
    """The three loads with their evidence, recovery and the prediction (report.html's header too)."""
    unit = answer.unit

    def described(point: LoadPoint) -> str:
        real = ", ".join(f"{value:,.0f} {name.replace('_', ' ')}" for name, value in point.real_world.items())
        return f"{point.load:,.4g} {unit} (real-world: {real})"

    lines = [f"find-break, {answer.model} model, {len(answer.steps)} steps: {answer.stop_reason}"]
    if answer.saturation:
        lines.append(f"  saturates  near {described(answer.saturation)}: {answer.saturation.evidence}")
    elif answer.steps:
        lines.append("  saturates  not seen: throughput still rose with load at the highest step")
    if failure := answer.first_failure:
        held = f"; held {described(failure.held)}" if failure.held else ""
        lines.append(f"  fails at   {described(failure)}: {failure.kind}: {failure.reason}{held}")
    if resets := answer.first_resets:
        held = f"; none at {described(resets.held)}" if resets.held else ""
        lines.append(f"  resets at  {described(resets)}: {resets.evidence}{held}")
    elif answer.resets_looked_up_to:
        cut = f" ({answer.reset_search_cut})" if answer.reset_search_cut else ""
        lines.append(f"  resets     none up to {described(answer.resets_looked_up_to)}{cut}")
    if answer.recovery_s:
        lines.append(f"  recovery   up to {answer.recovery_s.longest:.1f} s to drain after a failing step")
    if answer.inconclusive:
        lines.append(f"  stopped    {answer.inconclusive}")
    if prediction := answer.prediction:
        deviation = prediction.break_deviation
        against = f", measured {deviation:+.1%}" if deviation is not None else ""
        lines.append(f"  predicted  resets {prediction.break_:,.4g} {unit}: {prediction.basis}{against}")
        if prediction.break_with_retries is not None:
            with_retries = f"{prediction.break_with_retries:,.4g} {unit}: {prediction.retries_basis}"
            lines.append(f"             with retries {with_retries}")
    return lines
