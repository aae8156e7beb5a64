"""Profiles: which site the target serves and the capacity that decides when it resets.

A profile is a YAML file in ``target_app/profiles/`` (or anywhere, by path), written
to ``profile.schema.json`` and read by the scenario format's reader, so a mistake is
one ConfigError naming the file, the line and the key. Every setting can also be
given as a flag; ``with_overrides`` applies those, checked by the same schema.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema

from flashcrowd_common.distribution import Distribution
from flashcrowd_common.errors import UsageError
from flashcrowd_common.schema_check import check_against_schema, packaged_schema
from flashcrowd_common.yaml_source import YamlSource

PROFILES_DIR = Path(__file__).resolve().parent / "profiles"
PROFILE_NAMES: tuple[str, ...] = tuple(sorted(p.stem for p in PROFILES_DIR.glob("*.yaml")))

FORMAT_VERSION = 1  # the version in profile.schema.json's $id
_SCHEMA_FILE = ("target_app", "profile.schema.json")
_SCHEMA = packaged_schema(*_SCHEMA_FILE)
_SETTINGS = _SCHEMA["properties"]
_SERVICE_TIME = _SCHEMA["$defs"]["service_time"]
_CHANGE = _SETTINGS["schedule"]["items"]

SITES: tuple[str, ...] = tuple(_SETTINGS["site"]["enum"])
COST_CLASSES: tuple[str, ...] = tuple(_SETTINGS["service"]["required"])
OVERLOAD_ACTIONS: tuple[str, ...] = tuple(dict.fromkeys(str(a) for a in _SETTINGS["overload"]["enum"]))
SERVICE_FORMAT: str = _SERVICE_TIME["x-expected"]
SCHEDULE_FORMAT = "AT_S:WORKERS[:QUEUE], e.g. 600:6 (at 600 s, 6 workers)"


@dataclass(frozen=True)
class CapacityChange:
    """At ``at_s`` seconds after start, set workers and/or the waiting room (None keeps the current value)."""

    at_s: float
    workers: int | None = None
    queue: int | None = None


@dataclass(frozen=True)
class Profile:
    name: str
    site: str  # ircc or nz-now
    workers: int  # requests in service at once
    queue: int  # waiting slots in front of the workers
    queue_timeout_s: float  # longest wait before the site gives up on a request
    service: dict[str, Distribution]  # per cost class
    overload: str = "reset"  # reset, 503 or 500: what a request gets when the waiting room is full
    # A request that waited longer than this for a worker is served, then answered with the
    # application's "500 - Internal server error" page (its work timed out); None: never.
    error_after_wait_s: float | None = None
    schedule: tuple[CapacityChange, ...] = ()
    seed: int = 0
    idle_timeout_s: float = 15.0  # an idle keep-alive connection is closed after this long

    def mean_service_s(self, cost_class: str) -> float:
        """Mean service time of ``cost_class`` (static, dynamic or heavy), in seconds."""
        return self.service[cost_class].mean


class ProfileSource(YamlSource):
    """The parsed data of one profile file; an error about the whole file names ``profile``."""

    DOCUMENT = "profile"


def profile_schema() -> dict[str, Any]:
    """The target profile format's JSON Schema (draft 2020-12), as a dict."""
    return _SCHEMA


def parse_distribution(text: str) -> Distribution:
    """``exponential:0.06``, ``lognormal:0.1:0.5`` or ``uniform:0.02:0.1`` -> Distribution;
    ValueError naming the expected form otherwise."""
    if not re.fullmatch(_SERVICE_TIME["pattern"], str(text)):
        raise ValueError(SERVICE_FORMAT)
    kind, *numbers = str(text).split(":")
    values = [float(number) for number in numbers]
    if kind == "lognormal":
        if min(values) <= 0:
            raise ValueError("lognormal:MEAN_S:SIGMA with MEAN_S > 0 and SIGMA > 0")
        return Distribution(kind, values[0], sigma=values[1])
    if kind == "uniform":
        if values[1] < values[0]:
            raise ValueError("uniform:LOW_S:HIGH_S with HIGH_S >= LOW_S")
        return Distribution.uniform(*values)
    return Distribution(kind, values[0])


def parse_schedule_entry(text: str) -> CapacityChange:
    """``600:6`` or ``600:6:200`` -> CapacityChange; ValueError naming the expected form otherwise."""
    parts = text.split(":")
    try:
        values = (float(parts[0]), *(int(part) for part in parts[1:]))
    except ValueError:
        raise ValueError(SCHEDULE_FORMAT) from None
    change = dict(zip(("at_s", "workers", "queue"), values, strict=False))
    if not 2 <= len(parts) <= 3 or not _valid(change, _CHANGE):
        raise ValueError(SCHEDULE_FORMAT)
    return _capacity_change(change)


def load_profile(name_or_path: str) -> Profile:
    """A bundled profile by name (see ``PROFILE_NAMES``) or a profile file by path.

    Raises ConfigError (file, line, key, expected) for a file that breaks the schema.
    """
    path = Path(name_or_path)
    if not path.is_file():
        if name_or_path not in PROFILE_NAMES:
            raise UsageError(
                f"profile {name_or_path!r}: no such file; "
                f"expected a path or one of: {', '.join(PROFILE_NAMES)}"
            )
        path = PROFILES_DIR / f"{name_or_path}.yaml"
    source = ProfileSource.read(path)
    check_against_schema(source, *_SCHEMA_FILE)
    data = source.data
    scalars = {
        key: _as_declared(data[key], _SETTINGS[key])
        for key in _SETTINGS
        if key in data and key not in ("format", "service", "schedule")
    }
    changes = (_capacity_change(entry) for entry in data.get("schedule") or ())
    return Profile(
        name=path.stem,
        service=_service(source),
        schedule=tuple(sorted(changes, key=lambda change: change.at_s)),
        **scalars,
    )


def with_overrides(profile: Profile, **changes: Any) -> Profile:
    """``profile`` with the given fields replaced (None values are ignored); checked by the schema."""
    changes = {key: value for key, value in changes.items() if value is not None}
    for key, value in changes.items():
        setting = _SETTINGS[key]
        if key not in ("service", "schedule") and not _valid(value, setting):
            flag = key.removesuffix("_s").replace("_", "-")
            raise UsageError(f"--{flag}: expected {setting['x-expected']}")
    return dataclasses.replace(profile, **changes)


def _service(source: ProfileSource) -> dict[str, Distribution]:
    """The schema-checked service times, with what a pattern cannot say checked too."""
    service = {}
    for cost_class, text in source.data["service"].items():
        try:
            service[cost_class] = parse_distribution(text)
        except ValueError as error:
            raise source.error(("service", cost_class), f"expected {error}, got {text!r}") from None
    return service


def _capacity_change(entry: dict[str, Any]) -> CapacityChange:
    """A schema-checked schedule entry, from a file or ``--schedule``."""
    fields = _CHANGE["properties"]
    return CapacityChange(**{key: _as_declared(value, fields[key]) for key, value in entry.items()})


def _as_declared(value: Any, setting: dict[str, Any]) -> Any:
    """A schema-checked scalar as the type its schema declares (YAML 2.0 is a valid integer, 20 a number);
    a choice as a string (``overload: 503`` is YAML's number 503)."""
    converters = {"integer": int, "number": float}
    convert = str if "enum" in setting else converters.get(setting.get("type"), lambda same: same)
    return convert(value)


def _valid(value: Any, setting: dict[str, Any]) -> bool:
    return jsonschema.Draft202012Validator(setting).is_valid(value)
