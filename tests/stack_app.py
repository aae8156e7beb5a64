"""The WSGI app of the test stacks: every path and method answers 200 after holding ``STACK_SERVICE_MS``.

A sync worker sleeping holds the worker, so a stack of ``c`` workers serves at
most c / S requests a second, whatever the page. Standard library only: gunicorn
imports it as ``stack_app:app`` from this directory.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from typing import Any

SERVICE_S = float(os.environ.get("STACK_SERVICE_MS", "50")) / 1000
PAGE = b"<!doctype html><html><head><title>stack</title></head><body><p>served</p></body></html>\n"
HEADERS = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(PAGE)))]


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Read the request body, hold the worker ``SERVICE_S``, answer the same small page."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    if length:
        environ["wsgi.input"].read(length)
    time.sleep(SERVICE_S)
    start_response("200 OK", HEADERS)
    return [PAGE]
