"""Timelines recorded by real runs (tests/timelines/*.csv, timeline.csv as a run writes it), read back."""

from __future__ import annotations

import csv
from pathlib import Path

from flashcrowd.http.classify import KINDS
from flashcrowd.results.timeline import TimelineRow

TIMELINES = Path(__file__).with_name("timelines")


def read_timeline(name: str) -> list[TimelineRow]:
    """The rows of ``tests/timelines/NAME.csv``."""
    with (TIMELINES / f"{name}.csv").open(encoding="utf-8") as file:
        return [_row(record) for record in csv.DictReader(file)]


def _row(record: dict[str, str]) -> TimelineRow:
    def ms(column: str) -> float | None:
        return float(record[column]) if record[column] else None

    return TimelineRow(
        wall_s=float(record["wall_s"]),
        real_time=record["real_time"],
        target_users=float(record["target_users"]),
        achieved_users=int(record["achieved_users"]),
        target_real_users=float(record["target_real_users"]),
        achieved_real_users=float(record["achieved_real_users"]),
        requests=int(record["requests"]),
        started=int(record["started"]),
        carried_over=int(record["carried_over"]),
        # A kind added after the file was recorded (tls_handshake, ...) is a column it lacks: none of those.
        failures={kind: int(record[kind]) for kind in KINDS if int(record.get(kind) or 0)},
        retries=int(record["retries"]),
        p50_ms=ms("p50_ms"),
        p95_ms=ms("p95_ms"),
        p99_ms=ms("p99_ms"),
        p95_ok_ms=ms("p95_ok_ms"),
        p99_ok_ms=ms("p99_ok_ms"),
    )
