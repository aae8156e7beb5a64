"""The timeline's saturation verdict: a site that kept up is not called saturated by the noise of a few
answers or by the second a run stops in; a site whose throughput levels off is, at the load where it did."""

from __future__ import annotations

import random

import numpy as np
import pytest

from flashcrowd.results.analysis import find_saturation
from flashcrowd.results.timeline import TimelineRow

SERVICE_S = 0.02  # S: what one answer takes at light load
THINK_S = 0.98  # Z: so each visitor asks once a second while the site keeps up


def timeline(users_at, served_at, seed: int, last_second_s: float = 1.0) -> list[TimelineRow]:
    """Rows for each second of ``users_at`` (users by second): answers Poisson around ``served_at(users)``,
    p95 from the response time a closed loop of visitors thinking THINK_S sees at that throughput. The
    last row lasts ``last_second_s`` (a run stopped mid-second) and gets that share of its answers."""
    poisson = np.random.default_rng(seed).poisson
    jitter = random.Random(seed)
    rows, wall_s = [], 0.0
    for second, users in enumerate(users_at):
        length = last_second_s if second == len(users_at) - 1 else 1.0
        wall_s += length
        rate = served_at(users)
        response_s = max(SERVICE_S, users / rate - THINK_S)  # Little's law: N = X (R + Z)
        p95 = 3000 * response_s * (1 + 0.2 * jitter.random())
        answered = int(poisson(rate * length))
        rows.append(TimelineRow(wall_s, "", users, users, users, users, requests=answered, p95_ms=p95))
    return rows


def test_a_short_ramp_that_the_site_kept_up_with_is_never_called_saturated():
    # ci-smoke's shape: 20 visitors by 10 s, each answered once a second, stopped 0.2 s into the 13th second
    ramp = [min(20, 2 * (second + 1)) for second in range(13)]
    for seed in range(200):
        rows = timeline(ramp, lambda users: users * 1.0, seed, last_second_s=0.2)
        assert find_saturation(rows) is None, seed


def test_a_site_whose_throughput_levels_off_saturates_where_it_did():
    # one answer a second per visitor while the site keeps up, at most 100 a second: N* = 100 visitors
    ramp = [10 + 4 * second for second in range(60)]  # 10 to 246 visitors
    rows = timeline(ramp, lambda users: min(users * 1.0, 100.0), seed=7)
    saturation = find_saturation(rows)
    assert saturation is not None
    assert saturation.sim_users == pytest.approx(100, rel=0.1)
    assert saturation.row.achieved_users == pytest.approx(100, abs=8)
