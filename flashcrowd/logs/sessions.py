"""Hits grouped into sessions: one client address and user agent, until it is idle longer than the gap.

Only the sessions still open are held (those with a hit within the last gap),
so memory follows the site's concurrency, not the log's length. A closed
session goes to ``on_close`` with its pages in order (a form submission as
``POST /path``), the gaps between them, the assets it fetched, and whether it
was first seen in the log's warm-up (its first WARMUP_S, to a bin's end), when a
session may have begun before the log did.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from flashcrowd.logs.formats import Hit

ASSET_SUFFIXES = (
    ".css", ".js", ".mjs", ".map", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".ico", ".webp", ".avif",
    ".woff", ".woff2", ".ttf", ".eot", ".otf",
)  # fmt: skip
ASSET_TYPES = ("image/", "font/", "audio/", "video/", "text/css", "text/javascript", "application/javascript")
POST = "POST "  # a sequence's form submissions are "POST /path"
WARMUP_S = 600  # a session first seen this soon after the log's first line may have begun before it
MAX_PAGES = 12  # pages kept per session for its sequence; later pages still count as think times
MAX_ASSETS = 64
SWEEP_EVERY = 20_000  # hits between looks for idle sessions


def is_asset(path: str) -> bool:
    """A stylesheet, script, image or font: what a browser fetches for a page, not a page."""
    return path.split("?", 1)[0].lower().endswith(ASSET_SUFFIXES)


def asset_test(pattern: re.Pattern[str] | None) -> Callable[[Hit], bool]:
    """Whether a hit is an asset: by the response's content type where the log has it, by ``pattern``
    (--asset-pattern, searched in the path), else by the path's suffix."""

    def test(hit: Hit) -> bool:
        kind = hit.content_type.lower()
        if kind.startswith(ASSET_TYPES) or (pattern is not None and pattern.search(hit.path)):
            return True
        return not kind and is_asset(hit.path)

    return test


@dataclass(slots=True)
class Session:
    address: str
    start: float
    last: float
    last_page: float | None = None
    pages: list[str] = field(default_factory=list)
    page_count: int = 0
    gaps: list[float] = field(default_factory=list)  # seconds between consecutive pages (at most MAX_PAGES)
    assets: set[str] = field(default_factory=set)
    running_at_start: bool = False


class Sessionizer:
    """Feed hits in time order with ``add``; ``close_all`` at the end. Out-of-order hits are placed as if
    they came at the latest time seen for their session (logs from several servers interleave a little)."""

    def __init__(
        self, gap_s: float, on_close: Callable[[Session], None], asset: Callable[[Hit], bool], bin_s: int
    ) -> None:
        self.gap_s = gap_s
        self.on_close = on_close
        self.asset = asset
        self.bin_s = bin_s
        self.warm_until = float("-inf")  # set by the first hit
        self.open: dict[tuple[str, str], Session] = {}
        self.now = float("-inf")
        self._since_sweep = 0
        self.peak_open = 0

    def add(self, hit: Hit) -> None:
        key = (hit.address, hit.agent)
        session = self.open.get(key)
        at = max(hit.at, session.last) if session else hit.at
        if session is not None and at - session.last > self.gap_s:
            self.on_close(self.open.pop(key))
            session = None
        if self.now == float("-inf"):
            self.warm_until = -(-(at + WARMUP_S) // self.bin_s) * self.bin_s
        if session is None:
            session = self.open[key] = Session(hit.address, at, at, running_at_start=at < self.warm_until)
        session.last = at
        self.now = max(self.now, at)
        if self.asset(hit):
            if len(session.assets) < MAX_ASSETS:
                session.assets.add(hit.path)
        elif hit.method in ("GET", "POST") and hit.status < 400:  # a page a visitor could ask for again
            if session.last_page is not None and len(session.gaps) < MAX_PAGES:
                session.gaps.append(at - session.last_page)
            session.last_page = at
            session.page_count += 1
            if len(session.pages) < MAX_PAGES:
                session.pages.append(hit.path if hit.method == "GET" else POST + hit.path)
        self._since_sweep += 1
        if self._since_sweep >= SWEEP_EVERY:
            self._sweep()

    def _sweep(self) -> None:
        self._since_sweep = 0
        self.peak_open = max(self.peak_open, len(self.open))
        idle = [key for key, session in self.open.items() if self.now - session.last > self.gap_s]
        for key in idle:
            self.on_close(self.open.pop(key))

    def close_all(self) -> None:
        self.peak_open = max(self.peak_open, len(self.open))
        for session in self.open.values():
            self.on_close(session)
        self.open.clear()
