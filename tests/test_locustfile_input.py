"""Plain ``locust -f locustfiles/locustfile.py`` refuses bad input as flashcrowd does: no load, exit 2."""

from __future__ import annotations

import subprocess
import sys

import pytest

from flashcrowd.bundled_paths import LOCUSTFILE


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--scenario", "nope"], "flashcrowd: error: scenario 'nope': no such file"),
        (["--scenario", "ci-smoke", "--scale", "1e-9"], "gives 2e-08 simulated users at the peak; expected"),
        (["--scenario", "ci-smoke", "--read-timeout", "nan"], "argument --read-timeout: expected a duration"),
        (
            ["--scenario", "ci-smoke", "--keepalive-idle", "-1"],
            "argument --keepalive-idle: expected a duration",
        ),
    ],
)
def test_bad_options_stop_locust_before_any_load(options, expected):
    # Port 9 (discard) on this machine: were the check to let the run start, nothing could answer it.
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--run-time", "5s"]
    result = subprocess.run(
        [*command, "--host", "http://127.0.0.1:9", *options], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert expected in result.stderr.strip().splitlines()[-1]
