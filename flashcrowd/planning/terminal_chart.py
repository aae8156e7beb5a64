"""The load curve drawn with block characters, real-world users on the left and simulated users on the right.

Each column is the curve's highest value over its slice of the real-world clock
(so a short peak still shows; over days, each column shows the day around it);
eighth blocks give the height between rows.
Marked loads (the target's knee, its first resets) are dashed lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flashcrowd.scenario.model import Scenario

BLOCKS = " ▁▂▃▄▅▆▇█"
DAY_S = 86400.0
ENVELOPE_FROM_S = 4 * 3600.0


@dataclass(frozen=True)
class Mark:
    label: str
    real_users: float


def _column_values(scenario: Scenario, width: int) -> list[float]:
    # The highest value over a slice of a piecewise-linear curve is at its ends or at a keyframe inside.
    users = scenario.users
    span = scenario.clock.duration_s
    # Columns of many hours would alias the daily cycle (peak, trough, peak...): show the daily envelope.
    margin = (DAY_S - span / width) / 2 if span / width > ENVELOPE_FROM_S else 0.0
    values = []
    for column in range(width):
        left, right = span * column / width - margin, span * (column + 1) / width + margin
        inside = [k.value for k in users.keyframes if left <= k.at_s <= right]
        values.append(max([users.value_at(left), users.value_at(right), *inside]))
    return values


def _cell(value: float, row: int, top: float, height: int) -> str:
    eighths = round(value / top * height * 8) - row * 8 if top > 0 else 0
    return BLOCKS[max(0, min(8, eighths))]


def _time_axis(scenario: Scenario, width: int, label_width: int) -> str:
    span = scenario.clock.duration_s
    fmt = "%H:%M:%S" if span < 3600 else "%H:%M" if span <= 36 * 3600 else "%m-%d"
    start = scenario.clock.start
    axis = [" "] * (width + 8)
    for tick in range(0, width, 16):
        moment = datetime.fromtimestamp(start.timestamp() + span * tick / width, start.tzinfo)
        text = moment.strftime(fmt)
        axis[tick : tick + len(text)] = text
    zone = start.strftime("%Z")
    return " " * label_width + " " + "".join(axis).rstrip() + f"  ({zone})"


def draw(scenario: Scenario, marks: list[Mark], width: int = 64, height: int = 10) -> str:
    """The chart as lines of text, about ``width`` + 30 characters wide."""
    values = _column_values(scenario, width)
    top = max([*values, *(mark.real_users for mark in marks if mark.real_users < 2 * max(values))]) * 1.05
    mark_rows: dict[int, list[Mark]] = {}
    for mark in marks:
        if mark.real_users <= top:
            mark_rows.setdefault(min(height - 1, int(mark.real_users / top * height)), []).append(mark)
    label_width = len(f"{top:,.0f}")
    lines = []
    for row in range(height - 1, -1, -1):
        level = top * (row + 1) / height
        cells = "".join(_cell(value, row, top, height) for value in values)
        row_marks = mark_rows.get(row, [])
        if row_marks:
            cells = "".join("╌" if c == " " else c for c in cells)
        left = f"{level:>{label_width},.0f}" if row in (height - 1, height // 2 - 1) else " " * label_width
        right = f"{level * scenario.scale:,.0f} sim" if row in (height - 1, height // 2 - 1) else ""
        for mark in row_marks:
            right = (
                right + "  " if right else ""
            ) + f"{mark.label} {mark.real_users * scenario.scale:,.0f} sim"
        lines.append(f"{left} ┤{cells} {right}".rstrip())
    lines.append(f"{0:>{label_width}} ┼{'─' * width} 0 sim")
    lines.append(_time_axis(scenario, width, label_width))
    return "\n".join(lines)
