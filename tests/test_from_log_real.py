"""`flashcrowd scenario from-log` on real public logs (../shared/realdata) and on logs written here from
the formats' documentation: scenarios that run, POSTs, client addresses, order, formats, noise."""

from __future__ import annotations

import gzip
import random
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from flashcrowd.cli import build_parser, main
from flashcrowd.launch.runner import prepare_run
from flashcrowd.planning import make_plan
from flashcrowd.scenario import load_scenario
from flashcrowd.scenario.writer import write_scenario
from flashcrowd_common.errors import ConfigError
from target_app.geo import country_of
from tests.cli_helpers import assert_one_line_error

REALDATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "realdata"
CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0"


def real_log(name: str) -> Path:
    path = REALDATA / name
    if not path.is_file():
        pytest.skip(f"{path} is absent: the real public logs live in ../shared/realdata (see its README)")
    return path


def convert(log: Path, output: Path, *options: str) -> dict:
    assert main(["scenario", "from-log", str(log), "-o", str(output), "--no-progress", *options]) == 0
    load_scenario(output)
    return yaml.safe_load(output.read_text())


def combined(at: datetime, address: str, request: str, status: int = 200, agent: str = CHROME) -> str:
    return f'{address} - - [{at:%d/%b/%Y:%H:%M:%S %z}] "{request} HTTP/1.1" {status} 512 "-" "{agent}"'


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


EASTERN = timezone(timedelta(hours=-5))
START = datetime(2016, 11, 8, 19, 0, tzinfo=EASTERN)


def browsing(start: datetime, sessions: int, pages: list[str], every_s: float = 120, think_s: float = 20,
             offset: int = 0) -> list[str]:  # fmt: skip
    """Sessions from distinct US-ish addresses, each asking for ``pages`` ``think_s`` apart."""
    lines = []
    for n in range(sessions):
        begin = start + timedelta(seconds=n * every_s)
        address = f"8.8.{(n + offset) // 250}.{(n + offset) % 250 + 1}"
        for i, page in enumerate(pages):
            request = page if " " in page else f"GET {page}"
            lines.append(combined(begin + timedelta(seconds=i * think_s), address, request))
    return sorted(lines, key=lambda line: line[line.index("[") :])


# --- item 2: a scenario that runs -----------------------------------------------------------------


def test_a_quiet_real_site_gets_a_scale_above_one_and_enough_simulated_users(tmp_path, capsys):
    data = convert(real_log("elastic_apache_logs.log.gz"), tmp_path / "e.yaml")
    scenario = load_scenario(tmp_path / "e.yaml")
    assert scenario.scale > 1 and "Scale" in data["description"]
    assert scenario.users.peak.value * scenario.scale >= 9.5  # run refuses under 1; this has 10
    assert f"scale {scenario.scale:g}," in capsys.readouterr().out
    assert not any("simulated users" in warning for warning in make_plan(scenario, None).warnings)
    # run's own checks (they start nothing) accept it: before, "scale: 1 gives 0.59 simulated users"
    argv = ["run", str(tmp_path / "e.yaml"), "--host", "http://127.0.0.1:9", "--out", str(tmp_path / "out")]
    prepare_run(build_parser().parse_args(argv))


def test_the_user_can_name_the_peak(tmp_path):
    convert(real_log("elastic_apache_logs.log.gz"), tmp_path / "e.yaml", "--peak-users", "50")
    scenario = load_scenario(tmp_path / "e.yaml")
    assert scenario.users.peak.value * scenario.scale == pytest.approx(50, rel=0.01)


def test_plan_warns_when_the_peak_is_under_one_simulated_user(tmp_path):
    data = convert(real_log("elastic_apache_logs.log.gz"), tmp_path / "e.yaml")
    data["scale"] = 0.01
    (tmp_path / "low.yaml").write_text(yaml.safe_dump(data))
    warnings = make_plan(load_scenario(tmp_path / "low.yaml"), None).warnings
    assert any("under one simulated user" in warning for warning in warnings), warnings


def test_a_log_without_repeated_sequences_gives_one_page_journeys(tmp_path):
    lines = []
    for n in range(40):  # every visitor a different two-page sequence: nothing repeats
        lines += browsing(START + timedelta(minutes=15 + n), 1, ["/", f"/item/{n}"], offset=n)
    data = convert(write(tmp_path / "unique.log", lines), tmp_path / "u.yaml")
    assert data["journeys"] and all(len(journey["steps"]) == 1 for journey in data["journeys"])
    assert data["journeys"][0]["steps"][0]["get"] == "/"
    assert "one-page journeys" in data["description"]


