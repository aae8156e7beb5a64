"""Checking the CLI's answer to bad input, in this process: bad input never starts anything."""

from __future__ import annotations

from flashcrowd.cli import main


def assert_one_line_error(capsys, argv: list[str], code: int, *words: str) -> str:
    """Run the CLI in this process (bad input never starts anything), check its one-line error, return it."""
    try:
        returned = main(argv)
    except SystemExit as exit_:  # argparse's own errors
        returned = int(exit_.code)
    stderr = capsys.readouterr().err
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    assert returned == code, stderr
    for word in words:
        assert word in lines[0]
    return lines[0]
