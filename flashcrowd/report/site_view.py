"""The report's section on the bundled site's own view (``id="site-view"``): what the site sent beside
what the visitors saw, sessions by country, the origin checks, and one origin's share over time."""

from __future__ import annotations

from flashcrowd.report.charts import Chart, Series
from flashcrowd.report.tables import Table
from flashcrowd.results.record import RunRecord, SiteView


def tables(record: RunRecord) -> list[Table]:
    """The section's tables; none when the run did not read the site's view."""
    site = record.site
    if not site:
        return []
    return [_sent_table(record, site), _country_table(site), *_origin_tables(site)]


def share_chart(record: RunRecord) -> Chart | None:
    """One origin's share of new sessions over time (``site.share_timeline``), on the timeline's rows."""
    site = record.site
    if site is None or not site.share_timeline:
        return None
    by_wall_s = {entry.wall_s: entry for entry in site.share_timeline}

    def series(share: str) -> list[float | None]:
        entries = [by_wall_s.get(row.wall_s) for row in record.timeline]
        values = [None if entry is None else getattr(entry, share) for entry in entries]
        return [None if value is None else 100 * value for value in values]

    return Chart(
        "site-shares",
        f"{site.share_origin} share of new sessions over the last 5 s",
        "% of sessions",
        (
            Series("the site counted", series("site_share"), "#1f77b4"),
            Series("the visitors began", series("sent_share"), "#ff7f0e", dashed=True),
            Series("the scenario's mix", series("scenario_share"), "#7f7f7f", dashed=True),
        ),
    )


def _sent_table(record: RunRecord, site: SiteView) -> Table:
    seen = record.totals.failures_by_kind
    return Table(
        ("", "the site sent", "the visitors saw"),
        (
            ("connection resets", f"{site.resets:,}", f"{seen.get('connection_reset', 0):,}"),
            ("5xx responses", f"{site.errors_5xx:,}", f"{seen.get('http_5xx', 0):,}"),
            ("requests", f"{site.requests:,}", f"{record.totals.requests:,}"),
        ),
    )


def _country_table(site: SiteView) -> Table:
    shares = site.session_share_by_country or {}
    sent = site.sessions_sent_by_country
    requests = site.requests_by_country or {}
    rows = tuple(
        (
            country,
            f"{count:,}",
            f"{shares.get(country, 0):.1%}",
            f"{sent.get(country, 0):,}",
            f"{requests.get(country, 0):,}",
        )
        for country, count in (site.sessions_by_country or {}).items()
    )
    header = ("country", "sessions the site counted", "share", "sessions the visitors began", "requests")
    return Table(header, rows, intro="Sessions by country:")


def _origin_tables(site: SiteView) -> list[Table]:
    """The origin checks, if the scenario cites an origin share."""
    rows = tuple(
        (
            check.figure,
            check.origin,
            f"{check.real_time} (±{check.window_s:g} s of the run)",
            f"{check.sessions:,}",
            _share(check.site_share),
            _share(check.sent_share),
            _share(check.scenario_share),
        )
        for check in site.origin_checks
    )
    header = (
        "figure",
        "origin",
        "moment",
        "sessions",
        "the site recorded",
        "the visitors sent",
        "scenario mix",
    )
    return [Table(header, rows, intro="Origin shares the scenario cites, at their moments:")] if rows else []


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"
