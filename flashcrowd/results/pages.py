"""Per-page tallies for a whole run: requests, failures by kind, retries and an HDR histogram per page.

Kept as run totals per page (not per second), so they stay cheap: a worker ships what it
tallied since its last report with that report (``drain_wire``) and the master merges it
(``merge_wire``). A page is Locust's request name and method; a visitor's retry of a page
("home (retry)") counts as that page, in its ``retries``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hdrh.histogram import HdrHistogram

from flashcrowd.http.classify import failure_kind
from flashcrowd.in_locust.visitor import RETRY_SUFFIX
from flashcrowd.results import latency

PageKey = tuple[str, str]  # (method, name)


@dataclass
class PageTally:
    """One page's requests over the run (or over one worker's report interval)."""

    requests: int = 0
    failures: Counter[str] = field(default_factory=Counter)  # by kind
    retries: int = 0
    first_failure: tuple[float, str] | None = None  # (epoch seconds, kind) of the earliest failure
    histogram: HdrHistogram = field(default_factory=latency.new_histogram)

    def add(self, latency_ms: float, exception: BaseException | str | None, retry: bool, at: float) -> None:
        self.requests += 1
        self.retries += retry
        latency.record_ms(self.histogram, latency_ms)
        if exception is not None:
            kind = failure_kind(exception)
            self.failures[kind] += 1
            self._note_failure(at, kind)

    def merge(self, other: PageTally) -> None:
        self.requests += other.requests
        self.retries += other.retries
        self.failures.update(other.failures)
        if other.first_failure is not None:
            self._note_failure(*other.first_failure)
        self.histogram.add(other.histogram)

    def _note_failure(self, at: float, kind: str) -> None:
        if self.first_failure is None or at < self.first_failure[0]:
            self.first_failure = (at, kind)

    def to_wire(self) -> dict[str, Any]:
        """A msgpack-friendly form for a worker's report."""
        return {
            "requests": self.requests,
            "failures": dict(self.failures),
            "retries": self.retries,
            "first_failure": list(self.first_failure) if self.first_failure else None,
            "histogram": latency.encode(self.histogram),
        }

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> PageTally:
        first = data["first_failure"]
        return cls(
            requests=int(data["requests"]),
            failures=Counter(data["failures"]),
            retries=int(data["retries"]),
            first_failure=(float(first[0]), str(first[1])) if first else None,
            histogram=latency.merge([data["histogram"]]),
        )


def page_key(method: str, name: str) -> PageKey:
    """The page a request event belongs to: a retry's name loses its suffix."""
    return method, name.removesuffix(RETRY_SUFFIX)


class PageTallies:
    """Every page's tally on one Locust process."""

    def __init__(self) -> None:
        self.pages: dict[PageKey, PageTally] = {}

    def add(
        self,
        method: str,
        name: str,
        latency_ms: float,
        exception: BaseException | str | None,
        retry: bool,
        at: float,
    ) -> None:
        self._tally(page_key(method, name)).add(latency_ms, exception, retry, at)

    def _tally(self, key: PageKey) -> PageTally:
        tally = self.pages.get(key)
        if tally is None:
            tally = self.pages[key] = PageTally()
        return tally

    def drain_wire(self) -> list[list[Any]]:
        """Worker: the tallies since the last report, for the report, forgotten here."""
        pages, self.pages = self.pages, {}
        return [[method, name, tally.to_wire()] for (method, name), tally in pages.items()]

    def merge_wire(self, wire: list[list[Any]]) -> None:
        """Master: add a worker's tallies to the run's."""
        for method, name, data in wire:
            self._tally((str(method), str(name))).merge(PageTally.from_wire(data))
