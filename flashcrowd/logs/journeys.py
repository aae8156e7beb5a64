"""Journeys from counted page sequences: the frequent ones, with weights and step probabilities.

A journey is a frequent sequence that no other frequent sequence contains (in
order, gaps allowed). Every counted sequence joins the most frequent journey
that contains it; the journey's weight is the sessions that joined it, and a
step's probability is the share of them that asked for that page, so the
journeys ask for as many pages as the sessions did.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

MIN_SHARE = 0.005  # a sequence is frequent from this share of the sessions
MAX_CANDIDATES = 400


@dataclass(frozen=True)
class FoundJourney:
    pages: tuple[str, ...]
    sessions: int
    probabilities: tuple[float, ...]  # per page


def _positions(pages: tuple[str, ...], within: tuple[str, ...]) -> list[int] | None:
    """Where ``pages`` occur in order in ``within`` (greedy), or None if they do not."""
    found, start = [], 0
    for page in pages:
        try:
            start = within.index(page, start)
        except ValueError:
            return None
        found.append(start)
        start += 1
    return found


def find_journeys(sequences: Counter[tuple[str, ...]], total: int, most: int) -> list[FoundJourney]:
    """Up to ``most`` journeys, the most frequent first; ``total`` is the number of sessions."""
    threshold = max(2, MIN_SHARE * total)
    frequent = [seq for seq, count in sequences.most_common(MAX_CANDIDATES) if count >= threshold]
    roots = [
        seq
        for seq in frequent
        if not any(other != seq and len(other) > len(seq) and _positions(seq, other) for other in frequent)
    ]
    joined: dict[tuple[str, ...], Counter[int]] = {root: Counter() for root in roots}
    members: Counter[tuple[str, ...]] = Counter()
    for seq, count in sequences.items():
        for root in roots:  # most frequent first
            positions = _positions(seq, root)
            if positions is not None:
                members[root] += count
                joined[root].update({position: count for position in positions})
                break
    ranked = sorted(roots, key=lambda root: -members[root])[:most]
    return [
        FoundJourney(root, members[root], tuple(joined[root][i] / members[root] for i in range(len(root))))
        for root in ranked
        if members[root]
    ]


def slug(path: str) -> str:
    """A short readable name for a page: ``/english/immigrate/index.asp?x=1`` -> ``immigrate-index``."""
    parts = [p for p in path.split("?", 1)[0].split("/") if p]
    words = re.sub(r"[^A-Za-z0-9]+", "-", "-".join(parts[-2:]).rsplit(".", 1)[0]).strip("-")
    return words[:40] or "home"
