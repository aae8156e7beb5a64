"""Wire a scenario run into a Locust process: options, the loopback guard, the recorder, the worker watch.

``locustfiles/locustfile.py`` registers these listeners. Every process (local,
master, worker) loads the scenario for its visitors and records; a master also
watches its workers. A worker started on its own learns ``--scenario`` with the
first spawn message, so it sets itself up at ``test_start``.
"""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

import gevent
import psutil
from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner

from flashcrowd.in_locust import locust_options
from flashcrowd.in_locust.distributed import watch_workers
from flashcrowd.launch.run_size import check_peak_fits
from flashcrowd_common.errors import FlashcrowdError, UsageError
from flashcrowd_common.safety import check_target

if TYPE_CHECKING:
    from flashcrowd.results.recorder import Recorder


class _QuietSpawnRateWarning(logging.Filter):
    """The shape asks for high spawn rates on steep curves on purpose; Locust warns about it every tick."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "spawn rate is very high" not in record.getMessage()


def add_arguments(parser, **_kwargs) -> None:
    """``events.init_command_line_parser``: the scenario's options."""
    locust_options.add_arguments(parser)


def on_init(environment: Environment, runner, **_kwargs) -> None:
    """``events.init``: set up now unless a worker still waits for its options."""
    logging.getLogger("locust.runners").addFilter(_QuietSpawnRateWarning())
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
    """Load the scenario for this process's visitors and shape, and record the run into --out."""
    from flashcrowd.results import recorder  # matplotlib and the report stack: not needed to parse options

    _check_host(environment)
    options = environment.parsed_options
    locust_options.absolute_scenario_path(options)
    context = locust_options.install(environment, locust_options.load_from_options(options), options)
    runs_shape = not isinstance(environment.runner, WorkerRunner)
    if runs_shape:  # free memory matters where the visitors live: not on a master, whose workers hold them
        on_master = isinstance(environment.runner, MasterRunner)
        check_peak_fits(
            context.scenario, options.scale, None if on_master else psutil.virtual_memory().available
        )
    out_dir = locust_options.out_dir(options, context.scenario)
    run_recorder = recorder.attach(
        environment, context.scenario, out_dir, stop_on_breach=bool(options.stop_on_breach)
    )
    if getattr(options, "site_analytics", False):
        run_recorder.site_url = environment.host
    if runs_shape and getattr(options, "prometheus_port", None) is not None:
        serve_live_metrics(environment, run_recorder, options.prometheus_port)
    if runs_shape:
        watch_workers(environment, run_recorder)  # on a master: say when a worker is lost, mark the gap
        end_shape_on_sigterm(environment, run_recorder)


def serve_live_metrics(environment: Environment, recorder: Recorder, port: int) -> None:
    """Serve the recorder's figures for Prometheus on 127.0.0.1:``port`` until Locust quits."""
    from flashcrowd.results.live_metrics import LiveMetrics, serve

    recorder.live = LiveMetrics(recorder.scenario.name)
    try:
        server = serve(recorder.live, port)
    except OSError as error:
        raise UsageError(
            f"--prometheus-port {port}: cannot serve on 127.0.0.1:{port} ({error.strerror}); "
            "expected a free port"
        ) from None
    environment.events.quitting.add_listener(lambda **_: server.stop(timeout=1))


def _stats_tables_to_logfile() -> None:
    """With --logfile, Locust's stats tables go there too, so stderr carries only flashcrowd's progress."""
    root_files = [h for h in logging.getLogger().handlers if isinstance(h, logging.FileHandler)]
    if root_files:
        logging.getLogger("locust.stats_logger").handlers = root_files
