"""HTML tables for the report and the comparison: escaped cells, optional header."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape


def html_table(header: Sequence[str], rows: Sequence[Sequence[object]], raw_last: bool = False) -> str:
    """An HTML table; cells are escaped, except the last column when ``raw_last`` (already HTML)."""

    def cell(i: int, value: object) -> str:
        text = str(value)
        return text if raw_last and i == len(header) - 1 else escape(text)

    head = "" if not any(header) else "<tr>" + "".join(f"<th>{escape(h)}</th>" for h in header) + "</tr>"
    body = "".join(
        "<tr>" + "".join(f"<td>{cell(i, v)}</td>" for i, v in enumerate(row)) + "</tr>" for row in rows
    )
    return f"<table>{head}{body}</table>"
