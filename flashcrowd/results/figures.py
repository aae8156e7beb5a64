"""The scenario's documented 2016 figures beside the scenario's equivalent and this run's.

The scenario's equivalent comes from its curve (``flashcrowd.scenario.figures``).
The run's equivalent is what the run actually achieved, where a run can measure
it: for concurrent users at a moment the run covered, the achieved simulated
users then divided by the scale (times the scenario's origin share for a figure
about one origin). Sessions and requests over a day are beyond a compressed
run's reach, so they are left empty rather than guessed. For an origin share, the
run's equivalent is the share of sessions the bundled site itself recorded around
that moment (``flashcrowd.results.site``), when the run read the site's analytics.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict

from flashcrowd.results.record import FigureRow, SiteView
from flashcrowd.results.site import site_share_of
from flashcrowd.results.timeline import TimelineRow
from flashcrowd.scenario.figures import equivalent
from flashcrowd.scenario.model import Figure, Scenario


def figure_rows(
    scenario: Scenario, rows: Sequence[TimelineRow], site: SiteView | None = None
) -> tuple[FigureRow, ...]:
    """One per documented figure: id, source, text, documented, scenario and run equivalents."""
    return tuple(
        FigureRow(
            **asdict(figure),  # as the scenario documents it
            scenario_equivalent=equivalent(scenario, figure),
            run_equivalent=site_share_of(site, figure.id)
            if figure.measure.get("kind") == "origin_share"
            else _run_equivalent(scenario, figure, rows),
        )
        for figure in scenario.figures
    )


def _run_equivalent(scenario: Scenario, figure: Figure, rows: Sequence[TimelineRow]) -> float | None:
    measure = figure.measure
    if measure.get("kind") != "concurrent_users" or not rows:
        return None
    real_s = float(measure["at_s"])  # type: ignore[arg-type]
    wall_s = scenario.clock.wall_seconds(real_s)
    if not rows[0].wall_s - 1 <= wall_s <= rows[-1].wall_s:
        return None  # the run did not cover that moment
    row = min(rows, key=lambda r: abs(r.wall_s - wall_s))
    origin = measure.get("origin")
    share = scenario.origins.shares_at(real_s)[origin] if origin else 1.0
    return round(row.achieved_real_users * share, 1)
