"""`flashcrowd run`'s timeline verdicts against real third-party stacks, each started here with its
capacity computed from its configuration: a ramp of visitors (one page a visit, 1 s think time) past
N* = c(S+Z)/S must saturate near N*, and must not fail below it."""

from __future__ import annotations

import pytest
from run_helpers import one_page_ramp, run
from stacks import STACKS, StackUnavailable

from flashcrowd.results.record import read_record

pytestmark = pytest.mark.load

THINK_S = 1.0
LIGHT = 40  # visitors held for 6 s first: enough answers at light load to know each visitor's rate
PEAK = 200  # visitors: 2.4 x N* for 4 workers of 50 ms (N* = 84)
RAMP = one_page_ramp(LIGHT, PEAK, THINK_S)


# haproxy in front of gunicorn: gunicorn's workers saturate at N*, haproxy answers 503 past N* + K, so
# one run checks both verdicts. gunicorn alone and nginx in front saturate alike (find-break, benchmarks/)
# and are left to the find-break tests, to keep the suite's time: a run is about 30 s.
@pytest.mark.parametrize("name", ["haproxy+gunicorn"])
def test_a_ramp_past_capacity_saturates_near_n_star_and_fails_no_earlier(name, tmp_path):
    scenario = tmp_path / "ramp.yaml"
    scenario.write_text(RAMP)
    try:
        with STACKS[name]() as stack:
            out = run(str(scenario), "--host", stack.url, "--seed", "3", out=tmp_path / "out", timeout_s=120)
    except StackUnavailable as missing:
        pytest.skip(str(missing))
    record = read_record(out / "summary.json")
    found = record.break_answer
    knee = stack.knee_users(THINK_S)
    assert found is not None and found.saturation is not None, f"{name}: no saturation up to {PEAK}"
    saturation = found.saturation.real_users
    assert saturation == pytest.approx(knee, rel=0.15), f"{name}: {found.saturation}, N* {knee}"
    failure = found.first_failure
    assert failure is not None and failure.real_users >= 0.9 * knee, failure
    # haproxy's queue must have overflowed: its 503s are what this stack answers past N* + K.
    assert record.totals.failures_by_detail.get("http_503", 0) > 0, "haproxy never answered 503"
    assert failure.kind == "http_5xx", failure
