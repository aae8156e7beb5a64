"""The report's sections beyond the timeline charts: capacity against load, and the site's own view."""

from __future__ import annotations

from flashcrowd.report.capacity import capacity_markers, capacity_points, capacity_svg
from flashcrowd.report.charts import Chart, Series
from flashcrowd.report.tables import html_table
from flashcrowd.results.record import RunRecord, SiteView


def capacity_section(record: RunRecord) -> str:
    """The capacity chart (``id="chart-capacity"``), or a line saying why there is none."""
    points = capacity_points(record)
    if not points:
        return "<p>No second with users running: nothing to draw against load.</p>"
    svg = capacity_svg(points, capacity_markers(record))
    return f'<figure id="chart-capacity">{svg}</figure>'


def site_share_chart(record: RunRecord) -> Chart | None:
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


def site_section(record: RunRecord, share_svg: str = "") -> str:
    """What the bundled site recorded beside what the visitors sent (``id="site-view"``)."""
    site = record.site
    if not site:
        return "<p>Not read: the target is not the bundled site, or it did not answer.</p>"
    chart = f'<figure id="chart-site-shares">{share_svg}</figure>' if share_svg else ""
    tables = f"{_sent_table(record, site)}{_country_table(site)}{_origin_table(site)}"
    return f'<div id="site-view">{tables}{chart}</div>'


def _sent_table(record: RunRecord, site: SiteView) -> str:
    seen = record.totals.failures_by_kind
    return html_table(
        ("", "the site sent", "the visitors saw"),
        [
            ("connection resets", f"{site.resets:,}", f"{seen.get('connection_reset', 0):,}"),
            ("5xx responses", f"{site.errors_5xx:,}", f"{seen.get('http_5xx', 0):,}"),
            ("requests", f"{site.requests:,}", f"{record.totals.requests:,}"),
        ],
    )


def _country_table(site: SiteView) -> str:
    shares = site.session_share_by_country or {}
    sent = site.sessions_sent_by_country
    by_country = site.requests_by_country or {}
    rows = [
        (
            country,
            f"{count:,}",
            f"{shares.get(country, 0):.1%}",
            f"{sent.get(country, 0):,}",
            f"{by_country.get(country, 0):,}",
        )
        for country, count in (site.sessions_by_country or {}).items()
    ]
    header = ("country", "sessions the site counted", "share", "sessions the visitors began", "requests")
    return "<p>Sessions by country:</p>" + html_table(header, rows)


def _origin_table(site: SiteView) -> str:
    rows = [
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
    ]
    if not rows:
        return ""
    header = (
        "figure",
        "origin",
        "moment",
        "sessions",
        "the site recorded",
        "the visitors sent",
        "scenario mix",
    )
    return "<p>Origin shares the scenario cites, at their moments:</p>" + html_table(header, rows)


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"
