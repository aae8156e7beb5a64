"""The site's own view of a run, when the target is the bundled target_app: its analytics, read at the end.

target_app counts sessions and requests by country, and the resets and 5xx responses
it sent, per epoch second (``/__flashcrowd/analytics.json``). Here those seconds are
put on the run's clock beside the sessions the visitors started (``flashcrowd.results.sessions_sent``),
and for each documented origin share (F2 "about half from US addresses" at the peak,
F4 at the baseline) the share of sessions the site recorded around that moment is set
beside the share the visitors sent and the scenario's own mix over the same seconds.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from flashcrowd.results.record import OriginCheck, ShareSecond, SiteSecond, SiteView
from flashcrowd.scenario.model import Figure, Scenario

logger = logging.getLogger(__name__)

ANALYTICS_PATH = "/__flashcrowd/analytics.json"
FETCH_TIMEOUT_S = 10.0
# Sessions that count towards a figure's share: those of the seconds nearest its moment, the window
# widened a second at a time (up to MAX_WINDOW_S either side) until it holds MIN_SESSIONS.
MIN_SESSIONS = 200
MAX_WINDOW_S = 5
SHARE_ROLLING_S = 5  # the share over time is over the last this many seconds


def fetch_analytics(base_url: str) -> Mapping[str, Any] | None:
    """The bundled target's analytics document, or None (logged) if it cannot be read."""
    try:
        with urllib.request.urlopen(base_url.rstrip("/") + ANALYTICS_PATH, timeout=FETCH_TIMEOUT_S) as answer:
            return json.load(answer)
    except (OSError, ValueError) as error:
        logger.warning("could not read the site's analytics from %s: %s", base_url, error)
        return None


def site_view(
    analytics: Mapping[str, Any], started_at: float, scenario: Scenario, sent: Mapping[int, Mapping[str, int]]
) -> SiteView:
    """The record's ``site``: the site's totals, its seconds on the run's clock, and origin checks.

    ``sent``: the sessions the visitors started, by epoch second and origin.
    """
    recorded = {int(second["second"]): second for second in analytics.get("by_second", [])}
    empty = {"sessions": {}, "requests": {}, "resets": 0, "errors_5xx": 0}
    timeline = tuple(
        SiteSecond(
            wall_s=round(epoch + 1 - started_at, 3),  # a second stands at its end
            **{key: recorded.get(epoch, empty)[key] for key in empty},
            sessions_sent=dict(sent.get(epoch, {})),
        )
        for epoch in sorted(set(recorded) | set(sent))
        if epoch + 1 > started_at
    )
    sent_total: Counter[str] = Counter()
    for counts in sent.values():
        sent_total.update(counts)
    checks = tuple(
        origin_check(scenario, figure, timeline)
        for figure in scenario.figures
        if figure.measure.get("kind") == "origin_share"
    )
    cited = [check.origin for check in checks]
    biggest = list(analytics.get("sessions_by_country") or {})[:1]
    share_origin = (cited or biggest or [None])[0]
    return SiteView(
        sessions=analytics.get("sessions"),
        requests=analytics.get("requests"),
        sessions_by_country=analytics.get("sessions_by_country"),
        requests_by_country=analytics.get("requests_by_country"),
        session_share_by_country=analytics.get("session_share_by_country"),
        resets=analytics.get("resets"),
        errors_5xx=analytics.get("errors_5xx"),
        sessions_sent_by_country=dict(sent_total.most_common()),
        timeline=timeline,
        origin_checks=checks,
        share_origin=share_origin,
        share_timeline=share_timeline(scenario, timeline, share_origin),
    )


