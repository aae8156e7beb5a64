"""Wire find-break into a Locust process: options, the generator probe, the recorder and the step shape.

``locustfiles/find_break.py`` registers these three listeners. Every process
(local, master, worker) gets the generator probe and its visitors' run context;
the process that runs the shape (local or master) also gets the recorder and
the configured search. A worker started on its own learns the options with the
first spawn message, so it sets itself up at ``test_start``.
"""

from __future__ import annotations

from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner

from flashcrowd.breakpoint import settings as find_break_settings
from flashcrowd.breakpoint.arrivals import ArrivalStream
from flashcrowd.breakpoint.drain import DrainProbe, probe_path
from flashcrowd.breakpoint.prediction import predict
from flashcrowd.breakpoint.probe import GeneratorProbe
from flashcrowd.breakpoint.stepshape import BreakShape
from flashcrowd.in_locust import locust_options
from flashcrowd.in_locust.distributed import watch_workers
from flashcrowd.in_locust.locust_setup import end_shape_on_sigterm, guarded
from flashcrowd.in_locust.visitor import Visitor
from flashcrowd.results.recorder import MASTER_LAG_S, Recorder
from flashcrowd_common.errors import UsageError
from flashcrowd_common.safety import check_target


def add_arguments(parser, **_kwargs) -> None:
    """``events.init_command_line_parser``: the visitors' options and find-break's."""
    locust_options.add_arguments(parser)
    find_break_settings.add_arguments(parser)


def on_init(environment: Environment, runner, **_kwargs) -> None:
    """``events.init``: probe every process; set up now unless a worker still waits for its options."""
    GeneratorProbe.attach(environment)
    if isinstance(runner, WorkerRunner) and not getattr(environment.parsed_options, "scenario", ""):
        return
    guarded(environment, _set_up)


def on_test_start(environment: Environment, **_kwargs) -> None:
    """``events.test_start``: a worker started on its own has its options only now."""
    if not hasattr(environment, locust_options.CONTEXT_ATTRIBUTE):
        guarded(environment, _set_up)


def _set_up(environment: Environment) -> None:
    options = environment.parsed_options
    if not environment.host:
        raise UsageError("--host: expected the URL of the site to load, e.g. --host http://127.0.0.1:8080")
    environment.host = check_target(environment.host, options.allow_remote_target)
    locust_options.absolute_scenario_path(options)
    context = locust_options.install(environment, locust_options.load_from_options(options), options)
    scenario = context.scenario
    runs_shape = not isinstance(environment.runner, WorkerRunner)
    lag_s = MASTER_LAG_S if isinstance(environment.runner, MasterRunner) else 0
    settings = find_break_settings.from_options(options, scenario, settle_s=lag_s + 1.0)
    ArrivalStream.rate_per_s = settings.units.per_user
    ArrivalStream.max_sessions = settings.max_sessions
    environment.events.test_stopping.add_listener(lambda **_: ArrivalStream.stop_sessions())
    out_dir = locust_options.out_dir(options, scenario)
    recorder = Recorder(environment, scenario, out_dir, progress_every_s=0)
    if not runs_shape:
        return
    watch_workers(environment, recorder)
    end_shape_on_sigterm(environment, recorder)
    shape = environment.shape_class
    if not isinstance(shape, BreakShape):
        raise UsageError("find-break needs its own load shape: run locust -f locustfiles/find_break.py")
    prediction = None
    if settings.predict_profile:
        from target_app.profile import load_profile

        prediction = predict(settings.units.model, scenario, load_profile(settings.predict_profile))
    user_class = Visitor if settings.units.model == "closed" else ArrivalStream
    drain = DrainProbe(environment.host, probe_path(scenario), context.address(environment.host))
    shape.configure(
        settings, user_class, recorder, GeneratorProbe.of(environment), drain, out_dir, prediction
    )
    environment.events.quitting.add_listener(lambda **_: shape.finish())
