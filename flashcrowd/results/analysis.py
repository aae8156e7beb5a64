"""What the timeline says: where latency turned (the knee), where the site saturated and first
failed, and how closely users tracked the curve.

The knee: the baseline is the median p95 of the first ``BASELINE_ROWS`` seconds
in which at least ``MIN_REQUESTS`` requests ended. The knee is the first second
of the first run of ``SUSTAIN_ROWS`` consecutive such seconds whose p95 exceeds
both ``KNEE_FACTOR`` x baseline and baseline + ``KNEE_MIN_RISE_MS`` (the floor
keeps sub-millisecond jitter on a local site from counting as a knee). Seconds
with too few requests neither extend nor break a run.

Tracking: ``|achieved - target|`` simulated users, over the seconds after the
first ``SETTLE_S`` of the run in which the target has not moved by more than
``RAMP_TOLERANCE`` in the previous ``SETTLE_S`` seconds (a ramp that the spawn
rate is still catching up with is not an error).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from flashcrowd.in_locust.classify import SITE_FAILURES
from flashcrowd.results.record import Tracking
from flashcrowd.results.timeline import TimelineRow

BASELINE_ROWS = 5
MIN_REQUESTS = 5
KNEE_FACTOR = 2.0
KNEE_MIN_RISE_MS = 20.0
SUSTAIN_ROWS = 3
SETTLE_S = 5
RAMP_TOLERANCE = 0.05


def _measured(rows: Sequence[TimelineRow]) -> list[TimelineRow]:
    return [row for row in rows if _is_measured(row)]


def _is_measured(row: TimelineRow) -> bool:
    return row.requests >= MIN_REQUESTS and row.p95_ms is not None


def knee_baseline_ms(rows: Sequence[TimelineRow]) -> float | None:
    """The early-run p95 the knee is measured against; None if the run measured too little."""
    early = _measured(rows)[:BASELINE_ROWS]
    return statistics.median(row.p95_ms for row in early) if len(early) == BASELINE_ROWS else None  # type: ignore[misc]


def find_knee(rows: Sequence[TimelineRow]) -> TimelineRow | None:
    """The row where latency started to rise for good, or None."""
    baseline = knee_baseline_ms(rows)
    if baseline is None:
        return None
    limit = max(KNEE_FACTOR * baseline, baseline + KNEE_MIN_RISE_MS)
    streak: list[TimelineRow] = []
    for row in _measured(rows)[BASELINE_ROWS:]:
        streak = [*streak, row] if row.p95_ms > limit else []  # type: ignore[operator]
        if len(streak) == SUSTAIN_ROWS:
            return streak[0]
    return None


def tracking_error(rows: Sequence[TimelineRow], curve_end_s: float) -> Tracking:
    """Max and mean gap between target and achieved users once ramps settle (simulated users).

    Seconds after ``curve_end_s`` (the scenario's wall duration, when the shape stops) are not judged.
    """
    settled = [
        row
        for i, row in enumerate(rows)
        if i >= SETTLE_S
        and row.wall_s <= curve_end_s
        and row.target_users >= 1
        and _steady(rows[i - SETTLE_S : i + 1])
    ]
    errors = [abs(row.achieved_users - row.target_users) for row in settled]
    relative = [abs(row.achieved_users - row.target_users) / row.target_users for row in settled]
    return Tracking(
        seconds_judged=len(settled),
        max_users=max(errors, default=None),
        mean_users=statistics.fmean(errors) if errors else None,
        max_relative=max(relative, default=None),
        mean_relative=statistics.fmean(relative) if relative else None,
    )


def _steady(rows: Sequence[TimelineRow]) -> bool:
    targets = [row.target_users for row in rows]
    return max(targets) - min(targets) <= RAMP_TOLERANCE * max(targets)


# -- where the site saturated and where it first failed -------------------------------------------

SMOOTH_ROWS = 5  # throughput and users are averaged over this many seconds before comparing
LIGHT_FACTOR = 1.5  # light load: seconds whose p95 is within this many times the baseline (or +20 ms)
LEVELLED = 0.9  # saturated: the best throughput is below this share of what light load's rate gives
NOISE_SIGMAS = 3.0  # ... and short of it by more than this many standard deviations of a Poisson count
FAILURE_SHARE = 0.05  # a second fails when more than this share of its requests failed ...
FAILURE_ROWS = 3  # ... for this many measured seconds in a row


@dataclass(frozen=True)
class Saturation:
    """Where throughput stopped rising with load: the row, and the load (simulated users) it stood at."""

    row: TimelineRow
    sim_users: float
    max_served_rps: float
    light_rps_per_user: float


def find_saturation(rows: Sequence[TimelineRow]) -> Saturation | None:
    """The first second at which the visitors reached the load the site could serve at most.

    Light load (p95 near the run's baseline) shows how many answers a second each visitor gets
    while the site keeps up; the most answers a second the site gave (over SMOOTH_ROWS seconds,
    the level of its flat top) over that rate is the load at which it saturated. None when, at
    the heaviest load, visitors still got what light load's rate gives, or fell short of it by
    no more than the noise of so few answers (the site never levelled off). Rates are per second
    of each row's own length, so the second a run stops in, cut short, does not read as a site
    that slowed down; and per visitor present during the second, not at its end, so the visitors
    a ramp has just added, who have not asked for anything yet, do not thin light load's rate.
    """
    baseline = knee_baseline_ms(rows)
    if baseline is None or len(_measured(rows)) < SMOOTH_ROWS:
        return None
    light_limit = max(LIGHT_FACTOR * baseline, baseline + KNEE_MIN_RISE_MS)
    spans = _spans(rows)
    light = [s for s in spans if _is_measured(s.row) and s.users and s.row.p95_ms <= light_limit]
    if not light:
        return None
    per_user = _served(light) / _user_seconds(light)
    windows = [spans[i : i + SMOOTH_ROWS] for i in range(len(spans) - SMOOTH_ROWS + 1)]
    best = max(windows, key=_served_rps)
    heaviest = max(windows, key=lambda window: _user_seconds(window) / sum(s.seconds for s in window))
    expected = per_user * _user_seconds(heaviest)  # answers the heaviest load gets at light load's rate
    shortfall = expected - _served(heaviest)
    if per_user <= 0 or shortfall <= max((1 - LEVELLED) * expected, NOISE_SIGMAS * expected**0.5):
        return None  # at its heaviest the load still got what light load's rate gives
    load = _plateau_rps(windows, best) / per_user
    row = next((r for r in rows if r.achieved_users >= load), best[-1].row)
    return Saturation(row, load, _served_rps(best), per_user)


@dataclass(frozen=True)
class _Span:
    """A row with how long its second lasted and how many visitors were there on average."""

    row: TimelineRow
    seconds: float  # a whole second, but for the first and the one a run stops in
    users: float  # between the count at its start (the previous row's) and at its end


def _spans(rows: Sequence[TimelineRow]) -> list[_Span]:
    spans, end_s, users = [], 0.0, float(rows[0].achieved_users) if rows else 0.0
    for row in rows:
        spans.append(_Span(row, max(row.wall_s - end_s, 1e-3), (users + row.achieved_users) / 2))
        end_s, users = row.wall_s, float(row.achieved_users)
    return spans


def _plateau_rps(windows: Sequence[Sequence[_Span]], best: Sequence[_Span]) -> float:
    """The rate the site levelled at: the mean over the windows the best one cannot be told from.

    The best window alone is the luckiest draw of a flat top, which puts saturation too high.
    """
    floor = _served(best) - NOISE_SIGMAS * _served(best) ** 0.5
    level = [_served_rps(window) for window in windows if _served(window) >= floor]
    return sum(level) / len(level)


def _user_seconds(spans: Sequence[_Span]) -> float:
    return sum(span.users * span.seconds for span in spans)


def _served(spans: Sequence[_Span]) -> int:
    """Answers (requests that did not fail) in ``spans``."""
    return sum(span.row.requests - span.row.failure_count for span in spans)


def _served_rps(spans: Sequence[_Span]) -> float:
    return _served(spans) / sum(span.seconds for span in spans)


def find_first_failure(rows: Sequence[TimelineRow]) -> tuple[TimelineRow, str] | None:
    """The first of FAILURE_ROWS measured seconds in a row in which the site failed over
    FAILURE_SHARE of the requests, and the kind that failed most in that first second; None if it
    never did."""
    streak: list[TimelineRow] = []
    for row in _measured(rows):
        streak = [*streak, row] if _site_failures(row) > FAILURE_SHARE * row.requests else []
        if len(streak) == FAILURE_ROWS:
            first = streak[0]
            return first, max(SITE_FAILURES, key=lambda kind: first.failures.get(kind, 0))
    return None


def _site_failures(row: TimelineRow) -> int:
    return sum(row.failures.get(kind, 0) for kind in SITE_FAILURES)
