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


def mmck(arrival_rate: float, workers: int, mean_service_s: float, capacity: int) -> MMcK:
    """M/M/c/K with ``capacity`` = K = workers + waiting room (K >= c >= 1)."""
    if workers < 1 or capacity < workers:
        raise ValueError(f"need capacity >= workers >= 1, got workers={workers}, capacity={capacity}")
    if arrival_rate <= 0 or mean_service_s <= 0:
        return MMcK(0.0, 0.0, max(mean_service_s, 0.0), max(arrival_rate, 0.0), 0.0)
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
    probabilities = [w / total for w in weights]
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
