"""Live figures for Prometheus: the latest timeline second, and every request the run has counted so far.

Opt-in (``--prometheus-port PORT``, served by ``flashcrowd.results.live_server``). Gauges show
one row of timeline.csv (``flashcrowd_second_wall_seconds`` says which); the counters and the
latency histogram hold every request in the run's totals, so once the run has ended they agree
with summary.json (a request that reached a master after its second's row was written counts
there too). Latency is a Prometheus histogram in seconds, by outcome (success or failure), read
from the recorder's HDR histograms (values at their 0.1 % resolution). docs/grafana-dashboard.json
reads them.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterator

from hdrh.histogram import HdrHistogram
from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from flashcrowd.http.classify import KINDS
from flashcrowd.results.tally import SecondTally
from flashcrowd.results.timeline import TimelineRow

# Upper bounds of the latency buckets, in seconds: a local page in milliseconds up to a visitor's read
# timeout (30 s by default) and a queue that outlasts it.
BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
_BOUNDS_US = tuple(round(bound * 1e6) for bound in BUCKETS_S)
OUTCOMES = ("success", "failure")


class Latencies:
    """A Prometheus histogram's state: requests per bucket (not cumulative; the last is +Inf), and the sum."""

    def __init__(self) -> None:
        self.counts = [0] * (len(BUCKETS_S) + 1)
        self.sum_s = 0.0

    def add(self, histogram: HdrHistogram, sign: int = 1) -> None:
        """Add (``sign`` -1: take away) what ``histogram`` recorded, each value at its HDR bucket's top
        (as its percentiles are read)."""
        if not histogram.get_total_count():
            return
        top = histogram.get_counts_array_index(histogram.get_max_value()) + 1
        # The counts array sliced at C speed: hdrh's own iterators take tens of ms a histogram.
        for index, count in enumerate(histogram.counts[:top]):
            if count:
                value_us = histogram.get_highest_equivalent_value(histogram.get_value_from_index(index))
                self.counts[bisect.bisect_left(_BOUNDS_US, value_us)] += count * sign
                self.sum_s += count * sign * value_us / 1e6

    def cumulative(self) -> list[tuple[str, float]]:
        """(le, requests at or under it) for each bound, then +Inf."""
        buckets, total = [], 0
        for bound, count in zip((*(f"{b:g}" for b in BUCKETS_S), "+Inf"), self.counts, strict=True):
            total += count
            buckets.append((bound, float(total)))
        return buckets


class LiveMetrics(Collector):
    """The run's figures in their own registry: ``show(row)`` as each timeline row is written,
    ``count(tally)`` as each tally joins the run's totals; ``version`` changes with every update."""

    def __init__(self, scenario_name: str) -> None:
        self.scenario = scenario_name
        self.version = 0
        self.row: TimelineRow | None = None
        self.requests = 0
        self.retries = 0
        self.failures: Counter[str] = Counter({kind: 0 for kind in KINDS})
        self.latencies = {outcome: Latencies() for outcome in OUTCOMES}
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(self)

    def show(self, row: TimelineRow) -> None:
        """The gauges show ``row``."""
        self.row = row
        self.version += 1

    def count(self, tally: SecondTally) -> None:
        """The counters and the histogram take in ``tally``'s requests."""
        self.requests += tally.requests
        self.retries += tally.retries
        self.failures.update(tally.failures)
        self.latencies["success"].add(tally.ok_histogram)
        self.latencies["failure"].add(tally.histogram)
        self.latencies["failure"].add(tally.ok_histogram, -1)  # all requests less the successes
        self.version += 1

    def collect(self) -> Iterator[Metric]:
        """What a scrape shows (prometheus_client calls it)."""
        yield from self._gauges()
        scenario = [self.scenario]
        requests = CounterMetricFamily("flashcrowd_requests", "requests that ended", labels=["scenario"])
        requests.add_metric(scenario, self.requests)
        retries = CounterMetricFamily("flashcrowd_retries", "visitors' retries", labels=["scenario"])
        retries.add_metric(scenario, self.retries)
        failures = CounterMetricFamily(
            "flashcrowd_failures", "failed requests, by kind", labels=["scenario", "kind"]
        )
        for kind, count in sorted(self.failures.items()):
            failures.add_metric([*scenario, kind], count)
        latency = HistogramMetricFamily(
            "flashcrowd_request_duration_seconds",
            "time until a request ended (answered or failed), by outcome",
            labels=["scenario", "outcome"],
        )
        for outcome, state in self.latencies.items():
            latency.add_metric([*scenario, outcome], state.cumulative(), state.sum_s)
        yield from (requests, retries, failures, latency)

    def _gauges(self) -> Iterator[Metric]:
        row = self.row
        if row is None:  # no second written yet
            return
        scenario = [self.scenario]
        yield _one(
            "flashcrowd_second_wall_seconds",
            "end of the timeline second shown, s into the run",
            scenario,
            row.wall_s,
        )
        users = GaugeMetricFamily(
            "flashcrowd_users", "simulated users in that second", labels=["scenario", "state"]
        )
        real = GaugeMetricFamily(
            "flashcrowd_real_users",
            "real-world equivalent users in that second",
            labels=["scenario", "state"],
        )
        for state, simulated, real_world in (
            ("target", row.target_users, row.target_real_users),
            ("achieved", row.achieved_users, row.achieved_real_users),
        ):
            users.add_metric([*scenario, state], simulated)
            real.add_metric([*scenario, state], real_world)
        yield users
        yield real
        yield _one("flashcrowd_requests_per_second", "requests that ended in that second", scenario, row.rps)
        yield _one("flashcrowd_retries_per_second", "visitors' retries in that second", scenario, row.retries)
        failures = GaugeMetricFamily(
            "flashcrowd_failures_per_second", "failed requests in that second", labels=["scenario", "kind"]
        )
        for kind in KINDS:
            failures.add_metric([*scenario, kind], row.failures.get(kind, 0))
        yield failures


def _one(name: str, doc: str, scenario: list[str], value: float) -> GaugeMetricFamily:
    """A gauge with one series, labelled by the scenario."""
    gauge = GaugeMetricFamily(name, doc, labels=["scenario"])
    gauge.add_metric(scenario, value)
    return gauge
