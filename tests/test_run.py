"""`flashcrowd run`: ci-smoke end to end, and bad input refused in one line before anything starts."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
import urllib.request
from html import unescape
from pathlib import Path

import pytest
from cli_helpers import assert_one_line_error
from ports import closed_port

from flashcrowd.bundled_paths import SCENARIOS_DIR
from flashcrowd.launch.runner import WEB_AUTOQUIT_S, run_child
from flashcrowd.results.record import read_record


def flashcrowd(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flashcrowd", *args], capture_output=True, text=True, timeout=timeout
    )


@pytest.mark.load
def test_ci_smoke_runs_end_to_end_in_under_90_seconds(tmp_path):
    started = time.monotonic()
    result = flashcrowd("run", str(SCENARIOS_DIR / "ci-smoke.yaml"), "--out", str(tmp_path), timeout=120)
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stdout + result.stderr
    assert elapsed < 90
    record = read_record(tmp_path / "summary.json")
    assert record.verdict == "passed"
    assert record.totals.requests > 300  # 20 visitors for ~30 s at ~1 s think time
    assert record.totals.peak_achieved_users == 20
    for name in ("timeline.csv", "report.html", "junit.xml", "locust.log"):
        assert (tmp_path / name).is_file(), name
    assert "No connection resets during ci-smoke" in result.stdout
    assert f"Report: {tmp_path / 'report.html'}" in result.stdout
    # ci-small serves 400 answers a second; 20 visitors ask ~20: the site kept up, it never saturated.
    assert record.break_answer.saturation is None
    assert "The site did not saturate during ci-smoke" in result.stdout
    # One answer per run: report.html's header says the CLI's three sentences, word for word.
    html = (tmp_path / "report.html").read_text()
    header = re.findall(r'<p class="answer">(.*?)</p>', html)
    assert len(header) == 3 and all(unescape(line) in result.stdout for line in header)


@pytest.mark.load
def test_the_web_ui_shows_the_run_live_and_the_run_still_ends_by_itself(tmp_path):
    port = closed_port()
    command = [sys.executable, "-m", "flashcrowd", "run", "ci-smoke", "--duration", "8s"]
    run = subprocess.Popen(
        [*command, "--web-port", str(port), "--out", str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        live = _poll_web_ui(f"http://127.0.0.1:{port}/stats/requests", timeout_s=20)
        stdout, _ = run.communicate(timeout=8 + WEB_AUTOQUIT_S + 30)
    finally:  # a failed check must not leave Locust or the target behind
        if run.poll() is None:
            run.terminate()
            run.wait(timeout=30)
    assert live["state"] == "running" and live["user_count"] > 0
    assert run.returncode == 0, stdout
    assert read_record(tmp_path / "summary.json").verdict == "passed"


def _poll_web_ui(url: str, timeout_s: float) -> dict:
    """The first answer from Locust's stats endpoint that shows visitors running."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                stats = json.load(answer)
            if stats["state"] == "running" and stats["user_count"] > 0:
                return stats
        except OSError:
            pass  # not listening yet
        time.sleep(0.2)
    raise AssertionError(f"{url} never showed a running test in {timeout_s:.0f} s")


def test_a_busy_web_port_is_refused_before_anything_starts(tmp_path, capsys):
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        argv = ["run", "ci-smoke", "--web-port", str(port), "--out", str(tmp_path)]
        assert_one_line_error(capsys, argv, 2, f"--web-port {port}: 127.0.0.1:{port} is not free")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["/nonexistent/scenario.yaml"], ["/nonexistent/scenario.yaml", "no such file"]),
        (["ci-smoke", "--duration", "soon"], ["--duration", "expected"]),
        (["ci-smoke", "--workers", "0"], ["--workers", ">= 1"]),
        (["ci-smoke", "--scale", "lots"], ["--scale"]),
        (["ci-smoke", "--host", "127.0.0.1:8080"], ["expected an http"]),
        (["ci-smoke", "--web-port", "0"], ["--web-port 0: expected a port from 1 to 65535"]),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, words, tmp_path, capsys):
    assert_one_line_error(capsys, ["run", *args, "--out", str(tmp_path / "out")], 2, *words)


def test_a_remote_host_is_refused_unless_allowed(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("FLASHCROWD_ALLOW_REMOTE_TARGET", raising=False)
    argv = ["run", "ci-smoke", "--host", "http://192.0.2.10", "--out", str(tmp_path)]
    assert_one_line_error(capsys, argv, 2, "192.0.2.10", "not this machine", "--allow-remote-target")
    assert not (tmp_path / "summary.json").exists()


def test_an_unreachable_host_is_exit_3(tmp_path, capsys):
    argv = ["run", "ci-smoke", "--host", f"http://127.0.0.1:{closed_port()}", "--out", str(tmp_path)]
    assert_one_line_error(capsys, argv, 3, "connection refused", "start the site")


def test_a_child_that_overruns_its_deadline_is_stopped_with_its_group(tmp_path):
    # The child forks a grandchild (as --processes does); both must be gone after the deadline.
    pid_file = tmp_path / "grandchild.pid"
    script = (
        "import subprocess, sys, time; "
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)']); "
        f"open({str(pid_file)!r}, 'w').write(str(p.pid)); time.sleep(120)"
    )
    started = time.monotonic()
    assert run_child([sys.executable, "-c", script], tmp_path, deadline_s=2.0) == 4
    assert time.monotonic() - started < 15
    time.sleep(0.2)
    assert not _alive(int(pid_file.read_text()))


def _alive(pid: int) -> bool:
    """Running, not a zombie waiting for a parent that has gone (a container's init may not reap it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"
