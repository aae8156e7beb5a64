"""What a log's sessions add up to, kept in bounded memory: arrivals, page sequences, think gaps, origins.

Each closed session adds to the counts and is forgotten. The page sequences are
counted exactly until there are too many different ones, then the rarest are
dropped (the frequent ones, which become journeys, keep their counts).
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from dataclasses import dataclass, field

from flashcrowd.logs.sessions import Session
from target_app.geo import country_of

BIN_S = 300  # arrivals are counted in 5-minute bins
MAX_SEQUENCES = 20_000
KEEP_SEQUENCES = 5_000  # what a pruning keeps
MAX_FIRST_PAGES = 2_000


@dataclass
class ThinkStats:
    """Moments of the gaps between pages, enough to fit an exponential or a lognormal."""

    count: int = 0
    total: float = 0.0
    squares: float = 0.0
    logs: float = 0.0
    log_squares: float = 0.0

    def add(self, gap: float) -> None:
        self.count += 1
        self.total += gap
        self.squares += gap * gap
        log = math.log(gap + 0.5)  # logs keep 1-second resolution: half a second for a 0 s gap
        self.logs += log
        self.log_squares += log * log

    @property
    def mean(self) -> float:
        return self.total / self.count if self.count else 0.0

    @property
    def cv(self) -> float:
        """Coefficient of variation: 1 for an exponential."""
        if self.count < 2 or self.mean <= 0:
            return 1.0
        variance = max(self.squares / self.count - self.mean**2, 0.0)
        return math.sqrt(variance) / self.mean

    @property
    def log_sigma(self) -> float:
        if self.count < 2:
            return 0.5
        mean = self.logs / self.count
        return math.sqrt(max(self.log_squares / self.count - mean * mean, 0.0))


@dataclass
class LogTally:
    sessions: int = 0
    page_views: int = 0
    first_start: float = math.inf
    last_start: float = -math.inf
    arrivals: Counter[int] = field(default_factory=Counter)  # bin index (start // BIN_S) -> sessions
    sequences: Counter[tuple[str, ...]] = field(default_factory=Counter)
    origins: Counter[str] = field(default_factory=Counter)
    think: ThinkStats = field(default_factory=ThinkStats)
    first_pages: Counter[str] = field(default_factory=Counter)
    assets: dict[str, Counter[str]] = field(default_factory=dict)  # first page -> assets, once per session
    pruned: int = 0
    running_at_start: int = 0  # sessions of the log's warm-up: their gaps count, not their start or pages
    under_way: LogTally | None = None  # those sessions counted whole, for a log no longer than its warm-up

    def add(self, session: Session) -> None:
        """Count one closed session (one without pages, e.g. only images, is not a visit)."""
        if not session.pages:
            return
        if session.running_at_start:
            self.running_at_start += 1
            for gap in session.gaps:
                self.think.add(gap)
            self.under_way = self.under_way or LogTally()
            self.under_way.add(dataclasses.replace(session, running_at_start=False))
            return
        self.sessions += 1
        self.page_views += session.page_count
        self.first_start = min(self.first_start, session.start)
        self.last_start = max(self.last_start, session.start)
        self.arrivals[int(session.start // BIN_S)] += 1
        self.origins[country_of(session.address)] += 1
        for gap in session.gaps:
            self.think.add(gap)
        self.sequences[tuple(session.pages)] += 1
        if len(self.sequences) > MAX_SEQUENCES:
            self.sequences = Counter(dict(self.sequences.most_common(KEEP_SEQUENCES)))
            self.pruned += 1
        first = session.pages[0]
        if first in self.assets or len(self.assets) < MAX_FIRST_PAGES:
            self.first_pages[first] += 1
            self.assets.setdefault(first, Counter()).update(session.assets)
