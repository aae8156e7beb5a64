"""find-break against real third-party stacks, each started here with its capacity computed from its
configuration: gunicorn (sync workers), nginx with few worker_connections in front of it, and haproxy
with a server maxconn and a queue timeout. Each search runs with short steps and is bounded by its
--budget. The closed model sends the default probe visitor, what a new user gets (2.4 pages a visit,
1 s between pages); the open model one page a visit, so that its warm-up is short and the capacity in
sessions/s is c/S itself."""

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
# Short steps (these stacks settle within a second), a 10 % resolution, and no look for resets past
# the first failure (these stacks do not reset; the bundled target's tests cover that look): about a
# minute a search. The first steps start below the capacity so the doubling crosses it.
QUICK = ["--warmup", "2s", "--window", "3s", "--resolution", "10%", "--reset-search", "1", "--budget", "150s"]
START = {"closed": "30", "open": "20"}


def search(stack: Stack, model: str, out: Path) -> dict:
    scenario = ["--scenario", str(one_page_scenario(out.parent))] if model == "open" else []
    trust = ["--ca-cert", stack.certificate] if stack.certificate else []
    result = subprocess.run(
        [sys.executable, "-m", "flashcrowd", "find-break", "--host", stack.url, "--model", model,
         "--start", START[model], "--seed", "5", *scenario, *trust, *QUICK, "--out", str(out)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads((out / "find-break.json").read_text())


@pytest.fixture(scope="module", params=list(STACKS))
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


OPEN_SEARCHES: dict[tuple[int, ...], dict] = {}  # by the stack's PIDs: one running stack, one entry


def test_open_model_holds_no_more_than_the_capacity_and_breaks_near_it(stack, tmp_path):
    found = OPEN_SEARCHES[stack.pids] = search(stack, "open", tmp_path / "out")
    capacity = stack.capacity_rps  # one page a session: c/S sessions/s
    highest_held = max(step["offered"] for step in held(found))
    assert highest_held <= 1.1 * capacity, f"{stack.name}: held {highest_held} of capacity {capacity:.1f}"
    failure = found["first_failure"]
    assert abs(failure["load"] / capacity - 1) <= 0.15, f"{stack.name}: {failure}, capacity {capacity:.1f}"


def test_closed_model_saturates_near_n_star_and_holds_only_what_it_served(stack, tmp_path):
    found = search(stack, "closed", tmp_path / "out")
    knee = stack.knee_users(THINK_S)
    saturation = found["saturation"]
    assert saturation is not None and abs(saturation["load"] / knee - 1) <= 0.15, (
        f"{stack.name}: saturation {saturation}, N* {knee:.0f}"
    )
    lightest_p95 = min(found["steps"], key=lambda step: step["offered"])["p95_ms"]
    for step in held(found):
        assert failed_share(step) <= 0.05, f"{stack.name}: held a step with failures: {step}"
        assert step["p95_ms"] <= 10 * lightest_p95, f"{stack.name}: held a slow step: {step}"
    assert found["first_failure"] is not None


@pytest.mark.parametrize("stack", ["gunicorn"], indirect=True)
def test_a_second_search_against_the_same_gunicorn_agrees(stack, tmp_path):
    first = OPEN_SEARCHES.get(stack.pids) or search(stack, "open", tmp_path / "first")
    second = search(stack, "open", tmp_path / "second")
    a, b = first["first_failure"]["load"], second["first_failure"]["load"]
    assert abs(a / b - 1) <= 0.15, f"the first search broke at {a}, the second at {b}"


@pytest.mark.parametrize("stack", ["nginx+gunicorn"], indirect=True)
def test_over_https_with_its_ca_the_answer_is_plain_https_within_15_percent(stack, tmp_path):
    """The same nginx and gunicorn, over HTTPS with a self-signed certificate trusted by --ca-cert:
    the handshakes of new sessions must not move where it first fails by more than 15 %."""
    plain = OPEN_SEARCHES.get(stack.pids) or search(stack, "open", tmp_path / "plain")
    with nginx_stack(tls=True) as secure:
        found = search(secure, "open", tmp_path / "https")
    a, b = plain["first_failure"]["load"], found["first_failure"]["load"]
    assert abs(b / a - 1) <= 0.15, f"plain HTTP first failed at {a}, HTTPS at {b}: {found['first_failure']}"
