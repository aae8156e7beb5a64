"""A plan as the text ``flashcrowd plan`` prints, or as JSON for machines."""

from __future__ import annotations

import dataclasses
import math
import textwrap
from typing import Any

from flashcrowd.planning.plan import Plan
from flashcrowd.planning.terminal_chart import Mark, draw
from flashcrowd.scenario.figures import FigureCheck
from flashcrowd.scenario.quantities import format_duration, format_moment

MAX_IMPLIED_ROWS = 12


def _number(value: float, share: bool) -> str:
    if share:
        return f"{value:.1%}"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.3g}"


def _is_share(check: FigureCheck) -> bool:
    return check.figure.measure["kind"] == "origin_share"


def _documented(check: FigureCheck) -> str:
    figure, share = check.figure, _is_share(check)
    if figure.documented_high is None:
        return _number(figure.documented, share)
    return f"{_number(figure.documented, share)}-{_number(figure.documented_high, share)}"


def _wall(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}:{secs:02d}"


def _figures_table(plan: Plan) -> list[str]:
    if not plan.figures:
        return ["Documented figures: none cited (this scenario models no documented figure)"]
    lines = [f"{'Documented figures':54} {'documented':>12} {'scenario':>12} {'deviation':>10}"]
    for check in plan.figures:
        figure = check.figure
        text = textwrap.shorten(figure.text, 48, placeholder="...")
        figure_id = figure.id if figure.modelled else figure.id + "*"
        equivalent = _number(check.equivalent, _is_share(check))
        numbers = f"{_documented(check):>12} {equivalent:>12} {check.deviation:>+10.1%}"
        lines.append(f"  {figure_id:4}{text:48} {numbers}")
    if not all(check.figure.modelled for check in plan.figures):
        lines.append("  * not modelled: listed to show whether the curve contradicts it")
    sources = sorted({check.figure.source for check in plan.figures})
    lines.append(f"  sources: {', '.join(sources)}")
    return lines


def _implied_table(plan: Plan) -> list[str]:
    scenario = plan.scenario
    basis = "stated in the scenario" if scenario.session_stated else "expected from the journeys"
    session = format_duration(scenario.session_duration_s)
    lines = [
        f"Implied figures (Little's law: concurrent = sessions/s x {session}, the mean session {basis};",
        f"  the curve is written in {scenario.load.unit.replace('_', ' ')})",
    ]
    for implied in plan.implied[:MAX_IMPLIED_ROWS]:
        lines.append(f"  {implied.unit:20} {implied.what:40} {implied.value:>14,.0f}  {implied.when}")
    hidden = len(plan.implied) - MAX_IMPLIED_ROWS
    if hidden > 0:
        lines.append(f"  ... {hidden} more (--json lists them all)")
    return lines


def _flash_lines(plan: Plan) -> list[str]:
    scenario = plan.scenario
    flash = scenario.flash
    if flash is None:
        return []
    unit = scenario.load.unit.replace("_", " ")
    log_s = math.log10(1 + flash.shock)
    rules = {
        "ramp-up": f"time unit / log10(1+S) = {format_duration(flash.time_unit_s)} / {log_s:.3f}",
        "sustained": f"time unit x log10(1+S) = {format_duration(flash.time_unit_s)} x {log_s:.3f}",
        "ramp-down": f"decay x ramp-up = {flash.decay:g} x {format_duration(flash.ramp_up_s)}",
    }
    lines = [
        f"Flash crowd (Ari et al. 2003): baseline {flash.baseline:,.0f} {unit}, shock S = {flash.shock:g}, "
        f"peak {flash.peak:,.0f}; time unit {format_duration(flash.time_unit_s)}, decay {flash.decay:g} "
        f"({scenario.clock.start:%Z})"
    ]
    for phase in flash.phases():
        start, end = (format_moment(scenario.clock.start, s)[:16] for s in (phase.start_s, phase.end_s))
        span = f"{start} to {end}"
        lines.append(
            f"  {phase.name:10} {span:36} {format_duration(phase.end_s - phase.start_s):>9}  "
            f"{phase.from_value:,.0f} -> {phase.to_value:,.0f}  ({rules[phase.name]})"
        )
    return lines


def _run_lines(plan: Plan) -> list[str]:
    run, clock = plan.run, plan.scenario.clock
    lines = [
        "Simulated run",
        f"  wall-clock {format_duration(run.wall_duration_s)}: {format_duration(clock.span_s)} of real "
        f"time compressed x{run.compress:g} (the curve only; think times are real)",
        f"  peak {run.peak_sim_users:,.0f} simulated users (scale {run.scale:g}) at {run.peak_real_time}, "
        f"wall {_wall(run.peak_wall_s)}",
        f"  {run.requests_per_session:.1f} requests a session; expected at the peak: "
        f"{run.offered_rps_at_peak:,.0f} requests/s offered",
    ]
    if plan.capacity is not None and run.served_rps_at_peak < run.offered_rps_at_peak:
        lines[-1] += f", at most {run.served_rps_at_peak:,.0f} served by the target"
    return [*lines, *_compression_lines(plan)]


