"""`flashcrowd run`: replay a scenario against a site (the bundled one unless --host) and say how it held."""

from __future__ import annotations

import argparse

from flashcrowd.cli.common import add_command, add_host_options
from flashcrowd.launch.runner import WEB_PORT, RunOptions, RunOutcome, describe_break, run_scenario
from flashcrowd_common.arguments import port, positive
from flashcrowd_common.errors import UsageError

DESCRIPTION = """\
Run a scenario through Locust: the load shape follows its curve of concurrent users
(scaled and time-compressed), visitors follow its journeys, think times and retries.
Without --host the bundled target_app is started on 127.0.0.1 with the scenario's
profile. The run stops by itself at the end of the curve; results (summary.json,
timeline.csv, report.html, junit.xml) go to --out.

exit codes: 0 passed, 1 SLO breached, 2 bad input, 3 target unreachable, 4 generator failure"""

EXAMPLES = """\
  flashcrowd run scenarios/ci-smoke.yaml
  flashcrowd run election-night-2016-11-08 --duration 2min --scale 0.01
  flashcrowd run scenarios/ci-smoke.yaml --host http://127.0.0.1:8080 --workers 2 --out results/
  flashcrowd run scenarios/ci-smoke.yaml --web      # watch it in Locust's web UI on port 8089
  flashcrowd run ci-smoke --web-port 8090            # ... on another port"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = add_command(subparsers, "run", "run a scenario against a site", DESCRIPTION, EXAMPLES)
    parser.add_argument("scenario", metavar="SCENARIO", help="scenario file, or the name of a bundled one")
    add_host_options(parser)
    add_run_options(parser)
    parser.add_argument(
        "--web", action="store_true", help=f"show Locust's web UI on 127.0.0.1:{WEB_PORT} while it runs"
    )
    parser.add_argument(
        "--web-port", type=port, metavar="PORT", help=f"web UI port (implies --web; default {WEB_PORT})"
    )
    parser.set_defaults(func=run)


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by the commands that run a scenario."""
    parser.add_argument(
        "--scale", type=positive, help="simulated users per real-world user (default: scenario's)"
    )
    parser.add_argument(
        "--compress", type=positive, help="real-world seconds per wall second (default: scenario's)"
    )
    parser.add_argument(
        "--duration", default="", help="shorten the run to this wall duration, e.g. 90s, 2min"
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="Locust worker processes (Locust's --processes)"
    )
    parser.add_argument(
        "--out", default="", help="results directory (default: flashcrowd-results/NAME-TIME/)"
    )
    parser.add_argument("--profile", help="target_app profile when no --host is given (default: scenario's)")
    parser.add_argument("--stop-on-breach", action="store_true", help="stop at the first SLO breach")
    parser.add_argument("--seed", type=int, help="seed for visitors' choices (default: the scenario's)")
    parser.add_argument(
        "--prometheus-port",
        type=port,
        metavar="PORT",
        help="serve live per-second figures for Prometheus on 127.0.0.1:PORT/metrics while it runs",
    )


def options_from(args: argparse.Namespace) -> RunOptions:
    return RunOptions(
        scenario=args.scenario,
        host=args.host,
        allow_remote_target=args.allow_remote_target,
        scale=args.scale,
        compress=args.compress,
        duration=args.duration,
        workers=args.workers,
        out=args.out,
        profile=args.profile,
        stop_on_breach=args.stop_on_breach,
        seed=args.seed,
        web_port=web_port(args),
        prometheus_port=args.prometheus_port,
    )


def web_port(args: argparse.Namespace) -> int | None:
    """The web UI's port if --web or --web-port was given, else None (headless)."""
    if args.web_port == 0:
        raise UsageError("--web-port 0: expected a port from 1 to 65535 (the UI's address must be known)")
    if args.web_port is not None:
        return args.web_port
    return WEB_PORT if args.web else None


def print_outcome(outcome: RunOutcome) -> None:
    """Saturation, first failure and first reset, the verdict and where the files are, on stdout."""
    summary = outcome.summary or {}
    totals = summary.get("totals", {})
    print("\n".join(describe_break(outcome)))
    print(
        f"{summary.get('verdict', 'no verdict')}: {totals.get('requests', 0):,} requests, "
        f"{totals.get('failures', 0):,} failed ({_kinds(totals.get('failures_by_kind', {}))}), "
        f"p95 {_ms(totals.get('p95_ms'))}, against {outcome.host}"
    )
    for slo in summary.get("slos", []):
        if slo.get("breached"):
            print(
                f"SLO breached: {slo['name']} ({slo['metric']} {slo['op']} {slo['threshold']:g} over "
                f"{slo['window_s']:g} s; worst {slo['worst']:.4g})"
            )
    print(
        f"Report: {outcome.report}  (summary.json, timeline.csv, pages.csv, junit.xml in {outcome.out_dir})"
    )


def _kinds(by_kind: dict[str, int]) -> str:
    return (
        ", ".join(f"{count:,} {kind}" for kind, count in sorted(by_kind.items(), key=lambda kv: -kv[1]))
        or "none"
    )


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f} ms"


def run(args: argparse.Namespace) -> int:
    outcome = run_scenario(options_from(args))
    print_outcome(outcome)
    return outcome.exit_code
