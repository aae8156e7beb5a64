"""find-break against real third-party stacks, each started here with its capacity computed from its
configuration: gunicorn (sync workers, its default listen backlog of 2,048), nginx with few
worker_connections in front of it, haproxy with a server maxconn and a queue timeout, and an ASGI app
that queues in its own memory under uvicorn. Each search runs with short steps and is bounded by its
--budget. The closed model sends the default probe visitor, what a new user gets (2.4 pages a visit,
1 s between pages); the open model one page a visit, so that its warm-up is short and the capacity in
sessions/s is c/S itself. Against the stacks with a deep queue the search also looks for resets past
the first failure, as by default, which overloads that queue: the first failure must survive it.
Against Caddy in front of gunicorn, the open model's lightest steps carry a few requests each."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from loadgen_helpers import one_page_scenario
from stacks import STACKS, Stack, StackUnavailable, nginx_stack

from flashcrowd.bundled_paths import resolve_scenario
from flashcrowd.scenario import load_scenario

pytestmark = pytest.mark.load

PROBE = load_scenario(resolve_scenario("probe-election-night"))
THINK_S = PROBE.think_time.mean
# Short steps (these stacks settle within a second) and a 10 % resolution: about a minute a search. The
# first steps start below the capacity so the doubling crosses it.
QUICK = ["--warmup", "2s", "--window", "3s", "--resolution", "10%", "--budget", "150s"]
START = {"closed": "30", "open": "20"}
DEEP_QUEUES = ("gunicorn", "uvicorn")  # a deep queue that a look for resets would overload
# The front ends do not reset within 4 times their first failure; no look for resets keeps them short.
NO_RESET_SEARCH = ["--reset-search", "1"]


def search(stack: Stack, model: str, out: Path, *options: str) -> dict:
    scenario = ["--scenario", str(one_page_scenario(out.parent))] if model == "open" else []
    trust = ["--ca-cert", stack.certificate] if stack.certificate else []
    reset_search = [] if stack.name in DEEP_QUEUES else NO_RESET_SEARCH
    result = subprocess.run(
        [sys.executable, "-m", "flashcrowd", "find-break", "--host", stack.url, "--model", model,
         "--start", START[model], "--seed", "5", *scenario, *trust, *QUICK, *reset_search, *options,
         "--out", str(out)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads((out / "find-break.json").read_text())


# A stack for each test: a search may leave a deep queue behind it.
@pytest.fixture(params=["gunicorn", "nginx+gunicorn", "haproxy+gunicorn", "uvicorn"])
def stack(request):
    try:
        with STACKS[request.param]() as running:
            yield running
    except StackUnavailable as missing:
        pytest.skip(str(missing))


def held(found: dict) -> list[dict]:
    return [step for step in found["steps"] if step["status"] == "good"]


def failed_share(step: dict) -> float:
    failed = sum(n for kind, n in step["errors"].items() if kind not in ("http_4xx", "client_limit"))
    return failed / max(step["requests"], 1)


def assert_breaks_near(found: dict, capacity: float, stack: Stack, bounds: tuple[float, float]) -> None:
    """The first failure within ``bounds`` times ``capacity``, and no step held past 1.1 times it."""
    highest_held = max(step["offered"] for step in held(found))
    assert highest_held <= 1.1 * capacity, f"{stack.name}: held {highest_held} of capacity {capacity:.1f}"
    failure = found["first_failure"]
    low, high = bounds
    assert low <= failure["load"] / capacity <= high, f"{stack.name}: {failure}, capacity {capacity:.1f}"


OPEN_SEARCHES: dict[str, dict] = {}  # by stack name: the HTTPS test compares with plain HTTP's


def test_open_model_holds_no_more_than_the_capacity_and_breaks_near_it(stack, tmp_path):
    found = OPEN_SEARCHES[stack.name] = search(stack, "open", tmp_path / "out")
    assert_breaks_near(found, stack.capacity_rps, stack, (0.85, 1.15))  # one page a session: c/S sessions/s


def test_closed_model_saturates_near_n_star_and_holds_only_what_it_served(stack, tmp_path):
    found = search(stack, "closed", tmp_path / "out")
    knee = stack.knee_users(THINK_S)
    saturation = found["saturation"]
    # One rule for runs and steps (results/analysis.py) claims saturation only where a step's served rate
    # fell measurably short of light load's; a stack whose latency rule fails first, before that shows
    # (nginx in front once did), must then have failed near N*.
    if saturation is None:
        assert_breaks_near(found, knee, stack, (0.75, 1.25))
    else:
        # Light steps read at the scenario's pacing (results/pacing.py): the benchmark's default steps
        # measured 0.95-0.98 N* on every stack, wrk 0.95-0.98 of c/S; these steps are shorter, and CI
        # once read haproxy at 0.924 N* (4 Dec), so 10 %.
        assert abs(saturation["load"] / knee - 1) <= 0.10, (
            f"{stack.name}: saturation {saturation}, N* {knee:.0f}"
        )
        # Steady 50 ms workers: the plateau's steps agree, and one 3 s step of ~240 answers has a
        # Poisson count's 6.5 % (these searches: 0.4 to 6 %; the benchmark's longer steps 0.2 to 0.6 %).
        assert saturation["standard_error"] < 0.10 * saturation["load"], saturation
    lightest_p95 = min(found["steps"], key=lambda step: step["offered"])["p95_ms"]
    for step in held(found):
        assert failed_share(step) <= 0.05, f"{stack.name}: held a step with failures: {step}"
        assert step["p95_ms"] <= 10 * lightest_p95, f"{stack.name}: held a slow step: {step}"
    assert found["first_failure"] is not None
    if stack.name in DEEP_QUEUES:  # the front ends' latency rises gently: haproxy held 1.15 N* once
        assert_breaks_near(found, knee, stack, (0.75, 1.25))


@pytest.mark.parametrize("stack", ["caddy+gunicorn"], indirect=True)
def test_thin_light_steps_are_lengthened_not_failed_by_a_request_in_flight(stack, tmp_path):
    """Caddy in front of gunicorn (80 req/s), open model: steps of 8 requests a window, up to half
    the capacity all hold (one request still in flight at a window's end once failed the lightest)."""
    found = search(
        stack, "open", tmp_path / "out", "--start", "4", "--warmup", "1s", "--window", "2s",
        "--ceiling", f"{stack.capacity_rps / 2:g}",
    )  # fmt: skip
    assert found["stopped"] == "ceiling" and found["first_failure"] is None, found["steps"]
    lightest = min(found["steps"], key=lambda step: step["offered"])
    assert lightest["seconds"] > 2, lightest  # held for more than one window: it had too few requests


@pytest.mark.parametrize("stack", ["nginx+gunicorn"], indirect=True)
def test_over_https_with_its_ca_the_answer_is_plain_https_within_15_percent(stack, tmp_path):
    """The same nginx and gunicorn, over HTTPS with a self-signed certificate trusted by --ca-cert:
    the handshakes of new sessions must not move where it first fails by more than 15 %."""
    plain = OPEN_SEARCHES.get(stack.name) or search(stack, "open", tmp_path / "plain")
    with nginx_stack(tls=True) as secure:
        found = search(secure, "open", tmp_path / "https")
    a, b = plain["first_failure"]["load"], found["first_failure"]["load"]
    assert abs(b / a - 1) <= 0.15, f"plain HTTP first failed at {a}, HTTPS at {b}: {found['first_failure']}"
