"""Where a site stopped keeping up, from what it did under each load: the one analysis behind a run's
``break`` and find-break's answer.

Both hand it :class:`Sample`s: a run, one a second of its timeline (``timeline_samples``), sustained
over ``SUSTAIN_ROWS`` seconds; find-break, one a step (breakpoint/result.py), lightest first, each
step enough on its own. From them come the knee, saturation and the first failure, which the caller
places (a load point of results/break_types.py) and this module turns into the answer's types.

The first failure (:func:`find_first_failure`): the first of ``sustain`` measured samples in a row
in which the site failed (SITE_FAILURES) over ``FAILURE_SHARE`` of the requests, named by the kind
that failed most (``FAILED_REQUESTS``). find-break judges its steps with breakpoint/criteria.py on
top of this: failed requests counted by the same kinds, over ``--max-failure-rate`` (whose default is
``FAILURE_SHARE``) and at least ``--min-failures``; then the criteria only a step can be judged on
(not keeping up, latency against the lightest step, a throughput plateau). The search bisects on
those verdicts, so its first failure is its first bad step, in these types.

The knee: the baseline is the median p95 of the first ``baseline`` measured samples (at least
``MIN_REQUESTS`` requests ended). The knee is the first of ``sustain`` measured samples in a row
whose p95 exceeds both ``KNEE_FACTOR`` x baseline and baseline + ``KNEE_MIN_RISE_MS`` (the floor
keeps sub-millisecond jitter on a local site from counting as a knee). Samples with too few
requests neither extend nor break a run.

Saturation (:func:`find_saturation`): where the served rate stopped following the load. Light
load (p95 near the baseline, few failures) gives the successful responses a second one unit of
load gets while the site keeps up (the scenario's pacing gives it where the two agree:
results/pacing.py); a site that never left light load, or whose strained samples
still got that rate, never saturated. Otherwise the most it served over light load's rate is the
load at which it saturated. Every rate counts successful responses only: a second full of fast
failures is a site that turned visitors away, not light load.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from flashcrowd.http.classify import SITE_FAILURES
from flashcrowd.results.break_types import FirstFailure, LoadPoint, Saturation
from flashcrowd.results.pacing import Pacing
from flashcrowd.results.timeline import TimelineRow

BASELINE_ROWS = 5  # a run's baseline: its first measured seconds (a search's: its lightest step)
MIN_REQUESTS = 5
KNEE_FACTOR = 2.0
KNEE_MIN_RISE_MS = 20.0
SUSTAIN_ROWS = 3  # seconds of a run in a row that make a knee, a strain or a failure
SMOOTH_ROWS = 5  # a run's throughput and users are averaged over this many seconds before comparing
LIGHT_FACTOR = 1.5  # light load: p95 within this many times the baseline (or +20 ms) ...
FAILURE_SHARE = 0.05  # ... and no more than this share of requests failed; a second over it fails
LEVELLED = 0.9  # saturated: strained load got less than this share of what light load's rate gives
NOISE_SIGMAS = 3.0  # ... and short of it by more than this many standard deviations of a Poisson count
MIN_SPREAD_SAMPLES = 3  # a plateau's standard error from its samples' spread needs this many of them
# The kinds an answer names a failure by, and the classify.py kinds (SITE_FAILURES) each one counts.
# 4xx are not counted: a 404 is the scenario's mistake, not the site's overload.
FAILED_REQUESTS: dict[str, tuple[str, ...]] = {
    "resets": ("connection_reset",),
    "refused": ("connection_refused",),
    "timeouts": ("connect_timeout", "read_timeout"),
    "tls_handshakes": ("tls_handshake",),
    "closed": ("connection_closed",),
    "http_5xx": ("http_5xx",),
    "other": ("other",),
}


@dataclass(frozen=True)
class Sample:
    """What the site did under one load: a second of a run, or the measuring window of a search's step."""

    load: float  # visitors present (a run, a closed search) or sessions started a second (open search)
    seconds: float
    requests: int  # that ended, successes and failures
    failures: Mapping[str, int] = field(default_factory=dict)  # by failure kind (http/classify.py)
    p95_ms: float | None = None
    p95_ok_ms: float | None = None  # of successes only
    p50_ms: float | None = None

    @property
    def served(self) -> int:
        """Successful responses."""
        return self.requests - sum(self.failures.values())

    @property
    def site_failures(self) -> int:
        return sum(self.failures.get(kind, 0) for kind in SITE_FAILURES)

    @property
    def measured(self) -> bool:
        return self.requests >= MIN_REQUESTS and self.p95_ms is not None

    @property
    def failing(self) -> bool:
        return self.site_failures > FAILURE_SHARE * self.requests

    @property
    def slowest_p95_ms(self) -> float | None:
        """The worse of the p95 of all requests and of successes (instant failures pull the first down)."""
        return max((v for v in (self.p95_ms, self.p95_ok_ms) if v is not None), default=None)


