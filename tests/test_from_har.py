"""`scenario from-har`: real browser recordings (../shared/realdata) become sane journeys of their site;
a recording of the bundled site runs there without 4xx; a file that is not HAR is a one-line error."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from flashcrowd.cli import main
from flashcrowd.planning.plan import make_plan
from flashcrowd.results.record import read_record
from flashcrowd.scenario import load_scenario
from flashcrowd.scenario.model import Scenario
from tests.cli_helpers import assert_one_line_error

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"  # origins in its README.md

ETA_FORM = {"surname": "Smith", "given_names": "Jane", "passport": "P1234567", "country": "US",
            "birth_date": "1980-05-17", "email": "jane.smith@example.com"}  # fmt: skip
ASSETS = (
    "/assets/css/wet-boew.css",
    "/assets/css/theme.css",
    "/assets/js/jquery.js",
    "/assets/img/sig-blk-en.png",
)


def _entry(response: requests.Response, started: float) -> dict[str, Any]:
    """One HAR 1.2 entry for an exchange requests made (a redirect is its own exchange)."""
    request = response.request
    entry: dict[str, Any] = {
        "startedDateTime": datetime.fromtimestamp(started, UTC).isoformat(),
        "time": response.elapsed.total_seconds() * 1000,
        "request": {"method": request.method, "url": request.url, "httpVersion": "HTTP/1.1",
                    "headers": [{"name": k, "value": v} for k, v in request.headers.items()]},
        "response": {"status": response.status_code, "statusText": response.reason, "httpVersion": "HTTP/1.1",
                     "headers": [{"name": k, "value": v} for k, v in response.headers.items()],
                     "content": {"size": len(response.content),
                                 "mimeType": response.headers.get("content-type", "")},
                     "redirectURL": response.headers.get("location", "")},
    }  # fmt: skip
    if request.method == "POST":
        entry["request"]["postData"] = {
            "mimeType": "application/x-www-form-urlencoded",
            "params": [{"name": k, "value": v} for k, v in ETA_FORM.items()],
        }
    return entry


def record(base: str, har: Path) -> None:
    """Browse the bundled site like a visitor (pages, their assets, a form POST) and save it as HAR 1.2."""
    entries: list[dict[str, Any]] = []
    with requests.Session() as browser:

        def exchange(method: str, path: str, **kwargs: Any) -> None:
            started = time.time()
            response = browser.request(method, base + path, timeout=10, **kwargs)
            for hop in [*response.history, response]:
                entries.append(_entry(hop, started))
            assert response.status_code == 200, (path, response.status_code)

        exchange("GET", "/")  # 302 to /english/index.asp
        for asset in ASSETS:
            exchange("GET", asset)
        time.sleep(0.3)
        exchange("GET", "/eta/apply")
        time.sleep(0.2)
        exchange("POST", "/eta/apply", data=ETA_FORM)
        time.sleep(0.2)
        exchange("GET", "/english/visit/index.asp")
        exchange("GET", "/assets/img/wmms-blk.png")
    entries.append(
        {**entries[1], "request": {**entries[1]["request"], "url": "https://cdn.example.com/x.js"}}
    )
    har.write_text(json.dumps({"log": {"version": "1.2", "creator": {"name": "test", "version": "1"},
                                       "pages": [], "entries": entries}}))  # fmt: skip


@pytest.mark.load
def test_a_recording_of_the_bundled_site_runs_against_it_without_4xx(target_factory, tmp_path: Path, capsys):
    target = target_factory("unbounded")
    har, scenario_path = tmp_path / "eta.har", tmp_path / "eta.yaml"
    record(target.url, har)
    assert main(["scenario", "from-har", str(har), "-o", str(scenario_path), "--users", "5"]) == 0
    assert "4 page views (1 form posts, 5 assets)" in capsys.readouterr().out
    journey = load_scenario(scenario_path).journeys[0]
    asked = [(step.method, step.path) for step in journey.steps]
    assert asked[0] == ("GET", "/") and ("GET", "/english/index.asp") not in asked  # the redirect is followed
    assert [path for method, path in asked if method == "GET" and path in ASSETS] == list(ASSETS)
    post = next(step for step in journey.steps if step.method == "POST")
    assert post.path == "/eta/apply" and post.form == ETA_FORM
    assert asked[-1] == ("GET", "/assets/img/wmms-blk.png") and journey.steps[-1].think.mean == 0
    pages = [step for step in journey.steps if step.name != "assets"]
    assert [page.path for page in pages] == ["/", "/eta/apply", "/eta/apply", "/english/visit/index.asp"]
    assert all(page.think is not None and page.think.mean > 0.1 for page in pages[:-1])  # the recorded pauses
    out = tmp_path / "run"
    command = [sys.executable, "-m", "flashcrowd", "run", str(scenario_path), "--host", target.url,
               "--duration", "8s", "--out", str(out)]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=90)
    totals = read_record(out / "summary.json").totals
    assert totals.requests > 20, result.stdout + result.stderr
    assert totals.failures == 0, totals.failures_by_detail


GOOD = {"startedDateTime": "2023-03-30T00:00:00Z", "time": 5, "request": {"method": "GET", "url": "https://a.example/"},
        "response": {"status": 200, "content": {"mimeType": "text/html"}}}  # fmt: skip


def _with(entry_key: str, value: Any, inner: str | None = None) -> str:
    """A one-entry HAR whose entry has ``value`` at ``entry_key`` (or at ``entry_key.inner``)."""
    entry = json.loads(json.dumps(GOOD))
    if inner is None:
        entry[entry_key] = value
    else:
        entry[entry_key][inner] = value
    return json.dumps({"log": {"entries": [entry]}})


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ('{"log": {"entries": [}}', ("bad.har:1: json: expected a HAR file (JSON)",)),
        ("[" * 100_000, ("json: expected a HAR file",)),
        ("\xff\xfe", ("file: expected a HAR file",)),
        ('{"log": {"entries": []}}', ("log.entries: expected a HAR 1.2 file with a non-empty list",)),
        # These three gave tracebacks (exit 1).
        ('{"log": []}', ("log: expected an object {entries: [...]}, got []",)),
        (_with("response", {"status": "abc"}), ("log.entries[0].response.status: expected an HTTP status",)),
        (
            _with("response", {"status": 301, "headers": "x"}),
            ("log.entries[0].response.headers: expected a list",),
        ),
        (
            _with("response", {"status": 301, "headers": [3]}),
            ("log.entries[0].response.headers[0]: expected",),
        ),
        ("[]", ("log: expected a HAR 1.2 file",)),
        ('{"log": {"entries": "x"}}', ("log.entries: expected a non-empty list of entries",)),
        ('{"log": {"entries": [3]}}', ("log.entries[0]: expected an object",)),
        ('{"log": {"entries": [{"request": 3}]}}', ("log.entries[0].startedDateTime: expected an ISO 8601",)),
        (_with("startedDateTime", 12), ("log.entries[0].startedDateTime: expected an ISO 8601",)),
        (_with("startedDateTime", "2023-03-30T00:00:00"), ("startedDateTime: expected a time zone",)),
        (_with("time", "abc"), ("log.entries[0].time: expected a number of milliseconds",)),
        (_with("time", True), ("log.entries[0].time: expected a number of milliseconds",)),
        (_with("request", 3), ("log.entries[0].request: expected an object {method, url}",)),
        (_with("request", 3, "url"), ("log.entries[0].request.url: expected an absolute http(s) URL",)),
        (_with("request", "/relative", "url"), ("request.url: expected an absolute http(s) URL",)),
        (_with("request", "https://a.example:99999/", "url"), ("request.url: expected an absolute",)),
        (_with("request", 7, "method"), ("log.entries[0].request.method: expected an HTTP method",)),
        (
            _with("request", {"params": [3]}, "postData"),
            ("request.postData.params[0]: expected {name, value}",),
        ),
        (_with("request", {"text": 3}, "postData"), ("request.postData.text: expected a string",)),
        (_with("response", []), ("log.entries[0].response: expected an object {status, content}",)),
        (_with("response", 200.5, "status"), ("response.status: expected an HTTP status",)),
        (_with("response", [], "content"), ("log.entries[0].response.content: expected an object",)),
        (_with("response", 5, "redirectURL"), ("log.entries[0].response.redirectURL: expected a string",)),
        (_with("pageref", 1), ("log.entries[0].pageref: expected a page id",)),
        ('{"log": {"pages": 3, "entries": [{}]}}', ("log.pages: expected a list of pages",)),
    ],
)
def test_recordings_that_are_not_har_are_one_line(tmp_path: Path, capsys, content: str, words):
    har = tmp_path / "bad.har"
    har.write_text(content, encoding="latin-1")
    assert_one_line_error(
        capsys, ["scenario", "from-har", str(har), "-o", str(tmp_path / "x.yaml")], 2, *words
    )
    assert not (tmp_path / "x.yaml").exists()


def real_har(name: str) -> Path:
    """A public HAR written by others; the test is skipped when the shared folder is absent."""
    path = REALDATA / name
    if not path.is_file():
        pytest.skip(f"{path} is absent: the real third-party recordings live outside the project")
    return path


def from_har(har: Path, tmp_path: Path, capsys) -> tuple[Scenario, str]:
    output = tmp_path / "recorded.yaml"
    assert main(["scenario", "from-har", str(har), "-o", str(output)]) == 0
    return load_scenario(output), capsys.readouterr().out


def pages_of(scenario: Scenario) -> list[str]:
    return [step.path for step in scenario.journeys[0].steps if step.name != "assets"]


def assets_of(scenario: Scenario) -> list[str]:
    return [step.path for step in scenario.journeys[0].steps if step.name == "assets"]


# Figures counted separately with jq on each file: the recorded site's distinct URLs other than the page.
@pytest.mark.parametrize(
    ("name", "assets", "iframes"),
    [("mitmproxy_firefox.har", 12, 2), ("mitmproxy_safari.har", 15, 2), ("mitmproxy_chrome.har", 0, 0)],
)
def test_a_recording_of_one_page_view_plans_one_visit_per_think_time(tmp_path, capsys, name, assets, iframes):
    """Iframes (text/html subresources) were pages and the think time their sub-second gaps: the Firefox
    recording planned 10 users as 888,889 sessions/h. One view: one page, the default 20 s think time."""
    scenario, out = from_har(real_har(name), tmp_path, capsys)
    assert "1 page views" in out and "from mitmproxy.org" in out
    assert pages_of(scenario) == ["/"]
    assert len(assets_of(scenario)) == assets
    assert sum("/github-btn.html?" in path for path in assets_of(scenario)) == iframes
    assert scenario.think_time.mean == 20.0 and scenario.session_duration_s == 20.0
    implied = {figure.what: figure.value for figure in make_plan(scenario, None).implied}
    assert implied["sessions per hour at the peak"] == pytest.approx(10 * 3600 / 20)  # 1,800


def test_without_pagerefs_page_views_are_guessed_and_iframes_stay_assets(tmp_path, capsys):
    """The same Firefox recording with its pages and pagerefs removed: the heuristics agree."""
    data = json.loads(real_har("mitmproxy_firefox.har").read_text(encoding="utf-8-sig"))
    data["log"]["pages"] = []
    for entry in data["log"]["entries"]:
        entry.pop("pageref", None)
    har = tmp_path / "no-pages.har"
    har.write_text(json.dumps(data))
    scenario, _ = from_har(har, tmp_path, capsys)
    assert pages_of(scenario) == ["/"] and len(assets_of(scenario)) == 12
    assert "guessed from its HTML answers" in scenario.description


def test_the_site_is_the_first_html_page_after_a_redirect_to_www(tmp_path, capsys):
    """The recording starts on the apex, 301 to www: the site was the apex, its page and assets dropped."""
    scenario, out = from_har(real_har("pagexray_aftonbladet.se-redirecting-to-www.har"), tmp_path, capsys)
    assert "from www.aftonbladet.se" in out
    assert pages_of(scenario) == ["/", "/"]  # WebPageTest's first and repeat views
    assert assets_of(scenario)[:2] == [
        "/dist/css/general.css?1440665195",
        "/dist/js/d-head.min.js?1440665195",
    ]
    assert len(assets_of(scenario)) == 6  # www's distinct URLs besides / (jq)
    # From the first view's last response on www (19:47:12.806 + 126 ms) to the repeat view's 301 (:32.123).
    assert scenario.journeys[0].steps[0].think.mean == pytest.approx(19.19, abs=0.01)


def test_a_sign_in_that_redirects_away_and_back_keeps_its_page(tmp_path, capsys):
    """checkout -> sso (another host) -> checkout -> the page: it failed, no HTML page found."""
    scenario, out = from_har(real_har("pagexray_redirect_redirect-and-redirect-back.har"), tmp_path, capsys)
    assert "from checkout.mytoys.de" in out
    assert pages_of(scenario) == ["/checkout/registration"]
    assert "/session/setCookiesAndRedirect" not in " ".join(assets_of(scenario))  # a followed redirect
    assert "3 followed redirects" in scenario.description


def test_think_times_are_the_gaps_between_page_views(tmp_path, capsys):
    """Browsertime's three views of sitespeed.io: gaps 2.600 s and 2.677 s (computed with jq), mean 2.64 s."""
    scenario, _ = from_har(real_har("perfcascade_browsertime_sitespeed.io.har"), tmp_path, capsys)
    assert pages_of(scenario) == ["/", "/", "/"]
    thinks = [step.think.mean for step in scenario.journeys[0].steps if step.name != "assets" and step.think]
    assert thinks[:2] == [pytest.approx(2.6, abs=0.01), pytest.approx(2.68, abs=0.01)]
    assert scenario.think_time.mean == pytest.approx(2.64, abs=0.01)
    assert len(assets_of(scenario)) == 8  # the first view's; the next two fetched the same ones again


