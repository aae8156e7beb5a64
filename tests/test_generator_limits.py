"""The generator's own limits: what cannot fit is refused before the run, and a run that hits one
(too few files for its sockets) ends `client_limit`, exit 4, with no verdict on the site."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from run_helpers import finish_run

from flashcrowd.bundled_paths import SCENARIOS_DIR
from flashcrowd.load_models.preflight import GeneratorBudget, check_generator, generator_budget
from flashcrowd.scenario import load_scenario
from flashcrowd_common.errors import UsageError

# A site whose every page takes 2 s (no capacity limit): visitors wait on open sockets.
SLOW_PROFILE = """\
site: ircc
workers: 1000000
queue: 0
queue_timeout_s: 60
overload: reset
service: {static: "constant:0", dynamic: "constant:2", heavy: "constant:2"}
seed: 0
"""

SCENARIO = """\
flashcrowd: 1
name: generator-limits
description: {users} visitors arriving within 3 s, one page each.
clock: {{start: "2016-11-08 22:00", timezone: America/Toronto, compress: 1}}
scale: 1.0
load:
  unit: concurrent_users
  keyframes:
    - {{at: "+0s", value: 0}}
    - {{at: "+3s", value: {users}}}
    - {{at: "+8s", value: {users}}}
origins: [{{at: "+0s", shares: {{US: 0.5, CA: 0.5}}}}]
think_time: {think}
journeys:
  - {{name: read, weight: 1, steps: [{{name: home, get: /english/index.asp}}]}}
seed: 7
"""

FILES = 160  # the file limit the run gets: 60 sockets once Locust's own files are counted


def write_scenario(directory: Path, users: int, think: str) -> Path:
    path = directory / "generator-limits.yaml"
    path.write_text(SCENARIO.format(users=users, think=think), encoding="utf-8")
    return path


def limited_run(scenario: Path, *args: str, out: Path) -> subprocess.Popen[str]:
    """`flashcrowd run` with a hard file limit of FILES (prlimit), in its own session."""
    command = ["prlimit", f"--nofile={FILES}:{FILES}", sys.executable, "-m", "flashcrowd", "run"]
    command += [str(scenario), *args, "--out", str(out)]
    return subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def test_a_peak_whose_sockets_cannot_fit_the_file_limit_is_refused_in_one_line(tmp_path):
    # Visitors who read for 1 s keep their connection (keep-alive 5 s): 300 sockets, 60 fit.
    scenario = write_scenario(tmp_path, 300, "{distribution: constant, mean: 1s}")
    code, output = finish_run(limited_run(scenario, "--host", "http://127.0.0.1:9", out=tmp_path / "out"), 30)
    lines = output.strip().splitlines()
    assert code == 2 and len(lines) == 1, output
    assert "--workers 1" in lines[0] and f"file limit {FILES}" in lines[0] and "300 sockets" in lines[0]


@pytest.mark.load
def test_a_run_out_of_files_is_a_client_limit_with_exit_4_and_no_site_verdict(tmp_path, target_factory):
    profile = tmp_path / "slow.yaml"
    profile.write_text(SLOW_PROFILE, encoding="utf-8")
    target = target_factory(str(profile))
    # Readers of a minute hold no socket while the site keeps up, so the preflight lets it run; but
    # the site takes 2 s a page, and 240 visitors arriving within 3 s wait on 240 sockets at once.
    scenario = write_scenario(tmp_path, 240, "{distribution: exponential, mean: 60s}")
    code, output = finish_run(limited_run(scenario, "--host", target.url, out=tmp_path / "out"), 60)

    assert code == 4, output
    assert f"file limit {FILES}" in output  # it said what it could hold
    assert "The load generator was the limit" in output and "too_many_open_files" in output
    for claim in ("saturated", "first failed", "never failed", "resets began", "No connection resets"):
        assert claim not in output, output
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["verdict"] == "generator_failure"
    assert summary["totals"]["failures_by_kind"]["client_limit"] > 0
    assert summary["break"] is None and "too_many_open_files" in summary["generator_limit"]


def budget(**changes: object) -> GeneratorBudget:
    """Election night at full scale on two workers, on this kind of machine."""
    figures = dict(
        visitors_per_process=101_000.0,
        sockets_per_process=367.0,
        file_limit=20_000,
        connections_per_s=3_184.0,
        ports=28_232,
        tw_reuse=True,
    )
    return GeneratorBudget(**{**figures, **changes})


def test_time_wait_beyond_the_port_range_is_refused_without_reuse_and_said_with_it():
    assert "the kernel reuses them" in check_generator(budget(), "--workers 2")
    with pytest.raises(UsageError, match=r"--workers 2: .*3,184 connections/s.*191,040 in TIME_WAIT.*28,232"):
        check_generator(budget(tw_reuse=False), "--workers 2")


def test_the_budget_follows_the_scenario_peak_and_think_times():
    night = load_scenario(SCENARIOS_DIR / "election-night-reload-2016-11-08.yaml")
    figures = generator_budget(night, 2, "http://127.0.0.1:8080", keepalive_s=5.0)
    assert figures.visitors_per_process == 101_000
    # 202,000 visitors reloading once a minute: 3,367 requests/s, 92 % of them after a think
    # longer than keep-alive (e^(-5/60)), each on a new connection.
    assert 3_050 < figures.connections_per_s < 3_300
    assert 250 < figures.sockets_per_process < 450 and figures.tw_reuse
