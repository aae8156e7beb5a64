"""summary.json and find-break.json documents of an earlier format, rewritten in today's.

Format 1 (no ``format`` key) wrote a run's
``break`` and ``knee`` as flat moments (``wall_s, real_time, sim_users, real_users,
target_sim_users``), named a run's first failure by its classify.py kind, and left ``break`` null
when find-break ran; find-break.json's saturation had ``max_throughput_rps`` and ``at_load``.
Format 2 gives both documents one shape (results/break_types.py). A baseline written by an earlier
release still compares (``flashcrowd compare``) and reports.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flashcrowd.results.analysis import FAILED_REQUESTS

RECORD_FORMAT = 2
ANSWER_FORMAT = 2
LOADS = ("saturation", "first_failure", "first_resets")
_GROUP = {kind: group for group, kinds in FAILED_REQUESTS.items() for kind in kinds}


def upgraded(data: Any) -> Any:
    """A summary.json document in today's format (``data`` itself if it is, or is not an object)."""
    if not isinstance(data, Mapping) or data.get("format", 1) >= RECORD_FORMAT:
        return data
    data = {"format": RECORD_FORMAT, **data}
    search = data.get("find_break")
    if isinstance(search, Mapping):
        search = data["find_break"] = upgraded_answer(search)
        data["break"] = {name: search.get(name) for name in LOADS}
        data["knee"] = search.get("knee")
        return data
    data["knee"] = _point(data.get("knee"))
    found = data.get("break")
    if isinstance(found, Mapping):
        saturation, failure, resets = (found.get(name) for name in LOADS)
        data["break"] = {
            "saturation": saturation
            and {
                **_point(saturation),
                "max_served_rps": saturation.get("max_served_rps"),
                "light_rps_per_unit": saturation.get("light_rps_per_user"),
                "evidence": "",
            },
            "first_failure": failure
            and {
                **_point(failure),
                "kind": _GROUP.get(failure.get("kind"), failure.get("kind")),
                "reason": "",
            },
            "first_resets": resets and {**_point(resets), "evidence": ""},
        }
    return data


def upgraded_answer(data: Any) -> Any:
    """A find-break.json document in today's format (``data`` itself if it is, or is not an object)."""
    if not isinstance(data, Mapping) or data.get("format", 1) >= ANSWER_FORMAT:
        return data
    data = {"format": ANSWER_FORMAT, **data}
    saturation = data.get("saturation")
    if isinstance(saturation, Mapping) and "max_throughput_rps" in saturation:
        load, per_user = saturation.get("load"), data.get("load_per_user") or 1.0
        data["saturation"] = {
            "load": load,
            "users": round(load / per_user) if isinstance(load, int | float) else load,
            "real_world": saturation.get("real_world"),
            "max_served_rps": saturation.get("max_throughput_rps"),
            "light_rps_per_unit": saturation.get("light_rps_per_unit"),
            "evidence": saturation.get("evidence"),
        }
    return data


def _point(moment: Any) -> Any:
    """A format-1 moment as a load point: simulated visitors, real-world users, and when."""
    if not isinstance(moment, Mapping):
        return moment
    return {
        "load": moment.get("sim_users"),
        "users": moment.get("sim_users"),
        "real_world": {"concurrent_users": moment.get("real_users")},
        "at": {"wall_s": moment.get("wall_s"), "real_time": moment.get("real_time")},
    }
