"""The ASGI app of the uvicorn stack: ``STACK_CONCURRENCY`` requests in service at once, each held
``STACK_SERVICE_MS``; the others wait in the application's memory, as in an async app with a pool of
database connections. A request whose client left still waits its turn and is served.

uvicorn imports it as ``stack_asgi:app`` from this directory; it answers the page of stack_app.py.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from typing import Any

from stack_app import HEADERS, PAGE, SERVICE_S

CONCURRENCY = int(os.environ.get("STACK_CONCURRENCY", "4"))
RAW_HEADERS = [(name.lower().encode(), value.encode()) for name, value in HEADERS]
_slots: asyncio.Semaphore | None = None  # made on the server's event loop, at the first request


async def app(
    scope: dict[str, Any],
    receive: Callable[[], Awaitable[dict[str, Any]]],
    send: Callable[[dict[str, Any]], Awaitable[None]],
) -> None:
    """Read the request body, wait for one of the slots, hold it ``SERVICE_S``, answer the page."""
    global _slots
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    if _slots is None:
        _slots = asyncio.Semaphore(CONCURRENCY)
    async with _slots:
        await asyncio.sleep(SERVICE_S)
    await send({"type": "http.response.start", "status": 200, "headers": RAW_HEADERS})
    await send({"type": "http.response.body", "body": PAGE})
