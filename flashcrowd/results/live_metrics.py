"""Live figures for Prometheus: the latest timeline second, served by the local runner or the master.

Opt-in (``--prometheus-port PORT``): a gevent WSGI server on 127.0.0.1 serves the
``prometheus_client`` text format at any path (``/metrics`` by convention). Every
timeline row updates the gauges to that second's figures and advances the counters,
so a scrape shows exactly one row of timeline.csv (``flashcrowd_second_wall_seconds``
says which) and the totals up to it. docs/grafana-dashboard.json reads them.
"""

from __future__ import annotations

import logging
import math

from gevent.pywsgi import WSGIServer
from prometheus_client import CollectorRegistry, Counter, Gauge, make_wsgi_app

from flashcrowd.http.classify import KINDS
from flashcrowd.results.timeline import TimelineRow

logger = logging.getLogger(__name__)

QUANTILES = (("0.5", "p50_ms"), ("0.95", "p95_ms"), ("0.99", "p99_ms"))


class LiveMetrics:
    """The run's Prometheus metrics in their own registry; ``update(row)`` once a timeline row is written."""

    def __init__(self, scenario_name: str) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        labels = {"scenario": scenario_name}

        def gauge(name: str, doc: str, extra: tuple[str, ...] = ()) -> Gauge:
            return Gauge(name, doc, ("scenario", *extra), registry=self.registry)

        def counter(name: str, doc: str, extra: tuple[str, ...] = ()) -> Counter:
            return Counter(name, doc, ("scenario", *extra), registry=self.registry)

        self._labels = labels
        self.wall_s = gauge(
            "flashcrowd_second_wall_seconds", "end of the timeline second shown, s into the run"
        )
        self.users = gauge("flashcrowd_users", "simulated users in that second", ("state",))
        self.real_users = gauge("flashcrowd_real_users", "real-world equivalent users", ("state",))
        self.rps = gauge("flashcrowd_requests_per_second", "requests that ended in that second")
        self.failures_ps = gauge(
            "flashcrowd_failures_per_second", "failed requests in that second", ("kind",)
        )
        self.retries_ps = gauge("flashcrowd_retries_per_second", "visitors' retries in that second")
        self.latency = gauge(
            "flashcrowd_latency_ms", "latency percentile of that second (NaN: none)", ("quantile",)
        )
        self.requests = counter("flashcrowd_requests", "requests that ended, up to that second")
        self.failures = counter("flashcrowd_failures", "failed requests, up to that second", ("kind",))
        self.retries = counter("flashcrowd_retries", "visitors' retries, up to that second")
        for kind in KINDS:  # every kind present from the start, so rate() has a zero to begin from
            self.failures_ps.labels(**labels, kind=kind).set(0)
            self.failures.labels(**labels, kind=kind)

    def update(self, row: TimelineRow) -> None:
        """Show ``row``: gauges to its figures, counters advanced by it."""
        labels = self._labels
        self.wall_s.labels(**labels).set(row.wall_s)
        for state, users, real in (
            ("target", row.target_users, row.target_real_users),
            ("achieved", row.achieved_users, row.achieved_real_users),
        ):
            self.users.labels(**labels, state=state).set(users)
            self.real_users.labels(**labels, state=state).set(real)
        self.rps.labels(**labels).set(row.rps)
        self.retries_ps.labels(**labels).set(row.retries)
        for kind in KINDS:
            count = row.failures.get(kind, 0)
            self.failures_ps.labels(**labels, kind=kind).set(count)
            self.failures.labels(**labels, kind=kind).inc(count)
        for quantile, attribute in QUANTILES:
            value = getattr(row, attribute)
            self.latency.labels(**labels, quantile=quantile).set(math.nan if value is None else value)
        self.requests.labels(**labels).inc(row.requests)
        self.retries.labels(**labels).inc(row.retries)


def serve(metrics: LiveMetrics, port: int) -> WSGIServer:
    """Start serving ``metrics`` on 127.0.0.1:``port`` in a greenlet; the caller stops the server."""
    server = WSGIServer(("127.0.0.1", port), make_wsgi_app(metrics.registry), log=None)
    server.start()
    logger.info("Prometheus metrics on http://127.0.0.1:%d/metrics", server.server_port)
    return server
