"""``flashcrowd scenario from-log``: a scenario from nginx or Apache access logs."""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

from flashcrowd.cli.common import add_command
from flashcrowd.logs.formats import FORMAT_HELP
from flashcrowd.logs.reading import REORDER_S, ReadSettings, read_logs
from flashcrowd.logs.scenario import MIN_PEAK_SIM, LogOptions, scenario_from_log
from flashcrowd.logs.sessions import WARMUP_S
from flashcrowd.scenario.writer import write_scenario
from flashcrowd_common.arguments import count, positive, positive_duration
from flashcrowd_common.errors import UsageError
from target_app.geo import DATABASE_ENV, GeoIPError

SUMMARY = "a scenario from nginx, Apache or IIS access logs"
DEFAULT_EXCLUDE = (
    r"(?i)bot\b|bot/|crawl|spider|slurp|uptime|probe|health.?check|monitor|pingdom|statuscake|nagios|"
    r"zabbix|ELB-HealthChecker|GoogleHC|blackbox"
)

DESCRIPTION = f"""\
Read access logs (nginx or Apache, Combined or Common, IIS W3C extended, or your
own log format; any UTC offset; plain or gzip; rotated files in any order) in
one streaming pass and write a scenario: sessions by client address and user
agent until idle for --gap, their arrivals as a curve, the most frequent page
sequences (GETs and form POSTs) as journeys (stylesheets, scripts and images
folded into each journey's assets), a think time fitted from the gaps between
pages, and origins by country through the GeoIP database the bundled site and
the visitors use. The log is cited as the scenario's figures.

Lines are put back in time order within {REORDER_S} s (Apache logs a request when
it ends). Requests whose user agent matches --exclude-agent are left out; the
default leaves out uptime probes, health checks and crawlers:
  {DEFAULT_EXCLUDE}
Sessions first seen in the log's first {WARMUP_S // 60} minutes may have begun before it:
they are not counted as arrivals. The scale gives the run at least
{MIN_PEAK_SIM} simulated users at its peak (above 1 when the site is quiet), or
--peak-users of them. Malformed lines are counted and the first few shown; they
never stop the reading."""

EXAMPLES = """\
  flashcrowd scenario from-log /var/log/nginx/access.log* --output my-site.yaml
  flashcrowd scenario from-log access.log.gz --unit concurrent_users --gap 15min -o launch.yaml
  flashcrowd scenario from-log app.log -o app.yaml \\
      --format '$remote_addr [$time_local] "$request" $status "$http_user_agent"'
  flashcrowd scenario from-log access.log --geoip-db GeoLite2-Country.mmdb -o my-site.yaml
  flashcrowd scenario from-log u_ex161108.log -o iis.yaml --client-address X-Forwarded-For
  flashcrowd scenario from-log access.log -o lb.yaml --client-address X-Forwarded-For --format \\
      '$remote_addr [$time_local] "$request" $status "$http_user_agent" "$http_x_forwarded_for"'"""


def register(ways: argparse._SubParsersAction) -> None:
    parser = add_command(ways, "from-log", SUMMARY, DESCRIPTION, EXAMPLES)
    parser.add_argument("logs", nargs="+", metavar="LOG", help="access log files, plain or gzip")
    parser.add_argument(
        "--output", "-o", required=True, metavar="FILE.yaml", help="where to write the scenario"
    )
    parser.add_argument("--format", default="auto", help="log format: " + FORMAT_HELP.replace("%", "%%"))
    parser.add_argument(
        "--gap", type=positive_duration, default="30min", help="inactivity that ends a session"
    )
    parser.add_argument(
        "--unit", choices=("sessions_per_hour", "concurrent_users"), default="sessions_per_hour",
        help="the curve's unit (concurrent users through Little's law)",
    )  # fmt: skip
    parser.add_argument("--timezone", help="IANA time zone of the clock (default: from the log's UTC offset)")
    parser.add_argument("--journeys", type=count, default=8, help="at most this many journeys")
    parser.add_argument(
        "--duration", type=positive_duration, default="20min", help="wall-clock length of a run"
    )
    parser.add_argument("--name", help="the scenario's name (default: the output file's stem)")
    parser.add_argument(
        "--geoip-db", metavar="FILE.mmdb", help=f"a MaxMind database instead (sets {DATABASE_ENV})"
    )
    parser.add_argument(
        "--client-address", metavar="HEADER",
        help="the request header that holds the client, e.g. X-Forwarded-For (its first public address; "
        "the format must log it); default: the peer address",
    )  # fmt: skip
    parser.add_argument(
        "--exclude-agent", type=_regex, default=DEFAULT_EXCLUDE, metavar="REGEX",
        help="leave out requests whose user agent matches (default: probes, health checks, crawlers; "
        "'' keeps all)",
    )  # fmt: skip
    parser.add_argument(
        "--asset-pattern", type=_regex, metavar="REGEX",
        help="paths that are assets, not pages (besides .css, .js, images, fonts and by logged content type)",
    )  # fmt: skip
    parser.add_argument(
        "--peak-users", type=positive, metavar="N",
        help=f"simulated users at the curve's peak; the scale follows (default: at least {MIN_PEAK_SIM})",
    )  # fmt: skip
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    parser.set_defaults(func=run)


def _regex(text: str) -> re.Pattern[str] | None:
    """A compiled pattern (None for ''); argparse turns the ValueError into a usage error."""
    if not text:
        return None
    try:
        return re.compile(text)
    except re.error as error:
        raise argparse.ArgumentTypeError(f"{text!r}: {error}; expected a Python regular expression") from None


def run(args: argparse.Namespace) -> int:
    if args.geoip_db:
        os.environ[DATABASE_ENV] = args.geoip_db
    paths = [Path(log) for log in args.logs]
    output = Path(args.output)
    try:
        settings = ReadSettings(
            args.format, args.gap, args.client_address, args.exclude_agent, args.asset_pattern
        )
        reading = read_logs(paths, settings, progress=not args.no_progress)
        excluded = args.exclude_agent.pattern if args.exclude_agent else None
        options = LogOptions(
            args.name or output.stem, args.unit, args.timezone, args.duration, max(args.journeys, 1),
            args.peak_users, excluded,
        )  # fmt: skip
        data = scenario_from_log(reading, options)
    except GeoIPError as error:
        raise UsageError(f"--geoip-db: {error}") from None
    scenario = write_scenario(data, output, "flashcrowd scenario from-log")
    report = reading.malformed_report()
    if report:
        print(report, file=sys.stderr)
    tally = reading.tally
    print(
        f"Wrote {output}: {tally.sessions:,} sessions from {reading.hits:,} requests in "
        f"{reading.lines:,} lines ({reading.malformed:,} malformed, {reading.excluded:,} requests "
        f"excluded by --exclude-agent), {len(scenario.journeys)} journeys, scale {scenario.scale:g}, "
        f"think time {scenario.think_time.kind} mean {scenario.think_time.mean:.1f} s; "
        f"see it with `flashcrowd plan {output}`"
    )
    return 0
