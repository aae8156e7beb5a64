"""Replay a flashcrowd scenario with plain Locust (web UI, headless, --processes N, --master/--worker):

    locust -f locustfiles/flashcrowd.py --scenario scenarios/ci-smoke.yaml --host http://127.0.0.1:8080

``flashcrowd run`` starts this same file in a child process. The load shape follows
the scenario's curve; visitors follow its journeys; results go to ``--out``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from locust import events

# Locust imports this file as module "flashcrowd", its directory first on sys.path: both would
# stand in for the flashcrowd package. Import the package with them set aside, then give Locust
# its sys.path back unchanged.
_locust_path = sys.path[:]
sys.modules.pop("flashcrowd", None)
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).resolve().parent]
from flashcrowd import locust_setup  # noqa: E402
from flashcrowd.loadshape import ScenarioShape  # noqa: E402
from flashcrowd.visitor import Visitor  # noqa: E402

sys.path[:] = _locust_path

__all__ = ["ScenarioShape", "Visitor"]

events.init_command_line_parser.add_listener(locust_setup.add_arguments)
events.init.add_listener(locust_setup.on_init)
events.test_start.add_listener(locust_setup.on_test_start)
