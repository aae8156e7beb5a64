"""The search state machine, step verdicts and the generator guard, without any load."""

from __future__ import annotations

import pytest
from search_helpers import criteria, guard, plan

from flashcrowd.breakpoint.criteria import GOOD, UNDRAINED, StepMeasure, Verdict
from flashcrowd.breakpoint.guard import GeneratorSample, window
from flashcrowd.breakpoint.search import BreakSearch, DrainForecast, SearchPlan, Stop

BAD = Verdict("bad", "http_5xx", "500s")
RESETS = Verdict("bad", "resets", "resets", resets=True)
LIMITED = Verdict("inconclusive", "generator_limited", "cpu")


def run_search(
    plan: SearchPlan, breaks_at: int, limited_from: int | None = None, resets_from: int | None = None
) -> tuple[BreakSearch, list[int]]:
    """Drive a search against a site that fails from ``breaks_at`` users on and resets from
    ``resets_from`` (default: from ``breaks_at``); each step costs plan.step_s."""
    resets_from = breaks_at if resets_from is None else resets_from
    search, loads, elapsed = BreakSearch(plan), [], 0.0
    while (load := search.next_load(elapsed)) is not None:
        loads.append(load)
        if limited_from is not None and load >= limited_from:
            search.record(load, LIMITED)
        elif load >= resets_from:
            search.record(load, RESETS)
        else:
            search.record(load, BAD if load >= breaks_at else GOOD)
        elapsed += plan.step_s
    return search, loads


def assert_resolved(bracket, breaks_at: int, resolution: float = 0.05) -> None:
    assert bracket.good is None or bracket.good < breaks_at <= bracket.bad
    if bracket.good:
        gap = bracket.bad - bracket.good
        assert gap <= 1 or gap / bracket.good <= resolution


@pytest.mark.parametrize("breaks_at", [7, 100, 161, 1000, 4321])
def test_doubles_then_bisects_to_the_resolution(breaks_at):
    search, loads = run_search(plan(start=10, budget_s=10_000), breaks_at)
    assert search.stopped is Stop.RESOLVED
    assert_resolved(search.failure, breaks_at)
    assert search.resets == search.failure  # this site's first failure is its resets
    first_failure = next(i for i, load in enumerate(loads) if load >= breaks_at)
    assert loads[: first_failure + 1] == [10 * 2**i for i in range(first_failure + 1)]


@pytest.mark.parametrize(("breaks_at", "resets_from"), [(100, 150), (100, 390), (30, 31)])
def test_resets_past_the_first_failure_get_their_own_bracket(breaks_at, resets_from):
    search, _ = run_search(plan(start=10, budget_s=10_000), breaks_at, resets_from=resets_from)
    assert search.stopped is Stop.RESOLVED
    assert_resolved(search.failure, breaks_at)
    assert_resolved(search.resets, resets_from)
    assert search.first_bad_verdict is BAD


def test_the_first_failure_is_bisected_before_resets_are_looked_for_up_to_reset_search_times_it():
    search, loads = run_search(plan(start=10, budget_s=10_000), breaks_at=100, resets_from=10**6)
    assert loads[:5] == [10, 20, 40, 80, 160]
    looking_up = loads.index(320)
    assert loads[looking_up:] == [320, 640]  # 640 >= 4 x 160: stop looking up
    assert all(80 < load < 160 for load in loads[5:looking_up])  # the first failure's bisection
    bisected = BreakSearch(plan(start=10), steps=[s for s in search.steps if s.load <= 160])
    assert_resolved(bisected.failure, 100)
    assert search.resets.bad is None and search.highest == 640


def test_the_look_for_resets_stops_where_its_drain_would_not_fit_and_says_so():
    def forecast(load: int) -> DrainForecast:  # a site that serves 100 req/s and queues the rest
        return DrainForecast(max(load - 100, 0) * 10 / 100, f"a step at {load} would leave a queue")

    budget = plan(start=10, budget_s=120.0)
    search = BreakSearch(budget, drain_forecast=forecast)
    elapsed = 0.0
    while (load := search.next_load(elapsed)) is not None:
        search.record(load, BAD if load >= 100 else GOOD)
        elapsed += budget.step_s
    assert 320 not in [step.load for step in search.steps]  # 22 s of drain after 320: past the budget
    assert_resolved(search.failure, 100)
    assert search.reset_search_cut is not None
    assert "a step at 320 would leave a queue: about 22 s to drain" in search.reset_search_cut
    capped = BreakSearch(plan(start=10, max_drain_s=5.0), drain_forecast=forecast)
    for load in (10, 20, 40, 80, 160, 120, 100, 90, 95, 97, 98, 99):
        capped.record(load, BAD if load >= 100 else GOOD)
    assert capped.next_load(0.0) is None and "the 5 s drain cap" in capped.reset_search_cut


