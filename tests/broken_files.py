"""Broken-file corpora (broken_scenarios/, broken_profiles/): each file states the error it gives."""

from __future__ import annotations

from pathlib import Path


def expected_message(path: Path) -> str:
    """Each broken file's first line is ``# expect: :LINE: KEY: EXPECTED``; the whole message it gives."""
    first = path.read_text().splitlines()[0]
    assert first.startswith("# expect: "), f"{path.name} must start with its expected message"
    return str(path) + first.removeprefix("# expect: ")
