"""Replay a flashcrowd scenario, or find where a site breaks, with plain Locust (web UI, headless,
--processes N, --master/--worker):

    locust -f locustfiles/locustfile.py --scenario scenarios/ci-smoke.yaml --host http://127.0.0.1:8080
    locust -f locustfiles/locustfile.py --load-model find-break --headless --host http://127.0.0.1:8080 \\
        --scenario probe-election-night --model open --out results/

``flashcrowd run``, ``demo``, ``smoke`` and ``find-break`` start this same file in a
child process. ``--load-model`` chooses how the load is driven: ``curve`` (the default)
follows the scenario's curve of concurrent users; ``find-break`` searches for the load
at which the site breaks and writes ``find-break.json``. Visitors follow the scenario's
journeys; results go to ``--out``.
"""

from __future__ import annotations

from locust import events

from flashcrowd.breakpoint.arrivals import ArrivalStream
from flashcrowd.in_locust import locust_setup
from flashcrowd.in_locust.visitor import Visitor
from flashcrowd.load_models.shape import LoadModelShape

# The shape names the classes it spawns: Visitors for the curve and closed searches, ArrivalStreams
# (new sessions a second) for open ones; a worker must know both by name.
__all__ = ["ArrivalStream", "LoadModelShape", "Visitor"]

events.init_command_line_parser.add_listener(locust_setup.add_arguments)
events.init.add_listener(locust_setup.on_init)
events.test_start.add_listener(locust_setup.on_test_start)
