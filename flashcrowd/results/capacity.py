"""The run against load: the timeline's seconds binned by the users running then, for the record's
``capacity`` (and the report's capacity chart).

Each distinct load is a bin, or, past ``MAX_POINTS`` loads, ``MAX_POINTS`` equal widths; each bin
merges its seconds' HDR histograms, so its p95 is exact for the seconds it stands for.
"""

from __future__ import annotations

from collections.abc import Sequence

from flashcrowd.results import latency
from flashcrowd.results.record import CapacityBin
from flashcrowd.results.timeline import TimelineRow

MAX_POINTS = 30  # more distinct loads than this are binned into this many equal widths


def capacity_bins(rows: Sequence[TimelineRow], histograms: Sequence[str]) -> tuple[CapacityBin, ...]:
    """Per load bin, its real-world users, rps (all responses and successful ones), p95 and seconds,
    lightest load first.

    ``histograms`` are the rows' encoded histograms, aligned with the last rows (the recorder
    keeps the last hour); seconds with no users running are left out.
    """
    paired = list(zip(rows[len(rows) - len(histograms) :], histograms, strict=True))
    paired = [(row, blob) for row, blob in paired if row.achieved_users > 0]
    if not paired:
        return ()
    loads = sorted({row.achieved_real_users for row, _ in paired})
    width = (loads[-1] / MAX_POINTS) if len(loads) > MAX_POINTS else 0.0
    bins: dict[float, list[tuple[TimelineRow, str]]] = {}
    for row, blob in paired:
        key = round(row.achieved_real_users / width) if width else row.achieved_real_users
        bins.setdefault(key, []).append((row, blob))
    points = []
    for _key, members in sorted(bins.items()):
        seconds = len(members)
        p95 = latency.percentiles_ms(latency.merge(blob for _, blob in members)).get(95.0)
        points.append(
            CapacityBin(
                real_users=round(sum(row.achieved_real_users for row, _ in members) / seconds, 1),
                users=round(sum(row.achieved_users for row, _ in members) / seconds, 1),
                rps=round(sum(row.rps for row, _ in members) / seconds, 3),
                p95_ms=None if p95 is None else round(p95, 3),
                seconds=seconds,
                ok_rps=round(sum(row.requests - row.failure_count for row, _ in members) / seconds, 3),
            )
        )
    return tuple(points)
