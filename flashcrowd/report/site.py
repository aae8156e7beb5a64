"""The site's own view of a run, when the target is the bundled target_app: its analytics, read at the end.

target_app counts sessions and requests by country, and the resets and 5xx responses
it sent, per epoch second (``/__flashcrowd/analytics.json``). Here those seconds are
put on the run's clock, and for each documented origin share (F2 "about half from US
addresses" at the peak, F4 at the baseline) the share of sessions the site recorded
around that moment is set beside the share the scenario sent over the same seconds.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from collections import Counter
from collections.abc import Sequence
from typing import Any

from flashcrowd.scenario.model import Figure, Scenario

logger = logging.getLogger(__name__)

ANALYTICS_PATH = "/__flashcrowd/analytics.json"
FETCH_TIMEOUT_S = 10.0
SHARE_WINDOW_S = 5.0  # wall seconds either side of a figure's moment whose sessions count towards its share


def fetch_analytics(base_url: str) -> dict[str, Any] | None:
    """The bundled target's analytics document, or None (logged) if it cannot be read."""
    try:
        with urllib.request.urlopen(base_url.rstrip("/") + ANALYTICS_PATH, timeout=FETCH_TIMEOUT_S) as answer:
            return json.load(answer)
    except (OSError, ValueError) as error:
        logger.warning("could not read the site's analytics from %s: %s", base_url, error)
        return None


def site_view(analytics: dict[str, Any], started_at: float, scenario: Scenario) -> dict[str, Any]:
    """The summary's ``site``: the site's totals, its seconds on the run's clock, and origin checks."""
    timeline = [
        {
            "wall_s": round(second["second"] + 1 - started_at, 3),  # a second stands at its end
            "sessions": second["sessions"],
            "requests": second["requests"],
            "resets": second["resets"],
            "errors_5xx": second["errors_5xx"],
        }
        for second in analytics.get("by_second", [])
        if second["second"] + 1 > started_at
    ]
    view = {
        key: analytics.get(key)
        for key in (
            "sessions",
            "requests",
            "sessions_by_country",
            "requests_by_country",
            "session_share_by_country",
            "resets",
            "errors_5xx",
        )
    }
    view["timeline"] = timeline
    view["origin_checks"] = [
        origin_check(scenario, figure, timeline)
        for figure in scenario.figures
        if figure.measure.get("kind") == "origin_share"
    ]
    return view


def origin_check(scenario: Scenario, figure: Figure, timeline: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """For one origin-share figure: the site's recorded share around its moment, and the scenario's.

    Both count the sessions that started within ``SHARE_WINDOW_S`` wall seconds of the moment;
    the scenario's share is its own origin mix at each of those seconds, weighted by the
    sessions the site saw start then. Shares are None when the run had no session there.
    """
    origin = str(figure.measure["origin"])
    wall_s = scenario.clock.wall_seconds(float(figure.measure["at_s"]))  # type: ignore[arg-type]
    near = [s for s in timeline if abs(s["wall_s"] - 0.5 - wall_s) <= SHARE_WINDOW_S]
    sessions: Counter[str] = Counter()
    expected = 0.0
    for second in near:
        count = sum(second["sessions"].values())
        sessions.update(second["sessions"])
        real_s = scenario.clock.real_seconds(second["wall_s"] - 0.5)
        expected += count * scenario.origins.shares_at(real_s).get(origin, 0.0)
    total = sum(sessions.values())
    return {
        "figure": figure.id,
        "origin": origin,
        "wall_s": round(wall_s, 3),
        "real_time": scenario.clock.real_time(wall_s).isoformat(timespec="seconds"),
        "window_s": SHARE_WINDOW_S,
        "sessions": total,
        "site_share": sessions[origin] / total if total else None,
        "scenario_share": expected / total if total else None,
    }


def site_share_of(site: dict[str, Any] | None, figure_id: str) -> float | None:
    """What the site recorded for an origin-share figure, or None without a site view."""
    checks = (site or {}).get("origin_checks", [])
    return next((check["site_share"] for check in checks if check["figure"] == figure_id), None)