@dataclass(frozen=True)
class Rules:
    """How many samples set the baseline, make a sustained run of them, and smooth throughput."""

    baseline: int
    sustain: int
    smooth: int


TIMELINE = Rules(baseline=BASELINE_ROWS, sustain=SUSTAIN_ROWS, smooth=SMOOTH_ROWS)
STEPS = Rules(baseline=1, sustain=1, smooth=1)


@dataclass(frozen=True)
class Plateau:
    """Where the served rate levelled: the load it stands for, in the samples' unit, and why."""

    load: float
    max_served_rps: float  # the most successful responses a second (over ``smooth`` samples)
    light_rps_per_unit: float  # successful responses a second per unit of load while the site kept up
    peak_index: int  # the last sample of the busiest stretch
    measured_light_rps_per_unit: float  # what light load got, where the rate above is its pacing's
    standard_error: float  # of ``load``: its level's standard error over light load's rate

    def saturation(self, point: LoadPoint, samples: Sequence[Sample], unit_one: str) -> Saturation:
        """The answer's saturation at ``point`` (this plateau's load, placed), with its evidence."""
        peak = samples[self.peak_index].load
        light = f"light load got {self.measured_light_rps_per_unit:.3g} req/s per {unit_one}"
        if self.light_rps_per_unit != self.measured_light_rps_per_unit:
            light += f" (its pacing asks {self.light_rps_per_unit:.3g}, within the noise: that is used)"
        return Saturation(
            **point.place(),
            max_served_rps=round(self.max_served_rps, 1),
            light_rps_per_unit=self.light_rps_per_unit,
            standard_error=round(self.standard_error, 3),
            evidence=f"throughput levelled at {self.max_served_rps:.1f} req/s (at {peak:g}); {light}",
        )


def main_failure(failures: Mapping[str, int], requests: int) -> tuple[str, str]:
    """The kind that failed most (FAILED_REQUESTS) and every kind's count with the failed share, e.g.
    ('resets', '40 resets, 2 timeouts (10.5% of 400 requests)'); ('other', ...) if none failed."""
    grouped = {kind: sum(failures.get(k, 0) for k in kinds) for kind, kinds in FAILED_REQUESTS.items()}
    counts = dict(sorted(((kind, n) for kind, n in grouped.items() if n), key=lambda item: -item[1]))
    detail = ", ".join(f"{n} {kind}" for kind, n in counts.items())
    share = sum(counts.values()) / requests if requests else 0.0
    return next(iter(counts), "other"), f"{detail} ({share:.1%} of {requests} requests)"


def timeline_samples(rows: Sequence[TimelineRow]) -> list[Sample]:
    """A sample a second: its own length (the first and the one a run stops in may be short) and the
    visitors present during it, between the count at its start (the previous row's) and at its end, so
    the visitors a ramp has just added, who have not asked for anything yet, do not thin the rate."""
    samples, end_s, users = [], 0.0, float(rows[0].achieved_users) if rows else 0.0
    for row in rows:
        samples.append(
            Sample(
                (users + row.achieved_users) / 2,
                max(row.wall_s - end_s, 1e-3),
                row.requests,
                row.failures,
                row.p95_ms,
                row.p95_ok_ms,
                row.p50_ms,
            )
        )
        end_s, users = row.wall_s, float(row.achieved_users)
    return samples


