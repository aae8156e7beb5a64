"""Where the bundled site starts resetting once its visitors' retries are counted.

The closed model (``flashcrowd.breakpoint.prediction``: N* + K) puts the first
resets where the mean queue fills the waiting room. Here the same N visitors
meet an M/M/c/K site (c workers, K = c + room places) one try at a time, as the
visitor code does (``flashcrowd.visitor``):

- Closed loop (M/M/c/K/N): a visitor whose try is in the site sends nothing
  else, so with n tries inside only N - n visitors send, each at
  tries / (time away) per session; the room fills only as far as they push it.
- A failed try is retried after the ``on_error`` delay (probability p, at most
  m times) or gives up, and then the visitor thinks and starts a new session,
  never asking for the rest of its journey. Retries lengthen a visitor's cycle
  instead of adding tries on top of its first ones, and cut sessions change
  the mix of pages, so S too (``session_cost``).
- A try that finds n in the site waits for n - c + 1 completions at c/S a
  second; for a profile with ``error_after_wait_s`` = T it fails with a 500
  when that wait exceeds T, but it stays in the site for its service (the
  server still runs it), so it fills the room like any other. A try that finds
  all K places taken is reset.

A rising load meets the least failure share f that reproduces itself (more
failures, more retries, shorter sessions); resets begin where the tries that
find the room full reach ``RESETS_BEGIN_PER_S`` (the first resets a per-second
timeline shows), or a share of the tries (find-break's ``--max-failure-rate``,
which judges a step by the share that failed), found by bisection over N. The
first failures are where f passes ``FAILURE_SHARE``, the share over which a run
calls a second failed: with random waits that comes before the mean queue waits
T (N* + T c/S, where about half the tries would fail).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

from flashcrowd.breakpoint.prediction import Prediction, request_mix
from flashcrowd.results.analysis import FAILURE_SHARE
from flashcrowd.scenario.model import Scenario
from target_app import theory
from target_app.profile import Profile
from target_app.site import cost_class

RESETS_BEGIN_PER_S = 0.1  # one reset in ten seconds: what a per-second timeline notices as "resets began"
PRECISION_USERS = 0.5
FAILURE_GRID = 100  # failure shares scanned for the least fixed point, then refined by bisection
FAILURE_PRECISION = 1e-6


@dataclass(frozen=True)
class RetryPrediction:
    """Simulated users at which resets begin, counting retries and without them (same model)."""

    users: float  # resets begin here, retries counted (closed model: visitors on the site)
    users_without_retries: float  # the same model with on_error ignored
    first_failures: float  # over FAILURE_SHARE of the tries fail here (500s or resets), retries counted
    failure: float  # share of tries failing at ``users``
    attempts_per_request: float  # tries per request at ``users``: how much the retries inflate the load
    basis: str  # the model with its numbers


@dataclass(frozen=True)
class SessionCost:
    """What one session costs when a share of its tries fails."""

    requests: float  # pages and assets it asks for (first tries)
    tries: float  # tries it sends, retries included
    away_s: float  # time it spends out of the site: thinking, and waiting to retry
    work_s: float  # worker time its tries take (a try answered 500 after waiting is still served)

    @property
    def mean_service_s(self) -> float:
        return self.work_s / self.tries if self.tries else 0.0


@dataclass(frozen=True)
class SiteState:
    """The closed loop's steady state at one load: N visitors and the failures they meet."""

    failure: float  # share of tries that fail (a reset or a 500)
    tries_per_s: float  # tries arriving a second, retries included
    resets_per_s: float  # tries a second that find all K places taken
    attempts_per_request: float


def session_cost(
    scenario: Scenario, profile: Profile, failure: float, *, retries: bool = True
) -> SessionCost:
    """Means over the scenario's journeys of one session when each try fails with ``failure``.

    A step is tried 1 + pf + ... + (pf)^m times with (tries - 1) retry delays; it is lost when its
    last try fails and is not retried, and a lost step ends the session after its think.
    """
    policy = scenario.on_error
    p, m = (policy.probability, policy.max_retries) if retries else (0.0, 0)
    tries_per_step = theory.attempts_per_request(failure, p, m)
    retried = failure * p
    lost = failure * (1 - p) * sum(retried**k for k in range(m)) + failure * retried**m
    total_weight = sum(journey.weight for journey in scenario.journeys)
    requests = tries = away = work = 0.0
    for journey in scenario.journeys:
        reached = journey.weight / total_weight  # sessions still going at this step
        for step in journey.steps:
            asked = reached * step.probability
            service = profile.mean_service_s(cost_class(step.method, step.path, profile.site))
            think = (step.think or scenario.think_time).mean
            requests += asked
            tries += asked * tries_per_step
            away += asked * ((tries_per_step - 1) * policy.delay.mean + think)
            work += asked * tries_per_step * service
            reached *= 1 - step.probability * lost
    return SessionCost(requests, tries, away, work)


def site_state(
    users: float,
    cost: SessionCost,
    profile: Profile,
    capacity: int,
    error_after_wait_s: float | None,
) -> SiteState:
    """What ``users`` visitors meet when each session costs ``cost``: the closed M/M/c/K/N steady state."""
    c, s = profile.workers, cost.mean_service_s
    each = cost.tries / cost.away_s if cost.away_s > 0 else math.inf  # tries a second per visitor away
    states = theory.closed_states(users, each, c, s, capacity)
    arriving = [p * max(users - n, 0.0) * each for n, p in enumerate(states)]  # what arrivals find
    tries_per_s = sum(arriving)
    if tries_per_s <= 0:
        return SiteState(0.0, 0.0, 0.0, 1.0)
    erroring = (
        [0.0] * capacity
        if error_after_wait_s is None
        else theory.wait_exceeds(error_after_wait_s, c, s, capacity)
    )
    failing = arriving[capacity] + sum(a * e for a, e in zip(arriving, erroring, strict=False))
    return SiteState(
        failure=min(1.0, failing / tries_per_s),
        tries_per_s=tries_per_s,
        resets_per_s=arriving[capacity],
        attempts_per_request=cost.tries / cost.requests if cost.requests else 1.0,
    )


