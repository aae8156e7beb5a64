"""Run a load model through Locust in a child process, with the bundled target when no host is given.

The one launch path of run, demo, smoke and find-break. Locust runs as
``python -m locust -f <bundled locustfile> --load-model ...`` so ``--processes``,
the web UI and master/worker behave exactly as with plain Locust. Everything that
can be wrong with the input is checked before anything starts; the child is
killed (its process group, by PID) if it overruns the load model's bound by its grace period.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from flashcrowd import load_models, option_values
from flashcrowd import options as table
from flashcrowd.bundled_paths import LOCUSTFILE, resolve_scenario
from flashcrowd.http.tls import TlsSettings
from flashcrowd.launch import preflight
from flashcrowd.launch.bundled_site import check_paths_on_bundled_site
from flashcrowd.launch.target_process import running_target
from flashcrowd.load_models.preflight import soft_file_limit_raised
from flashcrowd.options import WEB_PORT
from flashcrowd.results.break_text import Span, break_lines
from flashcrowd.results.record import RunRecord, read_record
from flashcrowd.scenario.model import Scenario
from flashcrowd_common.errors import ExitCode, GeneratorError, Terminated, UsageError
from flashcrowd_common.safety import check_target

STOP_TIMEOUT_S = 10.0
WEB_AUTOQUIT_S = 10  # the web UI stays up this long after the curve ends, to read the final figures


@dataclass
class RunOutcome:
    """How the run ended: exit code, where its files are, and its record (from summary.json)."""

    exit_code: int
    out_dir: Path
    record: RunRecord
    scenario: Scenario
    host: str

    @property
    def report(self) -> Path:
        return self.out_dir / "report.html"


@dataclass(frozen=True)
class PreparedRun:
    """A run whose every input has been checked (see :func:`prepare_run`); nothing started yet."""

    options: argparse.Namespace  # every option of flashcrowd/options.py, as given or at its default
    model: load_models.LoadModel
    scenario: Scenario
    host: str | None  # None: start the bundled target with ``profile``
    profile: str | None
    out_dir: Path
    web_port: int | None  # show Locust's web UI on 127.0.0.1 at this port; None: headless
    deadline_s: float  # past it, the Locust child is stopped


def run_scenario(args: argparse.Namespace) -> RunOutcome:
    """Validate, start the target if needed, run Locust to the end of the curve, read its record."""
    return execute(prepare_run(args))


def prepare_run(args: argparse.Namespace) -> PreparedRun:
    """Check everything that can be wrong with a command's parsed options (the rest at the table's
    defaults; ``load_model`` picks the load model); UsageError/ConfigError before anything starts.
    Last, one request to --host (``preflight``): TargetUnreachableError if it fails in a way no load
    explains."""
    options = table.complete(args)
    soft_file_limit_raised()  # the Locust child and its workers inherit it
    model = load_models.model(options.load_model)
    if options.workers < 1:
        raise UsageError(f"--workers {options.workers}: expected a whole number of processes >= 1")
    options.scenario = str(resolve_scenario(options.scenario).resolve())
    scenario = option_values.load_from_options(options)
    host = check_target(options.host, options.allow_remote_target) if options.host else None
    profile = None if host else checked_profile(options.profile or scenario.target_profile)
    if profile is not None:
        check_paths_on_bundled_site(scenario, profile)
    load_s = model.check(options, scenario, profile)
    checked_tls(options)
    out_dir = created_out_dir(option_values.out_dir(options, model.results_prefix or scenario.path.stem))
    web_port = _web_port(options)
    if web_port is not None:
        _check_port_free(web_port)
    if options.prometheus_port == 0:
        raise UsageError("--prometheus-port 0: expected a port from 1 to 65535 (Prometheus must know it)")
    if options.prometheus_port is not None:
        _check_port_free(options.prometheus_port, "--prometheus-port")
    deadline_s = load_s + model.grace_s + (WEB_AUTOQUIT_S if web_port else 0)
    if options.prometheus_port is not None:  # it serves until a final scrape after the run, at most this
        from flashcrowd.results.live_server import MAX_GRACE_S

        deadline_s += MAX_GRACE_S
    run = PreparedRun(options, model, scenario, host, profile, out_dir, web_port, deadline_s)
    if host is not None:
        _check_site(run)
    return run


def launch(run: PreparedRun) -> tuple[int, str]:
    """Start the target if needed, run the Locust child to its end (or the deadline): its exit code,
    and the URL it loaded."""
    if run.web_port is not None:
        print(
            f"flashcrowd: Locust's web UI: http://127.0.0.1:{run.web_port} (the run starts by itself)",
            file=sys.stderr,
        )
    with sigterm_unwinds(), target_url(run.host, run.profile or "") as url:
        command = _locust_command(run, url)
        code = run_child(command, run.out_dir, run.deadline_s, show_prefixes=run.model.show_prefixes)
    return code, url


def execute(run: PreparedRun) -> RunOutcome:
    """Start the target if needed, run Locust to the end of the curve and read the record it wrote;
    GeneratorError if it wrote none."""
    exit_code, url = launch(run)
    record = written_record(run.out_dir)
    if record is None:
        raise GeneratorError(
            f"Locust exited with code {exit_code} and wrote no summary.json; see {run.out_dir / 'locust.log'}"
        )
    return RunOutcome(_final_code(exit_code, record), run.out_dir, record, run.scenario, url)


def checked_tls(options: argparse.Namespace) -> None:
    """Make the TLS files' paths absolute and check that they load (UsageError naming the flag)."""
    tls = TlsSettings.from_options(options).absolute()
    tls.context()
    options.ca_cert, options.client_cert, options.client_key = tls.ca_cert, tls.client_cert, tls.client_key


