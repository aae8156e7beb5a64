"""Memory per idle visitor: 100,000 concurrent visitors with realistic think times in one Locust process.

    python benchmarks/idle_visitors_memory.py [--users 100000] [--ramp 60] [--hold 40] [--think 60]

nginx (one worker, core 0) serves the pages. One Locust process (core 1) runs
flashcrowd's locustfile with a scenario that holds 0 users for a few seconds
(the baseline), ramps to ``--users`` and holds them; visitors read each page for
an exponential think time (mean ``--think`` s), so almost all of them are idle
and, closing their connection while they read, hold no socket. It prints the
RSS growth per visitor (goal <= 30 KB), the sockets the process held, and the
tracking error of the user count against the curve once the ramp has settled.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import psutil
from common import benchmark_parser
from generator_throughput import GENERATOR_CORE, require_tools
from target_throughput import start_nginx

from flashcrowd.bundled_paths import LOCUSTFILE
from flashcrowd.results.record import read_record

GOAL_KB = 30.0
BASELINE_S = 5
PAGES = ("/english/index.asp", "/english/immigrate/index.asp", "/english/work/index.asp")

SCENARIO = """\
flashcrowd: 1
name: idle-visitors
description: {users} visitors reading pages for {think} s on average.
clock: {{start: "2016-11-08 22:00", timezone: America/Toronto, compress: 1}}
scale: 1.0
load:
  unit: concurrent_users
  keyframes:
    - {{at: "+0s", value: 0}}
    - {{at: "+{baseline}s", value: 0}}
    - {{at: "+{ramp_end}s", value: {users}}}
    - {{at: "+{end}s", value: {users}}}
origins: [{{at: "+0s", shares: {{US: 0.5, CA: 0.42, other: 0.08}}}}]
think_time: {{distribution: exponential, mean: {think}s}}
on_error: {{retry_probability: 0.5, delay: {{distribution: uniform, low: 2s, high: 8s}}, max_retries: 2}}
journeys:
  - name: read
    weight: 1
    steps: [{steps}]
"""


def main() -> int:
    parser = benchmark_parser(__doc__)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--ramp", type=int, default=60, help="seconds from 0 to --users")
    parser.add_argument("--hold", type=int, default=40, help="seconds holding --users")
    parser.add_argument("--think", type=float, default=60.0, help="mean think time, seconds")
    args = parser.parse_args()
    require_tools(parser)
    end = BASELINE_S + args.ramp + args.hold
    with tempfile.TemporaryDirectory(prefix="flashcrowd-idle-") as root:
        work = Path(root)
        nginx, url = start_nginx(
            work, {page: b"<html><body>flash crowd</body></html>\n" * 40 for page in PAGES}
        )
        try:
            scenario = work / "idle-visitors.yaml"
            steps = ", ".join(f"{{name: page{i}, get: {page}}}" for i, page in enumerate(PAGES))
            scenario.write_text(
                SCENARIO.format(
                    users=args.users,
                    think=args.think,
                    baseline=BASELINE_S,
                    ramp_end=BASELINE_S + args.ramp,
                    end=end,
                    steps=steps,
                )
            )
            samples = run_and_sample(work, url, scenario, end)
        finally:
            os.kill(nginx.pid, signal.SIGQUIT)
            nginx.wait(10)
        report(work, samples, args)
    return 0


def run_and_sample(work: Path, url: str, scenario: Path, end_s: int) -> list[tuple[float, int, int]]:
    """Run the generator to the end of the curve; (seconds, RSS bytes, open sockets) once a second."""
    command = ["taskset", "-c", GENERATOR_CORE, sys.executable, "-m", "locust", "-f", str(LOCUSTFILE)]
    command += ["--headless", "--host", url, "--scenario", str(scenario), "--out", str(work / "out")]
    command += ["--logfile", str(work / "locust.log")]
    samples = []
    with open(work / "stderr.txt", "wb") as stderr:
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr)
        process = psutil.Process(child.pid)
        started = time.monotonic()
        try:
            while child.poll() is None and time.monotonic() - started < end_s + 60:
                elapsed = time.monotonic() - started
                try:
                    sockets = len(process.net_connections(kind="tcp"))
                    samples.append((elapsed, process.memory_info().rss, sockets))
                except psutil.NoSuchProcess:
                    break
                time.sleep(1.0)
        finally:
            if child.poll() is None:
                os.kill(child.pid, signal.SIGTERM)
            child.wait(30)
    return samples


def report(work: Path, samples: list[tuple[float, int, int]], args: argparse.Namespace) -> None:
    baseline = max(rss for t, rss, _ in samples if 1.0 <= t <= BASELINE_S - 0.5)
    holding = [(rss, sockets) for t, rss, sockets in samples if BASELINE_S + args.ramp + 5 <= t]
    peak_rss = max(rss for rss, _ in holding)
    per_visitor_kb = (peak_rss - baseline) / args.users / 1024
    record = read_record(work / "out" / "summary.json")
    shape_line = re.findall(r"tracking error .*", (work / "locust.log").read_text())
    print(f"visitors: {args.users:,} in one process, think time exponential, mean {args.think:g} s")
    print(f"RSS: baseline {baseline / 2**20:,.0f} MiB, holding {peak_rss / 2**20:,.0f} MiB")
    print(f"memory per idle visitor: {per_visitor_kb:.1f} KB (goal <= {GOAL_KB:g} KB)")
    print(
        f"TCP sockets held while holding: at most {max(s for _, s in holding):,} for {args.users:,} visitors"
    )
    totals = record.totals
    print(f"requests: {totals.requests:,} ({totals.rps:,.0f}/s), failures {totals.failures:,}")
    print(f"failures by detail: {dict(totals.failures_by_detail)}")
    print(f"latency: p50 {totals.p50_ms} ms, p95 {totals.p95_ms} ms")
    cpu_warnings = (work / "locust.log").read_text().count("CPU usage above")
    print(f"Locust's 'CPU usage above 90%' warnings: {cpu_warnings}")
    print(f"peak achieved users: {totals.peak_achieved_users:,}")
    print(f"shape: {shape_line[-1] if shape_line else 'no tracking line in locust.log'}")
    print(f"recorder tracking (per second, whole run): {asdict(record.tracking)}")
    print(f"goal: <= {GOAL_KB:g} KB per idle visitor: {'met' if per_visitor_kb <= GOAL_KB else 'NOT met'}")


if __name__ == "__main__":
    sys.exit(main())