def _compression_lines(plan: Plan) -> list[str]:
    """What compression does to the visitors: how much of the curve a session spans, who arrives fresh."""
    run, session_s = plan.run, plan.scenario.session_duration_s
    joining = (
        "all of them start on their first page (join: cold)"
        if run.join == "cold"
        else f"{run.fresh_share:.1%} of the visitors the curve adds arrive on their first page (its growth "
        "at real pace), the others join mid-browse (join: steady; see docs/scenarios.md)"
    )
    return [
        f"  a {format_duration(session_s)} session spans {format_duration(run.session_spans_real_s)} of the "
        f"curve at x{run.compress:g}; {joining}",
        f"  light load: {run.rps_per_user:.3f} requests/s a visitor ({run.requests_per_session:.1f} requests "
        f"a {format_duration(session_s)} session)",
    ]


def _capacity_lines(plan: Plan) -> list[str]:
    capacity = plan.capacity
    if capacity is None:
        return []
    lines = [
        f"Bundled target, profile {capacity.profile} (site {capacity.site}: {capacity.workers} workers, "
        f"{capacity.queue} waiting slots; S = {capacity.mean_service_s * 1000:.1f} ms over this mix, "
        f"at most {capacity.max_rps:,.0f} requests/s)".replace("at most inf requests/s", "no limit")
    ]
    if math.isinf(capacity.knee.sim_users):
        return [*lines, "  no knee, no 500s and no resets: this profile serves without a capacity limit"]
    for label, crossing in capacity.milestones():
        when = (
            f"reached at {crossing.real_time}, wall {_wall(crossing.wall_s or 0)}"
            if crossing.real_time
            else "never reached by this curve"
        )
        users = f"{crossing.sim_users:>9,.0f} simulated = {crossing.real_users:>11,.0f} real users"
        lines.append(f"  {label:19} {users}, {when}")
    lines.append(f"  knee and first resets from {capacity.basis} (the mean queue, no retries)")
    lines.append(f"  first 500s and resets with retries from {capacity.retry_basis}")
    return lines


def as_text(plan: Plan) -> str:
    """The human report: header, chart, figures, implied units, warnings, run and target."""
    scenario = plan.scenario
    marks = []
    if plan.capacity is not None:
        marks = [
            Mark(label.split()[-1], crossing.real_users) for label, crossing in plan.capacity.milestones()
        ]
    sections = [
        [
            f"{scenario.name}  ({scenario.path})",
            *textwrap.wrap(scenario.description, 100, initial_indent="  ", subsequent_indent="  "),
        ],
        ["Concurrent real-world users (left) and simulated users (right)", draw(scenario, marks)],
        _flash_lines(plan),
        _figures_table(plan),
        _implied_table(plan),
        ["Warnings", *(f"  ! {w}" for w in plan.warnings)] if plan.warnings else [],
        _forms_lines(plan),
        _run_lines(plan),
        _capacity_lines(plan),
    ]
    return "\n\n".join("\n".join(section) for section in sections if section)


def _forms_lines(plan: Plan) -> list[str]:
    if not plan.forms:
        return []
    lines = [
        "Form posts (sent with the fields as written: check recorded values such as one-time tokens, "
        "fill in empty forms)"
    ]
    for form in plan.forms:
        fields = ", ".join(form.fields) if form.fields else "no fields: fill them in"
        lines.append(
            "  " + textwrap.shorten(f"{form.journey}: POST {form.path} ({fields})", 108, placeholder="...)")
        )
    return lines


def _finite(value: Any) -> Any:
    """JSON has no infinity: an unlimited capacity becomes null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_finite(item) for item in value]
    return value


def _flash_json(plan: Plan) -> dict[str, Any] | None:
    flash = plan.scenario.flash
    if flash is None:
        return None
    return {
        **dataclasses.asdict(flash),
        "peak": flash.peak,
        "phases": [dataclasses.asdict(phase) for phase in flash.phases()],
    }


def as_json(plan: Plan) -> dict[str, Any]:
    """The plan as JSON-ready data (times as text, numbers unrounded, null for unlimited)."""
    scenario = plan.scenario
    return _finite(
        {
            "scenario": {
                "name": scenario.name,
                "path": str(scenario.path),
                "unit": scenario.load.unit,
                "start": scenario.clock.start.isoformat(),
                "real_duration_s": scenario.clock.span_s,
                "session_s": scenario.session_duration_s,
                "session_stated": scenario.session_stated,
                "session_from_journeys_s": plan.session_from_journeys_s,
                "target_profile": scenario.target_profile,
            },
            "figures": [
                {
                    "id": check.figure.id,
                    "source": check.figure.source,
                    "text": check.figure.text,
                    "documented": check.figure.documented,
                    "documented_high": check.figure.documented_high,
                    "modelled": check.figure.modelled,
                    "measure": {k: v for k, v in check.figure.measure.items()},
                    "equivalent": check.equivalent,
                    "deviation": check.deviation,
                }
                for check in plan.figures
            ],
            "flash": _flash_json(plan),
            "implied": [dataclasses.asdict(implied) for implied in plan.implied],
            "warnings": plan.warnings,
            "forms": [dataclasses.asdict(form) for form in plan.forms],
            "run": dataclasses.asdict(plan.run),
            "capacity": dataclasses.asdict(plan.capacity) if plan.capacity is not None else None,
        }
    )