def test_a_first_failure_far_below_what_the_site_served_is_measured_again():
    search = BreakSearch(plan(start=10, reset_search=1))
    search.record(10, GOOD, served=10)
    search.record(20, GOOD, served=400)  # the site served forty times the load that failed below
    search.record(5, BAD, served=5)
    search.record(4, GOOD, served=4)
    assert search.next_load(0.0) == 5
    search.record(5, GOOD, served=5)  # the second look holds: the first was noise
    assert search.failure.bad is None and search.next_load(0.0) == 40


def test_first_step_failing_bisects_down_towards_one_user():
    search, loads = run_search(plan(start=64, budget_s=10_000), breaks_at=5)
    assert loads[:3] == [64, 32, 16]
    assert (search.last_good, search.first_bad) == (4, 5)


def test_budget_ends_the_search_before_a_step_that_would_not_fit():
    search, loads = run_search(plan(start=10, budget_s=45, step_s=10), breaks_at=1000)
    assert search.stopped is Stop.BUDGET
    assert loads == [10, 20, 40, 80]  # a fifth step would end at 50 s > 45 s


def test_an_inconclusive_step_stops_the_search_and_keeps_the_lower_bound():
    search, loads = run_search(plan(start=10, budget_s=10_000), breaks_at=1000, limited_from=80)
    assert search.stopped is Stop.INCONCLUSIVE
    assert loads == [10, 20, 40, 80]
    assert (search.last_good, search.first_bad) == (40, None)


def test_a_generator_limit_while_looking_for_resets_keeps_the_first_failure():
    search, loads = run_search(
        plan(start=10, budget_s=10_000), breaks_at=100, resets_from=10**6, limited_from=320
    )
    assert search.stopped is Stop.RESOLVED
    assert search.reset_search_cut == "cpu"
    assert 320 in loads and 640 not in loads
    assert_resolved(search.failure, 100)


def test_ceiling_ends_a_search_the_site_survives():
    search, loads = run_search(plan(start=10, budget_s=10_000, ceiling=50), breaks_at=10_000)
    assert search.stopped is Stop.CEILING
    assert loads == [10, 20, 40, 50]


def test_plan_rejects_a_resolution_outside_zero_one():
    with pytest.raises(ValueError, match="resolution"):
        plan(start=10, resolution=1.5)


def measure(requests: int = 1000, errors: dict[str, int] | None = None, **fields) -> StepMeasure:
    values = {"load": 10, "offered": 10.0, "throughput_rps": 100.0, "p50_ms": 5.0, "p95_ms": 20.0, **fields}
    return StepMeasure(requests=requests, errors=errors or {}, **values)


@pytest.mark.parametrize(
    ("errors", "kind"),
    [
        ({"connection_reset": 80}, "resets"),
        ({"connect_timeout": 30, "read_timeout": 40}, "timeouts"),
        ({"connection_refused": 60}, "refused"),
        ({"connection_closed": 370}, "closed"),  # nginx out of worker_connections
        ({"http_5xx": 300}, "http_5xx"),  # a proxy's 502/503/504, an application's 500
        ({"connection_reset": 4, "read_timeout": 200}, "timeouts"),
        ({"connection_reset": 30, "http_5xx": 40}, "http_5xx"),  # every kind counts; the most names it
    ],
)
def test_failed_requests_of_any_kind_fail_a_step_named_by_the_most_frequent(errors, kind):
    verdict = criteria().judge(measure(errors=errors))
    assert (verdict.status, verdict.kind) == ("bad", kind)


@pytest.mark.parametrize(
    "errors", [{"connection_reset": 4}, {"connection_reset": 25, "read_timeout": 20}, {}]
)
def test_a_few_failures_or_a_small_share_are_not_a_break(errors):
    # 1000 requests: 4 failures are too few, 45 (4.5 %) too small a share
    assert criteria().judge(measure(errors=errors)) == GOOD


def test_4xx_are_the_scenario_s_not_the_site_s():
    assert criteria().judge(measure(errors={"http_4xx": 500})) == GOOD


def test_resets_are_noted_whatever_failed_first():
    verdict = criteria().judge(measure(errors={"http_5xx": 300, "connection_reset": 60}))
    assert (verdict.kind, verdict.resets) == ("http_5xx", True)
    assert criteria().judge(measure(errors={"http_5xx": 300, "connection_reset": 40})).resets is False


def test_a_window_where_nothing_completed_is_a_timeout():
    assert criteria().judge(measure(requests=0)).kind == "timeouts"


def test_latency_far_beyond_the_lightest_step_fails_it():
    lightest = measure(p95_ms=50.0)
    assert criteria().judge(measure(p95_ms=240.0), lightest) == GOOD  # under 5 x 50 ms
    assert criteria().judge(measure(p95_ms=260.0), lightest).kind == "latency"
    assert criteria().judge(measure(p95_ms=90.0), measure(p95_ms=2.0)) == GOOD  # within 100 ms of it
    assert criteria(max_latency_factor=None).judge(measure(p95_ms=900.0), lightest) == GOOD
    # successes slower than all requests (instant resets pull the p95 of all down): the slower counts
    assert criteria().judge(measure(p95_ms=40.0, p95_ok_ms=400.0), lightest).kind == "latency"


