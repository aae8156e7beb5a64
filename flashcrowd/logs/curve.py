"""Session arrivals counted in bins, as a sessions-per-hour curve with as few keyframes as keep its shape.

Keyframes sit at the middle of each bin; the curve is then thinned
(Ramer-Douglas-Peucker) to the points that keep it within a small share of its
peak, so a day of five-minute bins becomes a readable list.
"""

from __future__ import annotations

from collections import Counter

from flashcrowd.scenario.model import Keyframe

MAX_BINS = 600  # longer logs count in wider bins
TOLERANCE = 0.02  # of the peak: how far the thinned curve may stray from the bins


def binned_rates(arrivals: Counter[int], bin_s: int) -> tuple[int, list[Keyframe]]:
    """(the bin width used, keyframes of sessions per hour at bin middles, seconds since the first bin)."""
    first, last = min(arrivals), max(arrivals)
    factor = max(1, -(-(last - first + 1) // MAX_BINS))
    width = bin_s * factor
    counts: Counter[int] = Counter()
    for index, count in arrivals.items():
        counts[(index - first) // factor] += count
    frames = [
        Keyframe((i + 0.5) * width, counts[i] * 3600 / width) for i in range((last - first) // factor + 1)
    ]
    return width, frames


def thin(frames: list[Keyframe], tolerance: float = TOLERANCE) -> list[Keyframe]:
    """The fewest keyframes within ``tolerance`` x peak of every original one (first and last kept)."""
    if len(frames) <= 2:
        return frames
    limit = tolerance * max(frame.value for frame in frames)
    keep = {0, len(frames) - 1}
    stack = [(0, len(frames) - 1)]
    while stack:
        left, right = stack.pop()
        a, b = frames[left], frames[right]
        worst, where = 0.0, None
        for i in range(left + 1, right):
            expected = a.value + (b.value - a.value) * (frames[i].at_s - a.at_s) / (b.at_s - a.at_s)
            if abs(frames[i].value - expected) > worst:
                worst, where = abs(frames[i].value - expected), i
        if where is not None and worst > limit:
            keep.add(where)
            stack += [(left, where), (where, right)]
    return [frames[i] for i in sorted(keep)]
