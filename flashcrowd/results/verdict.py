"""A run's verdict: passed, SLO breached, or - when its figures cannot be trusted - why not.

When several apply, the more fundamental wins: nothing got through (target unreachable, or the
generator failed if no visitor ran or visitors crashed) before a gap (a worker went missing, so
the figures are incomplete) or the generator's own limit (client_limit failures, a loop that fell
behind) before a breached SLO. A run in which every request failed is breached whatever its SLOs
allow: it never passes.
"""

from __future__ import annotations

from collections.abc import Sequence

from flashcrowd.results.tally import SecondTally
from flashcrowd.results.timeline import TimelineRow
from flashcrowd_common.errors import ExitCode

VERDICTS = {
    ExitCode.OK: "passed",
    ExitCode.SLO_BREACHED: "slo_breached",
    ExitCode.TARGET_UNREACHABLE: "target_unreachable",
    ExitCode.GENERATOR_FAILURE: "generator_failure",
}


def run_exit_code(
    totals: SecondTally,
    rows: Sequence[TimelineRow],
    *,
    gaps: bool,
    breached: bool,
    crashed: bool,
    generator_limited: bool = False,
) -> ExitCode:
    """The exit code of a run that tallied ``totals`` over ``rows``; ``gaps``: it has a gap in its
    measurements; ``breached``: an SLO was breached; ``crashed``: visitors' code raised;
    ``generator_limited``: the load generator, not the site, was the limit."""
    failed = sum(totals.failures.values())
    if totals.requests == 0:
        visitors_ran = any(row.achieved_users for row in rows)
        return ExitCode.TARGET_UNREACHABLE if visitors_ran and not crashed else ExitCode.GENERATOR_FAILURE
    if totals.failures.get("connection_refused", 0) == totals.requests:
        return ExitCode.TARGET_UNREACHABLE
    if gaps or generator_limited:  # a worker went missing, or was the limit: the figures do not show the site
        return ExitCode.GENERATOR_FAILURE
    if breached or failed == totals.requests:
        return ExitCode.SLO_BREACHED
    return ExitCode.OK
