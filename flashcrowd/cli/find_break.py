"""`flashcrowd find-break`: search for the load at which a site starts resetting connections."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from flashcrowd.breakpoint import settings
from flashcrowd.breakpoint.result import RESULT_NAME, summary_lines
from flashcrowd.cli.common import add_command, add_host_options
from flashcrowd.in_locust import locust_options
from flashcrowd.launch.paths import LOCUSTFILE, resolve_scenario
from flashcrowd.launch.runner import checked_profile, created_out_dir, run_child, sigterm_unwinds, target_url
from flashcrowd_common.arguments import positive, positive_duration
from flashcrowd_common.errors import ExitCode, GeneratorError, UsageError
from flashcrowd_common.safety import ALLOW_FLAG, check_target

FIND_BREAK_LOCUSTFILE = LOCUSTFILE.with_name("find_break.py")
DEFAULT_SCENARIO = "probe-election-night"
GRACE_S = 60.0  # Locust's start-up, writing the result and reports (plus one drain: see run())

DESCRIPTION = """\
Double the load until a step fails, look further up (--reset-search) for connection
resets, then bisect between the last good and the first bad step for both, until they
are within --resolution or the --budget is spent. Each step has a warm-up and a
measuring window; after a failing step the load drops to zero until the site answers
near its idle latency again (--drain-timeout), and only requests sent in a step count
in it. A step fails when the site did not serve what it was offered, whatever the way:
failed requests of any kind (resets, refusals, timeouts, connections closed, 5xx) over
--max-failure-rate; in the open model, fewer answers than requests sent (--min-served);
p95 over --max-latency-factor times the lightest step's, or over --max-p95 (default:
the scenario's p95 SLO). A step the load generator could not deliver (CPU, arrivals
behind schedule, missing users, no free ports) is inconclusive, never a break.

The answer names three loads: where the site saturated (throughput stopped rising),
where it first failed and how, and where resets began (or that they never did). Without
--host the bundled target_app is started with --profile, and the analytic prediction
is set beside the measurement. Writes find-break.json and find-break.png into --out.

closed model: load = concurrent visitors following the scenario's journeys and think time
open model:   load = new sessions a second (Poisson), which keep arriving when the site slows

exit codes: 0 answered, 2 bad input, 3 target unreachable, 4 load generator limited or failed"""

EXAMPLES = """\
  flashcrowd find-break --profile ci-small
  flashcrowd find-break --model open --profile ircc-2016 --out results/
  flashcrowd find-break --host http://127.0.0.1:8080 --scenario my-site.yaml --start 50 --max-p95 2s
  flashcrowd find-break --host http://127.0.0.1:8080 --workers 2 --budget 5min --resolution 2%"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = add_command(
        subparsers,
        "find-break",
        "find the load at which a site starts resetting connections",
        DESCRIPTION,
        EXAMPLES,
    )
    parser.add_argument(
        "--scenario", default=DEFAULT_SCENARIO, help="visitors' journeys, think time and scale (file or name)"
    )
    add_host_options(parser)
    parser.add_argument("--profile", help="target_app profile when no --host is given (default: scenario's)")
    parser.add_argument(
        "--workers", type=int, default=1, help="Locust worker processes (Locust's --processes)"
    )
    parser.add_argument(
        "--out", default="", help="results directory (default: flashcrowd-results/find-break-TIME/)"
    )
    parser.add_argument("--seed", type=int, help="seed for visitors' choices (default: the scenario's)")
    parser.add_argument(
        "--scale", type=positive, help="simulated users per real-world user (default: scenario's)"
    )
    parser.add_argument(
        "--connect-timeout", type=positive_duration, default=5.0, help="visitors' connect timeout"
    )
    parser.add_argument(
        "--read-timeout", type=positive_duration, default=30.0, help="visitors' wait for a response"
    )
    settings.add_arguments(parser)
    # The scenario's own curve is not replayed, so neither compressed nor cut short.
    parser.set_defaults(func=run, compress=None, duration="")


def run(args: argparse.Namespace) -> int:
    """Check everything, start the site if needed, run the search in Locust, print the answer."""
    if args.workers < 1:
        raise UsageError(f"--workers {args.workers}: expected a whole number of processes >= 1")
    args.scenario = str(resolve_scenario(args.scenario).resolve())
    scenario = locust_options.load_from_options(args)
    search = settings.from_options(args, scenario)
    host = check_target(args.host, args.allow_remote_target) if args.host else None
    profile = None if host else checked_profile(args.profile or scenario.target_profile)
    out_dir = created_out_dir(
        Path(args.out or f"flashcrowd-results/find-break-{time.strftime('%Y%m%d-%H%M%S')}")
    )
    with sigterm_unwinds(), target_url(host, profile or "") as url:
        command = _locust_command(args, url, out_dir, profile)
        limit_s = search.plan.budget_s + search.timing.drain_timeout_s + GRACE_S
        child_code = run_child(command, out_dir, limit_s, show_prefixes=(b"find-break:", b"flashcrowd:"))
    result = _read_result(out_dir)
    if result is None:
        if child_code in (ExitCode.USAGE, ExitCode.TARGET_UNREACHABLE):
            return child_code  # Locust has said why, in one line
        raise GeneratorError(
            f"Locust exited with code {child_code} and wrote no {RESULT_NAME}; see {out_dir / 'locust.log'}"
        )
    print("\n".join(summary_lines(result, out_dir / RESULT_NAME)))
    return int(ExitCode.GENERATOR_FAILURE if result["stopped"] == "inconclusive" else ExitCode.OK)


def _locust_command(args: argparse.Namespace, url: str, out_dir: Path, profile: str | None) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(FIND_BREAK_LOCUSTFILE),
        "--headless",
        "--only-summary",
    ]
    command += ["--host", url, "--scenario", args.scenario, "--out", str(out_dir)]
    command += ["--logfile", str(out_dir / "locust.log"), "--loglevel", "INFO"]
    command += ["--connect-timeout", str(args.connect_timeout), "--read-timeout", str(args.read_timeout)]
    for flag, value in (("--seed", args.seed), ("--scale", args.scale)):
        if value is not None:
            command += [flag, str(value)]
    if args.workers > 1:
        command += ["--processes", str(args.workers)]
    if args.allow_remote_target:
        command.append(ALLOW_FLAG)
    if profile is not None and args.predict_profile is None:
        args.predict_profile = profile
    return command + settings.forward(args)


def _read_result(out_dir: Path) -> dict[str, Any] | None:
    try:
        return json.loads((out_dir / RESULT_NAME).read_text())
    except (OSError, ValueError):
        return None
