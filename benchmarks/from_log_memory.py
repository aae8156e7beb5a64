"""Peak memory and time of `flashcrowd scenario from-log` on a 1 GB access log.

    python benchmarks/from_log_memory.py [--gigabytes 1] [--keep]

Writes a synthetic access log (the election-evening model of
flashcrowd.logs.synthetic at ten times its rates, one evening a day for as many
days as it takes, gzip-free) to a temporary directory, then runs the conversion
as a child process with its progress bar on this terminal, and prints the
log's size and lines, the conversion's wall time and throughput, and its peak
RSS (the child's ru_maxrss) against the goal of 150 MB.
"""

from __future__ import annotations

import argparse
import dataclasses
import resource
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from flashcrowd.logs.synthetic import ELECTION_EVENING, write_log

GOAL_MB = 150.0
RATE_FACTOR = 10


def write_big_log(path: Path, gigabytes: float) -> tuple[int, int]:
    """(lines, days) of a log of at least ``gigabytes``, one evening of the model a day."""
    model = dataclasses.replace(
        ELECTION_EVENING, rates=tuple((h, r * RATE_FACTOR) for h, r in ELECTION_EVENING.rates)
    )
    lines = days = 0
    with path.open("w", encoding="utf-8", buffering=1 << 20) as out:
        while out.tell() < gigabytes * 1e9:
            day = dataclasses.replace(model, seed=days, start=model.start + timedelta(days=days))
            written = write_log(day, out)
            lines += written.lines
            days += 1
            print(f"  wrote day {days}: {out.tell() / 1e9:.2f} GB", file=sys.stderr, end="\r", flush=True)
    print(file=sys.stderr)
    return lines, days


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gigabytes", type=float, default=1.0)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="flashcrowd-from-log-"))
    log = directory / "access.log"
    started = time.perf_counter()
    lines, days = write_big_log(log, args.gigabytes)
    size = log.stat().st_size
    written_s = time.perf_counter() - started
    print(f"log: {size / 1e9:.2f} GB, {lines:,} lines, {days} evenings, written in {written_s:.0f} s")
    output = directory / "big.yaml"
    command = [sys.executable, "-m", "flashcrowd", "scenario", "from-log", str(log), "-o", str(output)]
    started = time.perf_counter()
    result = subprocess.run(command, stdout=subprocess.PIPE, text=True, timeout=3600)
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(result.stdout.strip())
    print(
        f"from-log: exit {result.returncode}, {elapsed:.0f} s ({size / 1e6 / elapsed:.1f} MB/s, "
        f"{lines / elapsed:,.0f} lines/s), peak RSS {peak_mb:.0f} MB "
        f"({'meets' if peak_mb < GOAL_MB else 'misses'} the goal of < {GOAL_MB:.0f} MB)"
    )
    if not args.keep:
        log.unlink()
        for leftover in directory.iterdir():
            leftover.unlink()
        directory.rmdir()
    else:
        print(f"kept {directory}")
    return result.returncode


if __name__ == "__main__":
    raise SystemExit(main())
