"""An access log written from a known model, to check that from-log recovers the model.

Sessions start as a Poisson process following a sessions-per-hour curve; each
follows one of the model's journeys (pages skipped with their probability), loads
the journey's assets after its first page, thinks an exponential time between
pages, and comes from an address the GeoIP database places in its origin country.
Lines are written in time order (a heap holds only the sessions under way), in
the Combined format, with a garbage line now and then.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TextIO

from target_app.geo import OTHER, address_in

AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{v}.1",
    "Mozilla/5.0 (X11; Linux x86_64; rv:{v}.0) Gecko/20100101 Firefox/{v}.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/{v}",
)
GARBAGE = (
    "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",  # a TLS hello sent to the plain port
    '203.0.113.9 - - [31/Feb/2016:25:61:00 -0500] "GET / HTTP/1.1" 200 12 "-" "-"',
    '198.51.100.4 - - [08/Nov/2016:23:00:00 -0500] "-" 400 0 "-" "-"',
    "truncated line 8/Nov/2016:23:00:",
)


@dataclass(frozen=True)
class ModelJourney:
    pages: tuple[str, ...]
    probabilities: tuple[float, ...]  # the first page's is 1
    weight: float
    assets: tuple[str, ...] = ()


@dataclass(frozen=True)
class LogModel:
    start: datetime  # timezone-aware
    rates: tuple[tuple[float, float], ...]  # (hours since start, sessions per hour), joined linearly
    journeys: tuple[ModelJourney, ...]
    origins: dict[str, float]  # country -> share, "other" for the rest
    think_mean_s: float
    garbage_every: int = 1000  # one garbage line per this many lines (0: none)
    seed: int = 1

    def rate_at(self, hours: float) -> float:
        points = self.rates
        if hours <= points[0][0]:
            return points[0][1]
        for (h0, r0), (h1, r1) in itertools.pairwise(points):
            if hours <= h1:
                return r0 + (r1 - r0) * (hours - h0) / (h1 - h0)
        return points[-1][1]

    @property
    def hours(self) -> float:
        return self.rates[-1][0]


@dataclass
class WrittenLog:
    """What was written: the truth from-log is checked against."""

    lines: int = 0
    garbage: int = 0
    sessions_by_hour: Counter[int] = field(default_factory=Counter)  # hours since start -> sessions started
    origins: Counter[str] = field(default_factory=Counter)
    journeys: Counter[int] = field(default_factory=Counter)
    think_total_s: float = 0.0
    think_count: int = 0


def _session_starts(model: LogModel, rng: random.Random) -> Iterator[float]:
    """Seconds since start of each session, by thinning a Poisson process at the curve's highest rate."""
    top = max(rate for _, rate in model.rates) / 3600
    t = 0.0
    while True:
        t += rng.expovariate(top)
        if t >= model.hours * 3600:
            return
        if rng.random() * top <= model.rate_at(t / 3600) / 3600:
            yield t


def _line(address: str, at: datetime, path: str, agent: str, rng: random.Random) -> str:
    stamp = at.strftime("%d/%b/%Y:%H:%M:%S %z")
    size = rng.randrange(200, 40_000)
    return f'{address} - - [{stamp}] "GET {path} HTTP/1.1" 200 {size} "-" "{agent}"\n'


def write_log(model: LogModel, out: TextIO, *, repeat_days: int = 1) -> WrittenLog:
    """Write the model's log to ``out`` (``repeat_days`` copies of the curve, a day apart).

    Returns what was written: the truth to check from-log against."""
    rng = random.Random(model.seed)
    written = WrittenLog()
    names = [name for name in model.origins if name != OTHER]
    pending: list[tuple[float, int, str]] = []  # (seconds since start, order, line)
    order = 0
    for day in range(repeat_days):
        for start_s in _session_starts(model, rng):
            start_s += day * 86400
            while pending and pending[0][0] <= start_s:
                written.lines += _emit(heapq.heappop(pending)[2], out, model, rng, written)
            origin = rng.choices(list(model.origins), weights=list(model.origins.values()))[0]
            index = rng.choices(range(len(model.journeys)), weights=[j.weight for j in model.journeys])[0]
            journey = model.journeys[index]
            address = address_in(origin, rng, exclude=names)
            agent = rng.choice(AGENTS).format(v=rng.randrange(60, 130)) + f" r{rng.randrange(10**6)}"
            written.sessions_by_hour[int(start_s // 3600)] += 1
            written.origins[origin] += 1
            written.journeys[index] += 1
            t = last_page_s = start_s
            for position, (page, probability) in enumerate(
                zip(journey.pages, journey.probabilities, strict=True)
            ):
                if position and rng.random() >= probability:
                    continue
                if t > start_s:
                    written.think_total_s += t - last_page_s
                    written.think_count += 1
                last_page_s = t
                at = model.start + timedelta(seconds=t)
                heapq.heappush(pending, (t, order := order + 1, _line(address, at, page, agent, rng)))
                if position == 0:
                    for asset in journey.assets:
                        asset_at = model.start + timedelta(seconds=t + rng.random())
                        heapq.heappush(
                            pending, (t, order := order + 1, _line(address, asset_at, asset, agent, rng))
                        )
                t += rng.expovariate(1 / model.think_mean_s)
    while pending:
        written.lines += _emit(heapq.heappop(pending)[2], out, model, rng, written)
    return written


def _emit(line: str, out: TextIO, model: LogModel, rng: random.Random, written: WrittenLog) -> int:
    out.write(line)
    if model.garbage_every and rng.randrange(model.garbage_every) == 0:
        out.write(rng.choice(GARBAGE) + "\n")
        written.garbage += 1
        return 2
    return 1


EXPRESS_ENTRY = "/english/immigrate/express-entry/index.asp"
ELECTION_EVENING = LogModel(
    start=datetime(2016, 11, 8, 19, 0, tzinfo=timezone(timedelta(hours=-5))),
    rates=((0, 600), (2, 900), (3.5, 4000), (4.5, 3500), (6, 1200)),
    journeys=(
        ModelJourney(
            ("/english/index.asp", "/english/immigrate/index.asp", EXPRESS_ENTRY),
            (1.0, 0.9, 0.6),
            0.5,
            ("/assets/css/theme.css", "/assets/js/jquery.js", "/assets/img/sig-blk-en.png"),
        ),
        ModelJourney(("/english/visit/index.asp", "/eta/apply"), (1.0, 0.7), 0.3, ("/assets/css/theme.css",)),
        ModelJourney(
            ("/english/helpcentre/index.asp", "/english/information/times/index.asp"), (1.0, 1.0), 0.2,
        ),
    ),
    origins={"US": 0.5, "CA": 0.3, "GB": 0.1, OTHER: 0.1},
    think_mean_s=20.0,
)  # fmt: skip
