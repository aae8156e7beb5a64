"""Profiles: which site the target serves and the capacity that decides when it resets.

A profile is a YAML file in ``target_app/profiles/`` (or anywhere, by path).
Every setting can also be given as a flag; ``with_overrides`` applies those.
Errors name the file, the line and the key, as ``flashcrowd.errors.ConfigError``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from flashcrowd_common.distribution import Distribution
from flashcrowd_common.errors import ConfigError, UsageError
from flashcrowd_common.yaml_limits import expansion_problem

PROFILES_DIR = Path(__file__).resolve().parent / "profiles"
PROFILE_NAMES: tuple[str, ...] = tuple(sorted(p.stem for p in PROFILES_DIR.glob("*.yaml")))

SITES = ("ircc", "nz-now")
COST_CLASSES = ("static", "dynamic", "heavy")
OVERLOAD_ACTIONS = ("reset", "503", "500")
DISTRIBUTION_KINDS = ("exponential", "constant", "lognormal")
SERVICE_FORMAT = (
    "KIND:MEAN_S[:SIGMA] with KIND one of exponential, constant, lognormal, e.g. exponential:0.06"
)
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
    overload: str  # reset, 503 or 500: what a request gets when the waiting room is full
    service: dict[str, Distribution]  # per cost class
    # A request that waited longer than this for a worker is served, then answered with the
    # application's "500 - Internal server error" page (its work timed out); None: never.
    error_after_wait_s: float | None = None
    schedule: tuple[CapacityChange, ...] = ()
    seed: int = 0
    idle_timeout_s: float = 15.0  # an idle keep-alive connection is closed after this long

    def mean_service_s(self, cost_class: str) -> float:
        """Mean service time of ``cost_class`` (static, dynamic or heavy), in seconds."""
        return self.service[cost_class].mean


def parse_distribution(text: str) -> Distribution:
    """``exponential:0.06`` -> Distribution; ValueError naming the expected form otherwise."""
    parts = str(text).split(":")
    if (
        len(parts) not in (2, 3)
        or parts[0] not in DISTRIBUTION_KINDS
        or (len(parts) == 3) != (parts[0] == "lognormal")
    ):
        raise ValueError(SERVICE_FORMAT)
    try:
        numbers = [float(p) for p in parts[1:]]
    except ValueError:
        raise ValueError(SERVICE_FORMAT) from None
    if numbers[0] < 0 or (parts[0] == "lognormal" and (numbers[0] <= 0 or numbers[1] <= 0)):
        raise ValueError(f"{SERVICE_FORMAT}; a mean >= 0 (> 0 and sigma > 0 for lognormal)")
    if parts[0] == "lognormal":
        return Distribution(parts[0], numbers[0], sigma=numbers[1])
    return Distribution(parts[0], numbers[0])


def parse_schedule_entry(text: str) -> CapacityChange:
    """``600:6`` or ``600:6:200`` -> CapacityChange; ValueError naming the expected form otherwise."""
    parts = text.split(":")
    try:
        at_s, workers, *queue = float(parts[0]), int(parts[1]), *(int(q) for q in parts[2:])
    except (ValueError, IndexError):
        raise ValueError(SCHEDULE_FORMAT) from None
    if len(parts) > 3 or at_s < 0 or workers < 1 or (queue and queue[0] < 0):
        raise ValueError(SCHEDULE_FORMAT)
    return CapacityChange(at_s, workers, queue[0] if queue else None)


def load_profile(name_or_path: str) -> Profile:
    """A bundled profile by name (see ``PROFILE_NAMES``) or a profile file by path."""
    path = Path(name_or_path)
    if not path.is_file():
        if name_or_path not in PROFILE_NAMES:
            raise UsageError(
                f"profile {name_or_path!r}: no such file; "
                f"expected a path or one of: {', '.join(PROFILE_NAMES)}"
            )
        path = PROFILES_DIR / f"{name_or_path}.yaml"
    return _ProfileReader(path).read()


def with_overrides(profile: Profile, **changes: Any) -> Profile:
    """``profile`` with the given fields replaced (None values are ignored); checked like a file."""
    changes = {key: value for key, value in changes.items() if value is not None}
    updated = dataclasses.replace(profile, **changes)
    problem = _capacity_problem(updated)
    if problem:
        raise UsageError(f"--{problem[0].replace('_s', '').replace('_', '-')}: {problem[1]}")
    return updated


def _capacity_problem(profile: Profile) -> tuple[str, str] | None:
    """The first (key, expected) a profile's values break, if any."""
    if profile.site not in SITES:
        return "site", f"expected one of {', '.join(SITES)}"
    if profile.workers < 1:
        return "workers", "expected an integer >= 1"
    if profile.queue < 0:
        return "queue", "expected an integer >= 0"
    if profile.queue_timeout_s <= 0:
        return "queue_timeout_s", "expected seconds > 0"
    if profile.error_after_wait_s is not None and profile.error_after_wait_s <= 0:
        return "error_after_wait_s", "expected seconds > 0 (or leave it out: never answer 500 for a wait)"
    if profile.overload not in OVERLOAD_ACTIONS:
        return "overload", f"expected one of {', '.join(OVERLOAD_ACTIONS)}"
    if profile.idle_timeout_s <= 0:
        return "idle_timeout_s", "expected seconds > 0"
    return None


