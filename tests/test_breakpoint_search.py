"""The search state machine, step verdicts and the generator guard, without any load."""

from __future__ import annotations

import pytest

from flashcrowd.breakpoint.criteria import GOOD, Criteria, StepMeasure, Verdict
from flashcrowd.breakpoint.guard import GeneratorGuard, GeneratorSample, window
from flashcrowd.breakpoint.search import BreakSearch, SearchPlan, Stop

BAD = Verdict("bad", "resets", "resets")
LIMITED = Verdict("inconclusive", "generator_limited", "cpu")


def run_search(
    plan: SearchPlan, breaks_at: int, limited_from: int | None = None
) -> tuple[BreakSearch, list[int]]:
    """Drive a search against a site that fails from ``breaks_at`` users on; each step costs plan.step_s."""
    search, loads, elapsed = BreakSearch(plan), [], 0.0
    while (load := search.next_load(elapsed)) is not None:
        loads.append(load)
        if limited_from is not None and load >= limited_from:
            search.record(load, LIMITED)
        else:
            search.record(load, BAD if load >= breaks_at else GOOD)
        elapsed += plan.step_s
    return search, loads


@pytest.mark.parametrize("breaks_at", [7, 100, 161, 1000, 4321])
def test_doubles_then_bisects_to_the_resolution(breaks_at):
    search, loads = run_search(SearchPlan(start=10, budget_s=10_000), breaks_at)
    assert search.stopped is Stop.RESOLVED
    assert search.last_good is None or search.last_good < breaks_at <= search.first_bad
    if search.last_good:
        gap = search.first_bad - search.last_good
        assert gap <= 1 or gap / search.last_good <= 0.05
    first_failure = next(i for i, load in enumerate(loads) if load >= breaks_at)
    assert loads[: first_failure + 1] == [10 * 2**i for i in range(first_failure + 1)]


def test_first_step_failing_bisects_down_towards_one_user():
    search, loads = run_search(SearchPlan(start=64, budget_s=10_000), breaks_at=5)
    assert loads[:3] == [64, 32, 16]
    assert (search.last_good, search.first_bad) == (4, 5)


def test_budget_ends_the_search_before_a_step_that_would_not_fit():
    search, loads = run_search(SearchPlan(start=10, budget_s=45, step_s=10), breaks_at=1000)
    assert search.stopped is Stop.BUDGET
    assert loads == [10, 20, 40, 80]  # a fifth step would end at 50 s > 45 s


def test_an_inconclusive_step_stops_the_search_and_keeps_the_lower_bound():
    search, loads = run_search(SearchPlan(start=10, budget_s=10_000), breaks_at=1000, limited_from=80)
    assert search.stopped is Stop.INCONCLUSIVE
    assert loads == [10, 20, 40, 80]
    assert (search.last_good, search.first_bad) == (40, None)


def test_ceiling_ends_a_search_the_site_survives():
    search, loads = run_search(SearchPlan(start=10, budget_s=10_000, ceiling=50), breaks_at=10_000)
    assert search.stopped is Stop.CEILING
    assert loads == [10, 20, 40, 50]


def test_plan_rejects_a_resolution_outside_zero_one():
    with pytest.raises(ValueError, match="resolution"):
        SearchPlan(start=10, resolution=1.5)


def measure(requests: int = 1000, errors: dict[str, int] | None = None, **fields) -> StepMeasure:
    values = {"load": 10, "offered": 10.0, "throughput_rps": 100.0, "p50_ms": 5.0, "p95_ms": 20.0, **fields}
    return StepMeasure(requests=requests, errors=errors or {}, **values)


@pytest.mark.parametrize(
    ("errors", "kind"),
    [
        ({"connection_reset": 80}, "resets"),
        ({"connect_timeout": 30, "read_timeout": 40}, "timeouts"),
        ({"connection_refused": 60}, "refused"),
        ({"connection_reset": 4, "read_timeout": 200}, "timeouts"),  # 4 resets are not sustained
        ({"connection_reset": 60, "http_5xx": 500}, "resets"),  # resets are checked first
    ],
)
def test_sustained_connection_failures_fail_a_step_with_their_kind(errors, kind):
    verdict = Criteria().judge(measure(errors=errors))
    assert (verdict.status, verdict.kind) == ("bad", kind)


@pytest.mark.parametrize(
    "errors", [{"connection_reset": 4}, {"connection_reset": 45, "read_timeout": 30}, {}]
)
def test_a_few_resets_or_a_small_share_are_not_a_break(errors):
    # 1000 requests: 4 resets are too few, 45 resets (4.5 %) too small a share; kinds are not summed
    assert Criteria().judge(measure(errors=errors)) == GOOD


def test_a_window_where_nothing_completed_is_a_timeout():
    assert Criteria().judge(measure(requests=0)).kind == "timeouts"


def test_5xx_and_latency_count_only_when_asked_for():
    step = measure(errors={"http_5xx": 300}, p95_ms=900.0)
    assert Criteria().judge(step) == GOOD
    assert Criteria(max_5xx_rate=0.05).judge(step).kind == "http_5xx"
    assert Criteria(max_p95_ms=500).judge(step).kind == "latency"
    assert Criteria(max_p95_ms=1000).judge(step) == GOOD


def test_throughput_plateau_compares_with_the_nearest_lower_good_step():
    criteria = Criteria(min_throughput_gain=0.5)
    lower = measure(offered=100.0, throughput_rps=200.0)
    assert criteria.judge(measure(offered=200.0, throughput_rps=390.0), lower) == GOOD
    verdict = criteria.judge(measure(offered=200.0, throughput_rps=230.0), lower)
    assert verdict.kind == "throughput_plateau"
    assert criteria.judge(measure(offered=200.0, throughput_rps=230.0), None) == GOOD


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
    verdict = GeneratorGuard().judge(measure(**fields))
    assert verdict is not None and verdict.inconclusive and reason in verdict.reason


def test_guard_passes_a_healthy_generator():
    assert GeneratorGuard().judge(measure(achieved_ratio=0.97, generator_cpu=0.6, loop_lag_ms=3.0)) is None


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
