"""Session arrivals counted in bins, as a sessions-per-hour curve with as few keyframes as keep its shape.

Bins are at most an hour wide and lie on the log's clock hours; each is a step
(a keyframe at its start and one a second before its end), so the curve holds
exactly the sessions each bin counted and a clock hour's or a day's sessions on
the curve are the log's, whatever its length. The curve is then thinned
(Ramer-Douglas-Peucker) to the points that keep it within a small share of its
peak.
"""

from __future__ import annotations

from collections import Counter

from flashcrowd.scenario.model import Keyframe

TOLERANCE = 0.01  # of the peak: how far the thinned curve may stray from the bins

MAX_BINS = 600  # longer logs count in wider bins, up to an hour
WIDTHS_S = (300, 600, 900, 1200, 1800, 3600)  # each divides an hour
EDGE_S = 1.0  # a step's rise


def binned_rates(arrivals: Counter[int], bin_s: int, offset_s: int) -> tuple[int, float, list[Keyframe]]:
    """(the bin width, the first bin's start in POSIX seconds, step keyframes of sessions per hour in
    seconds since then). ``arrivals`` counts ``bin_s`` bins; ``offset_s`` is the clock's UTC offset."""
    first, last = min(arrivals) * bin_s + offset_s, max(arrivals) * bin_s + offset_s  # local seconds
    width = next(
        (w for w in WIDTHS_S if w >= bin_s and (last // w - first // w + 1) <= MAX_BINS), WIDTHS_S[-1]
    )
    start = first // width
    counts: Counter[int] = Counter()
    for index, count in arrivals.items():
        counts[(index * bin_s + offset_s) // width - start] += count
    frames = []
    for i in range(last // width - start + 1):
        rate = counts[i] * 3600 / width
        frames += [Keyframe(i * width, rate), Keyframe((i + 1) * width - EDGE_S, rate)]
    return width, start * width - offset_s, frames


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
