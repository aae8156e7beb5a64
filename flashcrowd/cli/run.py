"""`flashcrowd run`: replay a scenario against a site (the bundled one unless --host) and say how it held."""

from __future__ import annotations

import argparse
from collections.abc import Mapping

from flashcrowd import options
from flashcrowd.cli.common import add_command
from flashcrowd.launch.runner import RunOutcome, describe_break, run_scenario

DESCRIPTION = """\
Run a scenario through Locust: the load shape follows its curve of concurrent users
(scaled and time-compressed), visitors follow its journeys, think times and retries.
Without --host the bundled target_app is started on 127.0.0.1 with the scenario's
profile. The run stops by itself at the end of the curve; results (summary.json,
timeline.csv, report.html, junit.xml) go to --out. Failed requests count whatever
the SLOs: without an error_rate SLO of its own, a run is also judged by errors
under 1 % over 30 s, and a run in which every request failed never passes.

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
    options.add_to(parser, "run")
    parser.set_defaults(func=run)


def print_outcome(outcome: RunOutcome) -> None:
    """Saturation, first failure and first reset, the verdict and where the files are, on stdout."""
    record = outcome.record
    totals = record.totals
    print("\n".join(describe_break(outcome)))
    print(
        f"{record.verdict}: {totals.requests:,} requests, "
        f"{totals.failures:,} failed ({_kinds(totals.failures_by_kind)}), "
        f"p95 {_ms(totals.p95_ms)}, against {outcome.host}"
    )
    if record.tls is not None:
        print(f"TLS: {record.tls.summary()}")
    if totals.all_failed:
        print(f"Every request failed ({_kinds(totals.failures_by_kind)}): the run cannot pass.")
    for slo in record.slos:
        if slo.breached:
            print(
                f"SLO breached: {slo.name} ({slo.metric} {slo.op} {slo.threshold:g} over "
                f"{slo.window_s:g} s; worst {slo.worst:.4g})"
            )
    print(
        f"Report: {outcome.report}  (summary.json, timeline.csv, pages.csv, junit.xml in {outcome.out_dir})"
    )


def _kinds(by_kind: Mapping[str, int]) -> str:
    return (
        ", ".join(f"{count:,} {kind}" for kind, count in sorted(by_kind.items(), key=lambda kv: -kv[1]))
        or "none"
    )


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f} ms"


def run(args: argparse.Namespace) -> int:
    outcome = run_scenario(args)
    print_outcome(outcome)
    return outcome.exit_code
