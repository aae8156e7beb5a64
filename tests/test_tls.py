"""HTTPS as visitors meet it: trust (--ca-cert, --insecure, client certificates), the TLS failure kinds,
and the pre-flight request that stops a command on a failure no load caused. Sites in this process."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from loadgen_helpers import tiny_site
from ports import closed_port
from tls_helpers import broken_handshakes, certificate, tls_site

from flashcrowd.http.classify import SITE_FAILURES, failure_detail, failure_kind
from flashcrowd.http.http_client import TLS_HANDSHAKE_MS, Browser
from flashcrowd.http.tls import TlsSettings
from flashcrowd.launch.preflight import check_site
from flashcrowd_common.errors import ExitCode, TargetUnreachableError, UsageError


def fetch(url: str, settings: TlsSettings | None = None, pages: int = 1, **options) -> list[dict]:
    """Load ``/`` ``pages`` times on one browser; the request events it fired."""
    events: list[dict] = []
    context = (settings or TlsSettings()).context()
    browser = Browser(url, lambda **event: events.append(event), tls=context, **options)
    for _ in range(pages):
        browser.request("GET", "/")
    browser.close()
    return events


def assert_kind(error: BaseException | None, kind: str, detail: str) -> None:
    """The error's kind and detail, from the exception (a local runner) and from its repr (a master)."""
    assert error is not None
    assert (failure_kind(error), failure_detail(error)) == (kind, detail), repr(error)
    assert (failure_kind(repr(error)), failure_detail(repr(error))) == (kind, detail), repr(error)


def test_a_certificate_nobody_trusts_is_a_configuration_error_never_the_site_nor_other():
    with certificate() as (cert, key), tls_site(cert, key) as url:
        [event] = fetch(url)
    assert_kind(event["exception"], "tls_config", "certificate_verify_failed")
    assert "tls_config" not in SITE_FAILURES


def test_trusting_its_ca_loads_the_page_and_times_one_handshake_per_connection():
    with certificate() as (cert, key), tls_site(cert, key) as url:
        first, second = fetch(url, TlsSettings(ca_cert=str(cert)), pages=2)
    assert first["exception"] is None and second["exception"] is None
    assert 0 < first["context"][TLS_HANDSHAKE_MS] <= first["response_time"]
    assert TLS_HANDSHAKE_MS not in second["context"]  # the kept-alive connection: no new handshake


def test_insecure_loads_the_page_without_verifying():
    with certificate() as (cert, key), tls_site(cert, key) as url:
        [event] = fetch(url, TlsSettings(insecure=True))
    assert event["exception"] is None


def test_a_certificate_for_another_address_is_a_hostname_mismatch():
    with certificate() as (cert, key), tls_site(cert, key, host="127.0.0.2") as url:  # issued for 127.0.0.1
        [event] = fetch(url, TlsSettings(ca_cert=str(cert)))
    assert_kind(event["exception"], "tls_config", "hostname_mismatch")


def test_https_to_a_plain_http_port_is_not_tls():
    with tiny_site() as (url, _):
        [event] = fetch(url.replace("http://", "https://"))
    assert_kind(event["exception"], "tls_config", "not_tls")


def test_a_site_that_asks_for_a_client_certificate_gets_one_with_client_cert():
    with (
        certificate() as (cert, key),
        certificate() as (client, client_key),
        tls_site(cert, key, client_ca=client) as url,
    ):
        [refused] = fetch(url, TlsSettings(ca_cert=str(cert)))
        [accepted] = fetch(
            url, TlsSettings(ca_cert=str(cert), client_cert=str(client), client_key=str(client_key))
        )
    assert_kind(refused["exception"], "tls_config", "client_certificate_required")
    assert accepted["exception"] is None


@pytest.mark.parametrize(
    ("behaviour", "detail"),
    [
        ("close", "tls_handshake_closed"),
        ("reset", "tls_handshake_reset"),
        ("silent", "tls_handshake_timeout"),
    ],
)
def test_a_handshake_the_site_cuts_short_or_leaves_unanswered_counts_against_the_site(behaviour, detail):
    with broken_handshakes(behaviour) as url:
        [event] = fetch(url, connect_timeout=0.3)
    assert_kind(event["exception"], "tls_handshake", detail)
    assert "tls_handshake" in SITE_FAILURES


