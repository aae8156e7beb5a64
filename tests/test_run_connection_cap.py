"""`flashcrowd run`'s saturation against a real server that turns visitors away fast instead of slowing
down: Node.js capped at 64 connections (tests/node_stack.py). Successful responses level off at the cap
while resets, answered in a millisecond, keep the seconds' p95 low; saturation must sit at the cap, not
where all responses stopped rising."""

from __future__ import annotations

import pytest
from node_stack import node_server
from run_helpers import one_page_ramp, run
from stacks import StackUnavailable

from flashcrowd.results.record import read_record

pytestmark = pytest.mark.load

CAP = 64  # the server's maxConnections: each visitor holds one keep-alive connection
RAMP = one_page_ramp(30, 160)  # 30 visitors thinking 1 s for 6 s, then a 20 s ramp to 160


def test_a_server_that_resets_past_its_connection_cap_saturates_at_the_cap(tmp_path):
    scenario = tmp_path / "ramp.yaml"
    scenario.write_text(RAMP)
    try:
        with node_server(max_connections=CAP) as server:
            out = run(str(scenario), "--host", server.url, "--seed", "3", out=tmp_path / "out", timeout_s=120)
    except StackUnavailable as missing:
        pytest.skip(str(missing))
    record = read_record(out / "summary.json")
    found = record.break_answer
    assert found is not None and found.saturation is not None, "no saturation up to 160 visitors"
    # The moment is the first second the visitors reached the load it levelled at: within a second's
    # ramp (6.5 visitors) of it.
    assert found.saturation.sim_users == pytest.approx(CAP, rel=0.15), found.saturation
    assert found.saturation.max_served_rps <= CAP * 1.1  # successful responses, not the resets
    assert found.first_failure is not None and found.first_failure.kind in (
        "connection_reset",
        "connection_closed",
    )
    assert found.first_failure.sim_users >= CAP
    ok = [point.ok_rps for point in record.capacity if point.users > 1.5 * CAP]
    every = [point.rps for point in record.capacity if point.users > 1.5 * CAP]
    assert ok and max(ok) <= CAP * 1.1 < min(every)  # the report's chart: goodput flat, all responses not
