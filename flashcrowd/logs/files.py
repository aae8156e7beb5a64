"""Log files read as a stream of (file, line number, text), plain or gzip, with a progress bar.

Memory stays flat whatever the size: one line at a time. A gzip file is known by
its magic bytes, not its name. Bytes that are not UTF-8 are replaced, so garbage
in a log is a line that does not parse, never an exception. The progress bar
(tqdm, on stderr) counts the bytes read from disk across all the files.
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from tqdm import tqdm

from flashcrowd_common.errors import UsageError

GZIP_MAGIC = b"\x1f\x8b"
MAX_LINE = 64 * 1024  # longer lines are cut here (and will not parse): a line never costs more memory
PROGRESS_STEP = 1 << 20


@dataclass(frozen=True)
class LogLine:
    path: Path
    number: int  # 1-based
    text: str


def _open(path: Path) -> tuple[BinaryIO, BinaryIO]:
    """(the stream to read lines from, the raw file whose position tracks progress)."""
    try:
        raw = path.open("rb")
    except OSError as error:
        raise UsageError(f"{path}: cannot read it ({error.strerror}); expected a readable log file") from None
    magic = raw.read(2)
    raw.seek(0)
    if magic == GZIP_MAGIC:
        return gzip.GzipFile(fileobj=raw, mode="rb"), raw
    return raw, raw


def _lines(stream: BinaryIO) -> Iterator[bytes]:
    """Lines of at most MAX_LINE bytes; a longer line's rest is skipped."""
    reader = io.BufferedReader(stream) if not isinstance(stream, io.BufferedReader) else stream
    while True:
        line = reader.readline(MAX_LINE)
        if not line:
            return
        if len(line) == MAX_LINE and not line.endswith(b"\n"):
            while True:  # drop the rest of an over-long line
                rest = reader.readline(MAX_LINE)
                if not rest or rest.endswith(b"\n"):
                    break
        yield line


def read_lines(
    paths: list[Path], on_damaged: Callable[[str, str], None], progress: bool = True
) -> Iterator[LogLine]:
    """Every line of every file in order. A damaged gzip stream (a log cut while it was written) ends
    that file: ``on_damaged("file:line", what)`` is told, and the next file is read."""
    total = sum(path.stat().st_size for path in paths if path.is_file())
    bar = tqdm(total=total, unit="B", unit_scale=True, desc="from-log", disable=not progress, leave=False)
    try:
        for path in paths:
            stream, raw = _open(path)
            with raw, stream:
                reported = number = 0
                try:
                    for number, line in enumerate(_lines(stream), 1):
                        yield LogLine(path, number, line.decode("utf-8", "replace").rstrip("\r\n"))
                        if number % 4096 == 0:
                            position = raw.tell()
                            if position - reported >= PROGRESS_STEP:
                                bar.update(position - reported)
                                reported = position
                except (OSError, EOFError, zlib.error) as error:
                    on_damaged(f"{path}:{number + 1}", f"the gzip stream is damaged here ({error})")
                bar.update(path.stat().st_size - reported)
    finally:
        bar.close()


def first_time(
    path: Path, parse: Callable[[str], object], attr: str = "at", probe_lines: int = 1000
) -> float:
    """The time of the first parseable line among the first ``probe_lines`` (inf if none), to order files."""
    stream, raw = _open(path)
    with raw, stream:
        try:
            for index, line in enumerate(_lines(stream)):
                if index >= probe_lines:
                    break
                hit = parse(line.decode("utf-8", "replace").rstrip("\r\n"))
                if hit is not None and not isinstance(hit, str):
                    return float(getattr(hit, attr))
        except (OSError, EOFError, zlib.error):
            pass
    return float("inf")
