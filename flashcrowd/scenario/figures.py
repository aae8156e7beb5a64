"""Documented figures a scenario cites, and the scenario's own real-world equivalent of each.

An equivalent is always computed from the scenario's curve, origins and journeys
(never copied from the documented value), so a test can hold the two side by side.
Measures: ``concurrent_users`` at a moment, ``origin_share`` at a moment,
``sessions`` or ``requests`` (of one ``method path``) over a window; any of them
may be restricted to one ``origin``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flashcrowd.scenario.journeys import requests_matching
from flashcrowd.scenario.littles_law import sessions_between
from flashcrowd.scenario.model import Figure, Scenario
from flashcrowd.scenario.quantities import parse_moment
from flashcrowd.scenario.source import ScenarioSource

MOMENT_KEYS = ("at", "from", "to")


def build_figures(
    specs: Sequence[dict[str, Any]],
    source: ScenarioSource,
    scenario_origins: set[str],
    seeds: set[str],
    start: datetime,
) -> tuple[Figure, ...]:
    """Figures from their schema-checked specs, with their measure's moments in seconds since ``start``."""
    figures = []
    for index, spec in enumerate(specs):
        path = ("figures", index)
        measure = dict(spec["measure"])
        for key in MOMENT_KEYS:
            if key in measure:
                try:
                    measure[f"{key}_s"] = parse_moment(measure[key], start)
                except ValueError as error:
                    raise source.error((*path, "measure", key), f"expected {error}") from None
        if "from_s" in measure and measure["to_s"] <= measure["from_s"]:
            raise source.error((*path, "measure", "to"), f"expected a moment after from ({measure['from']})")
        if measure.get("origin") not in (None, *scenario_origins):
            expected = ", ".join(sorted(scenario_origins))
            raise source.error(
                (*path, "measure", "origin"), f"expected an origin named in origins: {expected}"
            )
        if seeds and spec["source"] not in seeds:
            raise source.error(
                (*path, "source"), f"expected a seed listed in sources: {', '.join(sorted(seeds))}"
            )
        value = spec["value"]
        low, high = (value[0], value[1]) if isinstance(value, list) else (value, None)
        if high is not None and high < low:
            raise source.error((*path, "value"), "expected a range [low, high] with low <= high")
        figures.append(
            Figure(
                spec["id"],
                spec["source"],
                spec["text"],
                float(low),
                measure,
                high,
                spec.get("modelled", True),
            )
        )
    return tuple(figures)


def equivalent(scenario: Scenario, figure: Figure) -> float:
    """The scenario's real-world value for what ``figure`` counts."""
    measure = figure.measure
    kind = measure["kind"]
    origin = measure.get("origin")
    if kind == "origin_share":
        return scenario.origins.shares_at(measure["at_s"])[origin]
    if kind == "concurrent_users":
        at_s = measure["at_s"]
        share = scenario.origins.shares_at(at_s)[origin] if origin else 1.0
        return scenario.real_users_at(at_s) * share
    sessions = sessions_between(
        scenario.users,
        scenario.session_duration_s,
        measure["from_s"],
        measure["to_s"],
        share=(lambda t: scenario.origins.shares_at(t)[origin]) if origin else None,
        share_breaks=scenario.origins.times_s,
    )
    if kind == "sessions":
        return sessions
    return sessions * requests_matching(scenario.journeys, measure.get("method", "GET"), measure["path"])


@dataclass(frozen=True)
class FigureCheck:
    """A documented figure beside the scenario's equivalent."""

    figure: Figure
    equivalent: float

    @property
    def deviation(self) -> float:
        return self.figure.deviation(self.equivalent)


def check_figures(scenario: Scenario) -> list[FigureCheck]:
    """Every cited figure with the scenario's equivalent and the deviation between them."""
    return [FigureCheck(figure, equivalent(scenario, figure)) for figure in scenario.figures]