def share_timeline(
    scenario: Scenario, timeline: Sequence[SiteSecond], origin: str | None
) -> tuple[ShareSecond, ...]:
    """Each second's share of ``origin`` among the sessions begun in the last ``SHARE_ROLLING_S``
    seconds: as the site counted them, as the visitors began them, and in the scenario's mix."""
    if origin is None:
        return ()
    shares = []
    for index, second in enumerate(timeline):
        recent = [
            earlier
            for earlier in timeline[max(0, index - SHARE_ROLLING_S + 1) : index + 1]
            if second.wall_s - earlier.wall_s < SHARE_ROLLING_S
        ]
        site, sent = _summed(recent)
        shares.append(
            ShareSecond(
                wall_s=second.wall_s,
                site_share=_share_of(site, origin),
                sent_share=_share_of(sent, origin),
                scenario_share=_scenario_share(scenario, recent, origin),
            )
        )
    return tuple(shares)


def _summed(seconds: Sequence[SiteSecond]) -> tuple[Counter[str], Counter[str]]:
    """Sessions by country over ``seconds``: as the site counted them, and as the visitors began them."""
    site: Counter[str] = Counter()
    sent: Counter[str] = Counter()
    for second in seconds:
        site.update(second.sessions)
        sent.update(second.sessions_sent)
    return site, sent


def _scenario_share(scenario: Scenario, seconds: Sequence[SiteSecond], origin: str) -> float | None:
    """The scenario's mix over ``seconds``: its share of ``origin`` in each, weighted by the sessions the
    site saw begin then (None if none did)."""
    weighted = total = 0.0
    for second in seconds:
        count = sum(second.sessions.values())
        real_s = scenario.clock.real_seconds(second.wall_s - 0.5)
        weighted += count * scenario.origins.shares_at(real_s).get(origin, 0.0)
        total += count
    return weighted / total if total else None


def _share_of(counts: Counter[str], origin: str) -> float | None:
    total = sum(counts.values())
    return counts[origin] / total if total else None


def origin_check(scenario: Scenario, figure: Figure, timeline: Sequence[SiteSecond]) -> OriginCheck:
    """For one origin-share figure: the site's recorded share around its moment, and the scenario's.

    All count the sessions that started in the seconds nearest the moment (see ``MIN_SESSIONS``):
    the site's, the visitors' (what they sent), and the scenario's own origin mix at each of
    those seconds weighted by the sessions the site saw start then. Visitors whose first page
    failed and who reload later still carry the origin drawn when they arrived, so on a fast-
    compressed curve whose mix is shifting the first two can lag the third. None: no session.
    """
    origin = str(figure.measure["origin"])
    wall_s = scenario.clock.wall_seconds(float(figure.measure["at_s"]))  # type: ignore[arg-type]
    window_s, near = _nearest_seconds(timeline, wall_s)
    sessions, sent = _summed(near)
    return OriginCheck(
        figure=figure.id,
        origin=origin,
        wall_s=round(wall_s, 3),
        real_time=scenario.clock.real_time(wall_s).isoformat(timespec="seconds"),
        window_s=window_s,
        sessions=sum(sessions.values()),
        sessions_sent=sum(sent.values()),
        site_share=_share_of(sessions, origin),
        sent_share=_share_of(sent, origin),
        scenario_share=_scenario_share(scenario, near, origin),
    )


def _nearest_seconds(timeline: Sequence[SiteSecond], wall_s: float) -> tuple[float, list[SiteSecond]]:
    """The seconds within ``window_s`` of ``wall_s``, the window as narrow as ``MIN_SESSIONS`` allows."""
    near: list[SiteSecond] = []
    for half in range(1, MAX_WINDOW_S + 1):
        window_s = half - 0.5
        near = [second for second in timeline if abs(second.wall_s - 0.5 - wall_s) <= window_s]
        if sum(sum(second.sessions.values()) for second in near) >= MIN_SESSIONS:
            break
    return window_s, near


def site_share_of(site: SiteView | None, figure_id: str) -> float | None:
    """What the site recorded for an origin-share figure, or None without a site view."""
    checks = site.origin_checks if site else ()
    return next((check.site_share for check in checks if check.figure == figure_id), None)
