"""The same real world at any compression: what a run's visitors ask per head is what plan says."""

from __future__ import annotations

import pytest
from rate_helpers import assert_rates_follow_plan
from run_helpers import ELECTION_NIGHT, run


@pytest.mark.load
@pytest.mark.parametrize("compress, end", [(1, "+30s"), (24, "+12min")])
def test_light_load_asks_plans_rate_per_visitor_in_every_window_from_the_start(tmp_path, compress, end):
    """Election night's first 30 wall seconds (about 860 visitors, well below capacity) at x1 and
    x24: from the first window on, visitors ask what plan says, as the real evening's did (the demo's
    test checks x240 on its own run)."""
    out = run(
        ELECTION_NIGHT,
        *("--profile", "unbounded", "--scale", "0.05", "--compress", str(compress), "--end", end),
        *("--seed", "11"),
        out=tmp_path / "run",
    )
    assert_rates_follow_plan(out / "timeline.csv")
