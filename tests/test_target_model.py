"""target_app without a server: queueing formulas, profiles, cost classes, geo prefixes, page forms."""

from __future__ import annotations

import math
import random

import pytest

from flashcrowd_common.errors import ConfigError, UsageError
from target_app.geo import address_in, country_of
from target_app.http import Request
from target_app.profile import PROFILE_NAMES, load_profile, with_overrides
from target_app.site import cost_class, site_for
from target_app.site.ircc import ETA_EXAMPLE, QUESTIONNAIRE_COOKIE, QUESTIONNAIRE_EXAMPLE, SIGNIN_EXAMPLE
from target_app.site.nznow import REGISTER_EXAMPLE
from target_app.theory import knee_users, max_throughput, mmck

# --- theory ----------------------------------------------------------------------------------------


def test_max_throughput_and_knee():
    assert max_throughput(4, 0.060) == pytest.approx(66.667, rel=1e-4)
    assert knee_users(4, 0.060, 20.0) == pytest.approx(4 * 20.06 / 0.06)
    assert math.isinf(max_throughput(8, 0.0)) and math.isinf(knee_users(8, 0.0, 20))


@pytest.mark.parametrize("rho,capacity", [(0.5, 5), (1.5, 10), (3.0, 3)])
def test_mmck_with_one_worker_matches_mm1k_closed_form(rho, capacity):
    expected = (1 - rho) * rho**capacity / (1 - rho ** (capacity + 1))
    assert mmck(rho / 0.01, 1, 0.01, capacity).blocking == pytest.approx(expected, rel=1e-9)


def test_mmck_without_waiting_room_is_erlang_b():
    # Erlang B, a = 2 erlangs on 2 servers: (a^2/2) / (1 + a + a^2/2) = 2/5
    result = mmck(200.0, 2, 0.01, 2)
    assert result.blocking == pytest.approx(0.4)
    assert result.mean_response_s == pytest.approx(0.01)  # nobody waits
    assert result.throughput == pytest.approx(120.0)


def test_mmck_response_time_obeys_littles_law_and_large_k_stays_finite():
    result = mmck(150.0, 4, 0.02, 12)
    assert result.mean_response_s == pytest.approx(result.mean_in_system / result.throughput)
    overloaded = mmck(10_000.0, 4, 0.25, 100_004)  # 625x overload, huge K: logs keep it finite
    assert overloaded.blocking == pytest.approx(1 - 16 / 10_000, rel=1e-6)
    with pytest.raises(ValueError):
        mmck(1.0, 4, 0.1, 3)


# --- profiles --------------------------------------------------------------------------------------


def test_every_bundled_profile_loads():
    assert {"ircc-2016", "ci-small", "unbounded", "nz-now-2016"} <= set(PROFILE_NAMES)
    for name in PROFILE_NAMES:
        profile = load_profile(name)
        assert profile.name == name and profile.workers >= 1
        assert {"static", "dynamic", "heavy"} == set(profile.service)
    assert load_profile("nz-now-2016").site == "nz-now"
    assert load_profile("unbounded").mean_service_s("heavy") == 0


def test_ircc_2016_breaks_between_the_2016_baseline_and_peak():
    """With the election-night scenario's scale (0.01) and think time (20 s), the knee lies between
    the 17,000-user baseline (F3) and the 200,000-user peak (F1) in simulated users."""
    profile = load_profile("ircc-2016")
    baseline, peak = 17_000 * 0.01, 200_000 * 0.01
    for page_class in ("dynamic", "heavy"):
        knee = knee_users(profile.workers, profile.mean_service_s(page_class), 20.0)
        assert baseline < knee < peak
        assert baseline < knee + profile.queue < peak


def write(tmp_path, text):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    return str(path)


BASE = "site: ircc\nworkers: 2\nqueue: 4\nqueue_timeout_s: 1\nservice:\n  static: constant:0.001\n"


@pytest.mark.parametrize(
    "text,line,key",
    [
        (BASE + "  dynamic: exponential:0.01\n  heavy: exponential:x\n", 8, "service.heavy"),
        (BASE + "  dynamic: exponential:0.01\n  heavy: constant:0.1\nworkerz: 3\n", 9, "workerz"),
        (
            BASE.replace("workers: 2", "workers: two") + "  dynamic: constant:0\n  heavy: constant:0\n",
            2,
            "workers",
        ),
        (BASE + "  dynamic: constant:0\n  heavy: constant:0\nschedule:\n  - {at_s: 5}\n", 10, "schedule[0]"),
        (BASE + "  dynamic: constant:0\n  heavy: constant:0\noverload: drop\n", 9, "overload"),
        ("site: ircc\nworkers: [1\n", None, "yaml"),
    ],
)
def test_profile_errors_name_file_line_and_key(tmp_path, text, line, key):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_profile(path)
    assert caught.value.key == key
    if line is not None:
        assert caught.value.line == line
    assert str(caught.value).startswith(path) and "\n" not in str(caught.value)


def test_unknown_profile_and_bad_overrides_are_usage_errors():
    with pytest.raises(UsageError, match="ci-small"):
        load_profile("no-such-profile")
    with pytest.raises(UsageError, match="--workers"):
        with_overrides(load_profile("ci-small"), workers=0)
    assert with_overrides(load_profile("ci-small"), workers=9, queue=None).queue == 8