def test_a_scenario_that_does_not_load_leaves_no_file(tmp_path):
    data = yaml.safe_load((Path(__file__).parents[1] / "scenarios" / "ci-smoke.yaml").read_text())
    data["journeys"] = []
    output = tmp_path / "bad.yaml"
    with pytest.raises(ConfigError):
        write_scenario(data, output, "test")
    assert not output.exists()


# --- item 3: POSTs and the error-rate SLO ---------------------------------------------------------


def test_form_posts_are_steps_with_an_empty_form_and_the_slos_count_errors(tmp_path):
    pages = ["GET /ctc-vac/getting-started.do", "POST /ctc-vac/questionnaire.do", "GET /ctc-vac/checklist.do"]
    data = convert(write(tmp_path / "forms.log", browsing(START, 60, pages)), tmp_path / "f.yaml")
    steps = data["journeys"][0]["steps"]
    assert steps[1] == {"name": "ctc-vac-questionnaire", "post": "/ctc-vac/questionnaire.do", "form": {}}
    assert "fill in" in data["description"]
    forms = make_plan(load_scenario(tmp_path / "f.yaml"), None).forms
    assert [(form.path, form.fields) for form in forms] == [("/ctc-vac/questionnaire.do", ())]
    assert any(slo["metric"] == "error_rate" for slo in data["slos"])


# --- item 4: addresses ----------------------------------------------------------------------------


def test_the_client_comes_from_x_forwarded_for_its_first_public_address(tmp_path):
    # nginx's documented variable for a request header: $http_x_forwarded_for (ngx_http_core_module).
    log_format = '$remote_addr - - [$time_local] "$request" $status $bytes_sent "$http_user_agent" '
    log_format += '"$http_x_forwarded_for"'
    lines = [f'10.0.0.2 - - [{START:%d/%b/%Y:%H:%M:%S %z}] "GET /favicon.ico HTTP/1.1" 200 9 "-" "-"']
    for n in range(30):  # after the log's warm-up: every session an arrival
        at = START + timedelta(minutes=15 + n)
        for i, page in enumerate(["/", "/english/visit/index.asp"]):
            when = at + timedelta(seconds=20 * i)
            forwarded = f"10.1.2.3, 81.2.69.{n + 1}" if n % 2 else f"unknown, 1.0.{n}.7, 10.0.0.9"
            stamp = f"{when:%d/%b/%Y:%H:%M:%S %z}"
            lines.append(f'10.0.0.2 - - [{stamp}] "GET {page} HTTP/1.1" 200 9 "{CHROME}" "{forwarded}"')
    log = write(tmp_path / "lb.log", lines)
    data = convert(log, tmp_path / "lb.yaml", "--format", log_format, "--client-address", "X-Forwarded-For")
    shares = data["origins"][0]["shares"]
    clients = {f"81.2.69.{n + 1}" if n % 2 else f"1.0.{n}.7" for n in range(30)}
    assert set(shares) - {"other"} <= {country_of(client) for client in clients}
    assert "GB" in shares and "other" not in shares  # 10.0.0.2, the balancer, has no country
    assert "30 sessions" in data["description"]  # one per visitor, not one for the balancer
    without = convert(log, tmp_path / "peer.yaml", "--format", log_format)
    assert "1 sessions" in without["description"]


def test_a_client_header_the_format_lacks_is_one_line(tmp_path, capsys):
    log = write(tmp_path / "a.log", browsing(START, 3, ["/"]))
    argv = ["scenario", "from-log", str(log), "-o", str(tmp_path / "x.yaml"), "--format", "combined",
            "--client-address", "X-Forwarded-For"]  # fmt: skip
    assert_one_line_error(capsys, argv, 2, "$http_x_forwarded_for", "%{x-forwarded-for}i")


def test_mapped_ipv4_and_ipv6_clients_get_their_country(tmp_path):
    lines = []
    for n in range(30):
        address = ("::ffff:8.8.8.{}", "2001:4860:4860::{:x}", "[2001:4860:4860::{:x}]")[n % 3].format(n + 1)
        at = START + timedelta(minutes=15 + n)
        lines += [combined(at, address, "GET /"), combined(at + timedelta(seconds=30), address, "GET /a")]
    data = convert(write(tmp_path / "v6.log", lines), tmp_path / "v6.yaml")
    assert data["origins"][0]["shares"] == {"US": 1.0}