def test_an_absolute_p95_limit_needs_no_lighter_step():
    assert criteria(max_p95_ms=500).judge(measure(p95_ms=900.0)).kind == "latency"
    assert criteria(max_p95_ms=1000).judge(measure(p95_ms=900.0)) == GOOD


def test_an_open_site_that_answers_less_than_it_is_sent_is_not_keeping_up():
    assert criteria().judge(measure(requests=950, sent=1000)) == GOOD
    verdict = criteria().judge(measure(requests=600, sent=1000))
    assert verdict.kind == "not_keeping_up" and "600 requests answered of 1000 sent" in verdict.reason
    assert criteria(min_served=None).judge(measure(requests=600, sent=1000)) == GOOD


@pytest.mark.parametrize(("requests", "sent"), [(7, 8), (1, 2), (16, 20)])
def test_a_request_or_a_few_still_in_flight_at_the_window_s_end_are_not_falling_behind(requests, sent):
    # Caddy in front of gunicorn at 1 session/s: 8 sent, 7 back inside the window (88 % < 90 %)
    assert criteria().judge(measure(requests=requests, sent=sent)) == GOOD
    assert criteria().judge(measure(requests=14, sent=20)).kind == "not_keeping_up"  # 6 behind


def test_latency_is_judged_only_on_enough_requests_that_one_slow_one_cannot_decide():
    lightest = measure(p95_ms=50.0)
    assert criteria().judge(measure(requests=19, p95_ms=900.0), lightest) == GOOD
    assert criteria().judge(measure(requests=20, p95_ms=900.0), lightest).kind == "latency"


def test_each_criterion_can_be_switched_off():
    step = measure(errors={"http_5xx": 300}, requests=1000, sent=2000, p95_ms=900.0)
    off = criteria(max_failure_rate=None, min_served=None, max_latency_factor=None)
    assert off.judge(step, measure(p95_ms=10.0)) == GOOD


def test_throughput_plateau_compares_with_the_nearest_lower_good_step():
    plateau = criteria(min_throughput_gain=0.5)
    lower = measure(offered=100.0, throughput_rps=200.0)
    assert plateau.judge(measure(offered=200.0, throughput_rps=390.0), lower, lower) == GOOD
    verdict = plateau.judge(measure(offered=200.0, throughput_rps=230.0), lower, lower)
    assert verdict.kind == "throughput_plateau"
    assert plateau.judge(measure(offered=200.0, throughput_rps=230.0), lower, None) == GOOD


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"errors": {"client_limit": 1}}, "client-side errors"),
        ({"achieved_ratio": 0.9}, "achieved 90%"),
        ({"generator_cpu": 0.97}, "CPU"),
        ({"loop_lag_ms": 250.0}, "lagging"),
    ],
)
def test_guard_calls_a_limited_generator_inconclusive(fields, reason):
    verdict = guard().judge(measure(**fields))
    assert verdict is not None and verdict.inconclusive and reason in verdict.reason


def test_guard_passes_a_healthy_generator():
    assert guard().judge(measure(achieved_ratio=0.97, generator_cpu=0.6, loop_lag_ms=3.0)) is None


def test_generator_window_takes_the_busiest_process_and_sums_arrivals():
    before = {
        "a": GeneratorSample(at=100.0, cpu_s=10.0),
        "b": GeneratorSample(at=100.5, cpu_s=3.0, lag_s=1.0),
    }
    after = {
        "a": GeneratorSample(at=110.0, cpu_s=15.0, lag_probes=100, arrivals_due=100, arrivals_started=90),
        "b": GeneratorSample(
            at=110.5, cpu_s=12.0, lag_s=3.0, lag_probes=100, arrivals_due=50, arrivals_started=50
        ),
        "late-joiner": GeneratorSample(at=110.0, cpu_s=99.0),
    }
    result = window(before, after)
    assert result.cpu == pytest.approx(0.9)
    assert result.loop_lag_ms == pytest.approx(20.0)
    assert result.arrivals_ratio == pytest.approx(140 / 150)


def test_a_site_that_does_not_drain_ends_the_search_with_what_it_measured():
    search = BreakSearch(plan(start=10, budget_s=10_000, reset_search=1))
    for load in (10, 20):
        search.record(load, GOOD if load == 10 else RESETS)
    assert search.next_load(0.0) == 15
    search.record(15, Verdict("inconclusive", UNDRAINED, "the site had not drained"))
    assert search.stopped is Stop.UNDRAINED and search.next_load(0.0) is None
    assert (search.failure.good, search.failure.bad) == (10, 20)


def test_a_step_in_which_every_request_failed_fails_however_few_they_were():
    verdict = criteria().judge(measure(requests=3, errors={"connect_timeout": 3}))
    assert (verdict.status, verdict.kind) == ("bad", "timeouts") and "every request failed" in verdict.reason
