"""What counts as a regression rather than noise, and the flags that set it.

The defaults tell two runs of the same build apart from a slower one: short runs on a
shared machine move p95 by tens of percent and a few milliseconds, error rates by a
fraction of a point, throughput at equal load by a few percent. A figure regresses
only beyond both the relative and the absolute allowance where it has both.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from flashcrowd.arguments import count, duration, ratio, share


@dataclass(frozen=True)
class Tolerances:
    p95_relative: float = 0.5  # p95 may rise by half...
    p95_floor_ms: float = 25.0  # ...and by 25 ms, before it is a regression
    error_rate_points: float = 0.01  # error rate may rise by one percentage point
    throughput_relative: float = 0.2  # throughput at equal load may fall by a fifth
    load_relative: float = 0.1  # saturation, first failure, first reset may come at 10 % fewer users
    min_page_requests: int = 30  # pages with fewer requests in either run are shown, not judged


DEFAULTS = Tolerances()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The tolerance flags, defaults shown in --help."""
    group = parser.add_argument_group("tolerances (a figure regresses beyond them)")
    group.add_argument(
        "--p95-tolerance", type=ratio, default=DEFAULTS.p95_relative, help="relative rise of a p95, e.g. 50%%"
    )
    group.add_argument(
        "--p95-floor",
        type=duration,
        default=DEFAULTS.p95_floor_ms / 1000,
        help="...and absolute rise in seconds or with a unit, e.g. 25ms",
    )
    group.add_argument(
        "--error-rate-tolerance",
        type=share,
        default=DEFAULTS.error_rate_points,
        help="rise of an error rate in percentage points, e.g. 1%%",
    )
    group.add_argument(
        "--throughput-tolerance",
        type=share,
        default=DEFAULTS.throughput_relative,
        help="relative fall of throughput at equal load, e.g. 20%%",
    )
    group.add_argument(
        "--load-tolerance",
        type=share,
        default=DEFAULTS.load_relative,
        help="relative fall of the load at saturation, first failure or first reset, e.g. 10%%",
    )
    group.add_argument(
        "--min-page-requests",
        type=count,
        default=DEFAULTS.min_page_requests,
        help="judge a page only if it had this many requests in both runs",
    )


def from_args(args: argparse.Namespace) -> Tolerances:
    return Tolerances(
        p95_relative=args.p95_tolerance,
        p95_floor_ms=args.p95_floor * 1000,
        error_rate_points=args.error_rate_tolerance,
        throughput_relative=args.throughput_tolerance,
        load_relative=args.load_tolerance,
        min_page_requests=args.min_page_requests,
    )