@pytest.mark.parametrize(
    ("settings", "flag"),
    [
        (TlsSettings(ca_cert="/nonexistent/ca.pem"), "--ca-cert /nonexistent/ca.pem"),
        (TlsSettings(ca_cert=__file__), "--ca-cert"),  # not a PEM file
        (TlsSettings(client_cert="/nonexistent/client.pem"), "--client-cert"),
        (TlsSettings(client_key="key.pem"), "--client-key without --client-cert"),
        (TlsSettings(ca_cert=__file__, insecure=True), "--insecure with --ca-cert"),
    ],
)
def test_tls_files_that_cannot_be_used_are_usage_errors_naming_the_flag(settings, flag):
    with pytest.raises(UsageError, match=flag):
        settings.context()


def _preflight(url: str, settings: TlsSettings | None = None) -> None:
    check_site(url, "/", settings or TlsSettings(), 1.0, 2.0)


def test_preflight_passes_a_site_that_answers_and_one_that_answers_a_5xx():
    with certificate() as (cert, key), tls_site(cert, key) as url:
        _preflight(url, TlsSettings(ca_cert=str(cert)))
        _preflight(url, TlsSettings(insecure=True))
    with tiny_site("503 Service Unavailable") as (url, _):
        _preflight(url)  # an overloaded site: the run measures it


@pytest.mark.parametrize(
    ("site", "words"),
    [
        ("self-signed", ("not trusted", "self-signed certificate", "--ca-cert FILE", "--insecure")),
        ("other-name", ("not issued for 127.0.0.2", "--insecure")),
        ("refused", ("connection refused", "start the site")),
        ("404", ("answered HTTP 404", "first page")),
        ("plain-http", ("does not speak TLS", "use http://")),
        ("handshake-closed", ("cut the TLS handshake short", "HTTPS on this port")),
        ("unresolvable", ("cannot resolve flashcrowd-no-such-host.invalid", "host name")),
    ],
)
def test_preflight_names_the_cause_and_the_fix(site, words):
    with (
        certificate() as (cert, key),
        _site(site, cert, key) as url,
        pytest.raises(TargetUnreachableError) as raised,
    ):
        _preflight(url, TlsSettings(ca_cert=str(cert)) if site == "other-name" else None)
    message = str(raised.value)
    assert "\n" not in message and raised.value.exit_code == ExitCode.TARGET_UNREACHABLE
    for word in words:
        assert word in message, message


@contextmanager
def _site(name: str, cert: Path, key: Path) -> Iterator[str]:
    """The URL of a site whose first page fails as ``name`` says, with no load."""
    if name == "refused":
        yield f"http://127.0.0.1:{closed_port()}"
    elif name == "unresolvable":
        yield "http://flashcrowd-no-such-host.invalid"
    elif name == "handshake-closed":
        with broken_handshakes("close") as url:
            yield url
    elif name in ("self-signed", "other-name"):
        with tls_site(cert, key, host="127.0.0.2" if name == "other-name" else "127.0.0.1") as url:
            yield url
    else:  # "404", "plain-http"
        with tiny_site("404 Not Found" if name == "404" else "200 OK") as (url, _):
            yield url.replace("http://", "https://") if name == "plain-http" else url


@pytest.mark.parametrize("command", ["run", "smoke"])
@pytest.mark.parametrize("cause", ["404", "refused", "self-signed"])
def test_a_site_where_every_request_fails_never_passes(command, cause, tmp_path):
    """Every request would fail (a wrong path, nothing listening, a certificate not trusted): exit 3 in
    one line, before any load, never 0."""
    with certificate() as (cert, key), _site(cause, cert, key) as url:
        scenario = ["ci-smoke"] if command == "run" else []
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "flashcrowd", command, *scenario, "--host", url, "--out", str(tmp_path)],
            capture_output=True, text=True, timeout=30,
        )  # fmt: skip
    assert result.returncode == ExitCode.TARGET_UNREACHABLE, result.stdout + result.stderr
    assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.stderr, result.stderr
    assert time.monotonic() - started < 5
