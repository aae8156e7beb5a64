"""Election night at full scale from one box: 202,000 visitors with ``--workers 2`` against a tuned nginx.

    python benchmarks/full_scale_night.py [--scale 1.0] [--workers 2] [--cores 1]

Starts nginx tuned not to be the limit (its file limit raised to the hard one,
``worker_connections`` to match, ``listen ... backlog=`` at ``net.core.somaxconn``),
measures its capacity for new connections with ``wrk`` (``Connection: close``, the
way every reload of the scenario arrives), then runs
``flashcrowd run election-night-reload-2016-11-08 --scale 1 --workers 2`` against it
(202,000 visitors reloading about once a minute, 3,367 requests/s at the peak).
A second, three-second run of the same command at 20 visitors gives the processes'
resident memory without visitors. It prints the tracking error against the curve,
requests/s against the scenario's own figure and nginx's capacity, RSS per visitor
and failures by kind. Goals: every visitor held by a generator that kept up, tracking
within 5 %, no failed request, at most 22 KB a visitor, under 5 minutes. ``--cores``
pins the generator (``taskset``) to measure what one core holds: ``--workers 1
--cores 1`` is one Locust process on one core.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
from common import benchmark_parser

from flashcrowd.bundled_paths import SCENARIOS_DIR
from flashcrowd.load_models.preflight import soft_file_limit_raised
from flashcrowd.results.record import read_record
from flashcrowd.scenario import load_scenario

SCENARIO = "election-night-reload-2016-11-08"
PAGE = "/english/index.asp"
GOAL_TRACKING = 0.05
GOAL_KB = 22.0
GOAL_S = 300.0
# CPU is measured over 20 s of the hold, ending 5 s before the curve does (counted from the Locust
# processes' start: they take a few seconds to start the test, and stopping every visitor after the
# curve takes seconds more, which is not the hold).
HOLD_S, END_S = 20.0, 5.0
IDLE_SCALE = 0.0001  # 20 visitors at the peak: the processes' own memory

NGINX_CONF = """\
worker_processes 1;
worker_rlimit_nofile {files};
daemon off;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections {connections}; multi_accept on; }}
http {{
    access_log off;
    client_body_temp_path {root}/tmp; proxy_temp_path {root}/tmp; fastcgi_temp_path {root}/tmp;
    uwsgi_temp_path {root}/tmp; scgi_temp_path {root}/tmp;
    server {{ listen 127.0.0.1:{port} backlog={backlog}; root {root}/www; }}
}}
"""


def main() -> int:
    parser = benchmark_parser(__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="simulated visitors per real user")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cores", help="pin the generator to these cores (taskset's list, e.g. 1)")
    parser.add_argument("--out", type=Path, help="keep the run's files (locust.log, summary.json ...) here")
    args = parser.parse_args()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="flashcrowd-night-") as root:
        work = Path(root)
        nginx, url = start_tuned_nginx(work)
        try:
            capacity = wrk_close_rps(url)
            idle_rss = run_flashcrowd(work / "idle", url, IDLE_SCALE, args, duration="3s")[0]
            rss, seconds, cpu = run_flashcrowd(work / "night", url, args.scale, args)
        finally:
            os.kill(nginx.pid, signal.SIGTERM)  # fast shutdown: a graceful one waits on idle connections
            nginx.wait(30)
        errors = (work / "error.log").read_text()
        nginx_errors = errors.count("[alert]") + errors.count("[crit]")
        if args.out:
            shutil.copytree(work / "night", args.out, dirs_exist_ok=True)
        report(
            work / "night",
            args,
            capacity,
            idle_rss,
            rss,
            seconds,
            cpu,
            nginx_errors,
            time.monotonic() - started,
        )
    return 0


def start_tuned_nginx(root: Path) -> tuple[subprocess.Popen, str]:
    """nginx with the file limit, connections and accept queue this machine allows."""
    from target_throughput import start_nginx

    files = soft_file_limit_raised()
    backlog = int(Path("/proc/sys/net/core/somaxconn").read_text())
    conf = NGINX_CONF.replace("{files}", str(files)).replace("{connections}", str(files - 100))
    conf = conf.replace("{backlog}", str(backlog))
    body = b"<html><body>" + b"Election results: immigration information. " * 100 + b"</body></html>\n"
    return start_nginx(root, {PAGE: body}, conf=conf, pin=False)


def wrk_close_rps(url: str) -> float:
    """New connections a second nginx serves here (wrk, ``Connection: close``, 5 s): its capacity."""
    command = ["wrk", "-t", "2", "-c", "64", "-d", "5s", "-H", "Connection: close", url + PAGE]
    output = subprocess.run(command, capture_output=True, text=True, timeout=30, check=True).stdout
    return float(next(line for line in output.splitlines() if line.startswith("Requests/sec")).split()[1])


def run_flashcrowd(
    out: Path, url: str, scale: float, args: argparse.Namespace, duration: str | None = None
) -> tuple[int, float, list[tuple[float, float, int]]]:
    """Run the scenario (on ``args.cores`` if given); the most resident memory its Locust processes held
    (bytes), its seconds, and (seconds, CPU seconds the Locust processes had used, how many there were)
    once a second."""
    command = ["taskset", "-c", args.cores] if args.cores else []
    command += [sys.executable, "-m", "flashcrowd", "run", SCENARIO, "--scale", str(scale)]
    command += ["--workers", str(args.workers), "--host", url, "--out", str(out)]
    command += ["--duration", duration] if duration else []
    began = time.monotonic()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=sys.stderr)
    peak, cpu = 0, []
    try:
        while child.poll() is None:
            rss, used, processes = tree_usage(child.pid)
            peak = max(peak, rss)
            cpu.append((time.monotonic() - began, used, processes))
            time.sleep(1.0)
    finally:
        if child.poll() is None:
            os.kill(child.pid, signal.SIGTERM)
        child.wait(60)
    return peak, time.monotonic() - began, cpu


def tree_usage(pid: int) -> tuple[int, float, int]:
    """Resident bytes, CPU seconds and number of the Locust processes under ``pid`` (master and workers)."""
    try:
        children = psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return 0, 0.0, 0
    rss, cpu = 0, 0.0
    for process in children:
        try:
            rss += process.memory_info().rss
            times = process.cpu_times()
            cpu += times.user + times.system
        except psutil.NoSuchProcess:
            continue
    return rss, cpu, len(children)


def report(
    out: Path,
    args: argparse.Namespace,
    capacity: float,
    idle_rss: int,
    rss: int,
    seconds: float,
    cpu: list[tuple[float, float, int]],
    nginx_errors: int,
    total_s: float,
) -> None:
    """Print the run's figures against the goals, then the CPU the generator used at the hold."""
    record = read_record(out / "summary.json")
    scenario = load_scenario(SCENARIOS_DIR / f"{SCENARIO}.yaml", scale=args.scale)
    peak = round(scenario.scale * scenario.users.peak.value)
    totals = record.totals
    curve_s = scenario.clock.wall_duration_s  # after it, Locust stops the visitors: not the hold
    hold = [row for row in record_rows(out) if row["target"] >= peak and row["wall_s"] <= curve_s]
    hold_rps = sum(row["rps"] for row in hold) / max(len(hold), 1)
    expected_rps = peak / scenario.think_time.mean
    per_visitor_kb = (rss - idle_rss) / max(totals.peak_achieved_users, 1) / 1024
    tracking = record.tracking
    pinned = f" on cores {args.cores}" if args.cores else ""
    print(
        f"visitors at the peak: {totals.peak_achieved_users:,} of {peak:,} ({args.workers} workers{pinned})"
    )
    print(
        f"tracking error: max {(tracking.max_relative or 0.0):.1%} once settled (goal <= {GOAL_TRACKING:.0%})"
    )
    print(
        f"requests: {totals.requests:,}; at the hold {hold_rps:,.0f}/s = {hold_rps / expected_rps:.2f} x the "
        f"scenario's {expected_rps:,.0f}/s; nginx's capacity for new connections (wrk) {capacity:,.0f}/s "
        f"({hold_rps / capacity:.2f} of it)"
    )
    print(
        f"RSS: {rss / 2**20:,.0f} MiB at most, {idle_rss / 2**20:,.0f} MiB without visitors: "
        f"{per_visitor_kb:.1f} KB a visitor (goal <= {GOAL_KB:g} KB)"
    )
    print(f"the generator: {record.generator_limit or 'kept up (its loop never fell 1 s behind)'}")
    print(f"failures by kind: {dict(totals.failures_by_kind) or 'none'}; nginx alerts: {nginx_errors}")
    print(
        f"verdict: {record.verdict} (exit {record.exit_code}); the run took {seconds:.0f} s, "
        f"the benchmark {total_s:.0f} s"
    )
    met = (
        totals.peak_achieved_users >= peak
        and record.generator_limit is None
        and (tracking.max_relative or 0.0) <= GOAL_TRACKING
        and totals.failures == 0
        and per_visitor_kb <= GOAL_KB
        and total_s <= GOAL_S
    )
    print(f"goals: {'met' if met else 'NOT met'}")
    cores = hold_cores(cpu, curve_s)
    print(
        f"generator CPU while holding the peak: {cores:.2f} cores (Locust master and workers), "
        f"{cores / max(hold_rps, 1.0) * 1e6:,.0f} us a request"
    )


def hold_cores(cpu: list[tuple[float, float, int]], curve_s: float) -> float:
    """Cores the generator used over the hold: HOLD_S seconds of the curve, END_S before its end."""
    started_s = next((t for t, _, processes in cpu if processes), 0.0)  # the first Locust process
    last_s = started_s + curve_s - END_S
    held = [(t, used) for t, used, _ in cpu if last_s - HOLD_S <= t <= last_s]
    return (held[-1][1] - held[0][1]) / (held[-1][0] - held[0][0]) if len(held) > 1 else float("nan")


def record_rows(out: Path) -> list[dict[str, float]]:
    """timeline.csv's seconds: when, the users the curve asked for and the requests/s answered."""
    import csv

    with open(out / "timeline.csv") as rows:
        return [
            {"wall_s": float(r["wall_s"]), "target": float(r["target_users"]), "rps": float(r["rps"])}
            for r in csv.DictReader(rows)
        ]


if __name__ == "__main__":
    sys.exit(main())
