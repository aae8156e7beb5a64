"""The record's per-page statistics from the recorder's page tallies, and the first page to fail.

One entry per page (method and Locust request name; retries count as their page): requests,
rps over the run, failures by kind, retries, HDR percentiles, and the page's first failure.
The first page to fail is the one whose first failure came earliest.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from flashcrowd.results import latency
from flashcrowd.results.record import FailedPage, PageFailure, PageStats
from flashcrowd.results.timeline import TimelineRow, row_at

if TYPE_CHECKING:
    from flashcrowd.results.recorder import Recorder


def page_stats(recorder: Recorder, duration_s: float) -> tuple[PageStats, ...]:
    """Every page the run asked for, most requested first."""
    pages = []
    for (method, name), tally in recorder.pages.pages.items():
        failures = sum(tally.failures.values())
        first = tally.first_failure
        pages.append(
            PageStats(
                name=name,
                method=method,
                requests=tally.requests,
                rps=tally.requests / duration_s if duration_s else 0.0,
                failures=failures,
                error_rate=failures / tally.requests if tally.requests else None,
                failures_by_kind=dict(tally.failures),
                retries=tally.retries,
                **latency.percentile_fields(tally.histogram),
                max_ms=latency.max_ms(tally.histogram),
                first_failure=None
                if first is None or recorder.started_at is None
                else _failure_at(recorder, *first),
            )
        )
    return tuple(sorted(pages, key=lambda page: (-page.requests, page.name, page.method)))


def _failure_at(recorder: Recorder, epoch_s: float, kind: str) -> PageFailure:
    wall_s = recorder.wall_s_of(epoch_s)
    return PageFailure(wall_s=wall_s, real_time=recorder.real_time(wall_s), kind=kind)


def first_failed_page(pages: Sequence[PageStats], rows: Sequence[TimelineRow]) -> FailedPage | None:
    """The page that failed first and the users running then (``rows``: the timeline); None if none failed."""
    failures = [(page, page.first_failure) for page in pages if page.first_failure is not None]
    if not failures:
        return None
    page, failure = min(failures, key=lambda pair: pair[1].wall_s)
    row = row_at(rows, failure.wall_s)
    return FailedPage(
        name=page.name,
        method=page.method,
        wall_s=failure.wall_s,
        real_time=failure.real_time,
        kind=failure.kind,
        users=row.achieved_users if row else 0,
        real_users=row.achieved_real_users if row else 0.0,
    )