def checked_profile(profile: str) -> str:
    """The profile as the target will read it (a path made absolute); UsageError/ConfigError if it is bad."""
    from target_app.profile import load_profile

    load_profile(profile)
    return str(Path(profile).resolve()) if Path(profile).is_file() else profile


def created_out_dir(out_dir: Path) -> Path:
    """``out_dir`` made absolute and created; UsageError if it cannot be, before anything starts."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(
            f"--out {out_dir}: cannot create it ({error.strerror}); expected a writable directory"
        ) from None
    return out_dir.resolve()


@contextlib.contextmanager
def sigterm_unwinds() -> Iterator[None]:
    """Inside, SIGTERM raises Terminated instead of killing us, so our children are stopped, not orphaned.

    Only the first SIGTERM raises: a second one must not cut that clean-up short.
    """
    if threading.current_thread() is not threading.main_thread():  # only the main thread may set handlers
        yield
        return

    def unwind(_signum: int, _frame: object) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise Terminated

    previous = signal.signal(signal.SIGTERM, unwind)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def target_url(host: str | None, profile: str) -> Iterator[str]:
    """The URL to load: ``host``, else the bundled target started for the run."""
    if host is not None:
        yield host
        return
    with running_target(profile) as target:
        yield target.url


def _check_site(run: PreparedRun) -> None:
    """The pre-flight request to the scenario's first page (exit 3 on a failure no load caused);
    says so when the site's certificate goes unverified."""
    from flashcrowd.breakpoint.drain import probe_path

    assert run.host is not None
    options = run.options
    tls = TlsSettings.from_options(options)
    path = probe_path(run.scenario)
    preflight.check_site(run.host, path, tls, options.connect_timeout, options.read_timeout)
    if tls.insecure and run.host.startswith("https:"):
        print(f"flashcrowd: --insecure: the certificate of {run.host} is not verified", file=sys.stderr)


def _check_port_free(port: int, flag: str = "--web-port") -> None:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            raise UsageError(
                f"{flag} {port}: 127.0.0.1:{port} is not free ({error.strerror}); expected a free port"
            ) from None


def _web_port(options: argparse.Namespace) -> int | None:
    """The web UI's port if --web or --web-port was given, else None (headless)."""
    if options.web_port == 0:
        raise UsageError("--web-port 0: expected a port from 1 to 65535 (the UI's address must be known)")
    if options.web_port is not None:
        return options.web_port
    return WEB_PORT if options.web else None


