"""Two runs' records side by side, figure by figure, each judged against the tolerances.

Figures: total and per-page p95 and error rate; throughput at equal load (the highest
load both runs held, from each record's ``capacity``); and the loads and moments of
saturation, first failure and first resets, from the record's break answer when it
has one (else the first reset alone: a summary.json written before there was one). Loads
are real-world users. A figure one run lacks is shown and not judged, except a break the
baseline did not reach and the current run did: that is a regression.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from flashcrowd.compare.tolerance import Tolerances
from flashcrowd.results.analysis import NOISE_SIGMAS
from flashcrowd.results.break_types import LoadPoint, Saturation, When
from flashcrowd.results.record import CapacityBin, PageStats, RunRecord

BREAKS = ("saturation", "first failure", "first resets")
# When each break came, beside its load: shown, not judged.
BREAK_MOMENTS: tuple[tuple[str, str, Callable[[When], str | float]], ...] = (
    ("real-world time", "time", lambda when: when.real_time),
    ("s into the run", "s", lambda when: when.wall_s),
)


@dataclass(frozen=True)
class Figure:
    """One figure of both runs; ``regressed`` with ``why`` when the current one is worse beyond tolerance."""

    section: str  # "total", "page", "load", "break"
    name: str
    unit: str  # "ms", "%", "req/s", "users", "time"
    baseline: float | str | None
    current: float | str | None
    judged: bool
    regressed: bool = False
    why: str = ""

    @property
    def change(self) -> str:
        """The change as text: relative for amounts, points for rates, seconds for moments."""
        base, now = self.baseline, self.current
        if not isinstance(base, int | float) or not isinstance(now, int | float):
            return "-"
        if self.unit == "%":
            return f"{(now - base) * 100:+.2f} points"
        if self.unit == "s":
            return f"{now - base:+.1f} s"
        return f"{(now - base) / base:+.0%}" if base else f"{now - base:+.4g}"


def compare(baseline: RunRecord, current: RunRecord, tolerances: Tolerances) -> list[Figure]:
    """Every comparable figure of the two runs, judged."""
    return [
        *_totals(baseline, current, tolerances),
        *_pages(baseline, current, tolerances),
        *_equal_load(baseline, current, tolerances),
        *_breaks(baseline, current, tolerances),
    ]


def _p95(section: str, label: str, base: float | None, now: float | None, tol: Tolerances) -> Figure:
    def worse(b: float, n: float) -> bool:
        return n > b * (1 + tol.p95_relative) and n - b > tol.p95_floor_ms

    allowance = f"allowed +{tol.p95_relative:.0%} and +{tol.p95_floor_ms:g} ms"
    return _judged(section, label, "ms", base, now, worse, allowance)


def _error_rate(section: str, name: str, base: float | None, now: float | None, tol: Tolerances) -> Figure:
    allowance = f"allowed +{tol.error_rate_points * 100:g} points"
    return _judged(
        section, f"{name} error rate", "%", base, now, lambda b, n: n - b > tol.error_rate_points, allowance
    )


def _judged(
    section: str,
    name: str,
    unit: str,
    base: float | None,
    now: float | None,
    worse: Callable[[float, float], bool],
    allowance: str,
) -> Figure:
    if base is None or now is None:
        return Figure(section, name, unit, base, now, judged=False)
    regressed = worse(base, now)
    return Figure(section, name, unit, base, now, judged=True, regressed=regressed, why=allowance)


def _rate(failures: int, requests: int) -> float | None:
    return failures / requests if requests else None


def _totals(baseline: RunRecord, current: RunRecord, tol: Tolerances) -> list[Figure]:
    base, now = baseline.totals, current.totals
    return [
        _p95("total", "all requests p95", base.p95_ms, now.p95_ms, tol),
        _error_rate(
            "total",
            "all requests",
            _rate(base.failures, base.requests),
            _rate(now.failures, now.requests),
            tol,
        ),
        Figure("total", "retries", "", base.retries, now.retries, judged=False),
    ]


def _pages(baseline: RunRecord, current: RunRecord, tol: Tolerances) -> list[Figure]:
    def by_key(record: RunRecord) -> dict[str, PageStats]:
        return {f"{page.method} {page.name}": page for page in record.pages}

    base_pages, now_pages = by_key(baseline), by_key(current)
    figures = []
    for key in sorted(set(base_pages) | set(now_pages)):
        base, now = base_pages.get(key), now_pages.get(key)
        if base is None or now is None:
            missing = "baseline" if base is None else "current run"
            figures.append(Figure("page", f"{key}: not in the {missing}", "", None, None, judged=False))
            continue
        if min(base.requests, now.requests) < tol.min_page_requests:
            figures.append(
                Figure(
                    "page",
                    f"{key} p95 (too few requests to judge)",
                    "ms",
                    base.p95_ms,
                    now.p95_ms,
                    False,
                )
            )
            continue
        figures.append(_p95("page", f"{key} p95", base.p95_ms, now.p95_ms, tol))
        figures.append(
            _error_rate(
                "page",
                key,
                _rate(base.failures, base.requests),
                _rate(now.failures, now.requests),
                tol,
            )
        )
    return figures


def _equal_load(baseline: RunRecord, current: RunRecord, tol: Tolerances) -> list[Figure]:
    """Throughput at the highest load both runs held (each run's capacity point nearest to it)."""
    base_points, now_points = baseline.capacity, current.capacity
    if not base_points or not now_points:
        return []
    load = min(max(p.real_users for p in base_points), max(p.real_users for p in now_points))

    def nearest(points: Sequence[CapacityBin]) -> CapacityBin:
        return min(points, key=lambda p: (abs(p.real_users - load), -p.seconds))

    base, now = nearest(base_points), nearest(now_points)
    # Each rate is a count of responses over a few seconds: a fall within the noise of the two counts
    # (Poisson, NOISE_SIGMAS standard deviations) is not a regression, however large its share.
    noise_rps = NOISE_SIGMAS * (base.rps / base.seconds + now.rps / now.seconds) ** 0.5
    allowance = f"allowed -{tol.throughput_relative:.0%} and -{noise_rps:.3g} req/s, the counts' noise"
    return [
        _judged(
            "load",
            f"throughput at {load:,.0f} users",
            "req/s",
            base.rps,
            now.rps,
            lambda b, n: n < b * (1 - tol.throughput_relative) and b - n > noise_rps,
            allowance,
        ),
        _p95("load", f"p95 at {load:,.0f} users", base.p95_ms, now.p95_ms, tol),
    ]


def break_points(record: RunRecord) -> dict[str, LoadPoint | None]:
    """Saturation, first failure and first resets by label: from the break answer (the timeline's or
    find-break's) when the record has one, else the first reset only."""
    found = record.break_answer
    if found is None:
        return {"first resets": record.first_reset.point() if record.first_reset else None}
    return dict(zip(BREAKS, (found.saturation, found.first_failure, found.first_resets), strict=True))


def _breaks(baseline: RunRecord, current: RunRecord, tol: Tolerances) -> list[Figure]:
    base_points, now_points = break_points(baseline), break_points(current)
    figures = []
    for label in BREAKS:
        if label not in base_points and label not in now_points:
            continue
        base, now = base_points.get(label), now_points.get(label)
        figures.append(_break_load(label, base, now, tol))
        for what, unit, of in BREAK_MOMENTS:
            figures.append(
                Figure(
                    "break",
                    f"{label} at ({what})",
                    unit,
                    of(base.at) if base and base.at else None,
                    of(now.at) if now and now.at else None,
                    judged=False,
                )
            )
    return figures


def _break_load(label: str, base: LoadPoint | None, now: LoadPoint | None, tol: Tolerances) -> Figure:
    name = f"{label} load"
    base_users = None if base is None else base.real_users
    now_users = None if now is None else now.real_users
    if now_users is not None and base_users is None:
        why = "the baseline never reached it"
        return Figure("break", name, "users", "none", now_users, judged=True, regressed=True, why=why)
    if base_users is None or now_users is None:
        return Figure(
            "break", name, "users", base_users or "none", now_users or "none", judged=now_users is None
        )
    noise_users = NOISE_SIGMAS * (_standard_error_users(base) ** 2 + _standard_error_users(now) ** 2) ** 0.5
    allowance = f"allowed -{tol.load_relative:.0%}"
    if noise_users:
        allowance += f" and -{noise_users:,.0f} users, the readings' noise"
    return _judged(
        "break",
        name,
        "users",
        base_users,
        now_users,
        lambda b, n: n < b * (1 - tol.load_relative) and b - n > noise_users,
        allowance,
    )


def _standard_error_users(point: LoadPoint) -> float:
    """How far a run's reading of ``point`` can stray, in real-world users: a saturation's standard error
    (the spread of the throughput it levelled at); 0 for a load the timeline reads off directly."""
    share = point.relative_error if isinstance(point, Saturation) else None
    return 0.0 if share is None else point.real_users * share
