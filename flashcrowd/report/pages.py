"""Per-page statistics: the summary's ``pages`` and ``first_failed_page``, pages.csv and the report's table.

One entry per page (method and Locust request name; retries count as their page):
requests, rps over the run, failures by kind, retries, HDR percentiles, and the
page's first failure. The first page to fail is the one whose first failure came earliest.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flashcrowd.in_locust.classify import KINDS
from flashcrowd.report.tables import html_table
from flashcrowd.results import latency

if TYPE_CHECKING:
    from flashcrowd.results.recorder import Recorder

CSV_COLUMNS = (
    "name",
    "method",
    "requests",
    "rps",
    "failures",
    *KINDS,
    "retries",
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "max_ms",
    "first_failure_wall_s",
)


def page_rows(recorder: Recorder, duration_s: float) -> list[dict[str, Any]]:
    """Every page the run asked for, most requested first."""
    rows = []
    for (method, name), tally in recorder.pages.pages.items():
        quantiles = latency.percentiles_ms(tally.histogram)
        failures = sum(tally.failures.values())
        first = tally.first_failure
        rows.append(
            {
                "name": name,
                "method": method,
                "requests": tally.requests,
                "rps": tally.requests / duration_s if duration_s else 0.0,
                "failures": failures,
                "error_rate": failures / tally.requests if tally.requests else None,
                "failures_by_kind": dict(tally.failures),
                "retries": tally.retries,
                "p50_ms": quantiles.get(50.0),
                "p95_ms": quantiles.get(95.0),
                "p99_ms": quantiles.get(99.0),
                "max_ms": latency.max_ms(tally.histogram),
                "first_failure": None
                if first is None or recorder.started_at is None
                else _failure_moment(recorder, *first),
            }
        )
    return sorted(rows, key=lambda row: (-row["requests"], row["name"], row["method"]))


def _failure_moment(recorder: Recorder, epoch_s: float, kind: str) -> dict[str, Any]:
    wall_s = recorder.wall_s_of(epoch_s)
    return {"wall_s": wall_s, "real_time": recorder.real_time(wall_s), "kind": kind}


def first_failed_page(pages: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """The page that failed first: name, method, wall_s, real_time, kind; None if none failed."""
    failed = [page for page in pages if page["first_failure"]]
    if not failed:
        return None
    first = min(failed, key=lambda page: page["first_failure"]["wall_s"])
    return {"name": first["name"], "method": first["method"], **first["first_failure"]}


def write_pages_csv(pages: Sequence[dict[str, Any]], path: Path) -> None:
    """pages.csv: one row per page, the columns of ``CSV_COLUMNS``."""
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for page in pages:
            first = page["first_failure"]
            writer.writerow(
                {
                    **{key: page[key] for key in ("name", "method", "requests", "failures", "retries")},
                    "rps": round(page["rps"], 3),
                    **{kind: page["failures_by_kind"].get(kind, 0) for kind in KINDS},
                    **{key: _rounded(page[key]) for key in ("p50_ms", "p95_ms", "p99_ms", "max_ms")},
                    "first_failure_wall_s": "" if first is None else first["wall_s"],
                }
            )


def _rounded(value: float | None) -> float | str:
    return "" if value is None else round(value, 3)


def pages_table(pages: Sequence[dict[str, Any]]) -> str:
    """The report's per-page table (``id="pages"``)."""
    if not pages:
        return "<p>No request ended.</p>"

    def ms(value: float | None) -> str:
        return "-" if value is None else f"{value:,.1f}"

    def failures(page: dict[str, Any]) -> str:
        kinds = ", ".join(f"{kind} {n:,}" for kind, n in sorted(page["failures_by_kind"].items()))
        return kinds or "0"

    def first(page: dict[str, Any]) -> str:
        failure = page["first_failure"]
        return "-" if failure is None else f"{failure['wall_s']:.1f} s ({failure['kind']})"

    rows = [
        (
            page["name"],
            page["method"],
            f"{page['requests']:,}",
            f"{page['rps']:,.2f}",
            failures(page),
            f"{page['retries']:,}",
            ms(page["p50_ms"]),
            ms(page["p95_ms"]),
            ms(page["p99_ms"]),
            first(page),
        )
        for page in pages
    ]
    header = ("page", "method", "requests", "rps", "failures", "retries", "p50 ms", "p95 ms", "p99 ms")
    return html_table((*header, "first failure"), rows).replace("<table>", '<table id="pages">', 1)
