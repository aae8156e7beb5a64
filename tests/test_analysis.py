"""The one analysis of where a site stopped keeping up: saturation only where the served rate stopped
following the load, judged on successful responses, by the same rule for a run's seconds and for
find-break's steps. Synthetic timelines check the rule's edges; timelines recorded by real runs
(tests/timelines/) check it on what a real server and the bundled site did."""

from __future__ import annotations

import random
from dataclasses import replace

import numpy as np
import pytest
from search_helpers import plan
from timeline_files import read_timeline

from flashcrowd.breakpoint.criteria import GOOD, StepMeasure, Verdict
from flashcrowd.breakpoint.result import build_answer
from flashcrowd.breakpoint.search import BreakSearch
from flashcrowd.breakpoint.units import LoadUnits
from flashcrowd.bundled_paths import resolve_scenario
from flashcrowd.results.analysis import (
    STEPS,
    find_first_failure,
    find_saturation,
    main_failure,
    timeline_samples,
)
from flashcrowd.results.break_types import Saturation
from flashcrowd.results.pacing import Pacing, pacing
from flashcrowd.results.timeline import TimelineRow
from flashcrowd.scenario import load_scenario
from flashcrowd.scenario.journeys import burst_dispersion
from flashcrowd.scenario.model import Distribution, Journey, Step

SERVICE_S = 0.02  # S: what one answer takes at light load
THINK_S = 0.98  # Z: so each visitor asks once a second while the site keeps up


def timeline(
    users_at, served_at, seed: int, last_second_s: float = 1.0, failed_at=None, asks: float = 1.0
) -> list[TimelineRow]:
    """Rows for each second of ``users_at`` (users by second): answers Poisson around ``served_at(users)``,
    p95 from the response time a closed loop of visitors asking ``asks`` requests after each THINK_S
    sees at that throughput; fast
    resets Poisson around ``failed_at(users)``. The last row lasts ``last_second_s`` (a run stopped
    mid-second) and gets that share of its answers."""
    poisson = np.random.default_rng(seed).poisson
    jitter = random.Random(seed)
    rows, wall_s = [], 0.0
    for second, users in enumerate(users_at):
        length = last_second_s if second == len(users_at) - 1 else 1.0
        wall_s += length
        rate = served_at(users)
        response_s = (
            max(SERVICE_S, (asks * users / rate - THINK_S) / asks) if failed_at is None else SERVICE_S
        )
        p95 = 3000 * response_s * (1 + 0.2 * jitter.random())
        answered = int(poisson(rate * length))
        resets = int(poisson(failed_at(users) * length)) if failed_at else 0
        rows.append(
            TimelineRow(
                wall_s, "", users, users, users, users, requests=answered + resets,
                failures={"connection_reset": resets} if resets else {},
                p95_ms=1.0 if resets > answered else p95, p95_ok_ms=p95,
            )
        )  # fmt: skip
    return rows


def saturation_of(rows: list[TimelineRow]):
    return find_saturation(timeline_samples(rows))


def test_a_short_ramp_that_the_site_kept_up_with_is_never_called_saturated():
    # ci-smoke's shape: 20 visitors by 10 s, each answered once a second, stopped 0.2 s into the 13th second
    ramp = [min(20, 2 * (second + 1)) for second in range(13)]
    for seed in range(200):
        rows = timeline(ramp, lambda users: users * 1.0, seed, last_second_s=0.2)
        assert saturation_of(rows) is None, seed


def test_a_hold_whose_visitors_slow_their_pace_is_not_a_saturated_site():
    # 400 visitors who all began their sessions at once ask 0.25 requests a second each at first, 0.13
    # once their sessions spread out; the site answers in a millisecond throughout. The first seconds'
    # burst is the most the site served, but it never stopped following what the visitors asked.
    def pace(second: int) -> float:
        return 0.13 + 0.12 * max(0.0, 1 - second / 40)

    for seed in range(20):
        poisson = np.random.default_rng(seed).poisson
        rows = [
            TimelineRow(s + 1.0, "", 400, 400, 400, 400, requests=int(poisson(400 * pace(s))), p95_ms=1.5)
            for s in range(90)
        ]
        assert saturation_of(rows) is None, seed


def test_a_ramp_below_capacity_is_never_called_saturated():
    ramp = [10 + 2 * second for second in range(40)]  # 10 to 88 visitors, capacity 100
    for seed in range(50):
        assert saturation_of(timeline(ramp, lambda users: min(users * 1.0, 100.0), seed)) is None, seed


def test_a_site_whose_throughput_levels_off_saturates_where_it_did():
    # one answer a second per visitor while the site keeps up, at most 100 a second: N* = 100 visitors
    ramp = [10 + 4 * second for second in range(60)]  # 10 to 246 visitors
    saturation = saturation_of(timeline(ramp, lambda users: min(users * 1.0, 100.0), seed=7))
    assert saturation is not None and saturation.load == pytest.approx(100, rel=0.1)