class _ProfileReader:
    """Reads one YAML profile, remembering each key's line so errors can point at it."""

    FIELDS = ("site", "workers", "queue", "queue_timeout_s", "overload", "error_after_wait_s", "service",
              "schedule", "seed", "idle_timeout_s")  # fmt: skip

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lines: dict[str, int] = {}

    def fail(self, key: str, expected: str) -> ConfigError:
        return ConfigError(self.path, self.lines.get(key), key, expected)

    def read(self) -> Profile:
        try:
            root = yaml.compose(self.path.read_text())
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            line = mark.line + 1 if mark else None
            expected = f"expected valid YAML ({getattr(error, 'problem', error)})"
            raise ConfigError(self.path, line, "yaml", expected) from None
        except OSError as error:
            raise ConfigError(
                self.path, None, "file", f"expected a readable file ({error.strerror})"
            ) from None
        if not isinstance(root, yaml.MappingNode):
            raise ConfigError(self.path, 1, "profile", "expected a mapping of settings")
        too_big = expansion_problem(root)
        if too_big is not None:
            key, line, expected = too_big
            raise ConfigError(self.path, line, key, expected)
        self._record_lines(root, "")
        data = yaml.safe_load(self.path.read_text())
        unknown = [key for key in data if key not in self.FIELDS]
        if unknown:
            raise self.fail(unknown[0], f"unknown setting; expected one of {', '.join(self.FIELDS)}")
        for required in ("site", "workers", "queue", "queue_timeout_s", "service"):
            if required not in data:
                raise ConfigError(self.path, None, required, "missing; every profile sets it")
        profile = Profile(
            name=self.path.stem,
            site=str(data["site"]),
            workers=self._integer(data, "workers"),
            queue=self._integer(data, "queue"),
            queue_timeout_s=self._number(data, "queue_timeout_s"),
            overload=str(data.get("overload", "reset")),
            error_after_wait_s=self._number(data, "error_after_wait_s")
            if "error_after_wait_s" in data
            else None,
            service=self._service(data["service"]),
            schedule=self._schedule(data.get("schedule") or []),
            seed=self._integer(data, "seed", 0),
            idle_timeout_s=self._number(data, "idle_timeout_s", 15.0),
        )
        problem = _capacity_problem(profile)
        if problem:
            raise self.fail(*problem)
        return profile

    def _record_lines(self, node: yaml.Node, prefix: str) -> None:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key = f"{prefix}{key_node.value}"
                self.lines[key] = key_node.start_mark.line + 1
                self._record_lines(value_node, key + ".")
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                key = f"{prefix.rstrip('.')}[{index}]"
                self.lines[key] = item.start_mark.line + 1
                self._record_lines(item, key + ".")

    def _integer(self, data: dict, key: str, default: int | None = None, where: str = "") -> int:
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(where + key, f"expected an integer, got {value!r}")
        return value

    def _number(self, data: dict, key: str, default: float | None = None, where: str = "") -> float:
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(where + key, f"expected a number of seconds, got {value!r}")
        return float(value)

    def _service(self, service: object) -> dict[str, Distribution]:
        if not isinstance(service, dict) or sorted(service) != sorted(COST_CLASSES):
            raise self.fail("service", f"expected a mapping with exactly {', '.join(COST_CLASSES)}")
        distributions = {}
        for cost_class, text in service.items():
            try:
                distributions[cost_class] = parse_distribution(text)
            except ValueError as error:
                raise self.fail(f"service.{cost_class}", f"expected {error}") from None
        return distributions

    def _schedule(self, entries: object) -> tuple[CapacityChange, ...]:
        if not isinstance(entries, list):
            raise self.fail("schedule", "expected a list of {at_s, workers, queue} changes")
        changes = []
        for index, entry in enumerate(entries):
            key = f"schedule[{index}]"
            if (
                not isinstance(entry, dict)
                or "at_s" not in entry
                or not set(entry) <= {"at_s", "workers", "queue"}
            ):
                raise self.fail(key, "expected a mapping with at_s and workers and/or queue")
            fields = {
                name: self._integer(entry, name, where=f"{key}.")
                for name in ("workers", "queue")
                if name in entry
            }
            change = CapacityChange(self._number(entry, "at_s", where=f"{key}."), **fields)
            if change.at_s < 0 or (change.workers or 1) < 1 or (change.queue or 0) < 0 or not fields:
                raise self.fail(key, "expected at_s >= 0, workers >= 1, queue >= 0 (at least one of them)")
            changes.append(change)
        return tuple(sorted(changes, key=lambda change: change.at_s))
