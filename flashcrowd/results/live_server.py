"""The live metrics' endpoint: served on 127.0.0.1 while the run goes, and after it until a final scrape.

A gevent WSGI server serves ``LiveMetrics`` in the Prometheus text format at any path (``/metrics``
by convention). It notes each scraper (client address and User-Agent: a Prometheus server, a
curl) and which figures it last got. When the run has ended, ``close`` keeps serving until every
scraper seen has scraped the final figures, so a Prometheus series holds every request
summary.json holds, for at most twice the longest interval between a scraper's scrapes plus a
second (``NO_INTERVAL_GRACE_S`` when no scraper came twice); then it stops the server and says on
stderr which.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import gevent
from gevent.pywsgi import WSGIServer
from prometheus_client import make_wsgi_app

from flashcrowd.results.live_metrics import LiveMetrics

logger = logging.getLogger(__name__)

NO_INTERVAL_GRACE_S = 15.0  # how long to wait for a final scrape from scrapers whose interval is unknown
MAX_GRACE_S = 65.0  # Prometheus scrapes every minute by default
POLL_S = 0.05


@dataclass
class Scraper:
    """One client that scraped: when it last did, which figures it got, and its longest interval."""

    last_at: float
    version: int
    longest_interval_s: float | None = None

    def scraped(self, at: float, version: int) -> None:
        interval = at - self.last_at
        self.longest_interval_s = max(self.longest_interval_s or 0.0, interval)
        self.last_at, self.version = at, version


class LiveServer:
    """``metrics`` served on 127.0.0.1:``port`` from now until ``close``."""

    def __init__(self, metrics: LiveMetrics, port: int) -> None:
        self.metrics = metrics
        self.scrapers: dict[tuple[str, str], Scraper] = {}
        self._app = make_wsgi_app(metrics.registry)
        self._closed = False
        self.server = WSGIServer(("127.0.0.1", port), self._serve, log=None)
        self.server.start()
        self.port = self.server.server_port
        logger.info("Prometheus metrics on http://127.0.0.1:%d/metrics", self.port)

    def _serve(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        # The figures are rendered in this call, without yielding to the recorder: the version is theirs.
        key = (environ.get("REMOTE_ADDR", ""), environ.get("HTTP_USER_AGENT", ""))
        now, version = time.monotonic(), self.metrics.version
        if key in self.scrapers:
            self.scrapers[key].scraped(now, version)
        else:
            self.scrapers[key] = Scraper(now, version)
        return self._app(environ, start_response)

    def grace_s(self) -> float:
        """How long to wait for the final scrapes (see the module docstring)."""
        intervals = [s.longest_interval_s for s in self.scrapers.values() if s.longest_interval_s is not None]
        return min(MAX_GRACE_S, 2 * max(intervals) + 1) if intervals else NO_INTERVAL_GRACE_S

    def behind(self) -> list[str]:
        """The scrapers that have not got the latest figures ("address User-Agent")."""
        latest = self.metrics.version
        return [" ".join(key).strip() for key, s in self.scrapers.items() if s.version != latest]

    def close(self) -> str:
        """Once the run's last figures are in: serve until every scraper has got them (or the grace period
        ends), stop, and return what happened in one line (also printed on stderr)."""
        if self._closed:
            return "already stopped"
        self._closed = True
        started, grace_s = time.monotonic(), self.grace_s()
        while (self.behind() or not self.scrapers) and time.monotonic() - started < grace_s:
            gevent.sleep(POLL_S)
        waited_s, behind, where = time.monotonic() - started, self.behind(), f"127.0.0.1:{self.port}"
        self.server.stop(timeout=1)
        if not self.scrapers:
            line = f"nothing scraped {where} during the run or in the {grace_s:.0f} s after it"
        elif behind:
            line = (
                f"{len(behind)} of {len(self.scrapers)} scrapers did not get the final figures within "
                f"{grace_s:.0f} s ({', '.join(behind)}): their series may miss the run's last seconds"
            )
        else:
            line = (
                f"kept serving {where} {waited_s:.1f} s after the run, until every scraper "
                f"({len(self.scrapers)}) had the final figures"
            )
        print(f"flashcrowd: Prometheus: {line}; stopped.", file=sys.stderr, flush=True)
        return line
