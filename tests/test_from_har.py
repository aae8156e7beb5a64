"""`scenario from-har`: a recording of the bundled site becomes a journey that runs there without 4xx."""

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
from flashcrowd.results.record import read_record
from flashcrowd.scenario import load_scenario
from tests.cli_helpers import assert_one_line_error

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
    assert "4 pages (1 form posts, 5 assets)" in capsys.readouterr().out
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


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ('{"log": {"entries": [}}', ("bad.har:1: json: expected a HAR file (JSON)",)),
        ("[" * 100_000, ("json: expected a HAR file",)),
        ('{"log": {"entries": []}}', ("log.entries: expected a HAR 1.2 file with a non-empty list",)),
        ('{"log": {"entries": [{"request": 3}]}}', ("log.entries[0]: expected {startedDateTime",)),
        ("\xff\xfe", ("file: expected a HAR file",)),
    ],
)
def test_recordings_that_are_not_har_are_one_line(tmp_path: Path, capsys, content: str, words):
    har = tmp_path / "bad.har"
    har.write_text(content, encoding="latin-1")
    assert_one_line_error(
        capsys, ["scenario", "from-har", str(har), "-o", str(tmp_path / "x.yaml")], 2, *words
    )
