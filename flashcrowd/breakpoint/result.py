"""The answer of a search: ``find-break.json``, a chart, and the lines the CLI prints.

The JSON holds every step (load, verdict, what the window measured), the last
good and first bad load, the failure kind, the knee (where p95 starts to rise)
and the break (where the site first failed), each in simulated units and in
real-world equivalents, and, for the bundled target, the analytic prediction.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from flashcrowd.breakpoint.criteria import StepMeasure, Verdict
from flashcrowd.breakpoint.prediction import Prediction
from flashcrowd.breakpoint.search import BreakSearch
from flashcrowd.breakpoint.units import LoadUnits

RESULT_NAME = "find-break.json"
CHART_NAME = "find-break.png"
KNEE_FACTOR = 2.0  # the knee: the first load whose p95 is this many times the p95 at the lowest load
STOP_TEXT = {
    "resolved": "resolved to the requested resolution",
    "budget": "time budget spent before the resolution was reached",
    "inconclusive": "the load generator, not the site, was the limit: the last good load is a lower bound",
    "ceiling": "the site held the highest load the search may ask for",
    None: "interrupted before the search ended",
}


def build_result(
    search: BreakSearch,
    measured: list[tuple[StepMeasure, Verdict]],
    units: LoadUnits,
    prediction: Prediction | None,
    settings: dict[str, Any],
) -> dict[str, Any]:
    """The result document, from the search's state and the steps measured so far."""

    def point(users: int | None, **extra: Any) -> dict[str, Any] | None:
        if users is None:
            return None
        offered = units.offered(users)
        return {"load": offered, "users": users, "real_world": units.real_world(offered), **extra}

    bad = search.first_bad_verdict
    knee = _knee(measured)
    result: dict[str, Any] = {
        "model": units.model,
        "unit": units.unit,
        "load_per_user": units.per_user,
        "scale": units.scale,
        "stopped": search.stopped.value if search.stopped else None,
        "stop_reason": STOP_TEXT[search.stopped.value if search.stopped else None],
        "last_good": point(search.last_good),
        "first_bad": point(search.first_bad, kind=bad.kind, reason=bad.reason) if bad else None,
        "failure_kind": bad.kind if bad else None,
        "knee": point(knee),
        "break": point(search.first_bad),
        "inconclusive": next((v.reason for _, v in measured if v.inconclusive), None),
        "prediction": None,
        "steps": [_step(measure, verdict) for measure, verdict in measured],
        "settings": settings,
    }
    if prediction is not None:
        result["prediction"] = {
            "knee": prediction.knee,
            "break": prediction.break_,
            "basis": prediction.basis,
            "break_deviation": prediction.deviation(units.offered(search.first_bad))
            if search.first_bad
            else None,
        }
    return result


def _step(measure: StepMeasure, verdict: Verdict) -> dict[str, Any]:
    return {**asdict(measure), "errors": dict(measure.errors), **asdict(verdict)}


def _knee(measured: list[tuple[StepMeasure, Verdict]]) -> int | None:
    """The lowest load whose p95 is KNEE_FACTOR times the p95 at the lowest load measured."""
    timed = sorted((m.load, m.p95_ms) for m, v in measured if m.p95_ms is not None and not v.inconclusive)
    if len(timed) < 2:
        return None
    baseline = timed[0][1]
    return next((load for load, p95 in timed[1:] if p95 >= KNEE_FACTOR * baseline), None)


def write_result(result: dict[str, Any], out_dir: Path) -> Path:
    """Write ``find-break.json`` and the chart into ``out_dir``; return the JSON's path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / RESULT_NAME
    path.write_text(json.dumps(result, indent=2) + "\n")
    draw_chart(result, out_dir / CHART_NAME)
    return path


def draw_chart(result: dict[str, Any], path: Path) -> None:
    """Offered load against throughput, p95 and connection failures, with the bracket and the prediction."""
    import matplotlib

    matplotlib.use("Agg")  # no display in CI or a headless Locust process
    import matplotlib.pyplot as plt

    steps = sorted(result["steps"], key=lambda step: step["offered"])
    colours = {"good": "tab:green", "bad": "tab:red", "inconclusive": "tab:grey"}
    panels = (
        ("throughput (req/s)", lambda s: s["throughput_rps"]),
        ("p95 (ms)", lambda s: s["p95_ms"]),
        ("resets + timeouts (% of requests)", _connection_failure_percent),
    )
    figure, axes = plt.subplots(len(panels), 1, sharex=True, figsize=(8, 8))
    for axis, (label, value) in zip(axes, panels, strict=True):
        points = [(s["offered"], value(s), colours[s["status"]]) for s in steps if value(s) is not None]
        if points:
            xs, ys, cs = zip(*points, strict=True)
            axis.plot(xs, ys, color="lightgrey", zorder=1)
            axis.scatter(xs, ys, c=cs, zorder=2)
        axis.set_ylabel(label)
        _mark(axis, result)
    axes[0].set_title(f"find-break ({result['model']} model): {result['stop_reason']}", fontsize=9)
    axes[0].legend(loc="upper left", fontsize=8)
    axes[-1].set_xlabel(f"offered load ({result['unit']})")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def _connection_failure_percent(step: dict[str, Any]) -> float:
    errors = step["errors"]
    failures = sum(errors.get(k, 0) for k in ("connection_reset", "connect_timeout", "read_timeout"))
    return 100.0 * failures / max(step["requests"], 1)


def _mark(axis: Any, result: dict[str, Any]) -> None:
    for key, style, label in (("last_good", "g--", "last good"), ("first_bad", "r--", "first bad")):
        if result[key]:
            axis.axvline(result[key]["load"], color=style[0], linestyle="--", label=label)
    if result["prediction"]:
        axis.axvline(result["prediction"]["break"], color="black", linestyle=":", label="predicted break")


def summary_lines(result: dict[str, Any], result_path: Path) -> list[str]:
    """What the CLI prints: the bracket, the failure kind, the knee, the prediction, where the files are."""
    unit = result["unit"]

    def described(point: dict[str, Any]) -> str:
        real = ", ".join(
            f"{value:,.0f} {name.replace('_', ' ')}" for name, value in point["real_world"].items()
        )
        return f"{point['load']:,.4g} {unit} (real-world: {real})"

    lines = [f"find-break, {result['model']} model, {len(result['steps'])} steps: {result['stop_reason']}"]
    if result["last_good"]:
        lines.append(f"  holds      {described(result['last_good'])}")
    if result["first_bad"]:
        bad = result["first_bad"]
        lines.append(f"  breaks at  {described(bad)}")
        lines.append(f"  failure    {bad['kind']}: {bad['reason']}")
    if result["inconclusive"]:
        lines.append(f"  stopped    {result['inconclusive']}")
    if result["knee"]:
        lines.append(f"  knee       p95 doubles by {described(result['knee'])}")
    prediction = result["prediction"]
    if prediction:
        deviation = prediction["break_deviation"]
        against = f", measured {deviation:+.1%}" if deviation is not None else ""
        lines.append(f"  predicted  break {prediction['break']:,.4g} {unit}: {prediction['basis']}{against}")
    lines.append(f"  result     {result_path} and {result_path.with_name(CHART_NAME)}")
    return lines
