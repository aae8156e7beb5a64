"""One pass over access logs: lines parsed into hits, hits into sessions, sessions into a tally.

Malformed lines are counted, the first few kept with their file and line
number, and never stop the reading. Files are read in the order of their first
timestamp, so rotated logs (access.log.2.gz, access.log.1, access.log) can be
named in any order. Apache writes a line when a request ends, with the time it
began, so hits are put back in time order within REORDER_S before sessions are
cut (ties in a fixed order: a shuffled copy reads the same). Hits whose user
agent matches --exclude-agent (uptime probes, health checks, crawlers) are
counted and left out.
"""

from __future__ import annotations

import heapq
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from flashcrowd.logs.files import first_time, read_lines
from flashcrowd.logs.formats import FormatError, Hit, line_parser
from flashcrowd.logs.sessions import Sessionizer, asset_test
from flashcrowd.logs.tally import BIN_S, LogTally
from flashcrowd.logs.unsupported import unsupported_format
from flashcrowd_common.errors import UsageError

EXAMPLES_KEPT = 5
REORDER_S = 120  # a hit up to this much earlier than the latest one still takes its place in time
MAX_HELD = 200_000  # and at most this many hits are held for it (memory stays bounded)
MAX_AGENTS = 10_000  # user agents whose verdict is remembered


@dataclass(frozen=True)
class ReadSettings:
    log_format: str = "auto"
    gap_s: float = 1800.0
    client_field: str | None = None  # a request header holding the client (X-Forwarded-For)
    exclude_agent: re.Pattern[str] | None = None
    asset_pattern: re.Pattern[str] | None = None


@dataclass
class LogReading:
    paths: list[Path]
    lines: int = 0
    hits: int = 0
    malformed: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)  # "file:line: reason: text"
    first_hit: float = float("inf")
    last_hit: float = float("-inf")
    utc_offset_s: int = 0  # the first hit's
    peak_open_sessions: int = 0
    excluded: int = 0  # hits whose user agent --exclude-agent matched
    first_line: str = ""  # the first non-empty line, to name an unsupported format
    tally: LogTally = field(default_factory=LogTally)

    def malformed_report(self) -> str:
        """One line per kept example, after a count; empty when every line parsed."""
        if not self.malformed:
            return ""
        share = self.malformed / self.lines if self.lines else 0
        head = f"{self.malformed:,} of {self.lines:,} lines ({share:.2%}) skipped as malformed"
        reasons = "; ".join(f"{count:,} {reason}" for reason, count in self.reasons.most_common(3))
        return "\n".join([f"{head}: {reasons}", *(f"  {example}" for example in self.examples)])


def read_logs(paths: list[Path], settings: ReadSettings, progress: bool = True) -> LogReading:
    """Read every line of ``paths`` once; UsageError for a bad --format, a missing file or no hits at all."""
    try:
        parse = line_parser(settings.log_format, settings.client_field)
    except FormatError as error:
        raise UsageError(f"--format {settings.log_format!r}: {error}") from None
    for path in paths:
        if not path.is_file():
            raise UsageError(f"{path}: no such file; expected an access log (plain or gzip)")
    ordered = sorted(paths, key=lambda path: first_time(path, parse))
    reading = LogReading(ordered)
    sessions = Sessionizer(settings.gap_s, reading.tally.add, asset_test(settings.asset_pattern), BIN_S)
    held: list[tuple[float, str, str, str, str, Hit]] = []
    latest = float("-inf")
    excluded = AgentFilter(settings.exclude_agent)

    def damaged(where: str, what: str) -> None:
        _malformed(reading, where, what, "", always_shown=True)

    for line in read_lines(ordered, damaged, progress):
        reading.lines += 1
        if not reading.first_line and line.text.strip():
            reading.first_line = line.text
        hit = parse(line.text)
        if hit is None:
            continue
        if isinstance(hit, str):
            if line.text.strip():
                _malformed(reading, f"{line.path}:{line.number}", hit, line.text)
            continue
        if excluded(hit.agent):
            reading.excluded += 1
            continue
        if reading.hits == 0:
            reading.utc_offset_s = hit.utc_offset_s
        reading.hits += 1
        reading.first_hit = min(reading.first_hit, hit.at)
        reading.last_hit = max(reading.last_hit, hit.at)
        # Ties in a fixed order (strings compare in C; the Hit itself only when all of these are equal).
        heapq.heappush(held, (hit.at, hit.address, hit.agent, hit.method, hit.path, hit))
        latest = max(latest, hit.at)
        while held and (held[0][0] < latest - REORDER_S or len(held) > MAX_HELD):
            sessions.add(heapq.heappop(held)[-1])
    while held:
        sessions.add(heapq.heappop(held)[-1])
    sessions.close_all()
    reading.peak_open_sessions = sessions.peak_open
    if not reading.tally.sessions and reading.tally.under_way:  # a log no longer than its warm-up
        reading.tally = reading.tally.under_way
    if not reading.tally.sessions:
        raise UsageError(_no_sessions(paths, reading, settings.log_format))
    return reading


class AgentFilter:
    """Whether a user agent matches --exclude-agent, remembered per agent (a log repeats a few thousand)."""

    def __init__(self, pattern: re.Pattern[str] | None) -> None:
        self.pattern = pattern
        self.seen: dict[str, bool] = {}

    def __call__(self, agent: str) -> bool:
        if self.pattern is None:
            return False
        found = self.seen.get(agent)
        if found is None:
            if len(self.seen) >= MAX_AGENTS:
                self.seen.clear()
            found = self.seen[agent] = self.pattern.search(agent) is not None
        return found


def _no_sessions(paths: list[Path], reading: LogReading, log_format: str) -> str:
    names = ", ".join(str(path) for path in paths)
    problem = f"{names}: no page views in {reading.lines:,} lines ({reading.malformed:,} malformed"
    problem += f", {reading.excluded:,} requests excluded by --exclude-agent)" if reading.excluded else ")"
    if reading.hits == 0 and reading.first_line:
        shown = reading.first_line if len(reading.first_line) <= 100 else reading.first_line[:97] + "..."
        name = unsupported_format(reading.first_line)
        what = f"{name} is not supported" if name else "its format is not one this reads"
        problem += f"; {what}, first line {shown!r}"
    return problem + (
        f"; expected access-log lines in the --format {log_format!r} with GET or POST requests for pages "
        "(combined, common, IIS W3C extended, or a --format string)"
    )


def _malformed(reading: LogReading, where: str, reason: str, text: str, always_shown: bool = False) -> None:
    reading.malformed += 1
    reading.reasons[reason] += 1
    if len(reading.examples) < EXAMPLES_KEPT or always_shown:
        shown = text if len(text) <= 80 else text[:77] + "..."
        reading.examples.append(f"{where}: {reason}" + (f": {shown!r}" if shown else ""))
