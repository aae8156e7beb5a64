"""One row of the timeline a second, the CSV file it goes to as the run goes, and the row of a moment."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from flashcrowd.http.classify import KINDS
from flashcrowd.results import latency

# What a second of the timeline and a page of pages.csv both report, in this order.
REQUEST_COLUMNS = ("rps", "failures", *KINDS, "retries", *(f"p{p:g}_ms" for p in latency.PERCENTILES))
COLUMNS = (
    "wall_s",
    "real_time",
    "target_users",
    "achieved_users",
    "target_real_users",
    "achieved_real_users",
    "requests",
    "started",
    "carried_over",
    *REQUEST_COLUMNS,
    "p95_ok_ms",
    "p99_ok_ms",
)


@dataclass(frozen=True, slots=True)
class TimelineRow:
    """What happened in one second of the run; ``wall_s`` is the end of that second.

    Users are simulated users; ``*_real_users`` are their real-world equivalents
    (divided by the scenario's scale). Percentiles are None when no request ended; the
    ``*_ok_ms`` ones count successful requests only, and are None when none succeeded.
    """

    wall_s: float
    real_time: str  # ISO 8601 with offset, the moment the scenario's curve stood at
    target_users: float
    achieved_users: int
    target_real_users: float
    achieved_real_users: float
    requests: int
    started: int = 0  # requests sent in this second
    carried_over: int = 0  # ended in this second but started before the current find-break step
    failures: dict[str, int] = field(default_factory=dict)  # by kind
    retries: int = 0
    p50_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None
    p95_ok_ms: float | None = None
    p99_ok_ms: float | None = None

    @property
    def rps(self) -> float:
        return float(self.requests)

    @property
    def failure_count(self) -> int:
        return sum(self.failures.values())

    def as_record(self) -> dict[str, object]:
        """The row flattened to the CSV columns (one column per failure kind)."""
        record: dict[str, object] = {
            "wall_s": self.wall_s,
            "real_time": self.real_time,
            "target_users": round(self.target_users, 3),
            "achieved_users": self.achieved_users,
            "target_real_users": round(self.target_real_users, 1),
            "achieved_real_users": round(self.achieved_real_users, 1),
            "requests": self.requests,
            "started": self.started,
            "carried_over": self.carried_over,
            "rps": self.rps,
            "failures": self.failure_count,
            "retries": self.retries,
            "p50_ms": _ms(self.p50_ms),
            "p95_ms": _ms(self.p95_ms),
            "p99_ms": _ms(self.p99_ms),
            "p95_ok_ms": _ms(self.p95_ok_ms),
            "p99_ok_ms": _ms(self.p99_ok_ms),
        }
        record.update({kind: self.failures.get(kind, 0) for kind in KINDS})
        return record


def _ms(value: float | None) -> float | str:
    return "" if value is None else round(value, 3)


def row_at(rows: Sequence[TimelineRow], wall_s: float) -> TimelineRow | None:
    """The row of the second containing ``wall_s`` (rows end at their ``wall_s``), else the last row."""
    return next((row for row in rows if row.wall_s >= wall_s), rows[-1] if rows else None)


class TimelineCsv:
    """timeline.csv, written a row at a time and flushed, so an interrupted run keeps what it measured."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._file = path.open("w", newline="", encoding="utf-8")
        self._writer = csv.DictWriter(self._file, fieldnames=COLUMNS)
        self._writer.writeheader()
        self._file.flush()

    def append(self, row: TimelineRow) -> None:
        self._writer.writerow(row.as_record())
        self._file.flush()

    def close(self) -> None:
        self._file.close()