def test_a_recording_that_never_reaches_a_page_is_one_line(tmp_path, capsys):
    har = real_har("perfcascade_capture-har_redirect-loop.har")
    assert_one_line_error(
        capsys, ["scenario", "from-har", str(har), "-o", str(tmp_path / "x.yaml")], 2,
        "log.entries: expected a page answered with HTML", "11 x 302",
    )  # fmt: skip


def _exchange(
    url: str, at: float, status: int = 200, mime: str = "text/html", **extra: Any
) -> dict[str, Any]:
    return {
        "startedDateTime": datetime.fromtimestamp(at, UTC).isoformat(),
        "time": 50,
        "request": {"method": "GET", "url": url, "headers": []},
        "response": {"status": status, "content": {"mimeType": mime}, "headers": []},
        **extra,
    }


def test_a_form_post_is_a_page_view_with_its_fields_listed_by_plan(tmp_path, capsys):
    """POST (303) -> GET result: the step is the POST with its recorded fields; plan lists the form."""
    site = "https://shop.example"
    post = _exchange(f"{site}/signup", 1010.0, 303, "", request={
        "method": "POST", "url": f"{site}/signup", "headers": [],
        "postData": {"mimeType": "application/x-www-form-urlencoded", "text": "email=a%40b.c&csrf=x1"},
    })  # fmt: skip
    post["response"]["redirectURL"] = "/welcome"
    entries = [
        _exchange(f"{site}/signup", 1000.0),
        _exchange(f"{site}/app.css", 1000.1, mime="text/css"),
        post,
        _exchange(f"{site}/welcome", 1010.1),
    ]
    har = tmp_path / "signup.har"
    har.write_text(json.dumps({"log": {"version": "1.2", "entries": entries}}))
    scenario, out = from_har(har, tmp_path, capsys)
    steps = scenario.journeys[0].steps
    assert [(step.method, step.path) for step in steps] == [
        ("GET", "/signup"), ("GET", "/app.css"), ("POST", "/signup")
    ]  # fmt: skip
    assert steps[2].form == {"email": "a@b.c", "csrf": "x1"} and "1 form posts" in out
    assert steps[0].think.mean == pytest.approx(10.0 - 0.15, abs=0.01)  # app.css ended at 1000.15
    assert main(["plan", str(tmp_path / "recorded.yaml")]) == 0
    assert "signup: POST /signup (email, csrf)" in capsys.readouterr().out


def test_a_scenario_for_another_site_needs_host_before_it_starts(tmp_path, capsys):
    """Without --host the bundled site answered the recording's paths 404 and the run "passed"."""
    scenario, _ = from_har(real_har("mitmproxy_firefox.har"), tmp_path, capsys)
    assert {"metric": "error_rate", "threshold": 0.01} in [
        {"metric": slo.metric, "threshold": slo.threshold} for slo in scenario.slos
    ]
    line = assert_one_line_error(
        capsys, ["run", str(scenario.path), "--duration", "5s", "--out", str(tmp_path / "run")], 2,
        "12 of the 13 requests", "not on the bundled site (ircc", "GET /clipboard.min.js", "expected --host",
    )  # fmt: skip
    assert str(scenario.path) in line and not (tmp_path / "run" / "summary.json").exists()
