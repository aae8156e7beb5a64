"""The timeline's latest seconds merged into one window: what the SLOs, progress lines and find-break judge.

A window merges the seconds' HDR histograms, so its percentiles are exact (never an average
of percentiles). The histograms of the last ``RETAIN_S`` seconds are kept beside the rows.
"""

from __future__ import annotations

import math
from collections import Counter, deque
from dataclasses import dataclass

from flashcrowd.results import latency
from flashcrowd.results.timeline import TimelineRow

RETAIN_S = 3600  # per-second histograms kept for sliding windows


@dataclass(frozen=True)
class WindowStats:
    """The last ``seconds`` of the timeline, merged: what find-break and the SLOs judge.

    Users are means over the window, in simulated users. Latencies are None when no request ended;
    the ``*_ok_ms`` ones, of successful requests only, when none succeeded.
    """

    start_wall_s: float
    end_wall_s: float
    seconds: int
    requests: int
    started: int  # requests sent in the window, whenever they ended
    carried_over: int  # ended in the window, started before ``Recorder.counts_from``: not in ``requests``
    failures: dict[str, int]
    retries: int
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    p95_ok_ms: float | None
    p99_ok_ms: float | None
    max_ms: float | None
    mean_ms: float | None
    target_users: float
    achieved_users: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def resets(self) -> int:
        return self.failures.get("connection_reset", 0)

    @property
    def error_rate(self) -> float | None:
        return sum(self.failures.values()) / self.requests if self.requests else None

    @property
    def reset_rate(self) -> float | None:
        return self.resets / self.requests if self.requests else None


class WindowedTimeline:
    """The timeline's rows so far, with the encoded histograms of the latest ones beside them."""

    def __init__(self, retain_s: int = RETAIN_S) -> None:
        self.rows: list[TimelineRow] = []
        self._histograms: deque[str] = deque(maxlen=retain_s)
        self._ok_histograms: deque[str] = deque(maxlen=retain_s)  # the same, successes only

    def append(self, row: TimelineRow, histogram: str, ok_histogram: str) -> None:
        """Add the next second's row and its encoded histograms (all requests, successes only)."""
        self.rows.append(row)
        self._histograms.append(histogram)
        self._ok_histograms.append(ok_histogram)

    @property
    def histograms(self) -> list[str]:
        """The encoded histograms of the last rows (up to ``RETAIN_S``), aligned with ``rows``' end."""
        return list(self._histograms)

    def window(self, seconds: float) -> WindowStats:
        """The last ``seconds`` of the timeline merged (fewer if the run is younger)."""
        count = min(max(1, math.ceil(seconds)), len(self.rows), len(self._histograms))
        rows = self.rows[len(self.rows) - count :]
        merged = latency.merge(list(self._histograms)[len(self._histograms) - count :])
        ok_merged = latency.merge(list(self._ok_histograms)[len(self._ok_histograms) - count :])
        failures: Counter[str] = Counter()
        for row in rows:
            failures.update(row.failures)
        return WindowStats(
            start_wall_s=rows[0].wall_s - 1 if rows else 0.0,
            end_wall_s=rows[-1].wall_s if rows else 0.0,
            seconds=count,
            requests=sum(row.requests for row in rows),
            started=sum(row.started for row in rows),
            carried_over=sum(row.carried_over for row in rows),
            failures=dict(failures),
            retries=sum(row.retries for row in rows),
            **latency.percentile_fields(merged, ok_merged),
            max_ms=latency.max_ms(merged),
            mean_ms=latency.mean_ms(merged),
            target_users=sum(row.target_users for row in rows) / count if count else 0.0,
            achieved_users=sum(row.achieved_users for row in rows) / count if count else 0.0,
        )
