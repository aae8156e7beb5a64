"""The answer of a search: ``find-break.json``, a chart, and the lines the CLI prints.

The JSON holds every step (load, verdict, what the window measured) and three
loads, each in simulated units and in real-world equivalents, with its
evidence: where the site saturated (throughput stopped rising with load), where
it first failed and how, and where connection resets began (or how far up the
search looked without seeing any). Also the longest time the site took to
drain after overload, the knee (where p95 starts to rise) and, for the bundled
target, the analytic prediction.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from flashcrowd.breakpoint.criteria import FAILED_REQUESTS, StepMeasure, Verdict
from flashcrowd.breakpoint.prediction import Prediction
from flashcrowd.breakpoint.search import BreakSearch
from flashcrowd.breakpoint.units import LoadUnits
from flashcrowd.report.plotting import pyplot

RESULT_NAME = "find-break.json"
CHART_NAME = "find-break.png"
CAPACITY_CHART_NAME = "capacity.png"  # the same capacity chart as a run's report
KNEE_FACTOR = 2.0  # the knee: the first load whose p95 is this many times the p95 at the lowest load
LEVELLED = 0.9  # saturated: the best step served less than this share of what light load's rate gives
STOP_TEXT = {
    "resolved": "resolved to the requested resolution",
    "budget": "time budget spent before the resolution was reached",
    "inconclusive": "the load generator, not the site, was the limit: the last good load is a lower bound",
    "ceiling": "the site held the highest load the search may ask for",
    "undrained": "the site did not recover after a failing step, so lighter loads were not measured",
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
    resets = search.resets
    reset_step = next((m for m, v in measured if m.load == resets.bad and v.resets), None)
    highest = search.highest
    drains = [m.drain_s for m, _ in measured if m.drain_s > 0]
    result: dict[str, Any] = {
        "model": units.model,
        "unit": units.unit,
        "load_per_user": units.per_user,
        "scale": units.scale,
        "stopped": search.stopped.value if search.stopped else None,
        "stop_reason": STOP_TEXT[search.stopped.value if search.stopped else None],
        "saturation": _saturation(measured, units),
        "first_failure": point(
            search.first_bad, kind=bad.kind, reason=bad.reason, held=point(search.last_good)
        )
        if bad
        else None,
        "first_resets": point(resets.bad, evidence=_reset_evidence(reset_step), held=point(resets.good))
        if resets.bad is not None
        else None,
        "resets_looked_up_to": point(highest),
        "reset_search_cut": search.reset_search_cut,
        "recovery_s": {"longest": max(drains), "each": drains} if drains else None,
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
            "break_with_retries": prediction.break_with_retries,
            "retries_basis": prediction.retries_basis,
            "break_deviation": prediction.deviation(units.offered(resets.bad))
            if resets.bad is not None
            else None,
        }
    return result


def _saturation(measured: list[tuple[StepMeasure, Verdict]], units: LoadUnits) -> dict[str, Any] | None:
    """Where throughput stopped rising with load: the most the site served, over what light load got per unit.

    The two asymptotes of operational analysis meet there: throughput = load x (throughput per unit of
    load at light load), and throughput = its maximum. None while the heaviest step still got what
    light load's rate gives (the site never levelled off), or with fewer than two steps.
    """
    judged = [m for m, v in measured if not v.inconclusive and m.requests and m.slowest_p95_ms is not None]
    if len(judged) < 2:
        return None
    per_unit = _light_rate_per_unit(measured, judged, units)
    peak = max(judged, key=lambda m: m.throughput_rps)
    heaviest = max(judged, key=lambda m: m.offered)
    if per_unit <= 0 or heaviest.throughput_rps >= LEVELLED * per_unit * heaviest.offered:
        return None  # the heaviest step still got what light load's rate gives: not saturated
    load = peak.throughput_rps / per_unit
    return {
        "load": load,
        "real_world": units.real_world(load),
        "max_throughput_rps": peak.throughput_rps,
        "at_load": peak.offered,
        "light_rps_per_unit": per_unit,
        "evidence": (
            f"throughput levelled at {peak.throughput_rps:.1f} req/s (at {peak.offered:g}); light load got "
            f"{per_unit:.3g} req/s per {units.unit_one}"
        ),
    }


def _light_rate_per_unit(
    measured: list[tuple[StepMeasure, Verdict]], judged: list[StepMeasure], units: LoadUnits
) -> float:
    """Requests a second one unit of load brings when the site keeps up.

    Open model: what the steps that held sent per session/s (arrivals do not wait for the site).
    Closed model: 1 / (R + Z), with R the lightest step's mean response time and Z the visitors'
    time between requests, from Little's law over every step that held (N = X (R + Z) at each), so
    that each step's requests count, not only the few of the lightest steps.
    """
    held = [m for m, v in measured if v.status == "good" and m.requests and m.seconds]
    if units.model == "open":
        held = [m for m in held if m.sent] or judged
        return sum(m.sent_rps for m in held) / sum(m.offered for m in held)
    timed = [m for m in held if m.mean_ms is not None]
    if not timed:
        lightest = min(judged, key=lambda m: m.offered)
        return lightest.throughput_rps / lightest.offered
    rate = sum(m.ended_rps for m in timed)
    visitors = sum(m.offered * min(m.achieved_ratio, 1.0) for m in timed)
    think_s = (visitors - sum(m.ended_rps * m.mean_ms / 1000 for m in timed)) / rate  # type: ignore[operator]
    lightest = min(timed, key=lambda m: m.offered)
    return 1 / (lightest.mean_ms / 1000 + think_s)  # type: ignore[operator]


def _reset_evidence(step: StepMeasure | None) -> str:
    if step is None or not step.requests:
        return ""
    return f"{step.resets} resets ({step.resets / step.requests:.1%} of {step.requests} requests)"


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
    draw_capacity_chart(result, out_dir / CAPACITY_CHART_NAME)
    return path


def draw_capacity_chart(result: dict[str, Any], path: Path) -> None:
    """Throughput and p95 against the offered load, with the three loads marked (report/capacity.py)."""
    from flashcrowd.report.capacity import CapacityPoint, LoadMarker, write_capacity_png

    steps = sorted((s for s in result["steps"] if s["status"] != "inconclusive"), key=lambda s: s["offered"])
    points = [CapacityPoint(s["offered"], s["throughput_rps"], s["p95_ms"]) for s in steps]
    markers = [
        LoadMarker(label, result[key]["load"])
        for key, label in (
            ("saturation", "saturation"),
            ("first_failure", "first failure"),
            ("first_resets", "resets begin"),
        )
        if result[key]
    ]
    write_capacity_png(points, markers, path, load_label=f"offered load ({result['unit']})")


def draw_chart(result: dict[str, Any], path: Path) -> None:
    """Offered load against throughput, p95 and connection failures, with the bracket and the prediction."""
    plt = pyplot()

    steps = sorted(result["steps"], key=lambda step: step["offered"])
    colours = {"good": "tab:green", "bad": "tab:red", "inconclusive": "tab:grey"}
    panels = (
        ("throughput (req/s)", lambda s: s["throughput_rps"]),
        ("p95 (ms)", lambda s: s["p95_ms"]),
        ("failed requests (% of requests)", _failure_percent),
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


def _failure_percent(step: dict[str, Any]) -> float:
    errors = step["errors"]
    failures = sum(errors.get(kind, 0) for kinds in FAILED_REQUESTS.values() for kind in kinds)
    return 100.0 * failures / max(step["requests"], 1)


def _mark(axis: Any, result: dict[str, Any]) -> None:
    for key, colour, label in (
        ("saturation", "tab:orange", "saturation"),
        ("first_failure", "tab:red", "first failure"),
        ("first_resets", "darkred", "resets begin"),
    ):
        if result[key]:
            axis.axvline(result[key]["load"], color=colour, linestyle="--", label=label)
    if result["prediction"]:
        axis.axvline(result["prediction"]["break"], color="black", linestyle=":", label="predicted break")


def summary_lines(result: dict[str, Any], result_path: Path) -> list[str]:
    """What the CLI prints: the three loads with their evidence, recovery, the prediction, the files."""
    unit = result["unit"]

    def described(point: dict[str, Any]) -> str:
        real = ", ".join(
            f"{value:,.0f} {name.replace('_', ' ')}" for name, value in point["real_world"].items()
        )
        return f"{point['load']:,.4g} {unit} (real-world: {real})"

    lines = [f"find-break, {result['model']} model, {len(result['steps'])} steps: {result['stop_reason']}"]
    saturation = result["saturation"]
    if saturation:
        lines.append(f"  saturates  near {described(saturation)}: {saturation['evidence']}")
    elif result["steps"]:
        lines.append("  saturates  not seen: throughput still rose with load at the highest step")
    failure = result["first_failure"]
    if failure:
        held = f"; held {described(failure['held'])}" if failure["held"] else ""
        lines.append(f"  fails at   {described(failure)}: {failure['kind']}: {failure['reason']}{held}")
    resets = result["first_resets"]
    if resets:
        held = f"; none at {described(resets['held'])}" if resets["held"] else ""
        lines.append(f"  resets at  {described(resets)}: {resets['evidence']}{held}")
    elif result["resets_looked_up_to"]:
        cut = f" ({result['reset_search_cut']})" if result["reset_search_cut"] else ""
        lines.append(f"  resets     none up to {described(result['resets_looked_up_to'])}{cut}")
    if result["recovery_s"]:
        lines.append(
            f"  recovery   up to {result['recovery_s']['longest']:.1f} s to drain after a failing step"
        )
    if result["inconclusive"]:
        lines.append(f"  stopped    {result['inconclusive']}")
    prediction = result["prediction"]
    if prediction:
        deviation = prediction["break_deviation"]
        against = f", measured {deviation:+.1%}" if deviation is not None else ""
        lines.append(f"  predicted  resets {prediction['break']:,.4g} {unit}: {prediction['basis']}{against}")
        if prediction.get("break_with_retries") is not None:
            lines.append(
                f"             with retries {prediction['break_with_retries']:,.4g} {unit}: "
                f"{prediction['retries_basis']}"
            )
    charts = f"{result_path.with_name(CHART_NAME)}, {result_path.with_name(CAPACITY_CHART_NAME)}"
    lines.append(f"  result     {result_path}, {charts}")
    return lines
