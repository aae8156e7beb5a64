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


def closed_states(
    visitors: float, tries_per_s: float, workers: int, mean_service_s: float, capacity: int
) -> list[float]:
    """M/M/c/K/N (a closed population of ``visitors``): the probability of each number of requests in
    the system, 0 to ``capacity``, when each visitor outside the site sends ``tries_per_s`` tries.

    With n requests in the site only N - n visitors are left to send one, so the arrival rate falls
    as the queue grows: (N - n) x ``tries_per_s``. Weigh p[n] by N - n for what an arrival finds.
    """
    if workers < 1 or capacity < workers:
        raise ValueError(f"need capacity >= workers >= 1, got workers={workers}, capacity={capacity}")
    if visitors <= 0 or tries_per_s <= 0 or mean_service_s <= 0:
        return [1.0] + [0.0] * capacity
    log_terms = [0.0]
    for n in range(1, capacity + 1):
        arriving = (visitors - (n - 1)) * tries_per_s
        if arriving <= 0:  # fewer visitors than places: the states above n cannot be reached
            log_terms.extend([-math.inf] * (capacity + 1 - n))
            break
        log_terms.append(log_terms[-1] + math.log(arriving * mean_service_s / min(n, workers)))
    peak = max(log_terms)
    weights = [math.exp(t - peak) for t in log_terms]
    total = sum(weights)
    return [w / total for w in weights]


def wait_exceeds(limit_s: float, workers: int, mean_service_s: float, capacity: int) -> list[float]:
    """For an arrival that finds n requests (0 to ``capacity`` - 1), the chance that it waits over
    ``limit_s`` for a worker (FIFO, exponential service).

    With n >= c it starts after the next n - c + 1 of the c busy workers' completions, a Poisson
    stream of rate c/S, so it waits over T when that stream brings at most n - c of them in T.
    """
    chances = [0.0] * min(workers, capacity)
    if mean_service_s <= 0:
        return chances + [0.0] * (capacity - len(chances))  # no wait at all
    rate = max_throughput(workers, mean_service_s) * limit_s  # completions expected in T
    term = math.exp(-rate)  # P(k completions in T), k = 0, 1, ...
    cumulative = 0.0
    for k in range(capacity - len(chances)):
        cumulative += term
        term *= rate / (k + 1)
        chances.append(min(1.0, cumulative))
    return chances
