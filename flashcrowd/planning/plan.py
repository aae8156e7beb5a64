"""A scenario's plan, computed without sending load: figures, implied units, simulated run, target limits.

``make_plan`` returns plain data; ``flashcrowd.planning.render`` turns it into text
or JSON and ``flashcrowd.planning.charts`` into charts.
"""

from __future__ import annotations

from dataclasses import dataclass

from flashcrowd.breakpoint.prediction import request_mix
from flashcrowd.planning.capacity import CapacityForecast, forecast
from flashcrowd.scenario.curve import Keyframe
from flashcrowd.scenario.figures import FigureCheck, check_figures
from flashcrowd.scenario.journeys import requests_per_session, session_seconds
from flashcrowd.scenario.littles_law import sessions_between
from flashcrowd.scenario.model import Scenario
from flashcrowd.scenario.quantities import format_duration, format_moment
from flashcrowd.scenario.steady_state import COLD
from flashcrowd.scenario.units import UNITS, Implied
from target_app.profile import Profile

FIGURE_TOLERANCE = 0.02  # a modelled figure further off than this is a warning
CONTRADICTION_RATIO = 1.5  # an unmodelled figure off by this factor either way contradicts the curve
SESSION_MISMATCH = 0.25  # a stated session length this far from the journeys' is a warning
LONG_RUN_S = 30 * 60


@dataclass(frozen=True)
class SimulatedRun:
    """The run a scenario asks for here: its users, its pace and how long it takes."""

    scale: float
    compress: float
    wall_duration_s: float
    peak_sim_users: float
    peak_real_time: str
    peak_wall_s: float
    requests_per_session: float
    offered_rps_at_peak: float  # users / (think + service) per request
    served_rps_at_peak: float  # at most the target's c/S, when a target is known
    rps_per_user: float  # light load: requests a session over the session's length
    session_spans_real_s: float  # how much of the curve's real time one session lasts, compressed
    fresh_share: float  # of the visitors the rising curve adds, the share that starts on a first page
    join: str  # steady (the others join mid-browse) or cold


@dataclass(frozen=True)
class FormPost:
    """A POST a journey sends, with the fields a run will send as written."""

    journey: str
    path: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class Plan:
    scenario: Scenario
    session_from_journeys_s: float
    figures: list[FigureCheck]
    implied: list[Implied]
    run: SimulatedRun
    capacity: CapacityForecast | None
    warnings: list[str]
    forms: list[FormPost]


def make_plan(scenario: Scenario, profile: Profile | None) -> Plan:
    """Everything ``flashcrowd plan`` shows; ``profile`` is the bundled target's (None: no forecast)."""
    capacity = forecast(scenario, profile) if profile is not None else None
    implied = [
        figure
        for unit in UNITS.values()
        for figure in unit.implied(scenario.users, scenario.session_duration_s, scenario.clock)
    ]
    total = sessions_between(scenario.users, scenario.session_duration_s, 0.0, scenario.clock.duration_s)
    span = f"{format_duration(scenario.clock.duration_s)} from {format_moment(scenario.clock.start, 0)}"
    implied.append(Implied("sessions", "sessions over the whole scenario", total, span))
    figures = check_figures(scenario)
    return Plan(
        scenario=scenario,
        session_from_journeys_s=session_seconds(scenario.journeys, scenario.think_time),
        figures=figures,
        implied=implied,
        run=_simulated_run(scenario, profile, capacity),
        capacity=capacity,
        warnings=_warnings(scenario, figures),
        forms=_forms(scenario),
    )


def _forms(scenario: Scenario) -> list[FormPost]:
    """Each distinct form POST of the journeys: a recorded one may hold one-time values, a logged one none."""
    posts = {
        (journey.name, step.path): tuple(step.form or {})
        for journey in scenario.journeys
        for step in journey.steps
        if step.method == "POST"
    }
    return [FormPost(journey, path, fields) for (journey, path), fields in posts.items()]


