"""The site's own visitor analytics, like the department's: sessions and requests by country.

The country comes from the first X-Forwarded-For address (the visitor, as a
proxy would report it), else the connection's peer address, through
``target_app.geo``. A session starts with the first request on a connection
that carries no visitor cookie; the site then sets one, so the visitor's later
requests join it (clients that ignore cookies count one session a connection).
"""

from __future__ import annotations

import itertools
import os
from collections import Counter

from target_app.geo import country_of
from target_app.http import Request

VISITOR_COOKIE = "fc_visitor"


class Analytics:
    def __init__(self) -> None:
        self.sessions: Counter[str] = Counter()
        self.requests: Counter[str] = Counter()
        self._ids = itertools.count(1)
        self._prefix = os.urandom(4).hex()

    def record(self, request: Request, peer_address: str, connection_counted: bool) -> bytes:
        """Count ``request``; returns a Set-Cookie header line to send when it has no visitor cookie.

        ``connection_counted``: an earlier request on this connection already started a session.
        """
        forwarded = request.headers.get("x-forwarded-for")
        country = country_of(forwarded.split(",", 1)[0] if forwarded else peer_address)
        self.requests[country] += 1
        if VISITOR_COOKIE in request.headers.get("cookie", ""):
            return b""
        if not connection_counted:
            self.sessions[country] += 1
        visitor = f"{self._prefix}{next(self._ids):x}"
        return f"Set-Cookie: {VISITOR_COOKIE}={visitor}; Path=/; Max-Age=1800\r\n".encode()

    def snapshot(self) -> dict[str, object]:
        sessions, requests = sum(self.sessions.values()), sum(self.requests.values())
        return {
            "sessions": sessions,
            "requests": requests,
            "sessions_by_country": dict(self.sessions.most_common()),
            "requests_by_country": dict(self.requests.most_common()),
            "session_share_by_country": {c: round(n / sessions, 4) for c, n in self.sessions.most_common()},
        }
