"""What the timeline says: where latency turned (the knee) and how closely users tracked the curve.

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

from flashcrowd.report.timeline import TimelineRow

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


def tracking_error(rows: Sequence[TimelineRow], curve_end_s: float) -> dict[str, float | int | None]:
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
    return {
        "seconds_judged": len(settled),
        "max_users": max(errors, default=None),
        "mean_users": statistics.fmean(errors) if errors else None,
        "max_relative": max(relative, default=None),
        "mean_relative": statistics.fmean(relative) if relative else None,
    }


def _steady(rows: Sequence[TimelineRow]) -> bool:
    targets = [row.target_users for row in rows]
    return max(targets) - min(targets) <= RAMP_TOLERANCE * max(targets)
