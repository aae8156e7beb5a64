"""Wire a run into a Locust process: options, loopback guard, load model, recorder, worker watch.

``locustfiles/locustfile.py`` registers these listeners. Every process (local,
master, worker) loads the scenario for its visitors, sets up the load model
(``--load-model``: the scenario's curve or find-break's search) and records; the
process that runs the shape also hands the model's shape to the locustfile's one
shape and watches its workers. A worker started on its own learns its options
with the first spawn message, so it sets itself up at ``test_start``.
"""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

import gevent
from locust.env import Environment
from locust.runners import WorkerRunner

from flashcrowd import load_models, option_values, options
from flashcrowd.in_locust import locust_options
from flashcrowd.in_locust.distributed import watch_workers
from flashcrowd.in_locust.heap import HeapFreezer
from flashcrowd.in_locust.loop_lag import LoopLag
from flashcrowd.in_locust.spawn_messages import parse_defaults_once
from flashcrowd.in_locust.user_count import count_users_fast
from flashcrowd.load_models.preflight import soft_file_limit_raised
from flashcrowd.load_models.shape import LoadModelShape
from flashcrowd_common.errors import FlashcrowdError, UsageError
from flashcrowd_common.safety import check_target

if TYPE_CHECKING:
    from flashcrowd.results.recorder import Recorder


class _QuietSpawnRateWarning(logging.Filter):
    """The shape asks for high spawn rates on steep curves on purpose; Locust warns about it every tick."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "spawn rate is very high" not in record.getMessage()


def add_arguments(parser, **_kwargs) -> None:
    """``events.init_command_line_parser``: the locustfile's options, from flashcrowd/options.py."""
    options.add_to_locust(parser)


def on_init(environment: Environment, runner, **_kwargs) -> None:
    """``events.init``: set up now unless a worker still waits for its options."""
    logging.getLogger("locust.runners").addFilter(_QuietSpawnRateWarning())
    soft_file_limit_raised()  # plain locust too: every visitor's socket is a file
    _stats_tables_to_logfile()
    waits_for_master = isinstance(runner, WorkerRunner) and not getattr(
        environment.parsed_options, "scenario", ""
    )
    guarded(environment, _check_host if waits_for_master else _set_up)


def on_test_start(environment: Environment, **_kwargs) -> None:
    """``events.test_start``: the web UI may have changed the host; a lone worker has its options only now."""
    set_up = hasattr(environment, locust_options.CONTEXT_ATTRIBUTE)
    guarded(environment, _check_host if set_up else _set_up)


def end_shape_on_sigterm(environment: Environment, recorder: Recorder) -> None:
    """SIGTERM ends a shape run as Ctrl-C does: users stop, ``quitting`` fires, reports are written.

    Locust 2.47 installs its own SIGTERM handler only once a headless shape has finished
    (main.py joins the shape greenlet first), so until then SIGTERM - a CI timeout, a pod
    being deleted, ``flashcrowd run`` being stopped - would kill the process with nothing written.
    Ending the shape greenlet hands control back to Locust's own shutdown. The recorder
    notes the rest of the curve as a gap, so the verdict cannot read "passed".
    """

    def end_shape() -> None:
        shape = getattr(environment.runner, "shape_greenlet", None)
        if shape is not None and not shape.dead:
            logging.getLogger(__name__).info("SIGTERM: ending the load shape; the reports follow")
            recorder.end_early("SIGTERM")
            shape.kill(block=False)

    gevent.signal_handler(signal.SIGTERM, end_shape)


def guarded(environment: Environment, set_up: Callable[[Environment], object]) -> None:
    """Run ``set_up``; a bad option or scenario is one line and its exit code, never a traceback."""
    try:
        set_up(environment)
    except FlashcrowdError as error:
        print(f"flashcrowd: error: {error}", file=sys.stderr, flush=True)
        environment.process_exit_code = int(error.exit_code)
        if environment.runner is None or environment.runner.state in ("ready", None):
            raise SystemExit(int(error.exit_code)) from None
        environment.runner.quit()


def _check_host(environment: Environment) -> None:
    if environment.host:
        allow = getattr(environment.parsed_options, "allow_remote_target", False)
        environment.host = check_target(environment.host, allow)


def _set_up(environment: Environment) -> None:
    """Load the scenario for this process's visitors, set up the load model, record the run into --out."""
    from flashcrowd.in_locust.recording import attach  # the recorder: not loaded only to parse options
    from flashcrowd.results.recorder import PROGRESS_EVERY_S

    _check_host(environment)
    parsed = environment.parsed_options
    model = load_models.model(parsed.load_model)
    locust_options.absolute_scenario_path(parsed)
    context = locust_options.install(environment, option_values.load_from_options(parsed), parsed)
    context.tls_context(environment.host or "")  # TLS files that cannot be used: one line, before any load
    scenario = context.scenario
    out_dir = option_values.out_dir(parsed, model.results_prefix or scenario.path.stem)
    made: list[Recorder] = []

    def recorder() -> Recorder:
        progress_every_s = PROGRESS_EVERY_S if model.progress else 0
        stop_on_breach = bool(parsed.stop_on_breach)
        made.append(
            attach(
                environment,
                scenario,
                out_dir,
                stop_on_breach=stop_on_breach,
                progress_every_s=progress_every_s,
            )
        )
        if parsed.site_analytics:  # read the bundled site's own view before it is stopped
            made[0].site_url = environment.host
        return made[0]

    shape = model.set_up(environment, context, recorder)
    loop_lag = LoopLag(environment)  # every process: a worker ships its own with each report
    HeapFreezer(environment)  # every process: full collections walked every visitor
    count_users_fast(environment.runner)
    parse_defaults_once()
    if isinstance(environment.runner, WorkerRunner):
        return
    run_recorder = made[0]
    run_recorder.loop_lag = loop_lag
    if parsed.prometheus_port is not None:
        serve_live_metrics(environment, run_recorder, parsed.prometheus_port)
    watch_workers(environment, run_recorder)  # on a master: say when a worker is lost, mark the gap
    end_shape_on_sigterm(environment, run_recorder)
    one_shape = environment.shape_class
    if not isinstance(one_shape, LoadModelShape):
        raise UsageError("the load models need flashcrowd's shape: run locust -f locustfiles/locustfile.py")
    one_shape.drive(shape)


def serve_live_metrics(environment: Environment, recorder: Recorder, port: int) -> None:
    """Serve the recorder's figures for Prometheus on 127.0.0.1:``port``, until a final scrape after the
    run."""
    from flashcrowd.results.live_metrics import LiveMetrics
    from flashcrowd.results.live_server import LiveServer

    recorder.live = LiveMetrics(recorder.scenario.name)
    try:
        server = LiveServer(recorder.live, port)
    except OSError as error:
        raise UsageError(
            f"--prometheus-port {port}: cannot serve on 127.0.0.1:{port} ({error.strerror}); "
            "expected a free port"
        ) from None
    # Locust fires ``quit`` after ``quitting`` (whose listeners run last-added first): the recorder has
    # written its last rows and files by then.
    environment.events.quit.add_listener(lambda **_: server.close())


def _stats_tables_to_logfile() -> None:
    """With --logfile, Locust's stats tables go there too, so stderr carries only flashcrowd's progress."""
    root_files = [h for h in logging.getLogger().handlers if isinstance(h, logging.FileHandler)]
    if root_files:
        logging.getLogger("locust.stats_logger").handlers = root_files