def _locust_command(run: PreparedRun, url: str) -> list[str]:
    """``python -m locust`` on the locustfile with the run's options, rendered from the option table."""
    out_dir = run.out_dir
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--host", url]
    command += ["--logfile", str(out_dir / "locust.log"), "--only-summary"]
    if run.web_port is not None:
        command += ["--web-host", "127.0.0.1", "--web-port", str(run.web_port), "--autostart"]
        command += ["--autoquit", str(WEB_AUTOQUIT_S)]
    else:
        command += ["--headless"]
    # The bundled site's own analytics are read before it is stopped.
    forwarded = argparse.Namespace(**vars(run.options))
    forwarded.out = str(out_dir)
    forwarded.site_analytics = run.host is None and run.model.site_analytics
    return command + table.locust_arguments(forwarded)


def run_child(
    command: list[str], out_dir: Path, deadline_s: float, *, show_prefixes: tuple[bytes, ...] = ()
) -> int:
    """Run Locust to its end and return its exit code; past ``deadline_s`` stop it and return 4.

    Its stdout goes to ``out_dir/locust-output.txt``. Its stderr goes to the user's terminal or,
    with ``show_prefixes``, into that file too, echoing only the lines that start with one of them.
    """
    with open(out_dir / "locust-output.txt", "wb") as output:
        # Its own process group, so a kill reaches the workers --processes forked too.
        child = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.PIPE if show_prefixes else None,
            start_new_session=True,
        )
        echo = threading.Thread(target=_echo, args=(child.stderr, output, show_prefixes), daemon=True)
        if show_prefixes:
            echo.start()
        try:
            code = child.wait(timeout=deadline_s)
        except subprocess.TimeoutExpired:
            print(f"flashcrowd: Locust still running after {deadline_s:.0f} s; stopping it", file=sys.stderr)
            stop_process_group(child)
            return int(ExitCode.GENERATOR_FAILURE)
        except BaseException:
            stop_process_group(child)
            print(f"flashcrowd: Locust stopped; what it measured so far is in {out_dir}", file=sys.stderr)
            raise
        if show_prefixes:
            echo.join(timeout=5)
        return code


def _echo(stream: IO[bytes], output: IO[bytes], prefixes: tuple[bytes, ...]) -> None:
    """Keep everything the child says in ``output``; show the user the lines meant for them."""
    for line in stream:
        output.write(line)
        if line.startswith(prefixes):
            sys.stderr.write(line.decode(errors="replace"))
            sys.stderr.flush()


def stop_process_group(child: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the child's process group (it lets Locust write its reports), SIGKILL if it lingers."""
    for sig, wait_s in ((signal.SIGTERM, STOP_TIMEOUT_S), (signal.SIGKILL, None)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, sig)
        try:
            child.wait(timeout=wait_s)
            return
        except subprocess.TimeoutExpired:
            continue


def written_record(out_dir: Path) -> RunRecord | None:
    """The record in the summary.json Locust wrote into ``out_dir``; None if it wrote none, or half of one."""
    try:
        return read_record(out_dir / "summary.json")
    except (OSError, ValueError):
        return None


def _final_code(child_code: int, record: RunRecord) -> int:
    """The record decides (0 passed, 1 SLO breached) unless the generator itself failed."""
    if child_code > int(ExitCode.SLO_BREACHED):
        return (
            child_code if child_code in {int(code) for code in ExitCode} else int(ExitCode.GENERATOR_FAILURE)
        )
    return record.exit_code


def describe_break(outcome: RunOutcome) -> list[str]:
    """Three sentences an SRE can quote, on the scenario's clock (results/break_text.py): report.html's
    header says the same."""
    scenario = outcome.scenario
    span = Span(
        scenario.name, scenario.clock.real_time(0), scenario.clock.real_time(scenario.clock.wall_duration_s)
    )
    if outcome.record.generator_limit:
        return [
            f"The load generator was the limit during {scenario.name}: {outcome.record.generator_limit}. "
            "This run makes no claim about the site (docs/distributed.md: more workers or machines)."
        ]
    return break_lines(outcome.record.break_answer, span)
