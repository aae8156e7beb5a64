"""The scenario's documented 2016 figures beside what the scenario and this run make of them.

For a figure measured as concurrent users at a moment, the scenario's equivalent
is its curve at that moment and the run's equivalent is the achieved simulated
users then, divided by the scale. Other kinds (sessions a day, hits...) need the
scenario engineer's conversions; until ``flashcrowd.scenario.figures`` provides
them, their equivalents are left empty rather than guessed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flashcrowd.report.timeline import TimelineRow
from flashcrowd.scenario.model import Figure, Scenario
from flashcrowd.scenario.quantities import parse_moment


def figure_rows(scenario: Scenario, rows: Sequence[TimelineRow]) -> list[dict[str, Any]]:
    """One entry per documented figure: id, source, text, documented, scenario and run equivalents."""
    return [
        {
            "id": figure.id,
            "source": figure.source,
            "text": figure.text,
            "measure": figure.measure,
            "documented": figure.documented,
            "scenario_equivalent": _scenario_equivalent(scenario, figure),
            "run_equivalent": _run_equivalent(scenario, figure, rows),
        }
        for figure in scenario.figures
    ]


def _moment_s(scenario: Scenario, figure: Figure) -> float | None:
    """Real-world seconds since the clock's start for a concurrent-users figure, else None."""
    if figure.measure.get("kind") != "concurrent_users" or "at" not in figure.measure:
        return None
    try:
        return parse_moment(str(figure.measure["at"]), scenario.clock.start)
    except ValueError:
        return None


def _scenario_equivalent(scenario: Scenario, figure: Figure) -> float | None:
    real_s = _moment_s(scenario, figure)
    return None if real_s is None else round(scenario.real_users_at(real_s), 1)


def _run_equivalent(scenario: Scenario, figure: Figure, rows: Sequence[TimelineRow]) -> float | None:
    real_s = _moment_s(scenario, figure)
    if real_s is None or not rows:
        return None
    wall_s = scenario.clock.wall_seconds(real_s)
    if not rows[0].wall_s - 1 <= wall_s <= rows[-1].wall_s:
        return None  # the run did not reach that moment
    row = min(rows, key=lambda r: abs(r.wall_s - wall_s))
    return row.achieved_real_users
