"""Replay a flashcrowd scenario with plain Locust (web UI, headless, --processes N, --master/--worker):

    locust -f locustfiles/flashcrowd.py --scenario scenarios/ci-smoke.yaml --host http://127.0.0.1:8080

``flashcrowd run`` starts this same file in a child process. The load shape follows
the scenario's curve; visitors follow its journeys; results go to ``--out``.
"""

from __future__ import annotations

import logging
import os
import sys

# Locust imports this file as module "flashcrowd" with its folder first on sys.path, which would
# hide the flashcrowd package; import the package with this folder out of the way.
_HERE = os.path.dirname(os.path.realpath(__file__))
_SAVED_PATH = sys.path[:]
if __name__ == "flashcrowd":
    del sys.modules[__name__]
sys.path[:] = [p for p in sys.path if os.path.realpath(p or os.curdir) != _HERE]
try:
    from locust import events
    from locust.runners import WorkerRunner

    from flashcrowd import locust_options
    from flashcrowd.distributed import watch_workers
    from flashcrowd.errors import FlashcrowdError
    from flashcrowd.loadshape import ScenarioShape
    from flashcrowd.safety import check_target
    from flashcrowd.visitor import Visitor
finally:
    sys.path[:] = _SAVED_PATH

__all__ = ["ScenarioShape", "Visitor"]


class _QuietSpawnRateWarning(logging.Filter):
    """The shape asks for high spawn rates on steep curves on purpose; Locust warns about it every tick."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "spawn rate is very high" not in record.getMessage()


@events.init_command_line_parser.add_listener
def _add_arguments(parser, **_kwargs) -> None:
    locust_options.add_arguments(parser)


def _fail(environment, error: FlashcrowdError) -> None:
    """One line, the error's exit code, no traceback; before the test it ends the process."""
    print(f"flashcrowd: error: {error}", file=sys.stderr, flush=True)
    environment.process_exit_code = int(error.exit_code)
    if environment.runner is None or environment.runner.state in ("ready", None):
        raise SystemExit(int(error.exit_code))
    environment.runner.quit()


def _check_host(environment) -> None:
    if environment.host:
        allow = getattr(environment.parsed_options, "allow_remote_target", False)
        environment.host = check_target(environment.host, allow)


def _stats_tables_to_logfile() -> None:
    """With --logfile, Locust's stats tables go there too, so stderr carries only flashcrowd's progress."""
    root_files = [h for h in logging.getLogger().handlers if isinstance(h, logging.FileHandler)]
    if root_files:
        logging.getLogger("locust.stats_logger").handlers = root_files


@events.init.add_listener
def _on_init(environment, runner, **_kwargs) -> None:
    logging.getLogger("locust.runners").addFilter(_QuietSpawnRateWarning())
    _stats_tables_to_logfile()
    try:
        _check_host(environment)
        if isinstance(runner, WorkerRunner) and not getattr(environment.parsed_options, "scenario", ""):
            return  # the master sends --scenario with the first spawn message: start at test_start
        locust_options.absolute_scenario_path(environment.parsed_options)
        _start_run(environment)
    except FlashcrowdError as error:
        _fail(environment, error)


@events.test_start.add_listener
def _on_test_start(environment, **_kwargs) -> None:
    # The web UI can change the host after init; workers learn host and options only now.
    try:
        _check_host(environment)
        if not hasattr(environment, locust_options.CONTEXT_ATTRIBUTE):
            _start_run(environment)
    except FlashcrowdError as error:
        _fail(environment, error)


def _start_run(environment) -> None:
    """Load the scenario for this process's visitors and shape, and record the run into --out."""
    from flashcrowd import recorder

    options = environment.parsed_options
    context = locust_options.install(environment, locust_options.load_from_options(options), options)
    out_dir = locust_options.out_dir(options, context.scenario)
    run_recorder = recorder.attach(
        environment, context.scenario, out_dir, stop_on_breach=bool(options.stop_on_breach)
    )
    watch_workers(environment, run_recorder)  # on a master: say when a worker is lost, mark the gap
