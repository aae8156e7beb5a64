"""flashcrowd find-break end to end: real searches against the bundled target, a server that times
out instead of resetting, and a starved load generator. Each search is bounded by its --budget."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from loadgen_helpers import one_page_scenario

pytestmark = pytest.mark.load

# Short steps: these sites settle within a second or two (service times of tens of ms, 1 s think).
FAST_STEPS = ["--warmup", "2s", "--window", "3s"]
SEARCH_LIMIT_S = 180  # the bound on one search


def write_profile(tmp_path: Path, name: str, workers: int, queue: int, dynamic_s: float) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(
        f"site: ircc\nworkers: {workers}\nqueue: {queue}\nqueue_timeout_s: 10\noverload: reset\n"
        f"service:\n  static: exponential:0.001\n  dynamic: exponential:{dynamic_s}\n"
        f"  heavy: exponential:{2 * dynamic_s}\nseed: 7\n"
    )
    return path


def find_break(
    *args: str, timeout_s: float = SEARCH_LIMIT_S + 60
) -> tuple[subprocess.CompletedProcess[str], dict]:
    out = Path(args[args.index("--out") + 1])
    result = subprocess.run(
        [sys.executable, "-m", "flashcrowd", "find-break", "--seed", "11", *args],
        capture_output=True,
        text=True,
        timeout=timeout_s,
    )
    document = json.loads((out / "find-break.json").read_text()) if (out / "find-break.json").exists() else {}
    return result, document


# Two capacities, each with the model its queue suits: a long waiting room keeps the closed
# model's random fluctuations small beside N* + K; a short one lets an open-model queue fill
# within a step when arrivals outrun c/S. The --start puts the first doublings below the break.
# The open model's 20 ms service time: short enough that the queue forgets its past within a
# window, long enough that the target's own overhead per request stays a small part of it.
@pytest.mark.parametrize(
    ("model", "workers", "queue", "dynamic_s", "start"),
    [
        ("closed", 2, 60, 0.020, "100"),  # N* + K = 2(0.02 + 1)/0.02 + 60 = 162 visitors
        ("open", 4, 16, 0.020, "125"),  # c/S/pages = 4/0.02/1 = 200 sessions/s
    ],
    ids=["closed-2w-q60", "open-4w-q16"],
)
def test_break_found_within_ten_percent_of_the_analytic_prediction(
    target_factory, tmp_path, model, workers, queue, dynamic_s, start
):
    profile = write_profile(tmp_path, f"{model}-{workers}w", workers, queue, dynamic_s)
    target = target_factory(str(profile))
    # The open model's formula holds for Poisson requests: one-page visits, no retries. (With longer
    # visits, a visitor who is reset leaves and skips the rest, so load falls as resets rise.)
    scenario = ["--scenario", str(one_page_scenario(tmp_path))] if model == "open" else []
    # A queue near its limit wanders for seconds (an open one near c/S, a closed room of 60 near full):
    # a 5 s window keeps one wander from deciding a step (with 3 s, resets at 5 % came 12 % late once).
    window = ["--window", "5s"]
    started = time.monotonic()
    result, found = find_break(
        "--host", target.url, "--predict-profile", str(profile), "--model", model, "--start", start,
        *scenario, *FAST_STEPS, *window, "--out", str(tmp_path / "out"),
    )  # fmt: skip
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert found["stopped"] == "resolved"
    resets = found["first_resets"]
    deviation = found["prediction"]["break_deviation"]
    assert abs(deviation) <= 0.10, f"resets at {resets['load']} vs predicted {found['prediction']['break']}"
    assert (resets["load"] - resets["held"]["load"]) / resets["held"]["load"] <= 0.05
    # Nothing fails before the knee: slow pages, or resets, but not below N*.
    assert found["first_failure"]["load"] >= 0.9 * found["prediction"]["knee"]
    assert elapsed <= SEARCH_LIMIT_S
    assert "resets at" in result.stdout and "predicted" in result.stdout
    assert (tmp_path / "out" / "find-break.png").stat().st_size > 0


@pytest.fixture
def silent_server():
    """A server whose listen backlog is full at once and that never accepts: SYNs are dropped silently."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    server.close()


def test_a_server_that_drops_connections_breaks_with_timeouts_not_resets(silent_server, tmp_path):
    result, found = find_break(
        "--host", silent_server, "--start", "4", "--connect-timeout", "1s", "--read-timeout", "1s",
        "--warmup", "1s", "--window", "2s", "--drain-timeout", "2s", "--reset-search", "1", "--budget", "30s",
        "--out", str(tmp_path),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert found["failure_kind"] == "timeouts"
    assert found["steps"][0]["errors"].get("connection_reset", 0) == 0
    assert "timeouts: " in result.stdout and found["first_resets"] is None


def test_a_starved_generator_is_inconclusive_not_a_break(target_factory, tmp_path):
    target = target_factory("unbounded")  # the site never limits: only the generator can
    result, found = find_break(
        "--host", target.url, "--model", "open", "--start", "4000", "--arrival-rate-per-user", "100",
        "--max-sessions", "1500", "--warmup", "2s", "--window", "3s", "--budget", "30s",
        "--out", str(tmp_path),
    )  # fmt: skip
    assert result.returncode == 4, result.stderr
    assert found["stopped"] == "inconclusive"
    assert found["first_bad"] is None and found["break"] is None
    assert found["steps"][0]["status"] == "inconclusive"
    assert "load generator limited" in result.stdout
