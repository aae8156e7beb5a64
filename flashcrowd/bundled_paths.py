"""Where the bundled scenarios and locustfile live, in a checkout and in an installed wheel."""

from __future__ import annotations

from pathlib import Path

from flashcrowd_common.errors import UsageError

_PACKAGE = Path(__file__).resolve().parent


def _bundled(name: str) -> Path:
    # A wheel carries them inside the package (see pyproject force-include);
    # a checkout or editable install keeps them at the project root.
    inside = _PACKAGE / "bundled" / name
    return inside if inside.is_dir() else _PACKAGE.parent / name


SCENARIOS_DIR = _bundled("scenarios")
LOCUSTFILE = _bundled("locustfiles") / "locustfile.py"


def bundled_scenarios() -> list[str]:
    """Names of the scenarios shipped with flashcrowd, sorted."""
    return sorted(p.stem for p in SCENARIOS_DIR.glob("*.yaml"))


def resolve_scenario(name_or_path: str) -> Path:
    """A scenario file from a path, or from the name of a bundled scenario."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    bundled = SCENARIOS_DIR / f"{path.stem}.yaml"
    if path.parent == Path(".") and bundled.is_file():
        return bundled
    known = ", ".join(bundled_scenarios())
    raise UsageError(f"scenario {name_or_path!r}: no such file; expected a path or one of: {known}")