# --- cost classes, geo -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method,path,expected",
    [
        ("GET", "/english/index.asp", "dynamic"),
        ("GET", "/english/refugees/index.asp", "dynamic"),
        ("GET", "/english/immigrate/express-entry/crs-tool.asp", "heavy"),
        ("POST", "/ctc-vac/questionnaire.do", "heavy"),
        ("GET", "/ctc-vac/checklist.do?code=ABCD2345", "dynamic"),
        ("GET", "/english/information/times/result.asp?office=paris&type=study", "heavy"),
        ("GET", "/mycic/signin", "dynamic"),
        ("POST", "/mycic/signin", "heavy"),
        ("POST", "/eta/apply", "heavy"),
        ("GET", "/english/search.asp?q=visa", "heavy"),
        ("GET", "/assets/css/theme.css", "static"),
        ("GET", "/no/such/page", "static"),
    ],
)
def test_cost_class_follows_the_url_map(method, path, expected):
    assert cost_class(method, path) == expected


def test_nz_now_cost_classes():
    assert cost_class("GET", "/visa/residence", site="nz-now") == "dynamic"
    assert cost_class("POST", "/register", site="nz-now") == "heavy"


def test_country_of_reads_the_geoip_database():
    assert country_of("8.8.8.8") == "US"
    assert country_of(" 2001:4860:4860::8888 ") == "US"
    rng = random.Random(4)
    for country in ("CA", "GB", "NZ"):
        assert country_of(address_in(country, rng)) == country
    assert country_of("127.0.0.1") == "other"
    assert country_of("198.18.0.1") == "other"  # benchmarking range: no country
    assert country_of("not an address") == "other"


# --- page forms, called directly -------------------------------------------------------------------


def call(site, method, path, form=None, cookies="", query=""):
    body = "&".join(f"{k}={v}" for k, v in (form or {}).items()).encode()
    headers = {"cookie": cookies} if cookies else {}
    request = Request(method, path, query, "HTTP/1.1", headers, body)
    return site.route(method, path).handler(request)


def set_cookie(response):
    return next(value.split(";")[0] for name, value in response.headers if name == "Set-Cookie")


def test_questionnaire_walks_every_step_to_a_checklist_code():
    site = site_for("ircc")
    cookies = set_cookie(call(site, "GET", "/ctc-vac/getting-started.do"))
    for fields in QUESTIONNAIRE_EXAMPLE.values():
        response = call(site, "POST", "/ctc-vac/questionnaire.do", fields, cookies)
        assert response.status == 200
        cookies = set_cookie(response)
    code = response.body.split(b"id='checklist-code'>")[1][:8].decode()
    assert cookies.startswith(QUESTIONNAIRE_COOKIE)
    checklist = call(site, "GET", "/ctc-vac/checklist.do", query=f"code={code}")
    assert checklist.status == 200 and code.encode() in checklist.body


@pytest.mark.parametrize(
    "fields",
    [
        {"step": "age", "age": "-3"},
        {"step": "education", "education": "wizardry"},
        {"step": "language", "english": "9"},
        {"step": "teleport"},
    ],
)
def test_questionnaire_rejects_bad_answers_with_400(fields):
    response = call(site_for("ircc"), "POST", "/ctc-vac/questionnaire.do", fields)
    assert response.status == 400 and b"expected" in response.body


def test_sign_in_sets_a_session_that_status_requires():
    site = site_for("ircc")
    assert call(site, "GET", "/mycic/status").status == 302
    assert call(site, "POST", "/mycic/signin", {"username": "x", "password": "short"}).status == 400
    signed_in = call(site, "POST", "/mycic/signin", SIGNIN_EXAMPLE)
    assert signed_in.status == 302
    cookie = set_cookie(signed_in)
    assert call(site, "GET", "/mycic/status", cookies=cookie).status == 200
    assert call(site, "POST", "/mycic/status", {"uci": "1234-5678"}, cookie).status == 200
    assert call(site, "POST", "/mycic/status", {"uci": "12"}, cookie).status == 400
    forged = cookie[:-3] + "abc"
    assert call(site, "GET", "/mycic/status", cookies=forged).status == 302


def test_eta_and_registration_forms_validate():
    ircc, nz = site_for("ircc"), site_for("nz-now")
    assert call(ircc, "POST", "/eta/apply", ETA_EXAMPLE).status == 200
    assert call(ircc, "POST", "/eta/apply", {**ETA_EXAMPLE, "birth_date": "2999-01-01"}).status == 400
    assert call(ircc, "POST", "/eta/apply", {**ETA_EXAMPLE, "email": "nope"}).status == 400
    assert call(nz, "POST", "/register", REGISTER_EXAMPLE).status == 200
    assert call(nz, "POST", "/register", {**REGISTER_EXAMPLE, "interest": "gold"}).status == 400


def test_pages_have_realistic_sizes():
    site = site_for("ircc")
    for path in (
        "/english/index.asp",
        "/english/study/index.asp",
        "/english/immigrate/express-entry/rounds.asp",
    ):
        assert 20_000 <= len(call(site, "GET", path).body) <= 60_000
    assert len(call(site, "GET", "/assets/js/jquery.js").body) > 10_000
    assert call(site, "GET", "/assets/img/banner-home.png").body.startswith(b"\x89PNG")