# --- item 5: order --------------------------------------------------------------------------------


def test_a_shuffled_copy_of_a_real_log_gives_the_same_scenario(tmp_path):
    log = real_log("elastic_apache_logs.log.gz")
    lines = gzip.decompress(log.read_bytes()).decode().splitlines()
    rng = random.Random(7)
    minutes: dict[str, list[str]] = {}  # each minute's lines in a random order, as slow requests end
    for line in lines:
        minutes.setdefault(line[line.index("[") : line.index("[") + 18], []).append(line)
    shuffled = []
    for block in minutes.values():
        rng.shuffle(block)
        shuffled += block
    assert shuffled != lines
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = convert(log, tmp_path / "a" / "s.yaml")
    second = convert(write(tmp_path / "shuffled.log", shuffled), tmp_path / "b" / "s.yaml")
    for data in (first, second):
        data.pop("sources")
        for figure in data["figures"]:
            figure.pop("source")
        data["description"] = data["description"].split("):", 1)[1]
    assert first == second
    assert first["think_time"]["distribution"] == "exponential"  # in file order it was a 6.1 s lognormal


# --- item 6: formats ------------------------------------------------------------------------------


def iis_log(path: Path, sessions: int, fields: str, row) -> Path:
    """A W3C extended log as IIS writes it (learn.microsoft.com, "W3C Extended Log File Format")."""
    lines = ["#Software: Microsoft Internet Information Services 8.5", "#Version: 1.0",
             "#Date: 2016-11-09 00:00:00", f"#Fields: {fields}"]  # fmt: skip
    start = datetime(2016, 11, 9, 0, 0, tzinfo=UTC)
    for n in range(sessions):
        for i, (stem, query) in enumerate(
            [("/english/index.asp", "-"), ("/english/visit/index.asp", "lang=en")]
        ):
            at = start + timedelta(seconds=60 * n + 25 * i + 900)
            lines.append(row(at, stem, query, n))
    return write(path, lines)


def test_an_iis_w3c_log_is_read_with_its_fields_directive(tmp_path):
    fields = ("date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) "
              "cs(Referer) sc-status sc-substatus sc-win32-status time-taken X-Forwarded-For")  # fmt: skip
    agent = "Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64)"

    def row(at: datetime, stem: str, query: str, n: int) -> str:
        return (f"{at:%Y-%m-%d %H:%M:%S} 10.0.0.5 GET {stem} {query} 443 - 10.0.0.1 {agent} - 200 0 0 "
                f"31 81.2.69.{n + 1}")  # fmt: skip

    log = iis_log(tmp_path / "u_ex161109.log", 50, fields, row)
    data = convert(log, tmp_path / "iis.yaml", "--client-address", "X-Forwarded-For")
    # 40 arrivals, and 10 in its first minutes that may have begun before it
    assert "40 sessions" in data["description"] and "10 already under way" in data["description"]
    assert data["clock"]["timezone"] == "UTC"
    steps = data["journeys"][0]["steps"]
    assert [step["get"] for step in steps] == ["/english/index.asp", "/english/visit/index.asp?lang=en"]
    assert set(data["origins"][0]["shares"]) == {country_of("81.2.69.1")}


@pytest.mark.parametrize(("offset", "hours"), [("+0530", 5.5), ("+0330", 3.5), ("-0930", -9.5)])
def test_half_hour_utc_offsets_keep_their_local_clock(tmp_path, offset, hours):
    zone = timezone(timedelta(hours=hours))
    start = datetime(2023, 3, 1, 9, 0, tzinfo=zone)
    lines = [line.replace(f"{start:%z}", offset) for line in browsing(start, 40, ["/", "/b"])]
    data = convert(write(tmp_path / "ist.log", lines), tmp_path / "ist.yaml")
    clock_zone = data["clock"]["timezone"]
    assert clock_zone != "UTC"
    assert datetime(2023, 3, 1, tzinfo=UTC).astimezone(
        __import__("zoneinfo").ZoneInfo(clock_zone)
    ).utcoffset() == timedelta(hours=hours)
    assert data["clock"]["start"].startswith("2023-03-01 09:")


