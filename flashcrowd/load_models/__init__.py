"""How the load is driven, one module per load model - the scenario's curve, find-break's search - as
k6 has executors; the registry below is what the launcher (CLI process) and the locustfile (Locust) read.

Each model module declares its ``MODEL`` (:class:`~flashcrowd.load_models.base.LoadModel`): its checks
and bounds for the launcher (in the CLI process, before anything starts; nothing imported here imports
Locust) and, lazily, its Locust side: the shape that drives the load and the user classes it spawns.
``--load-model NAME`` chooses one; adding a model is one module and one entry below.
"""

from __future__ import annotations

from flashcrowd.load_models import curve, find_break
from flashcrowd.load_models.base import LoadModel
from flashcrowd_common.errors import UsageError

MODELS: dict[str, LoadModel] = {loaded.name: loaded for loaded in (curve.MODEL, find_break.MODEL)}


def model(name: str) -> LoadModel:
    """The load model called ``name``; UsageError naming the known ones otherwise."""
    try:
        return MODELS[name]
    except KeyError:
        raise UsageError(f"--load-model {name!r}: expected one of: {', '.join(MODELS)}") from None
