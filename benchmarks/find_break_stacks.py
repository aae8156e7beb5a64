"""find-break's answers against real stacks whose capacity is known from their configuration.

For each stack of ``tests/stacks.py`` (gunicorn with 4 sync workers whose every
page holds a worker 50 ms, alone, behind nginx, behind haproxy) and each model,
runs ``flashcrowd find-break --host STACK_URL --model M --out DIR`` and prints,
beside the capacity computed from the configuration, the load where p95 had
doubled (find-break's knee), the highest load judged holding, the break, and
their ratios to that capacity:

- closed: N* = c(S+Z)/S visitors, Z the scenario's mean think time per page;
- open: c/S requests a second / the scenario's requests per session, in sessions/s.

A baseline measured in the same run, ``wrk -t1 -c64 -d5s`` against each stack,
shows what the stack serves when nothing but it limits the rate.

    python benchmarks/find_break_stacks.py [--scenario probe-election-night] [--budget 180]
        [--stacks gunicorn nginx+gunicorn haproxy+gunicorn] [--models closed open] [--out DIR]
        [--flashcrowd PATH] [-- FIND_BREAK_OPTION ...]   e.g. -- --max-5xx-rate 0.05

Needs nginx and haproxy (apt-get install nginx haproxy) for their stacks and wrk
for the baseline; what is missing is skipped with a note. Only 127.0.0.1 is
loaded; each run gets a fresh stack, and each find-break is stopped by PID if
it outlives its budget by two minutes or the benchmark is interrupted.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from flashcrowd.bundled_paths import resolve_scenario
from flashcrowd.launch.runner import sigterm_unwinds
from flashcrowd.scenario import load_scenario
from flashcrowd.scenario.journeys import requests_per_session, session_seconds
from flashcrowd_common.errors import Terminated

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # the stack launchers
from common import benchmark_parser
from stacks import STACKS, Stack, StackError

FLASHCROWD = Path(sys.executable).with_name("flashcrowd")
NEW_FIELDS = ("saturation", "first_failure", "first_resets")  # find-break.json fields of the rewrite
UNITS = {"closed": "visitors", "open": "sessions/s"}


def wrk_rps(url: str, seconds: float = 5.0) -> float | None:
    """Requests a second ``wrk -t1 -c64`` measured against ``url``; None without wrk."""
    if shutil.which("wrk") is None:
        return None
    command = ["wrk", "-t1", "-c64", f"-d{seconds:g}s", url]
    output = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30, check=True).stdout
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def capacity(stack: Stack, model: str, scenario_name: str) -> float:
    """Where the stack's workers saturate, in the model's unit, from its configuration and the scenario."""
    scenario = load_scenario(resolve_scenario(scenario_name))
    pages = requests_per_session(scenario.journeys)
    if model == "closed":
        think_s = session_seconds(scenario.journeys, scenario.think_time) / pages  # Z, per page
        return stack.knee_users(think_s)
    return stack.capacity_rps / pages


def find_break(url: str, model: str, out: Path, args: argparse.Namespace) -> dict[str, Any] | None:
    """Run find-break against ``url``; its find-break.json, or None (its output's tail is printed)."""
    command = [str(args.flashcrowd), "find-break", "--host", url, "--model", model, "--out", str(out)]
    command += ["--scenario", args.scenario, "--budget", f"{args.budget:g}", *args.find_break_options]
    with (out.parent / f"{out.name}.log").open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            process.wait(args.budget + 120)
        except subprocess.TimeoutExpired:
            _stop(process)
        except BaseException:  # Ctrl-C or SIGTERM: not in our session, so it is stopped here
            _stop(process)
            raise
    result = out / "find-break.json"
    if not result.exists():
        tail = (out.parent / f"{out.name}.log").read_text(errors="replace").splitlines()[-5:]
        print(f"  find-break {model} exited {process.returncode} without a result:", *tail, sep="\n    ")
        return None
    return json.loads(result.read_text())


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (find-break then stops its Locust by PID), SIGKILL to its process group after 15 s."""
    os.kill(process.pid, signal.SIGTERM)
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def load_of(value: Any) -> float | None:
    """A load from find-break.json: a point's ``load``, or a bare number; None if absent."""
    if isinstance(value, dict):
        value = value.get("load")
    return float(value) if isinstance(value, int | float) else None


def row(
    stack: Stack, model: str, result: dict[str, Any] | None, scenario: str, extra: list[str]
) -> list[str]:
    """One line of the table: the computed capacity, then each load found with its ratio to it."""
    computed = capacity(stack, model, scenario)

    def cell(value: Any) -> str:
        load = load_of(value)
        return "-" if load is None else f"{load:.1f} ({load / computed:.2f}x)"

    result = result or {}
    first_bad = result.get("first_bad") or {}
    return [
        stack.name,
        model,
        f"{computed:.1f} {UNITS[model]}",
        cell(result.get("knee")),
        cell(result.get("last_good")),
        cell(first_bad),
        first_bad.get("kind") or (f"none, stopped: {result.get('stopped')}" if result else "no result"),
        *(cell(result.get(name)) for name in extra),
    ]


def main() -> int:
    parser = benchmark_parser(__doc__)
    parser.add_argument("--scenario", default="probe-election-night")
    parser.add_argument(
        "--flashcrowd", type=Path, default=FLASHCROWD, help="the flashcrowd to run (this venv's)"
    )
    parser.add_argument("--budget", type=float, default=180.0, help="find-break's --budget per run, seconds")
    parser.add_argument("--stacks", nargs="+", choices=list(STACKS), default=list(STACKS))
    parser.add_argument("--models", nargs="+", choices=list(UNITS), default=list(UNITS))
    parser.add_argument(
        "--out", type=Path, default=Path(f"flashcrowd-results/find-break-stacks-{time.time():.0f}")
    )
    parser.add_argument("find_break_options", nargs=argparse.REMAINDER, help="after --: passed to find-break")
    args = parser.parse_args()
    if args.find_break_options[:1] == ["--"]:
        args.find_break_options = args.find_break_options[1:]
    args.out.mkdir(parents=True, exist_ok=True)
    runs: list[tuple[Stack, str, dict[str, Any] | None]] = []
    baselines: dict[str, float | None] = {}
    with sigterm_unwinds():
        for name in args.stacks:
            try:
                with STACKS[name]() as stack:
                    print(f"{name}: capacity {stack.capacity_rps:g} req/s; overload: {stack.overload}")
                    baselines[name] = wrk_rps(stack.url)
                for model in args.models:
                    # A fresh stack each run: what a run leaves queued (gunicorn's backlog drains at
                    # c/S, dead connections included) must not greet the next one.
                    with STACKS[name]() as stack:
                        print(f"{name}: find-break --model {model} (budget {args.budget:g} s)", flush=True)
                        result = find_break(stack.url, model, args.out / f"{name}-{model}", args)
                        runs.append((stack, model, result))
            except StackError as error:
                print(f"{name}: skipped: {error}")
    extra = [name for name in NEW_FIELDS if any(name in (result or {}) for _, _, result in runs)]
    header = [
        "stack",
        "model",
        "capacity (config)",
        "p95 doubles (knee)",
        "holds (last_good)",
        "breaks (first_bad)",
        "failure",
        *extra,
    ]
    options = " ".join([f"--scenario {args.scenario} --budget {args.budget:g}", *args.find_break_options])
    print(f"\nfind-break {options}; (x) = ratio to capacity")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for stack, model, result in runs:
        print("| " + " | ".join(row(stack, model, result, args.scenario, extra)) + " |")
    print("\nbaseline, wrk -t1 -c64 -d5s, same run:")
    for name, rps in baselines.items():
        print(f"  {name:18} " + ("wrk not installed" if rps is None else f"{rps:.1f} req/s"))
    print(f"results: {args.out}/")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (KeyboardInterrupt, Terminated):
        print("interrupted: the stacks and find-break it started are stopped")
        sys.exit(130)
