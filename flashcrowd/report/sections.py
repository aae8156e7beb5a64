"""The report's tables, as data for ``templates/report.html``: key facts, pages, SLO verdicts,
documented figures, failures by detail, gaps, versions and machine."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flashcrowd.report.pages import pages_table
from flashcrowd.report.tables import Badge, Table
from flashcrowd.results.break_types import LoadPoint
from flashcrowd.results.record import (
    FailedPage,
    FigureRow,
    Gap,
    RunRecord,
    SloResult,
    Totals,
)


@dataclass(frozen=True)
class Sections:
    """Each table of the report; one without rows is said in a line instead (by the template)."""

    facts: Table
    pages: Table
    slos: Table
    figures: Table
    details: Table
    gaps: Table
    versions: Table


def tables(record: RunRecord) -> Sections:
    """The report's tables for a run's record."""
    return Sections(
        facts=key_facts(record),
        pages=pages_table(record.pages),
        slos=slo_table(record.slos),
        figures=figure_table(record.scenario.figures),
        details=Table(("detail", "count"), tuple(sorted(record.totals.failures_by_detail.items()))),
        gaps=gap_table(record.gaps),
        versions=versions_table(record),
    )


def key_facts(record: RunRecord) -> Table:
    """Knee, requests, failures, retries, the first page to fail, latency, peak users (the header above
    them says where the site saturated, failed and reset)."""
    totals = record.totals
    failures = ", ".join(f"{k} {v}" for k, v in sorted(totals.failures_by_kind.items())) or "none"
    latencies = (totals.p50_ms, totals.p95_ms, totals.p99_ms, totals.max_ms)
    return Table(
        ("", ""),
        (
            ("knee (latency starts to rise)", _point(record.knee)),
            ("requests", f"{totals.requests:,} in {totals.duration_s:.0f} s ({totals.rps:,.1f}/s)"),
            ("failures", f"{totals.failures:,}: {failures}"),
            ("retries", _retries(totals)),
            ("first page to fail", _first_page(record.first_failed_page)),
            ("latency p50 / p95 / p99 / max", " / ".join(_ms(value) for value in latencies)),
            ("latency of successes p95 / p99", f"{_ms(totals.p95_ok_ms)} / {_ms(totals.p99_ok_ms)}"),
            (
                "peak achieved users",
                f"{totals.peak_achieved_users} simulated (~{totals.peak_achieved_real_users:,.0f} real)",
            ),
            *((("TLS", record.tls.summary()),) if record.tls else ()),
        ),
    )


def _point(point: LoadPoint | None) -> str:
    """'41.0 s into the run, real-world 2016-11-08T21:40:00-05:00, 880 simulated users (~88,000 real)'; the
    users alone for a search's knee, which is a step's, not a moment's."""
    if not point:
        return "none"
    load = f"{point.users:,} simulated users (~{point.real_users:,.0f} real)"
    return (
        f"{point.at.wall_s:.1f} s into the run, real-world {point.at.real_time}, {load}" if point.at else load
    )


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f} ms"


def _retries(totals: Totals) -> str:
    share = totals.retries / totals.requests if totals.requests else 0.0
    return f"{totals.retries:,} ({share:.1%} of requests were a visitor's retry)"


def _first_page(page: FailedPage | None) -> str:
    if not page:
        return "none failed"
    return f"{page.method} {page.name}: {page.kind} at {page.wall_s:.1f} s ({page.real_time})"


def versions_table(record: RunRecord) -> Table:
    machine = record.machine
    return Table(
        ("", ""),
        (
            *record.versions.items(),
            ("cpus", machine.cpus),
            ("memory", f"{machine.memory_bytes / 2**30:.1f} GiB"),
            ("platform", machine.platform),
            ("locust role", record.role),
        ),
    )


def slo_table(slos: Sequence[SloResult]) -> Table:
    """Each SLO's objective, window, worst value and verdict (held, or breached: when and how much)."""

    def verdict(slo: SloResult) -> Badge:
        breach = slo.first_breach
        if breach is None:
            return Badge("ok", "held")
        return Badge("bad", "breached", f" at {breach.wall_s:.0f} s ({breach.real_time}): {breach.value:.4g}")

    rows = tuple(
        (
            slo.name,
            f"{slo.metric} {slo.op} {slo.threshold:g}",
            f"{slo.window_s:g} s",
            "-" if slo.worst is None else f"{slo.worst:.4g}",
            verdict(slo),
        )
        for slo in slos
    )
    return Table(("SLO", "objective", "window", "worst", "verdict"), rows)


def figure_table(figures: Sequence[FigureRow]) -> Table:
    """Each documented figure beside the scenario's equivalent and this run's."""

    def row(figure: FigureRow) -> tuple[str, ...]:
        share = figure.measure.get("kind") == "origin_share"

        def number(value: float | None) -> str:
            return "-" if value is None else f"{value:.1%}" if share else f"{value:,.0f}"

        documented = number(figure.documented)
        if figure.documented_high is not None:
            documented += f" to {number(figure.documented_high)}"
        return (
            figure.id,
            figure.text + ("" if figure.modelled else " (checked, not modelled)"),
            documented,
            number(figure.scenario_equivalent),
            number(figure.run_equivalent),
            figure.source,
        )

    header = ("#", "figure", "documented", "scenario's equivalent", "this run's equivalent", "source")
    return Table(header, tuple(row(figure) for figure in figures))


def gap_table(gaps: Sequence[Gap]) -> Table:
    rows = tuple(
        (
            f"{gap.start_wall_s:.1f} s",
            "end of run" if gap.end_wall_s is None else f"{gap.end_wall_s:.1f} s",
            gap.reason,
        )
        for gap in gaps
    )
    return Table(("from", "to", "reason"), rows)