def test_a_plateau_read_from_seconds_that_swing_says_it_is_less_sure():
    # Both sites level at 100 answers a second. One answers Poisson counts around it; the other stalls
    # and catches up (a few slow requests hold its workers): its seconds swing by half, as the bundled
    # ircc-2016 site's did, so one run's reading of where it saturated can stray further.
    ramp = [10 + 4 * second for second in range(60)]  # 10 to 246 visitors
    steady = saturation_of(timeline(ramp, lambda users: min(users * 1.0, 100.0), seed=7))
    swing = iter([0.5, 1.5] * len(ramp))
    stalling = saturation_of(timeline(ramp, lambda users: min(users * 1.0, 100.0 * next(swing)), seed=7))
    assert steady is not None and stalling is not None
    assert steady.standard_error / steady.load < 0.03  # a Poisson count of 100 a second over some seconds
    assert stalling.standard_error / stalling.load > 3 * steady.standard_error / steady.load


@pytest.mark.parametrize("strained_steps", [1, 2])
def test_a_plateau_of_one_or_two_steps_is_as_sure_as_its_count(strained_steps):
    # find-break's steps, 30 s each: one strained step is the plateau, and its standard error is its
    # count's; two that served exactly as many (a CI search once read 0) do not make it zero.
    rows = timeline([50, 100, *[200] * strained_steps], lambda users: min(users * 1.0, 100.0), seed=1)
    samples = [replace(s, seconds=30.0, requests=s.requests * 30) for s in timeline_samples(rows)]
    samples[2:] = [replace(samples[2]) for _ in range(strained_steps)]  # equal, not the same object
    plateau = find_saturation(samples, STEPS)
    assert plateau is not None
    served, seconds = strained_steps * samples[2].served, strained_steps * 30
    assert plateau.standard_error == pytest.approx(served**0.5 / seconds / plateau.light_rps_per_unit)


def test_seconds_full_of_fast_failures_are_not_light_load():
    # A site that serves 64 visitors and resets the rest at once: p95 stays low, successes level at 64/s.
    ramp = [10 + 4 * second for second in range(50)]  # 10 to 206 visitors
    rows = timeline(
        ramp, lambda users: min(users, 64) * 1.0, seed=3, failed_at=lambda users: max(0, users - 64) * 1.0
    )
    saturation = saturation_of(rows)
    assert saturation is not None and saturation.load == pytest.approx(64, rel=0.1)
    samples = timeline_samples(rows)
    failure = find_first_failure(samples)
    assert failure is not None and main_failure(samples[failure].failures, 1)[0] == "resets"
    assert ramp[failure] == pytest.approx(64 / 0.95, abs=8)  # 5 % of requests failed


def test_a_real_server_that_resets_past_its_connection_cap_saturates_at_the_cap():
    # Recorded by `flashcrowd run` against tests/node_stack.py (Node, maxConnections 64, 20 ms pages),
    # 30 visitors thinking 1 s, then a ramp to 160: successes levelled at 64 visitors' worth while
    # resets took the rest in a millisecond. The rule before this one put saturation at 104.
    rows = read_timeline("node-64-connections-ramp")
    saturation = saturation_of(rows)
    assert saturation is not None and saturation.load == pytest.approx(64, rel=0.1)
    samples = timeline_samples(rows)
    failure = find_first_failure(samples)
    assert failure is not None and main_failure(samples[failure].failures, 1)[0] == "resets"
    assert rows[failure].achieved_users >= 64


@pytest.mark.parametrize(
    "name",
    [
        # `flashcrowd run election-night-2016-11-08 --profile unbounded --duration 60s`: the whole night
        # compressed into a minute, up to 2,000 visitors against a site answering in a millisecond.
        "election-night-in-60s-unbounded",
        # The same journeys, 400 visitors held 90 s at x1 (scale 1), all starting their sessions at once:
        # their first seconds' burst was read as a plateau (the rule before this one: "saturated at 580").
        "election-night-400-at-x1-unbounded",
    ],
)
def test_the_bundled_scenario_against_an_unbounded_site_never_saturates(name):
    samples = timeline_samples(read_timeline(name))
    assert find_saturation(samples) is None
    assert find_first_failure(samples) is None


