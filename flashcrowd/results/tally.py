"""What ended within one epoch second: requests, failures by kind and detail, retries, HDR histograms.

Each process tallies its requests by the second they ended in; a worker ships its tallies
with its reports (``to_wire``) and the master merges them (``from_wire``, ``merge``) into
the second they belong to.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hdrh.histogram import HdrHistogram

from flashcrowd.http.classify import failure_detail, failure_kind
from flashcrowd.results import latency


@dataclass
class SecondTally:
    """Requests that ended within one epoch second on one or more processes."""

    requests: int = 0
    started: int = 0  # requests sent in this second (by start, where the others count by end)
    carried_over: int = 0  # ended here but started before ``Recorder.counts_from``: not counted
    failures: Counter[str] = field(default_factory=Counter)  # by kind
    details: Counter[str] = field(default_factory=Counter)  # by detail (http_503, broken_pipe...)
    retries: int = 0
    handshakes: int = 0  # requests that waited for a TLS handshake ...
    handshake_ms: float = 0.0  # ... and how long, in all
    first_reset: float | None = None  # epoch seconds of the earliest connection reset
    histogram: HdrHistogram = field(default_factory=latency.new_histogram)
    # Successes only: when a site resets most requests at once, those instant failures pull the
    # percentiles of all requests down; the responses people did get show the site's real delay.
    ok_histogram: HdrHistogram = field(default_factory=latency.new_histogram)

    def add(
        self,
        latency_ms: float,
        exception: BaseException | str | None,
        retry: bool,
        at: float,
        handshake_ms: float = 0.0,
    ) -> None:
        self.requests += 1
        latency.record_ms(self.histogram, latency_ms)
        self.retries += retry
        if handshake_ms:
            self.handshakes += 1
            self.handshake_ms += handshake_ms
        if exception is None:
            latency.record_ms(self.ok_histogram, latency_ms)
            return
        kind = failure_kind(exception)
        self.failures[kind] += 1
        self.details[failure_detail(exception)] += 1
        if kind == "connection_reset":
            self._note_reset(at)

    def merge(self, other: SecondTally) -> None:
        self.requests += other.requests
        self.started += other.started
        self.carried_over += other.carried_over
        self.failures.update(other.failures)
        self.details.update(other.details)
        self.retries += other.retries
        self.handshakes += other.handshakes
        self.handshake_ms += other.handshake_ms
        if other.first_reset is not None:
            self._note_reset(other.first_reset)
        self.histogram.add(other.histogram)
        self.ok_histogram.add(other.ok_histogram)

    def _note_reset(self, at: float) -> None:
        self.first_reset = at if self.first_reset is None else min(self.first_reset, at)

    def to_wire(self) -> dict[str, Any]:
        """A msgpack-friendly form for a worker's report."""
        return {
            "requests": self.requests,
            "started": self.started,
            "carried_over": self.carried_over,
            "failures": dict(self.failures),
            "details": dict(self.details),
            "retries": self.retries,
            "handshakes": self.handshakes,
            "handshake_ms": self.handshake_ms,
            "first_reset": self.first_reset,
            "histogram": latency.encode(self.histogram),
            "ok_histogram": latency.encode(self.ok_histogram),
        }

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> SecondTally:
        return cls(
            requests=int(data["requests"]),
            started=int(data["started"]),
            carried_over=int(data["carried_over"]),
            failures=Counter(data["failures"]),
            details=Counter(data["details"]),
            retries=int(data["retries"]),
            handshakes=int(data["handshakes"]),
            handshake_ms=float(data["handshake_ms"]),
            first_reset=data["first_reset"],
            histogram=latency.merge([data["histogram"]]),
            ok_histogram=latency.merge([data["ok_histogram"]]),
        )
