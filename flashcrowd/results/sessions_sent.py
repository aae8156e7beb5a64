"""Sessions the visitors started, by origin and epoch second: what the site's analytics should have seen.

A request event whose ``context["first_page"]`` is set is an attempt at a session's
first page, made without the site's visitor cookie: the bundled site counts each as a
new session from its X-Forwarded-For country. Tallied by the epoch second the request
was sent in (a few origins a second, so cheap), shipped from workers with their reports
and merged on the master.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping


class SessionsSent:
    """Per epoch second, the sessions started by origin on one Locust process (or merged)."""

    def __init__(self) -> None:
        self.seconds: dict[int, Counter[str]] = {}

    def note(self, context: Mapping[str, object] | None, at: float) -> None:
        """Count the request event's session if it is an attempt at a session's first page."""
        if context and context.get("first_page") and context.get("origin"):
            self.seconds.setdefault(int(at), Counter())[str(context["origin"])] += 1

    def drain_wire(self) -> dict[str, dict[str, int]]:
        """Worker: the tallies since the last report, for the report, forgotten here."""
        seconds, self.seconds = self.seconds, {}
        return {str(second): dict(counts) for second, counts in seconds.items()}

    def merge_wire(self, wire: Mapping[str, Mapping[str, int]]) -> None:
        """Master: add a worker's tallies."""
        for second, counts in wire.items():
            self.seconds.setdefault(int(second), Counter()).update(counts)