def knee_baseline_ms(samples: Sequence[Sample], rules: Rules = TIMELINE) -> float | None:
    """The p95 the knee and light load are measured against; None if too little was measured."""
    early = [s for s in samples if s.measured][: rules.baseline]
    return statistics.median(s.p95_ms for s in early) if len(early) == rules.baseline else None  # type: ignore[misc]


def find_knee(samples: Sequence[Sample], rules: Rules = TIMELINE) -> int | None:
    """The index of the sample where latency started to rise for good, or None."""
    baseline = knee_baseline_ms(samples, rules)
    if baseline is None:
        return None
    limit = max(KNEE_FACTOR * baseline, baseline + KNEE_MIN_RISE_MS)
    measured = [i for i, s in enumerate(samples) if s.measured]
    return _first_sustained(measured[rules.baseline :], lambda i: samples[i].p95_ms > limit, rules.sustain)  # type: ignore[operator]


def find_first_failure(samples: Sequence[Sample], rules: Rules = TIMELINE) -> int | None:
    """The index of the first of ``sustain`` measured samples in a row in which the site failed over
    FAILURE_SHARE of the requests; None if it never did."""
    measured = [i for i, s in enumerate(samples) if s.measured]
    return _first_sustained(measured, lambda i: samples[i].failing, rules.sustain)


def first_failure_at(point: LoadPoint, sample: Sample) -> FirstFailure:
    """A run's first failure at ``point``, from the first failing second ``sample``: the kind that failed
    most in it, and every kind's count (a search names its first bad step by its verdict)."""
    kind, detail = main_failure(sample.failures, sample.requests)
    return FirstFailure(**point.place(), kind=kind, reason=f"{detail}, {SUSTAIN_ROWS} s in a row from here")


def _first_sustained(indexes: Sequence[int], holds: Callable[[int], bool], sustain: int) -> int | None:
    """The first of ``indexes`` that begins ``sustain`` of them in a row for which ``holds`` is true."""
    streak = 0
    for position, index in enumerate(indexes):
        streak = streak + 1 if holds(index) else 0
        if streak == sustain:
            return indexes[position - sustain + 1]
    return None


def find_saturation(
    samples: Sequence[Sample], rules: Rules = TIMELINE, pacing: Pacing | None = None
) -> Plateau | None:
    """Where the served rate stopped following the load, or None where it kept up.

    Light load's successful responses a second per unit of load (``pacing``'s rate where the light
    samples agree with it, see :func:`paced_rate`), times the load, is what the site serves while it
    keeps up. Strain is ``sustain`` measured samples in a row that are not light load
    (slow, or failing). None without strain, or when the strained samples got what light load's rate
    gives (short by no more than LEVELLED, or than the noise of so few answers): a hold or a ramp the
    site kept up with, however its visitors' pace varied. Otherwise the rate it levelled at (the mean
    over the strained ``smooth``-sample stretches that cannot be told from the best one) over light
    load's rate is the load at which it saturated.
    """
    baseline = knee_baseline_ms(samples, rules)
    if baseline is None:
        return None
    light_limit = max(LIGHT_FACTOR * baseline, baseline + KNEE_MIN_RISE_MS)

    def light(sample: Sample) -> bool:
        return not sample.failing and sample.slowest_p95_ms <= light_limit  # type: ignore[operator]

    measured = [s for s in samples if s.measured and s.load > 0]
    calm = [s for s in measured if light(s)]
    strained = _sustained_runs([s for s in samples if s.measured], lambda s: not light(s), rules.sustain)
    if not calm or not strained:
        return None
    measured_per_unit = _served(calm) / _load_seconds(calm)
    per_unit = (pacing and paced_rate(calm, pacing)) or measured_per_unit
    expected = per_unit * _load_seconds(strained)
    shortfall = expected - _served(strained)
    if per_unit <= 0 or shortfall <= max((1 - LEVELLED) * expected, NOISE_SIGMAS * expected**0.5):
        return None
    windows = [samples[i : i + rules.smooth] for i in range(len(samples) - rules.smooth + 1)]
    start = max(range(len(windows)), key=lambda i: _served_rps(windows[i]))
    best = windows[start]
    strain = {id(s) for s in strained}
    # A strained stretch that served what its load asks is still on the rising line, not the plateau.
    top = [w for w in windows if w is best or (any(id(s) in strain for s in w) and _short(w, per_unit))]
    level = _level(top, best)
    return Plateau(
        level.rps / per_unit,
        _served_rps(best),
        per_unit,
        start + len(best) - 1,
        measured_per_unit,
        level.standard_error_rps / per_unit,
    )