def _simulated_run(
    scenario: Scenario, profile: Profile | None, capacity: CapacityForecast | None
) -> SimulatedRun:
    peak = _peak_in_run(scenario)
    peak_sim = peak.value * scenario.scale
    if profile is not None:
        mix = request_mix(scenario, profile)
        per_request_s = mix.mean_think_s + mix.mean_service_s
    else:
        per_request_s = scenario.session_duration_s / requests_per_session(scenario.journeys)
    offered = peak_sim / per_request_s if per_request_s > 0 else float("inf")
    return SimulatedRun(
        scale=scenario.scale,
        compress=scenario.clock.compress,
        wall_duration_s=scenario.clock.wall_duration_s,
        peak_sim_users=peak_sim,
        peak_real_time=format_moment(scenario.clock.start, peak.at_s),
        peak_wall_s=scenario.clock.wall_seconds(peak.at_s),
        requests_per_session=requests_per_session(scenario.journeys),
        offered_rps_at_peak=offered,
        served_rps_at_peak=min(offered, capacity.max_rps) if capacity else offered,
        rps_per_user=requests_per_session(scenario.journeys) / scenario.session_duration_s,
        session_spans_real_s=scenario.session_duration_s * scenario.clock.compress,
        fresh_share=1.0 if scenario.join == COLD else min(1.0, 1 / scenario.clock.compress),
        join=scenario.join,
    )


def _peak_in_run(scenario: Scenario) -> Keyframe:
    """The curve's highest point in the real-world window the run covers (a cut may leave its peak out)."""
    clock = scenario.clock
    inside = [k for k in scenario.users.keyframes if clock.begin_s <= k.at_s <= clock.duration_s]
    ends = [Keyframe(t, scenario.real_users_at(t)) for t in (clock.begin_s, clock.duration_s)]
    return max([*inside, *ends], key=lambda k: k.value)


def _warnings(scenario: Scenario, figures: list[FigureCheck]) -> list[str]:
    warnings = []
    from_journeys = session_seconds(scenario.journeys, scenario.think_time)
    stated = scenario.session_duration_s
    # Journeys with no think time last ~0 s: any stated session length contradicts them.
    if scenario.session_stated and abs(stated - from_journeys) > SESSION_MISMATCH * max(from_journeys, 1e-9):
        warnings.append(
            f"session.mean {format_duration(stated)} contradicts the journeys, whose visitors leave after "
            f"{format_duration(from_journeys)} on average (pages x think time); Little's law uses the stated "
            f"{format_duration(stated)}, the visitors the journeys"
        )
    for check in figures:
        warning = _figure_warning(scenario, check)
        if warning:
            warnings.append(warning)
    peak_real = scenario.users.peak.value
    if peak_real * scenario.scale < 1:
        warnings.append(
            f"the peak is {peak_real * scenario.scale:.2g} simulated users (scale {scenario.scale:g}): "
            "run refuses "
            f"a curve under one simulated user; a scale of at least {1 / peak_real if peak_real else 1:.2g} "
            "(or --scale) gives one"
        )
    if scenario.clock.wall_duration_s > LONG_RUN_S:
        warnings.append(
            f"the run lasts {format_duration(scenario.clock.wall_duration_s)}; "
            "--duration or --compress shortens it"
        )
    return warnings


def _figure_warning(scenario: Scenario, check: FigureCheck) -> str | None:
    figure, equivalent = check.figure, check.equivalent
    if figure.modelled:
        if abs(check.deviation) <= FIGURE_TOLERANCE:
            return None
        return (
            f"{figure.id} is {check.deviation:+.1%} off its documented value "
            f"(more than {FIGURE_TOLERANCE:.0%}): {equivalent:,.0f} against {figure.documented:,.0f}"
        )
    ratio = equivalent / figure.documented if figure.documented else float("inf")
    if 1 / CONTRADICTION_RATIO <= ratio <= CONTRADICTION_RATIO:
        return None
    warning = (
        f"{figure.id} contradicts this curve: the source says {figure.text!r}, the curve implies "
        f"{equivalent:,.0f}, {ratio:,.1f} times {figure.documented:,.0f}"
    )
    if scenario.load.unit == "concurrent_users" and figure.measure["kind"] in ("sessions", "requests"):
        # Sessions implied by concurrent users scale as 1 / session length (Little's law).
        agreeing = scenario.session_duration_s * ratio
        warning += (
            f"; with {format_duration(scenario.session_duration_s)} sessions the units contradict each other "
            f"(they would agree if a session lasted {format_duration(agreeing)})"
        )
    return warning
