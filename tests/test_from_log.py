"""`flashcrowd scenario from-log` recovers the model a synthetic access log was written from."""

from __future__ import annotations

import gzip
import re
import subprocess
import sys
from pathlib import Path

import pytest

from flashcrowd.cli import main
from flashcrowd.logs.formats import line_parser
from flashcrowd.logs.synthetic import ELECTION_EVENING, WrittenLog, write_log
from flashcrowd.planning import make_plan
from flashcrowd.scenario import load_scenario
from flashcrowd.scenario.figures import check_figures
from flashcrowd.scenario.littles_law import sessions_between
from tests.cli_helpers import assert_one_line_error


@pytest.fixture(scope="module")
def evening(tmp_path_factory) -> tuple[Path, WrittenLog]:
    """The election-evening model written as a gzip access log (about 48,000 lines, 50 of them garbage)."""
    path = tmp_path_factory.mktemp("logs") / "access.log.gz"
    with gzip.open(path, "wt", encoding="utf-8") as out:
        written = write_log(ELECTION_EVENING, out)
    return path, written


@pytest.fixture(scope="module")
def converted(evening, tmp_path_factory):
    path, written = evening
    output = tmp_path_factory.mktemp("scenario") / "evening.yaml"
    assert main(["scenario", "from-log", str(path), "--output", str(output), "--no-progress"]) == 0
    return load_scenario(output), written


def test_the_busiest_hour_has_the_sessions_the_log_had(converted):
    scenario, written = converted
    hour, count = max(written.sessions_by_hour.items(), key=lambda item: item[1])
    recovered = sessions_between(scenario.users, scenario.session_duration_s, hour * 3600, (hour + 1) * 3600)
    assert recovered == pytest.approx(count, rel=0.05)
    checks = {check.figure.id: check for check in check_figures(scenario)}
    assert checks["L2"].figure.documented == count and abs(checks["L2"].deviation) < 0.05
    # The log begins with it, so every session of its warm-up began in it: counted there, not as arrivals.
    running = int(re.search(r"; ([\d,]+) already under way", scenario.description).group(1).replace(",", ""))
    assert checks["L1"].figure.documented + running == sum(written.sessions_by_hour.values())
    assert 0 < running < 300


def test_origin_shares_match_the_geoip_ranges_the_addresses_came_from(converted):
    scenario, written = converted
    shares = scenario.origins.shares_at(0)
    total = sum(written.origins.values())
    for country in ("US", "CA", "GB"):
        assert shares[country] == pytest.approx(written.origins[country] / total, abs=0.05)
    named = sum(shares[c] for c in ("US", "CA", "GB"))
    assert 1 - named == pytest.approx(written.origins["other"] / total, abs=0.05)


def test_the_known_journeys_are_the_top_journeys_with_their_probabilities(converted):
    scenario, _ = converted
    model = ELECTION_EVENING.journeys
    top = scenario.journeys[: len(model)]
    for found, known in zip(top, sorted(model, key=lambda j: -j.weight), strict=True):
        pages = [step for step in found.steps if step.name != "assets"]
        assert [step.path for step in pages] == list(known.pages)
        for step, probability in zip(pages, known.probabilities, strict=True):
            assert step.probability == pytest.approx(probability, abs=0.05)
        assert {s.path for s in found.steps if s.name == "assets"} == set(known.assets)
    weights = [journey.weight for journey in top]
    assert weights[0] == pytest.approx(0.5, abs=0.05)


def test_the_mean_think_time_is_recovered(converted):
    scenario, written = converted
    assert scenario.think_time.mean == pytest.approx(ELECTION_EVENING.think_mean_s, rel=0.10)
    assert scenario.think_time.mean == pytest.approx(written.think_total_s / written.think_count, rel=0.05)


def test_garbage_lines_are_counted_and_the_first_shown_with_their_line(evening, tmp_path, capsys):
    path, written = evening
    output = tmp_path / "evening.yaml"
    assert main(["scenario", "from-log", str(path), "-o", str(output), "--no-progress"]) == 0
    captured = capsys.readouterr()
    assert f"{written.garbage} of {written.lines:,} lines" in captured.err
    assert f"{path}:" in captured.err and "Traceback" not in captured.err
    assert f"({written.garbage} malformed," in captured.out


def test_plan_shows_the_log_as_the_figures(converted):
    scenario, _ = converted
    plan = make_plan(scenario, None)
    assert [check.figure.id for check in plan.figures] == ["L1", "L2", "L3"]
    assert "lines" in scenario.sources[0].title and "malformed" in scenario.sources[0].title


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", ("no page views in 0 lines",)),
        (b"\x00\xff garbage \n" * 50, ("no page views in 50 lines (50 malformed)",)),
        (b"\x1f\x8b\x08\x00 not really gzip", ("no page views in 0 lines (1 malformed)",)),
    ],
)
def test_logs_that_hold_nothing_usable_are_one_line(tmp_path, capsys, content, words):
    log = tmp_path / "bad.log"
    log.write_bytes(content)
    argv = ["scenario", "from-log", str(log), "-o", str(tmp_path / "x.yaml"), "--no-progress"]
    assert_one_line_error(capsys, argv, 2, "bad.log", *words)


def test_a_format_without_the_needed_fields_is_one_line(tmp_path, capsys):
    log = tmp_path / "a.log"
    log.write_text("x\n")
    argv = [
        "scenario",
        "from-log",
        str(log),
        "-o",
        str(tmp_path / "x.yaml"),
        "--format",
        "$remote_addr $status",
    ]
    assert_one_line_error(capsys, argv, 2, "--format", "no request, time")


def test_nginx_and_apache_format_strings_parse_their_lines():
    line = '203.0.113.5 [08/Nov/2016:23:00:01 -0500] "GET /a?b=1 HTTP/1.1" 200 "UA 1.0"'
    nginx = line_parser('$remote_addr [$time_local] "$request" $status "$http_user_agent"')
    apache = line_parser('%h %t "%r" %>s "%{User-Agent}i"')
    for parse in (nginx, apache):
        hit = parse(line)
        assert not isinstance(hit, str)
        assert (hit.address, hit.path, hit.status, hit.agent) == ("203.0.113.5", "/a?b=1", 200, "UA 1.0")
        assert hit.at == 1478664001.0 and hit.utc_offset_s == -18000
    common = line_parser("common")('1.2.3.4 - - [08/Nov/2016:23:00:01 -0500] "GET / HTTP/1.0" 200 12')
    assert not isinstance(common, str) and common.agent == ""


def test_a_maxmind_file_that_cannot_be_read_is_one_line(evening, tmp_path):
    path, _ = evening
    bad = tmp_path / "GeoLite2-Country.mmdb"
    bad.write_bytes(b"not a maxmind database")
    command = [sys.executable, "-m", "flashcrowd", "scenario", "from-log", str(path),
               "-o", str(tmp_path / "x.yaml"), "--geoip-db", str(bad), "--no-progress"]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)  # a process of its own: env
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert (
        result.stderr.count("\n") == 1
        and "GeoLite2-Country.mmdb: expected a readable MaxMind" in result.stderr
    )
