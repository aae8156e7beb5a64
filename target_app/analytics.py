"""The site's own visitor analytics, like the department's: sessions and requests by country.

The country comes from the first X-Forwarded-For address (the visitor, as a
proxy would report it), else the connection's peer address, through
``target_app.geo``. A session starts with the first request on a connection
that carries no visitor cookie; the site then sets one, so the visitor's later
requests join it (clients that ignore cookies count one session a connection).

It also keeps the same counts per epoch second, with the connection resets and
5xx responses the site sent in that second, so a load test can read the site's
view of any moment of its run (``snapshot()["by_second"]``).
"""

from __future__ import annotations

import itertools
import os
import time
from collections import Counter, defaultdict

from target_app.geo import country_of
from target_app.http import Request

VISITOR_COOKIE = "fc_visitor"


class Analytics:
    def __init__(self) -> None:
        self.sessions: Counter[str] = Counter()
        self.requests: Counter[str] = Counter()
        self.sent: Counter[str] = Counter()  # "resets", "errors_5xx"
        self._seconds: defaultdict[int, Counter[str]] = defaultdict(Counter)  # "sessions:US", "resets"...
        self._ids = itertools.count(1)
        self._prefix = os.urandom(4).hex()

    def record(self, request: Request, peer_address: str, connection_counted: bool) -> bytes:
        """Count ``request``; returns a Set-Cookie header line to send when it has no visitor cookie.

        ``connection_counted``: an earlier request on this connection already started a session.
        """
        forwarded = request.headers.get("x-forwarded-for")
        country = country_of(forwarded.split(",", 1)[0] if forwarded else peer_address)
        self.requests[country] += 1
        second = self._seconds[int(time.time())]
        second[f"requests:{country}"] += 1
        if VISITOR_COOKIE in request.headers.get("cookie", ""):
            return b""
        if not connection_counted:
            self.sessions[country] += 1
            second[f"sessions:{country}"] += 1
        visitor = f"{self._prefix}{next(self._ids):x}"
        return f"Set-Cookie: {VISITOR_COOKIE}={visitor}; Path=/; Max-Age=1800\r\n".encode()

    def note_sent(self, what: str) -> None:
        """Count a failure the site sent now: ``"resets"`` or ``"errors_5xx"``."""
        self.sent[what] += 1
        self._seconds[int(time.time())][what] += 1

    def snapshot(self) -> dict[str, object]:
        sessions, requests = sum(self.sessions.values()), sum(self.requests.values())
        return {
            "sessions": sessions,
            "requests": requests,
            "sessions_by_country": dict(self.sessions.most_common()),
            "requests_by_country": dict(self.requests.most_common()),
            "session_share_by_country": {c: round(n / sessions, 4) for c, n in self.sessions.most_common()},
            "resets": self.sent["resets"],
            "errors_5xx": self.sent["errors_5xx"],
            "by_second": [_second(epoch, counts) for epoch, counts in sorted(self._seconds.items())],
        }


def _second(epoch: int, counts: Counter[str]) -> dict[str, object]:
    """One epoch second: sessions and requests by country, resets and 5xx responses sent."""
    entry: dict[str, object] = {
        "second": epoch,
        "resets": counts["resets"],
        "errors_5xx": counts["errors_5xx"],
    }
    for what in ("sessions", "requests"):
        entry[what] = {key.split(":", 1)[1]: n for key, n in counts.items() if key.startswith(f"{what}:")}
    return entry
