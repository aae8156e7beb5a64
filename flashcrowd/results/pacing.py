"""The rate light load asks of a site per unit of load, known from the scenario's pacing.

A search's light steps or a run's first seconds measure that rate from a few hundred
requests, which leaves it uncertain by 5 % or more, and saturation is the plateau over
it. But the visitors pace themselves by the scenario: while the site keeps up, a
visitor (closed model) sends a session's requests per a session's thinks plus the
time its requests take, and a session started a second (open model) sends a
session's requests. ``find_saturation`` uses this rate when the light load measured
agrees with it within its noise, and what was measured when it does not (a site that
redirects every page, a visitor the scenario does not describe).
"""

from __future__ import annotations

from dataclasses import dataclass

from flashcrowd.scenario.journeys import burst_dispersion, requests_per_session, session_seconds
from flashcrowd.scenario.model import Scenario


@dataclass(frozen=True)
class Pacing:
    """How the scenario's visitors pace their requests."""

    requests_per_session: float
    think_s_per_session: float
    per_visitor: bool  # load counts visitors present (closed), else sessions started a second (open)
    # How many times a Poisson count's variance a count of requests has: requests arrive together, a page
    # with its assets (closed: E[B^2] / E[B] over those bursts), a session's (open, counted per session).
    burst: float

    def rate_per_unit(self, latency_s: float) -> float:
        """Requests a second one unit of load asks while the site answers in ``latency_s``."""
        if not self.per_visitor:
            return self.requests_per_session
        return self.requests_per_session / (self.think_s_per_session + self.requests_per_session * latency_s)

    def agrees(self, expected: float, measured: float, sigmas: float) -> bool:
        """Whether ``measured`` requests are within ``sigmas`` standard deviations of ``expected``, for
        counts of bursts (a compound Poisson count's variance is its mean times ``burst``)."""
        return abs(measured - expected) <= sigmas * (expected * self.burst) ** 0.5


def pacing(scenario: Scenario, per_visitor: bool = True) -> Pacing:
    """The scenario's pacing; ``per_visitor`` False for the open model's sessions started a second."""
    requests = requests_per_session(scenario.journeys)
    return Pacing(
        requests_per_session=requests,
        think_s_per_session=session_seconds(scenario.journeys, scenario.think_time),
        per_visitor=per_visitor,
        burst=max(burst_dispersion(scenario.journeys, scenario.think_time) if per_visitor else requests, 1.0),
    )
