"""Tables as data for the HTML templates (``templates/tables.html`` renders them): text, escaped there."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Badge:
    """A cell that leads with a coloured word (held, breached, REGRESSED...), then plain text."""

    css: str  # the class that colours it: ok, bad, na
    label: str
    rest: str = ""


Cell = str | int | float | None | Badge  # shown as Jinja shows it (None as None)


@dataclass(frozen=True)
class Table:
    """A table: a header row (none when every heading is empty), rows of cells, and a line said before it."""

    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    id: str = ""
    intro: str = ""
