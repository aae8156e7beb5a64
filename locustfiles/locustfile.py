"""Replay a flashcrowd scenario with plain Locust (web UI, headless, --processes N, --master/--worker):

    locust -f locustfiles/locustfile.py --scenario scenarios/ci-smoke.yaml --host http://127.0.0.1:8080

``flashcrowd run`` starts this same file in a child process. The load shape follows
the scenario's curve; visitors follow its journeys; results go to ``--out``.
"""

from __future__ import annotations

from locust import events

from flashcrowd.in_locust import locust_setup
from flashcrowd.in_locust.visitor import Visitor
from flashcrowd.load_models.curve import ScenarioShape

__all__ = ["ScenarioShape", "Visitor"]

events.init_command_line_parser.add_listener(locust_setup.add_arguments)
events.init.add_listener(locust_setup.on_init)
events.test_start.add_listener(locust_setup.on_test_start)
