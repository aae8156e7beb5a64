"""What the timeline says: where latency turned (the knee), where the site saturated and first
failed, and how closely users tracked the curve.

The knee: the baseline is the median p95 of the first ``BASELINE_ROWS`` seconds
in which at least ``MIN_REQUESTS`` requests ended. The knee is the first second
of the first run of ``SUSTAIN_ROWS`` consecutive such seconds whose p95 exceeds
both ``KNEE_FACTOR`` x baseline and baseline + ``KNEE_MIN_RISE_MS`` (the floor
keeps sub-millisecond jitter on a local site from counting as a knee). Seconds
with too few requests neither extend nor break a run.

Tracking: ``|achieved - target|`` simulated users, over the seconds after the
first ``SETTLE_S`` of the run in which the target has not moved by more than
``RAMP_TOLERANCE`` in the previous ``SETTLE_S`` seconds (a ramp that the spawn
rate is still catching up with is not an error).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from flashcrowd.in_locust.classify import SITE_FAILURES
from flashcrowd.results.record import Tracking
from flashcrowd.results.timeline import TimelineRow

BASELINE_ROWS = 5
MIN_REQUESTS = 5
KNEE_FACTOR = 2.0
KNEE_MIN_RISE_MS = 20.0
SUSTAIN_ROWS = 3
SETTLE_S = 5
RAMP_TOLERANCE = 0.05


def _measured(rows: Sequence[TimelineRow]) -> list[TimelineRow]:
    return [row for row in rows if row.requests >= MIN_REQUESTS and row.p95_ms is not None]


def knee_baseline_ms(rows: Sequence[TimelineRow]) -> float | None:
    """The early-run p95 the knee is measured against; None if the run measured too little."""
    early = _measured(rows)[:BASELINE_ROWS]
    return statistics.median(row.p95_ms for row in early) if len(early) == BASELINE_ROWS else None  # type: ignore[misc]


def find_knee(rows: Sequence[TimelineRow]) -> TimelineRow | None:
    """The row where latency started to rise for good, or None."""
    baseline = knee_baseline_ms(rows)
    if baseline is None:
        return None
    limit = max(KNEE_FACTOR * baseline, baseline + KNEE_MIN_RISE_MS)
    streak: list[TimelineRow] = []
    for row in _measured(rows)[BASELINE_ROWS:]:
        streak = [*streak, row] if row.p95_ms > limit else []  # type: ignore[operator]
        if len(streak) == SUSTAIN_ROWS:
            return streak[0]
    return None


def tracking_error(rows: Sequence[TimelineRow], curve_end_s: float) -> Tracking:
    """Max and mean gap between target and achieved users once ramps settle (simulated users).

    Seconds after ``curve_end_s`` (the scenario's wall duration, when the shape stops) are not judged.
    """
    settled = [
        row
        for i, row in enumerate(rows)
        if i >= SETTLE_S
        and row.wall_s <= curve_end_s
        and row.target_users >= 1
        and _steady(rows[i - SETTLE_S : i + 1])
    ]
    errors = [abs(row.achieved_users - row.target_users) for row in settled]
    relative = [abs(row.achieved_users - row.target_users) / row.target_users for row in settled]
    return Tracking(
        seconds_judged=len(settled),
        max_users=max(errors, default=None),
        mean_users=statistics.fmean(errors) if errors else None,
        max_relative=max(relative, default=None),
        mean_relative=statistics.fmean(relative) if relative else None,
    )


def _steady(rows: Sequence[TimelineRow]) -> bool:
    targets = [row.target_users for row in rows]
    return max(targets) - min(targets) <= RAMP_TOLERANCE * max(targets)


# -- where the site saturated and where it first failed -------------------------------------------

SMOOTH_ROWS = 5  # throughput and users are averaged over this many seconds before comparing
LIGHT_FACTOR = 1.5  # light load: seconds whose p95 is within this many times the baseline (or +20 ms)
LEVELLED = 0.9  # saturated: the best throughput is below this share of what light load's rate gives
FAILURE_SHARE = 0.05  # a second fails when more than this share of its requests failed ...
FAILURE_ROWS = 3  # ... for this many measured seconds in a row


@dataclass(frozen=True)
class Saturation:
    """Where throughput stopped rising with load: the row, and the load (simulated users) it stood at."""

    row: TimelineRow
    sim_users: float
    max_served_rps: float
    light_rps_per_user: float


def find_saturation(rows: Sequence[TimelineRow]) -> Saturation | None:
    """The first second at which the visitors reached the load the site could serve at most.

    Light load (p95 near the run's baseline) shows how many answers a second each visitor gets
    while the site keeps up; the most answers a second the site gave (over SMOOTH_ROWS seconds)
    over that rate is the load at which it saturated. None when, at the heaviest load, visitors
    still got what light load's rate gives (the site never levelled off).
    """
    baseline = knee_baseline_ms(rows)
    measured = _measured(rows)
    if baseline is None or len(measured) < SMOOTH_ROWS:
        return None
    light_limit = max(LIGHT_FACTOR * baseline, baseline + KNEE_MIN_RISE_MS)
    light = [r for r in measured if r.achieved_users and r.p95_ms <= light_limit]  # type: ignore[operator]
    users = sum(r.achieved_users for r in light)
    if not light or users <= 0:
        return None
    per_user = sum(_served(r) for r in light) / users
    windows = [rows[i : i + SMOOTH_ROWS] for i in range(len(rows) - SMOOTH_ROWS + 1)]
    best = max(windows, key=lambda w: sum(_served(r) for r in w))
    best_rps = sum(_served(r) for r in best) / SMOOTH_ROWS
    heaviest = max(windows, key=lambda w: sum(r.achieved_users for r in w))
    heaviest_rps = sum(_served(r) for r in heaviest) / SMOOTH_ROWS
    if (
        per_user <= 0
        or heaviest_rps >= LEVELLED * per_user * sum(r.achieved_users for r in heaviest) / SMOOTH_ROWS
    ):
        return None  # at its heaviest the load still got what light load's rate gives
    load = best_rps / per_user
    row = next((r for r in rows if r.achieved_users >= load), best[-1])
    return Saturation(row, load, best_rps, per_user)


def find_first_failure(rows: Sequence[TimelineRow]) -> tuple[TimelineRow, str] | None:
    """The first of FAILURE_ROWS measured seconds in a row in which the site failed over
    FAILURE_SHARE of the requests, and the kind that failed most in that first second; None if it
    never did."""
    streak: list[TimelineRow] = []
    for row in _measured(rows):
        streak = [*streak, row] if _site_failures(row) > FAILURE_SHARE * row.requests else []
        if len(streak) == FAILURE_ROWS:
            first = streak[0]
            return first, max(SITE_FAILURES, key=lambda kind: first.failures.get(kind, 0))
    return None


def _served(row: TimelineRow) -> int:
    return row.requests - row.failure_count


def _site_failures(row: TimelineRow) -> int:
    return sum(row.failures.get(kind, 0) for kind in SITE_FAILURES)
