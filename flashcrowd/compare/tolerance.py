"""What counts as a regression rather than noise, and the flags that set it.

The defaults tell two runs of the same build apart from a slower one: short runs on a
shared machine move p95 by tens of percent and a few milliseconds, error rates by a
fraction of a point, throughput at equal load by the noise of a few seconds' counts (a
fifth, for the eight seconds a 12 s smoke run holds its load). A figure regresses only
beyond both the relative and the absolute allowance where it has both (for throughput,
three standard deviations of the two counts).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from flashcrowd_common.arguments import count, duration, ratio, share


@dataclass(frozen=True)
class Tolerances:
    p95_relative: float = 0.5  # p95 may rise by half...
    p95_floor_ms: float = 25.0  # ...and by 25 ms, before it is a regression
    error_rate_points: float = 0.01  # error rate may rise by one percentage point
    throughput_relative: float = 0.2  # throughput at equal load may fall by a fifth
    load_relative: float = 0.1  # saturation, first failure, first reset may come at 10 % fewer users
    min_page_requests: int = 30  # pages with fewer requests in either run are shown, not judged


DEFAULTS = Tolerances()


METAVARS = {ratio: "CHANGE", duration: "DURATION", share: "SHARE", count: "N"}
# flag, argparse type, default, help (defaults shown by --help)
FLAGS = (
    ("--p95-tolerance", ratio, DEFAULTS.p95_relative, "relative rise of a p95, e.g. 50%%"),
    (
        "--p95-floor",
        duration,
        DEFAULTS.p95_floor_ms / 1000,
        "...and its absolute rise, s or with a unit: 25ms",
    ),
    (
        "--error-rate-tolerance",
        share,
        DEFAULTS.error_rate_points,
        "rise of an error rate in points, e.g. 1%%",
    ),
    (
        "--throughput-tolerance",
        share,
        DEFAULTS.throughput_relative,
        "fall of throughput at equal load, e.g. 20%%",
    ),
    (
        "--load-tolerance",
        share,
        DEFAULTS.load_relative,
        "fall of the saturation/failure/reset load, e.g. 10%%",
    ),
    (
        "--min-page-requests",
        count,
        DEFAULTS.min_page_requests,
        "judge a page only with this many requests in both",
    ),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The tolerance flags."""
    group = parser.add_argument_group("tolerances (a figure regresses beyond them)")
    for flag, kind, default, help_text in FLAGS:
        group.add_argument(flag, type=kind, default=default, metavar=METAVARS[kind], help=help_text)


def from_args(args: argparse.Namespace) -> Tolerances:
    return Tolerances(
        p95_relative=args.p95_tolerance,
        p95_floor_ms=args.p95_floor * 1000,
        error_rate_points=args.error_rate_tolerance,
        throughput_relative=args.throughput_tolerance,
        load_relative=args.load_tolerance,
        min_page_requests=args.min_page_requests,
    )