def least_fixed_point(feedback: Callable[[float], float]) -> float:
    """The least failure share f in [0, 1] with ``feedback(f)`` = f: the state a rising load meets first.

    ``feedback`` need not be monotone (more failures mean more retries but shorter sessions), so the
    interval is scanned for the first f where feedback(f) <= f, then bisected.
    """
    low = 0.0
    for i in range(1, FAILURE_GRID + 1):
        high = i / FAILURE_GRID
        if feedback(high) <= high:
            while high - low > FAILURE_PRECISION:
                middle = (low + high) / 2
                low, high = (middle, high) if feedback(middle) > middle else (low, middle)
            return high
        low = high
    return 1.0


@dataclass(frozen=True)
class ResetsBegin:
    """When a forecast says resets began: at ``per_s`` resets a second, or, given ``share``, once
    more than that share of the tries is reset (as find-break judges a step)."""

    per_s: float = RESETS_BEGIN_PER_S
    share: float | None = None

    def reached(self, state: SiteState) -> bool:
        if self.share is not None:
            return state.resets_per_s > self.share * state.tries_per_s
        return state.resets_per_s >= self.per_s

    def __str__(self) -> str:
        return f"{self.per_s:g}/s" if self.share is None else f"{self.share:.0%} of tries"


def _least_load(reached: Callable[[SiteState], bool], state_at: Callable[[float], SiteState]) -> float:
    """The least load (users) whose ``state_at(users)`` has ``reached``: doubling, then bisection."""
    low, high = 0.0, 1.0
    while not reached(state_at(high)):
        low, high = high, high * 2
        if high > 1e9:
            return math.inf
    while high - low > PRECISION_USERS:
        middle = (low + high) / 2
        low, high = (low, middle) if reached(state_at(middle)) else (middle, high)
    return high


def predict_with_retries(
    scenario: Scenario,
    profile: Profile,
    *,
    error_after_wait_s: float | None = None,
    resets_begin: ResetsBegin = ResetsBegin(),
) -> RetryPrediction:
    """Simulated users at which ``profile`` starts resetting under ``scenario``'s visitors and retries.

    ``error_after_wait_s``: the wait for a worker after which the site answers an error instead
    (a profile that answers "500 - Internal server error" before it resets); None when it has no such
    setting, so failures are resets only (a request that waits ``queue_timeout_s`` is reset, which
    shortens the room as in the closed model). Compare ``users`` with ``users_without_retries`` to see
    what the retries cost; both are simulated users (divide by ``scenario.scale`` for real ones).
    """
    mix = request_mix(scenario, profile)
    c, s = profile.workers, mix.mean_service_s
    if s <= 0:
        return RetryPrediction(math.inf, math.inf, math.inf, 0.0, 1.0, "no service time: no limit")
    room = int(min(profile.queue, profile.queue_timeout_s * theory.max_throughput(c, s)))
    capacity = c + room

    def steady(retries: bool) -> Callable[[float], SiteState]:
        def at(users: float) -> SiteState:
            def state(failure: float) -> SiteState:
                cost = session_cost(scenario, profile, failure, retries=retries)
                return site_state(users, cost, profile, capacity, error_after_wait_s)

            return state(least_fixed_point(lambda failure: state(failure).failure))

        return at

    users = _least_load(resets_begin.reached, steady(retries=True))
    users_without = _least_load(resets_begin.reached, steady(retries=False))
    first_failures = _least_load(lambda state: state.failure > FAILURE_SHARE, steady(retries=True))
    there = steady(retries=True)(users)
    policy = scenario.on_error
    errors = "" if error_after_wait_s is None else f", 500s after {error_after_wait_s:g} s waiting"
    basis = (
        f"closed M/M/c/K/N, c = {c}, K = {c} + {room}{errors}; {users:.0f} visitors send "
        f"{there.tries_per_s:.1f} tries/s, {there.failure:.0%} failing; retries (p = {policy.probability:g}, "
        f"m = {policy.max_retries}) after {policy.delay.mean:g} s make {there.attempts_per_request:.2f} "
        f"tries a request; resets reach {resets_begin}; over {FAILURE_SHARE:.0%} of tries fail from "
        f"{first_failures:.0f}"
    )
    return RetryPrediction(
        users=users,
        users_without_retries=users_without,
        first_failures=first_failures,
        failure=there.failure,
        attempts_per_request=there.attempts_per_request,
        basis=basis,
    )


def counting_retries(
    prediction: Prediction, model: str, scenario: Scenario, profile: Profile, reset_share: float | None
) -> Prediction:
    """``prediction`` (find-break's) with where resets begin once retries count, for the closed model.

    ``reset_share`` is find-break's ``--max-failure-rate``: a step has resets once more than that
    share of its requests was reset (None: from its first resets). The retry model is a closed
    population of visitors; open arrivals keep coming whatever the site does, so for the open
    model ``prediction`` comes back unchanged.
    """
    if model == "open":
        return prediction
    retries = predict_with_retries(
        scenario,
        profile,
        error_after_wait_s=profile.error_after_wait_s,
        resets_begin=ResetsBegin(share=reset_share),
    )
    return replace(prediction, break_with_retries=retries.users, retries_basis=retries.basis)
