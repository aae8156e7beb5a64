"""SLO verdicts: each of a scenario's SLOs judged over a sliding window as the run goes.

A window is the last ``window_s`` seconds of the timeline, so a collapse at the
end of a run is not hidden by a healthy start. An SLO is judged once the run
has filled its window at least once, then every second; a run shorter than the
window is judged once, at the end, over everything it measured. A window in
which no request ended has no latency, so latency SLOs skip it (the error and
rps SLOs still see it).

Failed requests count in every verdict: unless a scenario bounds the error rate itself (an
``error_rate <=`` SLO, which may set it tighter or looser), the run is also judged by
``DEFAULT_ERROR_OBJECTIVE``.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from dataclasses import dataclass

from flashcrowd.results.record import Breach, SloResult
from flashcrowd.results.timeline import TimelineRow
from flashcrowd.results.window import WindowedTimeline, WindowStats
from flashcrowd.scenario.model import SLO

METRICS = (
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "p95_ok_ms",
    "p99_ok_ms",
    "error_rate",
    "reset_rate",
    "resets",
    "rps",
)
OPERATORS = {"<=": operator.le, ">=": operator.ge}
DEFAULT_ERROR_OBJECTIVE = SLO("errors under 1 % (default)", "error_rate", "<=", 0.01, 30.0)


def objectives(slos: Sequence[SLO]) -> tuple[SLO, ...]:
    """The SLOs a run is judged by: the scenario's, and the default error-rate objective unless one of
    them already bounds the error rate."""
    if any(slo.metric == "error_rate" and slo.op == "<=" for slo in slos):
        return tuple(slos)
    return (*slos, DEFAULT_ERROR_OBJECTIVE)


def metric_value(metric: str, stats: WindowStats) -> float | None:
    """The SLO metric measured over a window; None when the window cannot tell (no request ended)."""
    if metric not in METRICS:
        raise ValueError(f"unknown SLO metric {metric!r}; expected one of {', '.join(METRICS)}")
    value = getattr(stats, metric)
    return None if value is None else float(value)


def holds(slo: SLO, value: float) -> bool:
    """True when ``value`` meets the SLO's threshold."""
    return OPERATORS[slo.op](value, slo.threshold)


@dataclass
class SloVerdict:
    """One SLO's standing so far: its worst window, and when it was first breached."""

    slo: SLO
    worst: float | None = None
    worst_wall_s: float | None = None
    first_breach: Breach | None = None
    windows_judged: int = 0

    @property
    def breached(self) -> bool:
        return self.first_breach is not None

    def judge(self, stats: WindowStats, wall_s: float, real_time: str) -> bool:
        """Judge one window; True if this is the SLO's first breach."""
        value = metric_value(self.slo.metric, stats)
        if value is None:
            return False
        self.windows_judged += 1
        if self.worst is None or is_worse(self.slo, value, self.worst):
            self.worst, self.worst_wall_s = value, wall_s
        if holds(self.slo, value) or self.breached:
            return False
        self.first_breach = Breach(wall_s=wall_s, real_time=real_time, value=value)
        return True

    def result(self) -> SloResult:
        """The record's entry: the SLO, its worst value and its first breach (or None)."""
        return SloResult(
            name=self.slo.name,
            metric=self.slo.metric,
            op=self.slo.op,
            threshold=self.slo.threshold,
            window_s=self.slo.window_s,
            worst=self.worst,
            worst_wall_s=self.worst_wall_s,
            windows_judged=self.windows_judged,
            breached=self.breached,
            first_breach=self.first_breach,
        )


def is_worse(slo: SLO, value: float, than: float) -> bool:
    """True when ``value`` is further from meeting the SLO than ``than`` (higher for <=, lower for >=)."""
    return value < than if slo.op == ">=" else value > than


class SloJudge:
    """A run's SLOs (``objectives``), each judged over its sliding window as the timeline grows (see the
    module docstring)."""

    def __init__(self, slos: Sequence[SLO]) -> None:
        self.verdicts = [SloVerdict(slo) for slo in objectives(slos)]

    def judge(self, row: TimelineRow, timeline: WindowedTimeline, *, final: bool = False) -> list[SloVerdict]:
        """After ``row``: live, judge the SLOs whose window the run has filled; final, judge over the whole
        run those never judged. The verdicts first breached now, for a run that stops on a breach."""
        windows: dict[int, WindowStats] = {}  # SLOs with the same window share its merge
        breached = []
        for verdict in self.verdicts:
            span = math.ceil(verdict.slo.window_s)
            if (len(timeline.rows) >= span) == final:
                continue
            if span not in windows:
                windows[span] = timeline.window(span)
            if verdict.judge(windows[span], row.wall_s, row.real_time):
                breached.append(verdict)
        return breached
