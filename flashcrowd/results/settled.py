"""The load a closed loop's queue had settled to: where a failure belongs on a compressed curve.

Visitors who think between requests are a closed loop. Past the load N_sat at which
the site saturated, the queue holds the visitors beyond it, and moves towards that
steady state at a rate set by the mean of their thinks Z (a page's assets follow it
at once: they add requests, not pauses):
dq/dt = (N - N_sat - q) / Z while the queue is not empty, so it answers the load of
about Z seconds earlier, the curve's users passed through a first-order lag that
starts where they crossed N_sat (below it there is no queue to lag). In the real
night Z is a few seconds of a curve that takes hours; compressed x240, the same few
wall seconds are half an hour of the curve, and a site whose queue fails at 93,000
users in the real night would be read as failing at 110,000. A failure that the
queue decides (the application's 500s after a wait, resets of a full queue) is
therefore placed at the users the lag had reached then, N_sat + q, and at the moment
the curve reached them. A site that never saturated had no queue to lag: its
failures stay where they happened. A hold needs no correction: the lag settles on
the held load.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from flashcrowd.results.timeline import TimelineRow
from flashcrowd.scenario.journeys import session_seconds, thinks_per_session
from flashcrowd.scenario.model import Scenario


def relaxation_s(scenario: Scenario) -> float:
    """Z: the mean of the visitors' thinks, how long a visitor who reads stays away from the queue (a
    page's assets follow it at once, so they add requests but no pause)."""
    journeys, think_time = scenario.journeys, scenario.think_time
    thinks = thinks_per_session(journeys, think_time)
    return session_seconds(journeys, think_time) / thinks if thinks > 0 else 0.0


def settled_users(rows: Sequence[TimelineRow], until_s: float, relaxation: float, saturation: float) -> float:
    """The load the queue had settled to by ``until_s`` (the end of a second): ``saturation`` plus the
    queue, the users beyond ``saturation`` over the rows up to then, each second weighed by
    e^(-age / relaxation) (no fewer than ``saturation``: below it the queue is empty)."""
    decay = math.exp(-1.0 / relaxation) if relaxation > 0 else 0.0
    settled = saturation
    for row in rows:
        if row.wall_s > until_s + 1e-9:
            break
        settled = decay * settled + (1 - decay) * max(float(row.achieved_users), saturation)
    return settled


def settled_load(
    rows: Sequence[TimelineRow], row: TimelineRow, relaxation: float, saturation: float | None
) -> float | None:
    """The load the queue had settled to at ``row``; None where a failure stays where it happened: the
    site never saturated (``saturation`` None) or failed below saturation."""
    if saturation is None or row.achieved_users <= saturation:
        return None
    return min(settled_users(rows, row.wall_s, relaxation, saturation), float(row.achieved_users))
