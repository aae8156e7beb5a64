"""Queueing formulas that predict the bundled site from its configuration.

A site with ``workers`` = c requests in service at once and a mean service
time S serves at most c/S requests a second. Closed-loop users who think Z
seconds between pages saturate it from N* = c(S+Z)/S users on (the knee).
With Poisson arrivals, exponential service and room for K requests in all
(c in service + the waiting room), the M/M/c/K model gives the share of
arrivals turned away and the mean time in the system.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


def max_throughput(workers: int, mean_service_s: float) -> float:
    """Requests a second the site serves when every worker is busy: c/S (infinite for S = 0)."""
    return math.inf if mean_service_s <= 0 else workers / mean_service_s


def knee_users(workers: int, mean_service_s: float, think_s: float) -> float:
    """Closed-loop users at which the workers saturate: N* = c(S+Z)/S (infinite for S = 0)."""
    return math.inf if mean_service_s <= 0 else workers * (mean_service_s + think_s) / mean_service_s


@dataclass(frozen=True)
class MMcK:
    """What M/M/c/K predicts at one arrival rate."""

    blocking: float  # share of arrivals that find all K places taken
    mean_in_system: float  # L: requests in service or waiting
    mean_response_s: float  # W = L / (rate x (1 - blocking)), Little's law over admitted requests
    throughput: float  # admitted requests a second
    utilisation: float  # share of workers busy on average


def mmck_states(arrival_rate: float, workers: int, mean_service_s: float, capacity: int) -> list[float]:
    """M/M/c/K: the probability of each number of requests in the system, 0 to ``capacity`` (= K >= c >= 1).

    With Poisson arrivals, an arrival finds n requests with probability p[n] (PASTA).
    """
    if workers < 1 or capacity < workers:
        raise ValueError(f"need capacity >= workers >= 1, got workers={workers}, capacity={capacity}")
    if arrival_rate <= 0 or mean_service_s <= 0:
        return [1.0] + [0.0] * capacity
    offered = arrival_rate * mean_service_s  # a = lambda * S, in erlangs
    # Unnormalised log p_n: a^n/n! up to c, then a^c/c! * (a/c)^(n-c); logs keep large K finite.
    log_terms = []
    log_term = 0.0
    for n in range(capacity + 1):
        if n > 0:
            log_term += math.log(offered) - math.log(min(n, workers))
        log_terms.append(log_term)
    peak = max(log_terms)
    weights = [math.exp(t - peak) for t in log_terms]
    total = sum(weights)
    return [w / total for w in weights]


def mmck(arrival_rate: float, workers: int, mean_service_s: float, capacity: int) -> MMcK:
    """M/M/c/K with ``capacity`` = K = workers + waiting room (K >= c >= 1)."""
    probabilities = mmck_states(arrival_rate, workers, mean_service_s, capacity)
    if arrival_rate <= 0 or mean_service_s <= 0:
        return MMcK(0.0, 0.0, max(mean_service_s, 0.0), max(arrival_rate, 0.0), 0.0)
    blocking = probabilities[-1]
    in_system = sum(n * p for n, p in enumerate(probabilities))
    in_service = sum(min(n, workers) * p for n, p in enumerate(probabilities))
    throughput = arrival_rate * (1.0 - blocking)
    return MMcK(
        blocking=blocking,
        mean_in_system=in_system,
        mean_response_s=in_system / throughput,
        throughput=throughput,
        utilisation=in_service / workers,
    )


def attempts_per_request(failure: float, retry_probability: float, max_retries: int) -> float:
    """Tries a request costs when each try fails with ``failure`` and a failed one is retried with
    ``retry_probability``, at most ``max_retries`` times: 1 + pf + (pf)^2 + ... + (pf)^m."""
    ratio = failure * retry_probability
    return sum(ratio**k for k in range(max_retries + 1))


@dataclass(frozen=True)
class RetryLoad:
    """The steady state of an M/M/c/K site whose failures are retried."""

    offered_rate: float  # first tries a second
    arrival_rate: float  # tries a second, retries included
    failure: float  # share of tries that fail (an error or a reset)
    resets_per_s: float  # tries a second that find the whole room taken


def retry_load(
    first_tries_rate: float,
    workers: int,
    mean_service_s: float,
    capacity: int,
    error_from: int,
    retry_probability: float,
    max_retries: int,
) -> RetryLoad:
    """Tries and failures when failures are retried: the least fixed point of failure = F(failure).

    A try that finds ``capacity`` requests in the system is reset; one that finds ``error_from`` or
    more (but room) waits too long and gets an error; both count as failures and are retried, which
    adds tries, which adds failures. Iterating from no failures climbs to the lowest self-consistent
    state, the one a rising load meets first; past the load where that state vanishes it jumps (a
    retry storm).
    """
    failure = 0.0
    for _ in range(1000):
        rate = first_tries_rate * attempts_per_request(failure, retry_probability, max_retries)
        states = mmck_states(rate, workers, mean_service_s, capacity)
        following = min(1.0, sum(states[error_from:]))
        if abs(following - failure) < 1e-12:
            break
        failure = following
    return RetryLoad(first_tries_rate, rate, failure, rate * states[-1])
