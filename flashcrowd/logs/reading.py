"""One pass over access logs: lines parsed into hits, hits into sessions, sessions into a tally.

Malformed lines are counted, the first few kept with their file and line
number, and never stop the reading. Files are read in the order of their first
timestamp, so rotated logs (access.log.2.gz, access.log.1, access.log) can be
named in any order.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from flashcrowd.logs.files import first_time, read_lines
from flashcrowd.logs.formats import FormatError, line_parser
from flashcrowd.logs.sessions import Sessionizer
from flashcrowd.logs.tally import LogTally
from flashcrowd_common.errors import UsageError

EXAMPLES_KEPT = 5


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
    tally: LogTally = field(default_factory=LogTally)

    def malformed_report(self) -> str:
        """One line per kept example, after a count; empty when every line parsed."""
        if not self.malformed:
            return ""
        share = self.malformed / self.lines if self.lines else 0
        head = f"{self.malformed:,} of {self.lines:,} lines ({share:.2%}) skipped as malformed"
        reasons = "; ".join(f"{count:,} {reason}" for reason, count in self.reasons.most_common(3))
        return "\n".join([f"{head}: {reasons}", *(f"  {example}" for example in self.examples)])


def read_logs(paths: list[Path], log_format: str, gap_s: float, progress: bool = True) -> LogReading:
    """Read every line of ``paths`` once; UsageError for a bad --format, a missing file or no hits at all."""
    try:
        parse = line_parser(log_format)
    except FormatError as error:
        raise UsageError(f"--format {log_format!r}: {error}") from None
    for path in paths:
        if not path.is_file():
            raise UsageError(f"{path}: no such file; expected an access log (plain or gzip)")
    ordered = sorted(paths, key=lambda path: first_time(path, parse))
    reading = LogReading(ordered)
    sessions = Sessionizer(gap_s, reading.tally.add)

    def damaged(where: str, what: str) -> None:
        _malformed(reading, where, what, "", always_shown=True)

    for line in read_lines(ordered, damaged, progress):
        reading.lines += 1
        hit = parse(line.text)
        if isinstance(hit, str):
            if line.text.strip():
                _malformed(reading, f"{line.path}:{line.number}", hit, line.text)
            continue
        if reading.hits == 0:
            reading.utc_offset_s = hit.utc_offset_s
        reading.hits += 1
        reading.first_hit = min(reading.first_hit, hit.at)
        reading.last_hit = max(reading.last_hit, hit.at)
        sessions.add(hit)
    sessions.close_all()
    reading.peak_open_sessions = sessions.peak_open
    if not reading.tally.sessions:
        names = ", ".join(str(path) for path in paths)
        raise UsageError(
            f"{names}: no page views in {reading.lines:,} lines ({reading.malformed:,} malformed); expected "
            f"access-log lines in the --format {log_format!r} with GET requests for pages"
        )
    return reading


def _malformed(reading: LogReading, where: str, reason: str, text: str, always_shown: bool = False) -> None:
    reading.malformed += 1
    reading.reasons[reason] += 1
    if len(reading.examples) < EXAMPLES_KEPT or always_shown:
        shown = text if len(text) <= 80 else text[:77] + "..."
        reading.examples.append(f"{where}: {reason}" + (f": {shown!r}" if shown else ""))
