"""Find the load at which a site starts resetting connections, with plain Locust (headless,
--processes N, --master/--worker):

    locust -f locustfiles/find_break.py --headless --host http://127.0.0.1:8080 \
        --scenario probe-election-night --model open --out results/

``flashcrowd find-break`` starts this same file in a child process (and the bundled
site when no --host is given), then prints the answer from ``find-break.json``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from locust import events

# Locust runs this file with its directory first on sys.path, where flashcrowd.py (the
# scenario locustfile beside it) would stand in for the flashcrowd package: import the
# package with that directory set aside, then give Locust its sys.path back unchanged.
_locust_path = sys.path[:]
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).resolve().parent]
from flashcrowd.breakpoint import locust_setup  # noqa: E402
from flashcrowd.breakpoint.arrivals import ArrivalStream  # noqa: E402
from flashcrowd.breakpoint.stepshape import BreakShape  # noqa: E402
from flashcrowd.visitor import Visitor  # noqa: E402

sys.path[:] = _locust_path

__all__ = ["ArrivalStream", "BreakShape", "Visitor"]  # the shape picks closed Visitors or open ArrivalStreams

events.init_command_line_parser.add_listener(locust_setup.add_arguments)
events.init.add_listener(locust_setup.on_init)
events.test_start.add_listener(locust_setup.on_test_start)
