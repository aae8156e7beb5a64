"""The record's per-page statistics as pages.csv and as the report's table (``id="pages"``)."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from flashcrowd.http.classify import KINDS
from flashcrowd.report.tables import Table
from flashcrowd.results.record import PageStats
from flashcrowd.results.timeline import REQUEST_COLUMNS

CSV_COLUMNS = ("name", "method", "requests", *REQUEST_COLUMNS, "max_ms", "first_failure_wall_s")


def write_pages_csv(pages: Sequence[PageStats], path: Path) -> None:
    """pages.csv: one row per page, the columns of ``CSV_COLUMNS``."""
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for page in pages:
            writer.writerow(
                {
                    "name": page.name,
                    "method": page.method,
                    "requests": page.requests,
                    "rps": round(page.rps, 3),
                    "failures": page.failures,
                    **{kind: page.failures_by_kind.get(kind, 0) for kind in KINDS},
                    "retries": page.retries,
                    "p50_ms": _rounded(page.p50_ms),
                    "p95_ms": _rounded(page.p95_ms),
                    "p99_ms": _rounded(page.p99_ms),
                    "max_ms": _rounded(page.max_ms),
                    "first_failure_wall_s": "" if page.first_failure is None else page.first_failure.wall_s,
                }
            )


def _rounded(value: float | None) -> float | str:
    return "" if value is None else round(value, 3)


def pages_table(pages: Sequence[PageStats]) -> Table:
    """The report's per-page table (``id="pages"``)."""

    def ms(value: float | None) -> str:
        return "-" if value is None else f"{value:,.1f}"

    def failures(page: PageStats) -> str:
        kinds = ", ".join(f"{kind} {n:,}" for kind, n in sorted(page.failures_by_kind.items()))
        return kinds or "0"

    def first(page: PageStats) -> str:
        failure = page.first_failure
        return "-" if failure is None else f"{failure.wall_s:.1f} s ({failure.kind})"

    rows = tuple(
        (
            page.name,
            page.method,
            f"{page.requests:,}",
            f"{page.rps:,.2f}",
            failures(page),
            f"{page.retries:,}",
            ms(page.p50_ms),
            ms(page.p95_ms),
            ms(page.p99_ms),
            first(page),
        )
        for page in pages
    )
    header = ("page", "method", "requests", "rps", "failures", "retries", "p50 ms", "p95 ms", "p99 ms")
    return Table((*header, "first failure"), rows, id="pages")
