"""Where the bundled target should saturate and start resetting, and when a scenario's curve gets there.

The knee and the first resets without retries are the find-break prediction's
fluid limits (closed model: N* = c(S+Z)/S, the waiting room full at N* + K); the
first failures (for a profile that answers 500 after a wait) and the first resets
counting retries come from the random closed loop of ``planning.retries``, where a
run sees them; this module adds the real-world moment at which the scenario's
curve first reaches each load.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from flashcrowd.breakpoint.prediction import predict, request_mix
from flashcrowd.planning.retries import predict_with_retries
from flashcrowd.scenario.model import Curve, Scenario
from flashcrowd.scenario.quantities import format_moment
from target_app.profile import Profile
from target_app.theory import max_throughput


@dataclass(frozen=True)
class Crossing:
    """A load in simulated and real-world users, and when the curve first reaches it (None: never)."""

    sim_users: float
    real_users: float
    real_time: str | None
    wall_s: float | None


@dataclass(frozen=True)
class CapacityForecast:
    profile: str
    site: str
    workers: int
    queue: int
    mean_service_s: float  # S over the scenario's request mix
    max_rps: float  # c/S
    knee: Crossing
    # Over FAILURE_SHARE of tries fail, the application's 500s first (None: this profile never sends them)
    first_errors: Crossing | None
    first_resets: Crossing  # the closed model, N* + K, without retries
    first_resets_with_retries: Crossing  # random arrivals and the scenario's retries (planning.retries)
    basis: str  # the formula with its numbers
    retry_basis: str

    def milestones(self) -> list[tuple[str, Crossing]]:
        """What the site does as load rises, in order: saturate, answer 500, reset (without, then with
        the scenario's retries)."""
        errors = [("first 500s", self.first_errors)] if self.first_errors is not None else []
        return [
            ("knee", self.knee),
            *errors,
            ("first resets", self.first_resets),
            ("resets with retries", self.first_resets_with_retries),
        ]


def first_crossing(curve: Curve, threshold: float) -> float | None:
    """The first time (real seconds) ``curve`` reaches ``threshold``, or None if it never does."""
    frames = curve.keyframes
    if frames[0].value >= threshold:
        return frames[0].at_s
    for left, right in itertools.pairwise(frames):
        if right.value >= threshold:
            if right.at_s == left.at_s:
                return right.at_s
            fraction = (threshold - left.value) / (right.value - left.value)
            return left.at_s + fraction * (right.at_s - left.at_s)
    return None


def _crossing(scenario: Scenario, sim_users: float) -> Crossing:
    real_users = sim_users / scenario.scale
    real_s = first_crossing(scenario.users, real_users)
    if real_s is None:
        return Crossing(sim_users, real_users, None, None)
    moment = format_moment(scenario.clock.start, round(real_s / 60) * 60)  # a forecast, to the minute
    return Crossing(sim_users, real_users, moment, scenario.clock.wall_seconds(real_s))


def forecast(scenario: Scenario, profile: Profile) -> CapacityForecast:
    """Knee and first resets of ``profile`` under the scenario's visitors, placed on its curve."""
    prediction = predict("closed", scenario, profile)
    with_retries = predict_with_retries(scenario, profile, error_after_wait_s=profile.error_after_wait_s)
    mean_service_s = request_mix(scenario, profile).mean_service_s
    return CapacityForecast(
        profile=profile.name,
        site=profile.site,
        workers=profile.workers,
        queue=profile.queue,
        mean_service_s=mean_service_s,
        max_rps=max_throughput(profile.workers, mean_service_s),
        knee=_crossing(scenario, prediction.knee),
        first_errors=None
        if profile.error_after_wait_s is None
        else _crossing(scenario, with_retries.first_failures),
        first_resets=_crossing(scenario, prediction.break_),
        first_resets_with_retries=_crossing(scenario, with_retries.users),
        basis=prediction.basis,
        retry_basis=with_retries.basis,
    )
