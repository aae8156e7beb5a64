"""Short, bounded `flashcrowd run`s in a child process, shared by the tests that read what a run left."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from flashcrowd.bundled_paths import SCENARIOS_DIR

SMOKE = str(SCENARIOS_DIR / "ci-smoke.yaml")
ELECTION_NIGHT = "election-night-2016-11-08"
SHORT_SMOKE = ("--duration", "12s")  # the 40 s curve in 12 s: 20 visitors by 3 s, back to 0 from 10.5 s
CI_SMALL_SERVICE = {"static": 0.001, "dynamic": 0.005, "heavy": 0.020}  # target_app/profiles/ci-small.yaml


def start_run(*args: str, out: Path) -> subprocess.Popen[str]:
    """`flashcrowd run ARGS --out OUT` in its own process group (so a test can stop all of it)."""
    return subprocess.Popen(
        [sys.executable, "-m", "flashcrowd", "run", *args, "--out", str(out)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def finish_run(child: subprocess.Popen[str], timeout_s: float) -> tuple[int, str]:
    """Wait for the run (bounded); on overrun stop its whole group by PID. Returns (exit code, output)."""
    try:
        stdout, stderr = child.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
        stdout, stderr = child.communicate()
        raise AssertionError(f"flashcrowd run overran {timeout_s:.0f} s: {stderr[-2000:]}") from None
    return child.returncode, stdout + stderr


def run(*args: str, out: Path, timeout_s: float = 90) -> Path:
    """A whole run; asserts it measured something (exit 0 or 1) and returns its results directory."""
    code, output = finish_run(start_run(*args, out=out), timeout_s)
    assert code in (0, 1), output
    return out


def slower_profile(directory: Path, factor: float) -> Path:
    """The ci-small profile with every service time ``factor`` times longer, as a file."""
    service = "\n".join(f"  {name}: exponential:{mean * factor:g}" for name, mean in CI_SMALL_SERVICE.items())
    path = directory / f"ci-small-x{factor:g}.yaml"
    path.write_text(
        "site: ircc\nworkers: 2\nqueue: 8\nqueue_timeout_s: 1\noverload: reset\n"
        f"service:\n{service}\nseed: 1\n",
        encoding="utf-8",
    )
    return path


@dataclass(frozen=True)
class ScrapedRun:
    """A run whose live metrics were served: its results directory, our scrapes of them, what it printed."""

    out: Path
    scrapes: list[str]
    output: str
    ended_at: float  # epoch seconds, once the run's process had exited


def run_scraping(*args: str, out: Path, port: int, timeout_s: float = 90) -> ScrapedRun:
    """A whole run with ``--prometheus-port port``, scraping /metrics every 0.3 s while it goes."""
    child = start_run(*args, "--prometheus-port", str(port), out=out)
    scrapes: list[str] = []
    deadline = time.monotonic() + timeout_s
    while child.poll() is None and time.monotonic() < deadline:
        url = f"http://127.0.0.1:{port}/metrics"
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as answer:
            scrapes.append(answer.read().decode())
        time.sleep(0.3)
    code, output = finish_run(child, max(1.0, deadline - time.monotonic()))
    assert code in (0, 1), output
    return ScrapedRun(out, scrapes, output, time.time())


def one_page_ramp(light: int, peak: int, think_s: float = 1.0) -> str:
    """A scenario of one-page visits ``think_s`` apart at ×1: ``light`` visitors held 6 s (enough answers
    at light load to know each visitor's rate), then a 20 s ramp to ``peak``, held 2 s."""
    return f"""\
flashcrowd: 1
name: ramp-past-capacity
description: One-page visits, {think_s:g} s apart, {light} visitors for 6 s, then a ramp to {peak}.
clock: {{start: "2016-11-08 23:00", timezone: America/Toronto, compress: 1}}
scale: 1.0
load:
  unit: concurrent_users
  keyframes:
    - {{at: "+0s", value: {light}}}
    - {{hold: 6s}}
    - {{at: "+20s", value: {peak}}}
    - {{hold: 2s}}
origins: [{{at: "+0s", shares: {{US: 1.0}}}}]
think_time: {{distribution: exponential, mean: {think_s:g}s}}
on_error: {{retry_probability: 0, delay: {{distribution: constant, mean: 1s}}, max_retries: 0}}
journeys:
  - {{name: home, weight: 1, steps: [{{name: home, get: /}}]}}
"""
