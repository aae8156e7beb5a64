"""Input that cannot hurt: YAML aliases that would expand past any real configuration are one error line."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

from tests.cli_helpers import assert_one_line_error


def _laughs(levels: int = 9) -> str:
    """x-a: 9 strings; each next key: 9 aliases of the one before (9^levels strings in all)."""
    names = [chr(97 + i) for i in range(levels)]
    lines = [f"x-a: &a [{', '.join(['lol'] * 9)}]"]
    lines += [
        f"x-{name}: &{name} [{', '.join([f'*{before}'] * 9)}]" for before, name in itertools.pairwise(names)
    ]
    return "\n".join(lines)


def test_a_billion_laughs_profile_is_one_line_and_fast(tmp_path: Path, capsys) -> None:
    profile = tmp_path / "laughs.yaml"
    profile.write_text("site: ircc\nworkers: 1\n" + _laughs() + "\n")
    started = time.perf_counter()
    argv = ["target", "--profile", str(profile), "--explain"]
    line = assert_one_line_error(capsys, argv, 2, "laughs.yaml:")
    assert time.perf_counter() - started < 2
    assert "anchors and aliases" in line and "x-f" in line
