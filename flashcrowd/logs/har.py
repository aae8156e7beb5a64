"""A browser recording (HAR 1.2) as one visitor's journey: page views in order, forms, assets, think times.

A page view is what the HAR says it is: the entries sharing a ``pageref``. Only
when the HAR names no pages are they guessed: a request answered with HTML, a
redirect or a form POST starts one, unless the browser marked it a frame
(Sec-Fetch-Dest) or it started within QUIET_S of the page before still loading.

A view's page is its first HTML answer (2xx, or 304: the browser's copy was
still good); the redirects that led to it are followed, not steps, so the step
asks for the first URL of that chain on the site (a form POST stays a POST).
The site is the host of the first page, wherever the recording started (an
apex redirected to www, a sign-in that redirects away and back). Everything
else a view loaded from the site is an asset of its page, HTML included
(iframes), each kept the first time only (a browser caches them); other hosts
(CDNs, analytics) are left out: a load test sends its load to one site. Think
times are the gaps between one view's last response and the next view's first
request.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from flashcrowd.logs.har_entries import Exchange, read_exchanges
from flashcrowd.logs.sessions import is_asset
from flashcrowd_common.errors import ConfigError

FRAMES = ("iframe", "frame", "embed", "object")  # Sec-Fetch-Dest of what loads inside a page
QUIET_S = 0.1  # a request this soon after the page's last response belongs to that page


@dataclass
class RecordedPage:
    method: str
    path: str  # with its query string
    form: dict[str, str] | None
    started: float  # POSIX seconds, the view's first request
    ended: float  # its last response from the site (assets included)
    assets: list[str] = field(default_factory=list)


@dataclass
class Recording:
    host: str
    pages: list[RecordedPage]
    skipped: dict[str, int]  # reason -> requests left out
    named_pages: bool  # the HAR named its page views (pageref); else they were guessed

    def think_times(self) -> list[float]:
        """Seconds from each page's last response to the next page's request (one fewer than the pages)."""
        return [max(0.0, after.started - before.ended) for before, after in itertools.pairwise(self.pages)]


def _named_views(exchanges: list[Exchange]) -> list[list[Exchange]]:
    """Entries grouped by pageref, in the order the views started; one without joins the view before."""
    views: dict[str | None, list[Exchange]] = {}
    current = None
    for exchange in exchanges:
        current = exchange.pageref or current
        views.setdefault(current, []).append(exchange)
    return list(views.values())


def _navigates(exchange: Exchange, busy_until: float) -> bool:
    """Whether ``exchange`` starts a page view of its own (when the HAR names none)."""
    if exchange.dest in FRAMES:
        return False
    if exchange.dest == "document":
        return True
    navigates = exchange.answered_html or exchange.form is not None or exchange.redirect is not None
    quiet = exchange.started >= busy_until + QUIET_S
    return navigates and quiet and not is_asset(exchange.target.partition("?")[0])


def _guessed_views(exchanges: list[Exchange]) -> list[list[Exchange]]:
    views: list[list[Exchange]] = []
    redirected_to: set[str] = set()  # where the current view's redirects sent the browser
    busy_until = float("-inf")  # the current view's last response so far
    for exchange in exchanges:
        if not views or (exchange.url not in redirected_to and _navigates(exchange, busy_until)):
            views.append([])
            redirected_to, busy_until = set(), float("-inf")
        views[-1].append(exchange)
        busy_until = max(busy_until, exchange.ended)
        if exchange.redirect:
            redirected_to.add(exchange.redirect)
    return views


def _chain(view: list[Exchange], page: Exchange) -> list[Exchange]:
    """The redirects that led to ``page`` in ``view``, first first, then ``page``."""
    chain, position = [page], view.index(page)
    while True:
        earlier = next((i for i in range(position - 1, -1, -1) if view[i].redirect == chain[0].url), None)
        if earlier is None:
            return chain
        chain.insert(0, view[earlier])
        position = earlier


def _page(view: list[Exchange]) -> list[Exchange] | None:
    """The view's page with the redirects before it, or None if nothing in it answered with HTML."""
    page = next((e for e in view if e.answered_html and e.dest not in FRAMES), None)
    return _chain(view, page) if page is not None else None


class _Reading:
    """The page views turned into pages of one site, counting what is left out and why."""

    def __init__(self, host: str) -> None:
        self.host = host
        self.pages: list[RecordedPage] = []
        self.skipped: Counter[str] = Counter()
        self.seen_assets: set[str] = set()

    def add(self, view: list[Exchange], chain: list[Exchange]) -> None:
        on_site = [e for e in chain if e.host == self.host]
        if not on_site:
            self.skipped["requests in page views of other hosts"] += len(view)
            return
        step = on_site[0]
        form = step.form if step.method == "POST" else None
        site = [e for e in view if e.host == self.host]
        page = RecordedPage(step.method, step.target, form, chain[0].started, max(e.ended for e in site))
        self.pages.append(page)
        self.skipped["followed redirects"] += len(chain) - 1
        followed = {e.redirect for e in view}
        for exchange in view:
            if exchange not in chain:
                self._asset(page, exchange, followed)

    def _asset(self, page: RecordedPage, exchange: Exchange, followed: set[str | None]) -> None:
        reason = None
        if exchange.host != self.host:
            reason = "requests to other hosts"
        elif exchange.status == 0 or exchange.status >= 400:
            reason = "requests that failed in the recording"
        elif exchange.url in followed:
            reason = "followed redirects"
        elif exchange.method != "GET":
            reason = f"{exchange.method} requests inside a page (scripts, not forms)"
        elif exchange.target in self.seen_assets:
            reason = "assets fetched again (a browser caches them)"
        if reason is not None:
            self.skipped[reason] += 1
            return
        self.seen_assets.add(exchange.target)
        page.assets.append(exchange.target)


def read_har(path: Path) -> Recording:
    """The recording at ``path``; ConfigError (one line: file, key, what was expected) if it is not HAR
    or no page in it answered with HTML."""
    exchanges = read_exchanges(path)
    named = any(exchange.pageref for exchange in exchanges)
    views = _named_views(exchanges) if named else _guessed_views(exchanges)
    chains = [_page(view) for view in views]
    first = next((chain[-1] for chain in chains if chain), None)
    if first is None:
        statuses = Counter(exchange.status for exchange in exchanges)
        got = ", ".join(f"{count} x {status or 'no answer'}" for status, count in statuses.most_common(4))
        raise ConfigError(
            path, None, "log.entries", f"expected a page answered with HTML (2xx or 304); got {got}"
        )
    reading = _Reading(first.host)
    for view, chain in zip(views, chains, strict=True):
        if chain is None:
            reading.skipped["requests in page views without an HTML answer"] += len(view)
        else:
            reading.add(view, chain)
    skipped = {reason: count for reason, count in reading.skipped.items() if count}
    return Recording(reading.host, reading.pages, skipped, named)
