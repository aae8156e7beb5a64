"""The summary's views beyond the timeline: per page, against load, and the site's own view.

Keys: ``pages`` and ``first_failed_page`` (``report.pages``), ``capacity``
(``report.capacity``), ``site`` (``report.site``, null unless the run read the
bundled target's analytics) and ``started_at`` (epoch seconds of the run's clock 0).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flashcrowd.report.capacity import run_capacity_points
from flashcrowd.report.pages import first_failed_page, page_rows
from flashcrowd.report.site import fetch_analytics, site_view

if TYPE_CHECKING:
    from flashcrowd.results.recorder import Recorder


def read_site(recorder: Recorder) -> dict[str, Any] | None:
    """The bundled site's view of the run, if the recorder was told where to read it and it answered."""
    if not recorder.site_url or recorder.started_at is None:
        return None
    analytics = fetch_analytics(recorder.site_url)
    if analytics is None:
        return None
    return site_view(analytics, recorder.started_at, recorder.scenario, recorder.sessions_sent.seconds)


def _with_users(recorder: Recorder, moment: dict[str, Any] | None) -> dict[str, Any] | None:
    """``moment`` with the users running then (``users``, ``real_users``), for the capacity chart."""
    from flashcrowd.report.summary import row_at  # summary.py imports this module

    row = None if moment is None else row_at(recorder.rows, moment["wall_s"])
    if moment is None or row is None:
        return moment
    return {**moment, "users": row.achieved_users, "real_users": row.achieved_real_users}


def run_views(recorder: Recorder, duration_s: float, site: dict[str, Any] | None) -> dict[str, Any]:
    """The keys this module's docstring lists, for ``build_summary``."""
    pages = page_rows(recorder, duration_s)
    return {
        "started_at": recorder.started_at,
        "pages": pages,
        "first_failed_page": _with_users(recorder, first_failed_page(pages)),
        "capacity": run_capacity_points(recorder.rows, recorder.timeline.histograms),
        "site": site,
    }
