"""The load a closed loop's queue had settled to: where a failure belongs on a compressed curve.

Visitors who think between requests are a closed loop: with N of them, the site's
queue moves towards its steady state for N at a rate set by their mean think
between requests Z (dq/dt = (q*(N) - q) / Z), so it answers the load of about Z
seconds earlier, the curve's users passed through a first-order lag. In the real
night Z is a few seconds of a curve that takes hours; compressed x240, the same
few wall seconds are half an hour of the curve, and a site whose queue fails at
93,000 users in the real night would be read as failing at 125,000. A failure
(the application's 500s, resets), which the queue decides, is therefore placed
at the users the lag had reached then, and at the moment the curve reached them,
as saturation is placed at the load its plateau implies. A hold needs no
correction: the lag settles on the held load.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from flashcrowd.results.timeline import TimelineRow
from flashcrowd.scenario.journeys import requests_per_session
from flashcrowd.scenario.model import Scenario


def relaxation_s(scenario: Scenario) -> float:
    """Z: the visitors' mean think between two requests (a session over its requests)."""
    requests = requests_per_session(scenario.journeys)
    return scenario.session_duration_s / requests if requests > 0 else 0.0


def settled_users(rows: Sequence[TimelineRow], until_s: float, relaxation: float) -> float:
    """The users present over the rows up to ``until_s`` (the end of a second), each second weighed
    by e^(-age / relaxation): the load the queue had settled to by then."""
    decay = math.exp(-1.0 / relaxation) if relaxation > 0 else 0.0
    settled: float | None = None
    for row in rows:
        if row.wall_s > until_s + 1e-9:
            break
        users = float(row.achieved_users)
        settled = users if settled is None else decay * settled + (1 - decay) * users
    return settled or 0.0


def settled_row(rows: Sequence[TimelineRow], row: TimelineRow, relaxation: float) -> TimelineRow:
    """The first row, up to ``row``, whose users reached the load the queue had settled to at ``row``."""
    load = settled_users(rows, row.wall_s, relaxation)
    return next((r for r in rows if r.achieved_users >= load - 0.5 and r.wall_s <= row.wall_s), row)