def searched(
    loads: list[int],
    served_at,
    seed: int = 0,
    pacing: Pacing | None = None,
    holds_up_to: int = 80,
    asks: float = 1.0,
) -> Saturation | None:
    """find-break's saturation over 5 s steps at ``loads`` visitors, each answered as ``timeline`` does;
    steps above ``holds_up_to`` judged bad (slow)."""
    measured = []
    for visitors in loads:
        rows = timeline([visitors] * 5, served_at, seed=seed * 1000 + visitors, asks=asks)
        answered = sum(row.requests for row in rows)
        measure = StepMeasure(
            load=visitors, offered=float(visitors), requests=answered, throughput_rps=answered / 5,
            p50_ms=rows[-1].p95_ms / 3, p95_ms=rows[-1].p95_ms, sent=answered, seconds=5,
        )  # fmt: skip
        measured.append((measure, GOOD if visitors <= holds_up_to else Verdict("bad", "latency", "slow")))
    search = BreakSearch(plan(start=loads[0]))
    for measure, verdict in measured:
        search.record(measure.load, verdict)
    units = LoadUnits("closed", per_user=1.0, scale=1.0, session_duration_s=60.0, pacing=pacing)
    return build_answer(search, measured, units, None, {}).saturation


def test_find_breaks_steps_and_a_runs_seconds_meet_the_same_rule_on_the_same_site():
    # The same site (at most 100 answers a second, each visitor asking once a second) ramped through
    # in seconds, and searched in 5 s steps, saturates at the same load either way.
    ramp = [10 + 4 * second for second in range(60)]
    by_seconds = saturation_of(timeline(ramp, lambda users: min(users * 1.0, 100.0), seed=11))
    by_steps = searched([20, 40, 60, 80, 120, 160, 240], lambda users: min(users * 1.0, 100.0))
    assert by_seconds is not None and by_steps is not None
    assert by_steps.load == pytest.approx(by_seconds.load, rel=0.05)
    assert by_steps.load == pytest.approx(100, rel=0.05)


# The visitors of timeline(): one request a session, THINK_S between them (p50 about SERVICE_S).
ONE_A_SECOND = Pacing(requests_per_session=1.0, think_s_per_session=THINK_S, per_visitor=True, burst=1.0)


def test_light_steps_are_read_at_their_pacing_which_their_noise_cannot_tell_apart():
    # A few light steps measure the rate a visitor asks to about 6 %, and saturation is the plateau
    # over it; the scenario's pacing gives it up to the light latency (about 2 % of a second here).
    light = [10, 20, 40]
    loads = [*light, 80, 120, 160, 240]
    capped = lambda users: min(users * 1.0, 100.0)  # noqa: E731
    paced = [searched(loads, capped, seed, ONE_A_SECOND) for seed in range(30)]
    measured = [searched(loads, capped, seed) for seed in range(30)]
    assert all(s is not None for s in paced + measured)
    assert rms_error(paced, 100) < 0.7 * rms_error(measured, 100)  # 2.5 % against 4.4 % when written
    assert all(s.load == pytest.approx(100, rel=0.07) for s in paced), paced
    assert "its pacing asks 0.998, within the noise" in paced[0].evidence


def rms_error(found: list[Saturation], expected: float) -> float:
    return (sum((s.load / expected - 1) ** 2 for s in found) / len(found)) ** 0.5


def test_a_site_that_doubles_every_request_is_read_at_what_light_load_got():
    # Each page redirects once, so a visitor asks twice what the scenario's pacing says, and the site's
    # 100 answers a second serve 50 visitors: the measured rate, not the pacing, places saturation.
    doubled = lambda users: min(users * 2.0, 100.0)  # noqa: E731
    saturation = searched(
        [5, 10, 20, 40, 60, 80, 120], doubled, seed=1, pacing=ONE_A_SECOND, holds_up_to=40, asks=2.0
    )
    assert saturation is not None and saturation.load == pytest.approx(50, rel=0.15)  # the pacing: 100
    assert "pacing" not in saturation.evidence


def test_pacing_follows_the_scenario_and_the_model():
    probe = pacing(load_scenario(resolve_scenario("probe-election-night")))
    assert probe.rate_per_unit(0.05) == pytest.approx(1 / 1.05)  # one page per 1 s think and 50 ms answer
    opened = pacing(load_scenario(resolve_scenario("probe-election-night")), per_visitor=False)
    assert opened.rate_per_unit(0.05) == opened.requests_per_session == pytest.approx(2.375)
    night = pacing(load_scenario(resolve_scenario("election-night-2016-11-08")))
    assert night.burst == pytest.approx(5.40, abs=0.01)  # first pages come with six assets


def test_requests_vary_as_counts_of_bursts_a_think_ends():
    reading, at_once = Distribution("constant", 10.0), Distribution("constant", 0.0)
    steps = (
        Step("home", "GET", "/"),
        *(Step("assets", "GET", f"/{n}.css", think=at_once) for n in range(6)),
        Step("form", "GET", "/form"),
        Step("submit", "POST", "/form", think=at_once),  # its answer follows at once
        Step("result", "GET", "/result", probability=0.5),
    )
    # Bursts: home and its assets (7), form (1), submit and, half the time, result (1.5).
    squares = 7**2 + 1 + (0.5 * 0.5 + 1.5**2)
    assert burst_dispersion((Journey("j", 1.0, steps),), reading) == pytest.approx(squares / 9.5)
