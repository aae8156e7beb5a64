"""Find the load at which a site starts resetting connections, with plain Locust (headless,
--processes N, --master/--worker):

    locust -f locustfiles/find_break.py --headless --host http://127.0.0.1:8080 \
        --scenario probe-election-night --model open --out results/

``flashcrowd find-break`` starts this same file in a child process (and the bundled
site when no --host is given), then prints the answer from ``find-break.json``.
"""

from __future__ import annotations

from locust import events

from flashcrowd.breakpoint import locust_setup
from flashcrowd.breakpoint.arrivals import ArrivalStream
from flashcrowd.breakpoint.stepshape import BreakShape
from flashcrowd.in_locust.visitor import Visitor

__all__ = ["ArrivalStream", "BreakShape", "Visitor"]  # the shape picks closed Visitors or open ArrivalStreams

events.init_command_line_parser.add_listener(locust_setup.add_arguments)
events.init.add_listener(locust_setup.on_init)
events.test_start.add_listener(locust_setup.on_test_start)
