"""Live progress: one plain line to stderr every few seconds (CI logs keep it; no curses).

    [2016-11-08 23:04 -05:00] 35s/60s users 120/118 (real 200,000/196,667) rps 240 p95 85.2 ms
    errors connection_reset=12 http_5xx=3 left 25s

(printed as a single line). Rates, p95 and errors cover the seconds since the previous line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flashcrowd.results.timeline import TimelineRow

if TYPE_CHECKING:
    from flashcrowd.results.window import WindowStats


def progress_line(row: TimelineRow, recent: WindowStats, left_s: float) -> str:
    """The progress line for the latest timeline ``row``, with ``recent`` the seconds since the last line."""
    clock = row.real_time[:16].replace("T", " ") + " " + row.real_time[19:]
    p95 = "-" if recent.p95_ms is None else f"{recent.p95_ms:.1f} ms"
    errors = " ".join(f"{kind}={count}" for kind, count in sorted(recent.failures.items()) if count) or "none"
    return (
        f"[{clock}] {row.wall_s:.0f}s users {row.target_users:.0f}/{row.achieved_users}"
        f" (real {row.target_real_users:,.0f}/{row.achieved_real_users:,.0f})"
        f" rps {recent.rps:.1f} p95 {p95} errors {errors} left {max(0.0, left_s):.0f}s"
    )
