"""matplotlib set up once for every chart flashcrowd draws: the Agg backend, no display or GUI toolkit.

Charts are drawn to files in terminals, CI and headless Locust processes. Call
``pyplot()`` where drawing starts: matplotlib takes a third of a second to import,
so only commands that draw pay for it.
"""

from __future__ import annotations

from types import ModuleType


def pyplot() -> ModuleType:
    """``matplotlib.pyplot``, with the Agg backend selected before first use."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt
