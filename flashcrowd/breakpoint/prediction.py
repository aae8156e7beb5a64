"""The analytic prediction for the bundled target, to set beside what the search measured.

Closed model: the workers saturate at N* = c(S+Z)/S visitors (the knee); past it
every extra visitor waits in the waiting room, so resets begin once the room is
full, at N* + K (the break). A room the queue timeout cuts short holds only
what drains within that timeout. A profile whose application answers 500 to a
request that waited over T for a worker has its mean queue wait T from N* + T c/S
visitors on (about half the requests get 500s there; random waits bring the
first ones earlier: planning.retries). Open model: the site serves at most c/S
requests a second, so sessions break at c / (S x requests per session), and
the queue grows past both limits from there.
S and Z are means over the scenario's journeys, each page weighed by how often
visitors ask for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from flashcrowd.scenario.model import Scenario
from target_app import theory
from target_app.profile import Profile
from target_app.site import cost_class


@dataclass(frozen=True)
class RequestMix:
    """What an average visitor asks of the site."""

    requests_per_session: float
    mean_service_s: float  # S, over the requests of a session
    mean_think_s: float  # Z, between one page and the next


@dataclass(frozen=True)
class Prediction:
    knee: float  # in the model's unit: visitors (closed) or sessions/s (open)
    break_: float  # where resets begin
    basis: str  # the formula with its numbers, for the report
    first_errors: float | None = None  # where the mean queue waits error_after_wait_s (profiles with one)
    break_with_retries: float | None = None  # where resets begin counting the scenario's retries
    retries_basis: str = ""  # that model with its numbers

    def deviation(self, measured: float) -> float:
        """Relative deviation of a measured load from the predicted break."""
        return measured / self.break_ - 1


def request_mix(scenario: Scenario, profile: Profile) -> RequestMix:
    """Means over the scenario's journeys, weighted by journey weight and step probability."""
    total_weight = sum(journey.weight for journey in scenario.journeys)
    requests = service = think = 0.0
    for journey in scenario.journeys:
        share = journey.weight / total_weight
        for step in journey.steps:
            asked = share * step.probability
            requests += asked
            service += asked * profile.mean_service_s(cost_class(step.method, step.path, profile.site))
            think += asked * (step.think or scenario.think_time).mean
    return RequestMix(requests, service / requests, think / requests)


def predict(model: str, scenario: Scenario, profile: Profile) -> Prediction:
    """Knee and break of the bundled target under ``scenario``'s visitors, in the model's unit."""
    mix = request_mix(scenario, profile)
    c, s = profile.workers, mix.mean_service_s
    errors_wait = profile.error_after_wait_s
    if model == "open":
        sessions = theory.max_throughput(c, s) / mix.requests_per_session
        return Prediction(
            sessions,
            sessions,
            f"c/S/pages = {c}/{s * 1000:.2f} ms/{mix.requests_per_session:.2f} = {sessions:.1f}",
            sessions if errors_wait is not None else None,
        )
    knee = theory.knee_users(c, s, mix.mean_think_s)
    # A queued request is reset after queue_timeout_s, so the room holds what drains in that time.
    room = min(profile.queue, profile.queue_timeout_s * theory.max_throughput(c, s))
    basis = (
        f"N* + K = {c}({s * 1000:.2f} ms + {mix.mean_think_s:.2f} s)/{s * 1000:.2f} ms + {room:.0f}"
        f" = {knee:.0f} + {room:.0f}"
    )
    if errors_wait is None:
        return Prediction(knee, knee + room, basis)
    depth = min(errors_wait * theory.max_throughput(c, s), room)
    basis += (
        f"; the mean queue waits T from N* + T c/S = {knee:.0f} + {errors_wait:g} s x {c / s:.1f}/s"
        f" = {knee + depth:.0f}"
    )
    return Prediction(knee, knee + room, basis, knee + depth)
