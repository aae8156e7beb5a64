"""A loaded scenario: what the rest of flashcrowd reads, in real-world units.

Times on a curve are real-world seconds since ``Clock.start``. The clock maps
them to wall-clock seconds of a run (``compress`` real seconds pass per wall
second). Compression applies to the curve only; a visitor's think time is real.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from pathlib import Path

from flashcrowd.scenario.curve import Curve, Keyframe
from flashcrowd.scenario.flash import FlashCrowd
from flashcrowd_common.distribution import Distribution


@dataclass(frozen=True)
class Clock:
    """Real-world start, how much faster than real time the run goes, and the real span it covers.

    A run may cover a cut of the scenario (``--begin``, ``--end``): it begins ``begin_s`` real
    seconds after ``start`` (the curve, origins and figures keep their times) and ends at ``duration_s``.
    """

    start: datetime  # timezone-aware
    compress: float
    duration_s: float  # where the run ends, real seconds after ``start``
    begin_s: float = 0.0  # where the run begins, real seconds after ``start``

    @property
    def span_s(self) -> float:
        """The real-world time the run covers."""
        return self.duration_s - self.begin_s

    @property
    def wall_duration_s(self) -> float:
        return self.span_s / self.compress

    def real_seconds(self, wall_s: float) -> float:
        return self.begin_s + wall_s * self.compress

    def wall_seconds(self, real_s: float) -> float:
        return (real_s - self.begin_s) / self.compress

    def real_time(self, wall_s: float) -> datetime:
        """The real-world moment the curve stands at ``wall_s`` seconds into the run."""
        return self.start + timedelta(seconds=self.real_seconds(wall_s))


ASSETS = "assets"  # the name of the steps that load with the page before them


@dataclass(frozen=True)
class Step:
    """One page a visitor asks for; skipped with probability ``1 - probability``. A step named
    ``assets`` is a page's stylesheet, script or image: it loads with the page before it, before
    that page's reader thinks."""

    name: str
    method: str  # GET or POST
    path: str
    form: dict[str, str] | None = None
    probability: float = 1.0
    think: Distribution | None = None  # overrides the scenario's think time after this page

    @property
    def is_asset(self) -> bool:
        return self.name == ASSETS


@dataclass(frozen=True)
class Journey:
    """A path through the site; visitors pick journeys in proportion to their ``weight``."""

    name: str
    weight: float
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class RetryPolicy:
    """What a visitor does after an error: reload after ``delay`` with ``probability``, else leave.

    ``max_retries`` bounds the reloads of one page; planning/retries.py counts them as extra
    arrivals when it forecasts where resets begin.
    """

    probability: float
    delay: Distribution
    max_retries: int


@dataclass(frozen=True)
class OriginMix:
    """Shares of visitors by origin (US, CA, other, ...) along the curve, joined linearly."""

    times_s: tuple[float, ...]
    shares: tuple[dict[str, float], ...]

    def shares_at(self, t: float) -> dict[str, float]:
        return {name: curve.value_at(t) for name, curve in self._curves.items()}

    @cached_property
    def _curves(self) -> dict[str, Curve]:
        # Built once: every visitor asks for the shares where the curve stands.
        return {
            name: Curve(
                "share", tuple(Keyframe(t, s[name]) for t, s in zip(self.times_s, self.shares, strict=True))
            )
            for name in self.shares[0]
        }


@dataclass(frozen=True)
class SLO:
    """A threshold on a metric over a sliding window, e.g. p95_ms <= 800 over 30 s."""

    name: str
    metric: str  # one of flashcrowd.results.slo.METRICS
    op: str  # "<=" or ">="
    threshold: float
    window_s: float


@dataclass(frozen=True)
class Figure:
    """A documented figure the scenario models, and how to compute the scenario's own equivalent."""

    id: str  # F1..F13, N1, N2 from shared/FIGURES.md
    source: str  # seed file name
    text: str
    documented: float  # the value the source gives (the low end of a range)
    measure: dict[str, object]  # e.g. {"kind": "concurrent_users", "at": "23:00", "at_s": 14400.0}
    documented_high: float | None = None  # the high end, when the source gives a range
    modelled: bool = True  # False: not reproduced, only checked for contradictions

    def deviation(self, equivalent: float) -> float:
        """Relative distance of ``equivalent`` from the documented value (0 anywhere inside a range)."""
        low, high = (
            self.documented,
            self.documented_high if self.documented_high is not None else self.documented,
        )
        if low <= equivalent <= high:
            return 0.0
        nearest = low if equivalent < low else high
        return (equivalent - nearest) / nearest if nearest else math.inf


@dataclass(frozen=True)
class Source:
    """A source article (a seed file) and the figures the scenario takes from it.

    Each figure a scenario cites names its source by ``seed``; the loader refuses a seed
    not listed here, so every figure traces back to an article.
    """

    seed: str
    title: str
    figures: tuple[str, ...]


@dataclass(frozen=True)
class Scenario:
    """A scenario file as loaded: its clock, curve, origins, journeys, SLOs and cited figures."""

    path: Path
    version: int
    name: str
    description: str
    clock: Clock
    scale: float  # simulated users per real-world user
    load: Curve  # as written, in its own unit
    session_duration_s: float  # real-world mean session length, for Little's law
    users: Curve  # concurrent real-world users, derived from ``load`` through Little's law
    origins: OriginMix
    journeys: tuple[Journey, ...]
    think_time: Distribution
    on_error: RetryPolicy
    slos: tuple[SLO, ...] = ()
    figures: tuple[Figure, ...] = ()
    target_profile: str = "ircc-2016"
    seed: int = 0
    sources: tuple[Source, ...] = ()
    session_stated: bool = False  # True: session_duration_s was written; False: computed from the journeys
    hourly_profile: tuple[float, ...] = ()  # sessions_per_day only: the day's shares by local hour
    flash: FlashCrowd | None = None  # the flash-crowd model the curve was made from, if it was
    join: str = "steady"  # steady: added visitors join mid-browse (scenario/steady_state.py); cold: page 1
    extra: dict[str, object] = field(default_factory=dict)

    def real_users_at(self, real_s: float) -> float:
        """Concurrent real-world users at ``real_s`` seconds after the clock's start."""
        return self.users.value_at(real_s)

    def sim_users_at(self, wall_s: float) -> float:
        """Concurrent simulated users ``wall_s`` seconds into a run: scaled and time-compressed."""
        return self.scale * self.real_users_at(self.clock.real_seconds(wall_s))