def paced_rate(calm: Sequence[Sample], pacing: Pacing) -> float | None:
    """The rate per unit of load ``pacing`` asks at the ``calm`` samples' median latency, if what they got
    agrees with it within NOISE_SIGMAS; None if it does not, or no latency was measured."""
    timed = [s for s in calm if s.p50_ms is not None]
    if not timed:
        return None
    latency_s = sum(s.p50_ms * s.requests for s in timed) / sum(s.requests for s in timed) / 1000  # type: ignore[operator]
    paced = pacing.rate_per_unit(latency_s)
    return paced if pacing.agrees(paced * _load_seconds(calm), _served(calm), NOISE_SIGMAS) else None


def _sustained_runs(samples: Sequence[Sample], holds: Callable[[Sample], bool], sustain: int) -> list[Sample]:
    """The samples of every run of at least ``sustain`` in a row for which ``holds`` is true."""
    found: list[Sample] = []
    run: list[Sample] = []
    for sample in samples:
        if holds(sample):
            run.append(sample)
            continue
        found += run if len(run) >= sustain else []
        run = []
    return found + (run if len(run) >= sustain else [])


@dataclass(frozen=True)
class Level:
    """The rate a site levelled at, and how far one run's reading of it can stray."""

    rps: float
    standard_error_rps: float


def _level(windows: Sequence[Sequence[Sample]], best: Sequence[Sample]) -> Level:
    """The rate the site levelled at: the mean over the strained windows the best one cannot be told from.

    The best window alone is the luckiest draw of a flat top, which puts saturation too high; a light
    one within the noise of it is still on the rising line, below the top. Its standard error is the
    spread of the served rates of the samples those windows cover over the square root of their number
    (a site whose slow requests stall its workers serves in bursts, far beyond a Poisson count's
    noise; a saturated server with steady service times serves more evenly than one). Fewer than
    MIN_SPREAD_SAMPLES samples say too little of their spread (two steps can agree by chance): theirs
    is their count's Poisson noise.
    """
    floor = _served(best) - NOISE_SIGMAS * _served(best) ** 0.5
    level = [window for window in windows if _served(window) >= floor]
    covered = list({id(sample): sample for window in level for sample in window}.values())
    rates = [sample.served / sample.seconds for sample in covered]
    if len(rates) >= MIN_SPREAD_SAMPLES:
        standard_error = statistics.stdev(rates) / len(rates) ** 0.5
    else:
        standard_error = _served(covered) ** 0.5 / sum(sample.seconds for sample in covered)
    return Level(sum(_served_rps(window) for window in level) / len(level), standard_error)


def _short(samples: Sequence[Sample], per_unit: float) -> bool:
    """Whether ``samples`` served less than their load asks at ``per_unit`` by over a standard deviation
    of a Poisson count (one, not NOISE_SIGMAS: a stretch just past saturation is short by little)."""
    asked = per_unit * _load_seconds(samples)
    return asked - _served(samples) > asked**0.5


def _load_seconds(samples: Sequence[Sample]) -> float:
    return sum(s.load * s.seconds for s in samples)


def _served(samples: Sequence[Sample]) -> int:
    return sum(s.served for s in samples)


def _served_rps(samples: Sequence[Sample]) -> float:
    return _served(samples) / sum(s.seconds for s in samples)