def test_an_unsupported_format_is_named_with_its_first_line(tmp_path, capsys):
    log = write(tmp_path / "app.log", ['{"time": "2024-10-04T00:00:18Z", "path": "/"}'] * 3)
    argv = ["scenario", "from-log", str(log), "-o", str(tmp_path / "x.yaml"), "--no-progress"]
    assert_one_line_error(capsys, argv, 2, "app.log", "JSON lines is not supported", '{"time": ')
    assert not (tmp_path / "x.yaml").exists()


@pytest.mark.parametrize("days", [7, 43])
def test_the_busiest_hour_and_day_agree_with_the_curve_at_any_length(tmp_path, days):
    rng = random.Random(days)
    lines = []
    start = datetime(2024, 1, 1, tzinfo=UTC)
    for hour in range(days * 24):
        for _ in range(rng.choice([0, 1, 2, 3, 8]) if hour % 24 != 20 else 12):
            at = start + timedelta(hours=hour, seconds=rng.randrange(3500))
            address = f"8.8.{rng.randrange(250)}.{rng.randrange(1, 250)}"
            lines += [combined(at, address, "GET /"), combined(at + timedelta(seconds=30), address, "GET /b")]
    lines.sort(key=lambda line: line[line.index("[") :])
    convert(write(tmp_path / "long.log", lines), tmp_path / "long.yaml")
    plan = make_plan(load_scenario(tmp_path / "long.yaml"), None)
    checks = {check.figure.id: check for check in plan.figures}
    for figure_id in ("L1", "L2", "L4"):  # L4, the busiest day, is new
        assert abs(checks[figure_id].deviation) < 0.02, (figure_id, checks.get(figure_id))
    assert not any(" off its documented value" in warning for warning in plan.warnings), plan.warnings


# --- item 7: noise --------------------------------------------------------------------------------


def test_uptime_probes_and_health_checks_are_left_out_of_a_real_log(tmp_path):
    data = convert(real_log("roadmapsh_nginx-access.log.gz"), tmp_path / "r.yaml")
    paths = [step.get("get") for journey in data["journeys"] for step in journey["steps"]]
    assert "/v1-health" not in paths
    assert "Uptime" not in data["description"] and "uptime probes" in data["description"]
    kept = convert(real_log("roadmapsh_nginx-access.log.gz"), tmp_path / "all.yaml", "--exclude-agent", "")
    assert kept["journeys"][0]["steps"][0]["get"] == "/v1-health"  # what it was before


def test_sessions_under_way_when_the_log_starts_are_not_its_first_arrivals(tmp_path):
    lines = browsing(START, 80, ["/a", "/b"], every_s=4, think_s=60)  # all already browsing at 19:00
    lines += browsing(START + timedelta(minutes=20), 60, ["/", "/a"], every_s=60, offset=100)
    data = convert(write(tmp_path / "mid.log", lines), tmp_path / "mid.yaml")
    values = [frame["value"] for frame in data["load"]["keyframes"]]
    assert max(values) == pytest.approx(60, rel=0.05)  # the steady 60 sessions/h, not a burst of 80
    assert "80 already under way" in data["description"]


def test_a_log_shorter_than_its_warm_up_still_gives_a_scenario(tmp_path):
    data = convert(
        write(tmp_path / "short.log", browsing(START, 20, ["/", "/a"], every_s=15)), tmp_path / "s.yaml"
    )
    assert "20 sessions" in data["description"]


def test_assets_are_known_by_content_type_and_by_pattern(tmp_path):
    log_format = (
        '$remote_addr - - [$time_local] "$request" $status "$http_user_agent" "$sent_http_content_type"'
    )
    lines = []
    for n in range(40):
        at = START + timedelta(minutes=15 + n)
        address = f"8.8.8.{n + 1}"
        for i, (path, kind) in enumerate([("/", "text/html"), ("/img/4711", "image/png"), ("/thumb/9", "-"),
                                          ("/next", "text/html; charset=utf-8")]):  # fmt: skip
            when = at + timedelta(seconds=20 * i)
            lines.append(
                f'{address} - - [{when:%d/%b/%Y:%H:%M:%S %z}] "GET {path} HTTP/1.1" 200 "{CHROME}" "{kind}"'
            )
    log = write(tmp_path / "ct.log", lines)
    data = convert(log, tmp_path / "ct.yaml", "--format", log_format, "--asset-pattern", "^/thumb/")
    journey = data["journeys"][0]
    assert [step["get"] for step in journey["steps"]] == ["/", "/next"]
    assert set(journey["assets"]) == {"/img/4711", "/thumb/9"}
