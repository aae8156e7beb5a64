"""HTTPS end to end: nginx with a self-signed certificate in front of gunicorn, started here, and the
bundled target with --tls. Without --ca-cert every command stops before any load in one line; with
--insecure a run works and says so wherever its result is read. (find-break's answer over HTTPS beside
plain HTTP's is in test_find_break_stacks.py, which has the plain search already.)"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
import requests
from loadgen_helpers import write_scenario
from stacks import StackUnavailable, nginx_stack

from flashcrowd.http.http_client import Browser
from flashcrowd.http.tls import TlsSettings
from flashcrowd_common.errors import ExitCode

pytestmark = pytest.mark.load


@pytest.fixture(scope="module")
def https_stack():
    try:
        with nginx_stack(tls=True) as running:
            yield running
    except StackUnavailable as missing:
        pytest.skip(str(missing))


def flashcrowd(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flashcrowd", *args], capture_output=True, text=True, timeout=timeout
    )


@pytest.mark.parametrize("command", [["run", "ci-smoke"], ["smoke"], ["find-break"]])
def test_without_its_ca_every_command_stops_in_one_line_within_5_s(https_stack, command, tmp_path):
    started = time.monotonic()
    result = flashcrowd(*command, "--host", https_stack.url, "--out", str(tmp_path), timeout=30)
    elapsed = time.monotonic() - started
    assert result.returncode == ExitCode.TARGET_UNREACHABLE, result.stdout + result.stderr
    [line] = result.stderr.strip().splitlines()
    assert "certificate is not trusted" in line and "--ca-cert FILE" in line and "--insecure" in line, line
    assert elapsed < 5, f"{command}: {elapsed:.1f} s"
    assert not (tmp_path / "timeline.csv").exists()  # no load was sent


def test_insecure_runs_and_says_so_in_the_output_and_the_report(https_stack, tmp_path):
    scenario = write_scenario(tmp_path, users=10, seconds=6, think_s=0.5, name="https")
    out = tmp_path / "out"
    result = flashcrowd("run", str(scenario), "--host", https_stack.url, "--insecure", "--out", str(out))
    assert result.returncode == ExitCode.OK, result.stdout + result.stderr
    assert f"--insecure: the certificate of {https_stack.url} is not verified" in result.stderr
    assert "TLS: certificate NOT verified (--insecure);" in result.stdout
    tls = json.loads((out / "summary.json").read_text())["tls"]
    assert tls["verified"] is False
    # Each visitor's browser opens its connection once (think times are under the keep-alive).
    assert tls["handshakes"] >= 10 and 0 < tls["share_of_latency"] < 1, tls
    assert "NOT verified (--insecure)" in (out / "report.html").read_text()


def test_the_bundled_target_serves_https_with_a_certificate_it_names(target_factory):
    target = target_factory("ci-small", ["--tls"])
    assert target.url.startswith("https://127.0.0.1:") and target.certificate
    events: list[dict] = []
    context = TlsSettings(ca_cert=target.certificate).context()
    browser = Browser(target.url, lambda **event: events.append(event), tls=context)
    browser.request("GET", "/english/index.asp")
    assert events[0]["exception"] is None and events[0]["context"]["tls_handshake_ms"] > 0
    metrics = requests.get(target.url + "/__flashcrowd/metrics.json", verify=target.certificate, timeout=5)
    assert metrics.json()["tls_handshakes"] >= 1
