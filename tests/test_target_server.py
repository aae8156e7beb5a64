"""The bundled target over HTTP: pages, resets, overload options, recovery, bad input, metrics, start-up."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
import requests

from target_app.geo import address_in

pytestmark = pytest.mark.load

# One worker, no waiting room, heavy pages take 1.5 s: the second concurrent request overflows.
SLOW = ["--workers", "1", "--queue", "0", "--service", "heavy=constant:1.5"]
HEAVY = "/english/search.asp?q=visa"


def metrics(target):
    return requests.get(target.url + "/__flashcrowd/metrics.json", timeout=5).json()


def reset_error(exc: BaseException) -> ConnectionResetError | None:
    """The ConnectionResetError inside requests' exception chain, if any."""
    while exc is not None:
        if isinstance(exc, ConnectionResetError):
            return exc
        nested = [arg for arg in getattr(exc, "args", ()) if isinstance(arg, BaseException)]
        exc = nested[0] if nested else exc.__cause__ or exc.__context__
    return None


def timed_get(url):
    started = time.monotonic()
    try:
        return requests.get(url, timeout=10), time.monotonic() - started
    except requests.ConnectionError as error:
        return error, time.monotonic() - started


def raw(target, data: bytes) -> bytes:
    parts = urlsplit(target.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as sock:
        sock.sendall(data)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
        return received


def test_serves_the_site_with_cache_headers_and_a_404_page(target_factory):
    target = target_factory("ci-small")
    home = requests.get(target.url + "/", timeout=5)
    assert home.history[0].status_code == 302 and home.url.endswith("/english/index.asp")
    assert 20_000 <= len(home.content) <= 60_000 and "Government of Canada" in home.text
    css = requests.get(target.url + "/assets/css/wet-boew.css", timeout=5)
    assert css.headers["Cache-Control"].startswith("public") and css.headers["Content-Type"] == "text/css"
    missing = requests.get(target.url + "/english/nothing-here.asp", timeout=5)
    assert missing.status_code == 404 and "404" in missing.text
    head = requests.head(target.url + "/english/index.asp", timeout=5)
    assert head.status_code == 200 and head.content == b"" and int(head.headers["Content-Length"]) > 20_000
    with requests.Session() as session:  # keep-alive: many requests on one connection
        for _ in range(5):
            assert session.get(target.url + "/english/visit/index.asp", timeout=5).status_code == 200
    assert metrics(target)["connections"] <= 6


def test_the_nz_now_profile_serves_new_zealand_now(target_factory):
    target = target_factory("nz-now-2016")
    page = requests.get(target.url + "/visa/residence", timeout=5)
    assert page.status_code == 200 and "New Zealand Now" in page.text
    form = {
        "first_name": "Jane",
        "last_name": "Smith",
        "email": "j@example.com",
        "country": "US",
        "interest": "study",
    }
    assert requests.post(target.url + "/register", data=form, timeout=5).status_code == 200
    assert requests.post(target.url + "/register", data={**form, "email": "x"}, timeout=5).status_code == 400


def test_overload_resets_the_connection(target_factory):
    target = target_factory("ci-small", SLOW)
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(timed_get, target.url + HEAVY)
        time.sleep(0.3)
        second, elapsed = timed_get(target.url + HEAVY)
        assert first.result()[0].status_code == 200
    assert isinstance(second, requests.ConnectionError)
    error = reset_error(second)
    assert error is not None and error.errno == 104 and error.strerror == "Connection reset by peer"
    assert elapsed < 1.0  # the waiting room was full: reset at once
    counted = metrics(target)
    assert counted["resets_queue_full"] == 1 and counted["served"] == 1


def test_a_queued_request_is_reset_after_queue_timeout_not_before(target_factory):
    target = target_factory("ci-small", [*SLOW, "--queue", "1", "--queue-timeout", "0.6"])
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(timed_get, target.url + HEAVY)
        time.sleep(0.2)
        second, elapsed = timed_get(target.url + HEAVY)
        assert first.result()[0].status_code == 200
    assert reset_error(second) is not None
    assert 0.6 <= elapsed < 1.3  # waited the timeout, was reset before the worker came free
    assert metrics(target)["resets_queue_timeout"] == 1


@pytest.mark.parametrize(
    "action,status,text", [("503", 503, "Service Unavailable"), ("500", 500, "Server Error")]
)
def test_overload_can_answer_503_or_an_iis_error_page(target_factory, action, status, text):
    target = target_factory("ci-small", [*SLOW, "--overload", action])
    with ThreadPoolExecutor(2) as pool:
        pool.submit(timed_get, target.url + HEAVY)
        time.sleep(0.3)
        response, _ = timed_get(target.url + HEAVY)
    assert response.status_code == status and text in response.text
    counted = metrics(target)
    assert (
        counted["errors_5xx"] == 1 and counted["shed_queue_full"] == 1 and counted["resets_queue_full"] == 0
    )


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def test_recovers_within_a_second_after_a_burst_without_leaking_descriptors(target_factory):
    target = target_factory(
        "ci-small", ["--workers", "2", "--queue", "4", "--service", "dynamic=constant:0.05"]
    )
    requests.get(target.url + "/english/index.asp", timeout=5)
    time.sleep(0.2)
    baseline = open_fds(target.pid)

    def outcome(_: int) -> str:  # keep no response object: it would hold its connection open
        answer = timed_get(target.url + "/english/index.asp")[0]
        return "reset" if isinstance(answer, requests.ConnectionError) and reset_error(answer) else "other"

    with ThreadPoolExecutor(60) as pool:
        resets = list(pool.map(outcome, range(300))).count("reset")
    assert resets > 50, "the burst should overflow the waiting room"
    burst_over = time.monotonic()
    status = requests.get(target.url + "/english/work/index.asp", timeout=5).status_code
    assert status == 200 and time.monotonic() - burst_over < 1.0
    deadline = time.monotonic() + 3
    while open_fds(target.pid) > baseline and time.monotonic() < deadline:
        time.sleep(0.1)
    assert open_fds(target.pid) <= baseline
    counted = metrics(target)
    assert (
        counted["resets_queue_full"] >= resets and counted["in_flight"] == 0 and counted["busy_workers"] == 0
    )


@pytest.mark.parametrize(
    "data,status",
    [
        (b"NONSENSE\r\n\r\n", 400),
        (b"GET /english/index.asp HTTP/1.1\r\nBad header line\r\n\r\n", 400),
        (b"GET /x HTTP/1.1\r\nX-Big: " + b"a" * 20_000 + b"\r\n\r\n", 431),
        (b"POST /eta/apply HTTP/1.1\r\nContent-Length: 100000\r\n\r\n" + b"a" * 1000, 413),
        (b"POST /eta/apply HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 411),
        (b"DELETE /english/index.asp HTTP/1.1\r\n\r\n", 405),
        (b"GET /english/index.asp HTTP/9.9\r\n\r\n", 400),
        (b"POST /eta/apply HTTP/1.1\r\nContent-Length: 9\r\nConnection: close\r\n\r\nsurname=1", 400),
    ],
)
def test_bad_requests_get_4xx_and_leave_the_server_healthy(target_factory, data, status):
    target = target_factory("ci-small")
    answer = raw(target, data)
    assert answer.startswith(f"HTTP/1.1 {status} ".encode()), answer[:80]
    assert requests.get(target.url + "/english/index.asp", timeout=5).status_code == 200
    assert metrics(target)["busy_workers"] == 0


def test_idle_keep_alive_connections_hold_no_worker(target_factory):
    target = target_factory("ci-small", ["--workers", "1", "--queue", "0"])
    parts = urlsplit(target.url)
    idle = [socket.create_connection((parts.hostname, parts.port)) for _ in range(5)]
    try:
        idle[0].sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")  # then sits idle, connection kept alive
        assert idle[0].recv(100).startswith(b"HTTP/1.1 302")
        for _ in range(3):
            assert requests.get(target.url + "/english/index.asp", timeout=5).status_code == 200
    finally:
        for sock in idle:
            sock.close()


def test_analytics_count_sessions_by_forwarded_country(target_factory):
    target = target_factory("ci-small")
    # US, US, CA (from the GeoIP database) and a benchmarking address, which has no country.
    for address in ("8.8.8.8", "8.8.4.4", address_in("CA", random.Random(1)), "198.18.0.7"):
        requests.get(target.url + "/english/index.asp", headers={"X-Forwarded-For": f"{address}, 10.0.0.1"})
    with requests.Session() as session:  # a visitor keeping the cookie is one session
        for _ in range(3):
            session.get(target.url + "/english/index.asp", headers={"X-Forwarded-For": "8.8.8.8"})
    counted = requests.get(target.url + "/__flashcrowd/analytics.json", timeout=5).json()
    assert counted["sessions_by_country"] == {"US": 3, "CA": 1, "other": 1}
    assert counted["requests_by_country"]["US"] == 5
    assert counted["session_share_by_country"]["US"] == 0.6


def test_metrics_in_prometheus_text_and_json(target_factory):
    target = target_factory("ci-small")
    for path in ("/english/index.asp", "/english/index.asp", "/assets/css/theme.css"):
        requests.get(target.url + path, timeout=5)
    text = requests.get(target.url + "/__flashcrowd/metrics", timeout=5).text
    assert "flashcrowd_target_served_total 3" in text
    assert "# TYPE flashcrowd_target_latency_seconds histogram" in text
    assert 'flashcrowd_target_latency_seconds_count{route="/english/index.asp"} 2' in text
    assert 'flashcrowd_target_latency_seconds_bucket{route="/assets/*",le="+Inf"} 1' in text
    data = metrics(target)
    assert data["arrivals"] == 3 and data["workers"] == 2 and data["queue"] == 8
    assert data["routes"]["/english/index.asp"]["count"] == 2
    assert requests.get(target.url + "/__flashcrowd/health", timeout=5).json()["status"] == "ok"


def test_capacity_schedule_applies_changes_while_running(target_factory):
    target = target_factory("ci-small", ["--workers", "3", "--schedule", "1.5:6:20"])
    assert metrics(target)["workers"] == 3
    deadline = time.monotonic() + 5
    while metrics(target)["workers"] != 6 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert metrics(target)["workers"] == 6 and metrics(target)["queue"] == 20


def target_command(*args):
    return [sys.executable, "-m", "target_app", "--port", "0", *args]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_stops_cleanly_on_signals(signum, tmp_path):
    log = tmp_path / "out.txt"
    with log.open("wb") as out:
        process = subprocess.Popen(
            target_command("--profile", "ci-small"), stdout=out, stderr=subprocess.PIPE
        )
    try:
        deadline = time.monotonic() + 20
        while "listening" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        first = log.read_text().splitlines()[0]
        assert first.startswith("flashcrowd-target listening on http://127.0.0.1:")
        process.send_signal(signum)
        assert process.wait(10) == 0
        assert b"Traceback" not in process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.parametrize(
    "args,needle",
    [
        (["--host", "0.0.0.0"], "--allow-remote-bind"),
        (["--service", "heavy=gaussian:1"], "--service"),
        (["--workers", "0"], "--workers"),
        (["--schedule", "soon"], "--schedule"),
        (["--profile", "nope"], "ircc-2016"),
    ],
)
def test_bad_options_are_one_line_and_exit_2(args, needle):
    result = subprocess.run(target_command(*args), capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and needle in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_profile_file_names_file_and_line(tmp_path):
    profile = tmp_path / "mine.yaml"
    profile.write_text("site: ircc\nworkers: 2\nqueue: -1\nqueue_timeout_s: 1\nservice: {}\n")
    result = subprocess.run(
        target_command("--profile", str(profile)), capture_output=True, text=True, timeout=30
    )
    # Two problems (queue on line 3, service on line 5): the first written is named, as in scenarios.
    assert result.returncode == 2 and f"{profile}:3: queue: expected an integer >= 0" in result.stderr


def test_flashcrowd_target_explain_prints_the_prediction():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "flashcrowd",
            "target",
            "--profile",
            "ircc-2016",
            "--explain",
            "--arrival-rate",
            "50",
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    dynamic = next(line for line in result.stdout.splitlines() if line.startswith("dynamic"))
    # S, c/S, N* = c(S+Z)/S, 500s from N* + T c/S (T = 0.4 s), resets from N* + K (K = 100), the rate
    assert dynamic.split()[1:7] == ["60.0", "66.7", "1337", "1364", "1437", "50.0"]
