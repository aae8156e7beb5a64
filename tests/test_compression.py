"""The same real world at any compression: what a run's visitors ask per head is what plan says."""

from __future__ import annotations

import pytest
from rate_helpers import assert_rates_follow_plan
from run_helpers import ELECTION_NIGHT, run

from flashcrowd.results.record import read_record


@pytest.mark.load
@pytest.mark.parametrize(
    "compress, begin, end, scale",
    [(1, "19:00", "+30s", "0.05"), (24, "22:55", "23:07", "0.0045")],
    ids=["x1-at-19:00", "x24-at-23:00"],
)
def test_light_load_asks_plans_rate_per_visitor_in_every_window_from_the_start(
    tmp_path, compress, begin, end, scale
):
    """30 wall seconds of election night with about 880 visitors, well below what the site serves,
    at x1 (the evening's start) and x24 (the peak, 23:00, F2): from the first window on, visitors ask
    what plan says, as the real night's did (the demo's test checks x240 on its own run). At the
    peak the site's own analytics count the scenario's US share within 2 points: the visitors'
    addresses locate to their origins in its database and their origins keep to the shares."""
    out = run(
        ELECTION_NIGHT,
        *("--profile", "unbounded", "--scale", scale, "--compress", str(compress)),
        *("--begin", begin, "--end", end, "--seed", "11"),
        out=tmp_path / "run",
    )
    assert_rates_follow_plan(out / "timeline.csv")
    in_run = [check for check in read_record(out / "summary.json").site.origin_checks if check.sessions]
    assert len(in_run) == (compress == 24)  # F2, when the cut holds 23:00
    for check in in_run:
        assert check.sessions >= 50, check
        # The window's sessions are a random subset of the visitors' draws (which of them send a first
        # request in it depends on their residual thinks), so their share is a sample of the visitors':
        # 2 points, or 3 standard errors of that sample where it is too small for 2 points to be sure.
        share = check.scenario_share
        sampling = 3 * (share * (1 - share) / check.sessions) ** 0.5
        assert check.site_share == pytest.approx(share, abs=max(0.02, sampling)), check
