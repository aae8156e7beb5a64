"""How closely a run's achieved users followed the scenario's curve once ramps settled.

Tracking: ``|achieved - target|`` simulated users, over the seconds after the first ``SETTLE_S`` of the
run in which the target has not moved by more than ``RAMP_TOLERANCE`` in the previous ``SETTLE_S``
seconds (a ramp that the spawn rate is still catching up with is not an error).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from flashcrowd.results.record import Tracking
from flashcrowd.results.timeline import TimelineRow

SETTLE_S = 5
RAMP_TOLERANCE = 0.05


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
