"""Where the bundled site starts resetting once its visitors' retries are counted.

The closed model (``flashcrowd.breakpoint.prediction``: N* + K) puts the first
resets where the mean queue fills the waiting room, and counts no failures
before that, so no retries. Visitors do not arrive evenly: the room overflows
now and then before the mean queue fills it, and every failed try that a
visitor retries (``on_error``: probability p, at most m times, after a delay)
is one more try, which fills the room sooner. Here N visitors offer
N / (Z + S) first tries a second (Z, S: the mix's think and service means);
each try finds an M/M/c/K site of c workers and K = c + room places; failures
are resets (all K places taken) and, for a profile that answers an error to a
request that waited too long, errors; a failed try costs
1 + pf + ... + (pf)^m tries (``target_app.theory.retry_load`` solves the loop).
Resets begin where they reach ``RESETS_BEGIN_PER_S``, found by bisection. The
retry delay sets when a retry arrives, not how many there are, so it does not
move the steady state.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from flashcrowd.breakpoint.prediction import request_mix
from flashcrowd.scenario.model import Scenario
from target_app import theory
from target_app.profile import Profile

RESETS_BEGIN_PER_S = 0.1  # one reset in ten seconds: what a per-second timeline notices as "resets began"
PRECISION_USERS = 0.5


@dataclass(frozen=True)
class RetryPrediction:
    """Simulated users at which resets begin, counting retries and without them (same model)."""

    users: float  # resets begin here, retries counted (closed model: visitors on the site)
    users_without_retries: float  # the same model with on_error ignored
    sessions_per_s: float  # the same load as new sessions a second (open model, find-break's other unit)
    sessions_per_s_without_retries: float
    failure: float  # share of tries failing at ``users``
    attempts_per_request: float  # tries per request at ``users``: how much the retries inflate the load
    basis: str  # the model with its numbers


def _first_resets(threshold: float, resets_at: Callable[[float], theory.RetryLoad]) -> float:
    """The least load (users) where ``resets_at(users)`` reaches ``threshold``: doubling, then bisection."""
    low, high = 0.0, 1.0
    while resets_at(high).resets_per_s < threshold:
        low, high = high, high * 2
        if high > 1e9:
            return math.inf
    while high - low > PRECISION_USERS:
        middle = (low + high) / 2
        low, high = (middle, high) if resets_at(middle).resets_per_s < threshold else (low, middle)
    return high


def predict_with_retries(
    scenario: Scenario,
    profile: Profile,
    *,
    error_after_wait_s: float | None = None,
    resets_begin_per_s: float = RESETS_BEGIN_PER_S,
) -> RetryPrediction:
    """Simulated users at which ``profile`` starts resetting under ``scenario``'s visitors and retries.

    ``error_after_wait_s``: the wait for a worker after which the site answers an error instead
    (a profile that answers "500 - Internal server error" before it resets); None when it has no such
    setting, so failures are resets only (a request that waits ``queue_timeout_s`` is reset, which
    shortens the room as in the closed model). Compare ``users`` with ``users_without_retries`` to see
    what the retries cost; both are simulated users (divide by ``scenario.scale`` for real ones);
    ``sessions_per_s`` is the same load for an open model (arrivals that do not wait for the site).
    """
    mix = request_mix(scenario, profile)
    c, s = profile.workers, mix.mean_service_s
    if s <= 0:
        return RetryPrediction(math.inf, math.inf, math.inf, math.inf, 0.0, 1.0, "no service time: no limit")
    drain = theory.max_throughput(c, s)
    room = int(min(profile.queue, profile.queue_timeout_s * drain))
    capacity = c + room
    waiting_ok = room if error_after_wait_s is None else min(room, int(error_after_wait_s * drain))
    error_from = c + waiting_ok
    cycle_s = mix.mean_think_s + s
    policy = scenario.on_error
    p, m = policy.probability, policy.max_retries

    def with_retries(users: float) -> theory.RetryLoad:
        return theory.retry_load(users / cycle_s, c, s, capacity, error_from, p, m)

    def without(users: float) -> theory.RetryLoad:
        return theory.retry_load(users / cycle_s, c, s, capacity, error_from, 0.0, 0)

    users = _first_resets(resets_begin_per_s, with_retries)
    users_without = _first_resets(resets_begin_per_s, without)
    there = with_retries(users)
    per_session = cycle_s * mix.requests_per_session  # visitors x this = sessions a second
    basis = (
        f"M/M/c/K, c = {c}, K = {c} + {room}, errors from {error_from} in the system, "
        f"{users:.0f} users offer {users / cycle_s:.1f} tries/s (Z + S = {cycle_s:.2f} s), retries "
        f"(p = {p:g}, m = {m}) make it {there.arrival_rate:.1f}; resets reach {resets_begin_per_s:g}/s"
    )
    return RetryPrediction(
        users=users,
        users_without_retries=users_without,
        sessions_per_s=users / per_session,
        sessions_per_s_without_retries=users_without / per_session,
        failure=there.failure,
        attempts_per_request=there.arrival_rate / there.offered_rate if there.offered_rate else 1.0,
        basis=basis,
    )
