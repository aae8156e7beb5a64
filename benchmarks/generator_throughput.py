"""Requests a second one generator core sends: flashcrowd's Visitor next to stock Locust FastHttpUser.

    python benchmarks/generator_throughput.py [--duration 10] [--users 50] [--rounds 2]

nginx (one worker, pinned to core 0) serves a small static page on 127.0.0.1.
Each generator is one Locust process pinned to core 1, at zero wait/think time:
stock ``FastHttpUser`` looping on the page, and flashcrowd's locustfile with a
scenario of ten-page visits (each visitor a new browser: new connection, cookies,
origin) and with one-page visits (a new connection per request). One-page visits
are also set against stock FastHttpUser sending ``Connection: close``, which pays
the same TCP set-up per request. Rounds alternate stock and ours, and the best
round of each counts, because the machine is shared. Goal: ours >= 0.8 x stock.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from common import benchmark_parser
from target_throughput import start_nginx

from flashcrowd.bundled_paths import LOCUSTFILE

GENERATOR_CORE = "1"
GOAL_RATIO = 0.8
PAGE = "/english/index.asp"  # the page start_nginx waits for

STOCK_LOCUSTFILE = """\
from locust import FastHttpUser, constant, task


class Stock(FastHttpUser):
    wait_time = constant(0)

    @task
    def page(self):
        self.client.get("{page}", headers={headers})
"""

SCENARIO = """\
flashcrowd: 1
name: throughput-{pages}
description: Visitors who never think, {pages} page(s) a visit, for the generator benchmark.
clock: {{start: "2016-11-08 23:00", timezone: America/Toronto, compress: 1}}
scale: 1.0
session: {{mean: 1s}}  # no think time: Little's law needs a stated session length
load:
  unit: concurrent_users
  keyframes: [{{at: "+0s", value: {users}}}, {{at: "+{seconds}s", value: {users}}}]
origins: [{{at: "+0s", shares: {{US: 0.5, CA: 0.5}}}}]
think_time: {{distribution: constant, mean: 0s}}
on_error: {{retry_probability: 0, delay: {{distribution: constant, mean: 0s}}, max_retries: 0}}
journeys:
  - name: visit
    weight: 1
    steps: [{steps}]
"""


def locust_rps(command: list[str], stats_file: Path, timeout_s: float) -> float:
    """Run one headless Locust process on the generator core; requests a second from its final stats."""
    subprocess.run(
        [
            "taskset",
            "-c",
            GENERATOR_CORE,
            *command,
            "--headless",
            "--only-summary",
            "--json-file",
            str(stats_file),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=timeout_s,
        check=False,
    )
    stats = json.loads(stats_file.with_suffix(".json").read_text())
    requests = sum(entry["num_requests"] for entry in stats)
    failures = sum(entry["num_failures"] for entry in stats)
    started = min(entry["start_time"] for entry in stats)
    ended = max(entry["last_request_timestamp"] for entry in stats)
    if failures:
        print(f"  note: {failures} of {requests} requests failed")
    return requests / (ended - started)


def stock_command(work: Path, url: str, users: int, duration_s: float, *, close: bool = False) -> list[str]:
    locustfile = work / f"stock_locustfile_{'close' if close else 'keepalive'}.py"
    locustfile.write_text(
        STOCK_LOCUSTFILE.format(page=PAGE, headers={"Connection": "close"} if close else None)
    )
    python = [sys.executable, "-m", "locust", "-f", str(locustfile), "--host", url]
    return [*python, "-u", str(users), "-r", str(users), "-t", f"{duration_s:g}s"]


def ours_command(work: Path, url: str, users: int, duration_s: float, pages: int) -> list[str]:
    scenario = work / f"throughput-{pages}.yaml"
    steps = ", ".join(f"{{name: p{i}, get: {PAGE}}}" for i in range(pages))
    scenario.write_text(SCENARIO.format(pages=pages, users=users, seconds=int(duration_s), steps=steps))
    python = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--host", url]
    return [*python, "--scenario", str(scenario), "--out", str(work / f"out-{pages}")]


def require_tools(parser: argparse.ArgumentParser) -> None:
    """nginx serves, taskset pins each process to its core: without one, exit 1 saying which to install."""
    if not (shutil.which("nginx") and shutil.which("taskset")):
        parser.exit(1, "needs nginx and taskset (apt-get install nginx util-linux); nothing measured\n")


def main() -> int:
    parser = benchmark_parser(__doc__)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measurement")
    parser.add_argument("--users", type=int, default=50, help="concurrent users in each generator")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds; the best of each counts")
    args = parser.parse_args()
    require_tools(parser)
    timeout_s = args.duration + 60
    best: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="flashcrowd-generator-") as root:
        work = Path(root)
        nginx, url = start_nginx(work, {PAGE: b"<html><body>flash crowd</body></html>\n" * 8})
        try:
            commands = {
                "stock FastHttpUser": stock_command(work, url, args.users, args.duration),
                "Visitor, 10-page visits": ours_command(work, url, args.users, args.duration, pages=10),
                "Visitor, 1-page visits": ours_command(work, url, args.users, args.duration, pages=1),
                "stock, Connection: close": stock_command(work, url, args.users, args.duration, close=True),
            }
            for round_number in range(1, args.rounds + 1):
                for label, command in commands.items():
                    rps = locust_rps(command, work / f"stats-{round_number}-{len(best)}", timeout_s)
                    print(f"round {round_number}: {label:26} {rps:9,.0f} req/s", flush=True)
                    best[label] = max(best.get(label, 0.0), rps)
        finally:
            os.kill(nginx.pid, signal.SIGQUIT)  # nginx's graceful stop
            nginx.wait(10)
    stock = best["stock FastHttpUser"]
    print(f"\nbest of {args.rounds} rounds, one generator process on core {GENERATOR_CORE}, nginx on core 0:")
    for label, rps in best.items():
        print(f"{label:26} {rps:9,.0f} req/s   {rps / stock:5.2f} x stock")
    ratio = best["Visitor, 10-page visits"] / stock
    print(
        f"goal: Visitor >= {GOAL_RATIO} x stock FastHttpUser: {'met' if ratio >= GOAL_RATIO else 'NOT met'}"
    )
    per_connection = best["Visitor, 1-page visits"] / best["stock, Connection: close"]
    print(f"a new connection per request, both sides: Visitor {per_connection:.2f} x stock")
    return 0


if __name__ == "__main__":
    sys.exit(main())
