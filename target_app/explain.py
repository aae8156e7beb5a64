"""``--explain``: what queueing theory predicts from a profile, as text."""

from __future__ import annotations

from target_app.profile import COST_CLASSES, Profile
from target_app.theory import knee_users, max_throughput, mmck

MMCK_LIMIT = 100_000  # beyond this K, M/M/c/K is M/M/c for any rate worth printing


def summary(profile: Profile) -> str:
    """One line: workers, waiting room, timeout, overload action and mean service times."""
    means = ", ".join(f"{c} {profile.mean_service_s(c) * 1000:g} ms" for c in COST_CLASSES)
    wait = profile.error_after_wait_s
    errors = f", 500 after waiting {wait:g} s" if wait is not None else ""
    return (
        f"{profile.workers} workers, {profile.queue} waiting slots, queue timeout "
        f"{profile.queue_timeout_s:g} s{errors}, overload {profile.overload}; mean service {means}"
    )


def report(profile: Profile, think_s: float, arrival_rate: float | None) -> str:
    """A table per cost class: c/S, the knee N* for think time Z, and M/M/c/K at an arrival rate."""
    c, capacity = profile.workers, min(profile.workers + profile.queue, MMCK_LIMIT)
    lines = [
        f"profile {profile.name} (site {profile.site}): {summary(profile)}",
        f"K = workers + queue = {profile.workers + profile.queue}; think time Z = {think_s:g} s",
        "",
        f"{'class':8} {'S (ms)':>8} {'c/S (req/s)':>12} {'N* users':>10} {'500s from':>10} "
        f"{'resets from':>12} {'rate (req/s)':>13} {'P(block)':>9} {'W (ms)':>9} {'util':>6}",
    ]
    for cost_class in COST_CLASSES:
        s = profile.mean_service_s(cost_class)
        top = max_throughput(c, s)
        if s <= 0 or capacity < c:
            lines.append(f"{cost_class:8} {s * 1000:8.1f} {'unlimited':>12}")
            continue
        rate = arrival_rate if arrival_rate is not None else 1.5 * top
        queueing = mmck(rate, c, s, capacity)
        knee = knee_users(c, s, think_s)
        room = min(profile.queue, profile.queue_timeout_s * top)
        wait = profile.error_after_wait_s
        errors = "never" if wait is None else f"{knee + min(wait * top, room):.0f}"
        lines.append(
            f"{cost_class:8} {s * 1000:8.1f} {top:12.1f} {knee:10.0f} {errors:>10} {knee + room:12.0f} "
            f"{rate:13.1f} {queueing.blocking:9.4f} {queueing.mean_response_s * 1000:9.1f} "
            f"{queueing.utilisation:6.2f}"
        )
    lines += [
        "",
        "c/S: most requests a second the workers can serve; N* = c(S+Z)/S: closed-loop users at which",
        "they saturate; 500s from N* + T c/S: the queue is deep enough that requests wait longer than",
        "error_after_wait_s (T) and get the application's 500 page; resets from N* + K: the waiting room",
        "is full; P(block): share of arrivals reset because all K places are taken (M/M/c/K);",
        "W: mean time in the site of admitted requests (Little's law). queue_timeout is not modelled.",
    ]
    return "\n".join(lines)
