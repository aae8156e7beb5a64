"""A browser recording (HAR 1.2) read as one visitor's journey: pages in order, forms, assets, think times.

A page is a request for an HTML document or a form POST on the recording's
site (the host of its first page); stylesheets, scripts, images and fonts are
assets of the page that loaded them, each kept the first time only (a browser
caches them). A request the browser made only because the one before was
redirected is not a step: the visitors follow redirects themselves. Requests to
other hosts (CDNs, analytics) are left out: a load test sends its load to one
site. Think times are the gaps between one page's last response and the next
page's request.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

from flashcrowd.logs.sessions import is_asset
from flashcrowd_common.errors import ConfigError

MAX_BYTES = 512 * 1024 * 1024  # a recording larger than this is refused before it is read
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


@dataclass
class RecordedPage:
    method: str
    path: str  # with its query string
    form: dict[str, str] | None
    started: float  # POSIX seconds
    ended: float  # when its last request (assets included) finished
    assets: list[str] = field(default_factory=list)
    status: int = 0


@dataclass
class Recording:
    host: str
    pages: list[RecordedPage]
    skipped: dict[str, int]  # reason -> requests left out

    def think_times(self) -> list[float]:
        """Seconds from each page's last response to the next page's request (one fewer than the pages)."""
        return [max(0.0, after.started - before.ended) for before, after in itertools.pairwise(self.pages)]


def _fail(path: Path, key: str, expected: str, line: int | None = None) -> ConfigError:
    return ConfigError(path, line, key, expected)


def _load(path: Path) -> Any:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise _fail(path, "file", f"expected a HAR file under {MAX_BYTES >> 20} MB, got {size >> 20} MB")
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as error:
        raise _fail(path, "file", f"expected a readable HAR file ({error.strerror})") from None
    except UnicodeDecodeError:
        raise _fail(path, "file", "expected a HAR file (UTF-8 JSON)") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise _fail(path, "json", f"expected a HAR file (JSON): {error.msg}", error.lineno) from None
    except RecursionError:
        raise _fail(path, "json", "expected a HAR file (JSON nested less than 1,000 deep)") from None


def _seconds(text: Any) -> float:
    return datetime.fromisoformat(str(text).replace("Z", "+00:00")).timestamp()


def _form(request: dict[str, Any]) -> dict[str, str] | None:
    post = request.get("postData") or {}
    if not isinstance(post, dict):
        return None
    params = post.get("params")
    if isinstance(params, list) and params:
        return {str(p.get("name", "")): str(p.get("value", "")) for p in params if isinstance(p, dict)}
    if str(post.get("mimeType", "")).startswith(FORM_TYPES[0]) and isinstance(post.get("text"), str):
        return dict(parse_qsl(post["text"], keep_blank_values=True))
    return None


def _is_page(request: dict[str, Any], response: dict[str, Any], path: str) -> bool:
    mime = str((response.get("content") or {}).get("mimeType", ""))
    if request.get("method") == "POST":
        return _form(request) is not None or not mime or mime.startswith("text/html")
    return mime.startswith("text/html") or (not mime and not is_asset(path))


def read_har(path: Path) -> Recording:
    """The recording at ``path``; ConfigError (one line: file, key, what was expected) if it is not HAR."""
    data = _load(path)
    entries = data.get("log", {}).get("entries") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise _fail(path, "log.entries", "expected a HAR 1.2 file with a non-empty list of entries")
    pages: list[RecordedPage] = []
    skipped: dict[str, int] = {}
    host = ""
    seen_assets: set[str] = set()
    redirected_to: str | None = None
    for index, entry in enumerate(entries):
        try:
            request, response = entry["request"], entry.get("response") or {}
            url, method = urlsplit(str(request["url"])), str(request.get("method", "GET")).upper()
            started = _seconds(entry["startedDateTime"])
            ended = started + max(float(entry.get("time") or 0), 0) / 1000
        except (KeyError, TypeError, ValueError, AttributeError):
            raise _fail(
                path,
                f"log.entries[{index}]",
                "expected {startedDateTime, time, request: {method, url}, response}",
            ) from None
        reason = None
        target = url.path + (f"?{url.query}" if url.query else "") or "/"
        host = host or url.netloc
        if url.netloc != host:
            reason = "other hosts"
        elif redirected_to is not None and str(request["url"]) == redirected_to:
            reason = "followed redirects"
        redirected_to = _redirect(response, str(request["url"]))
        if reason is None and int(response.get("status") or 0) >= 400:
            reason = "requests that failed in the recording"
        if reason is None and _is_page(request, response, url.path):
            pages.append(RecordedPage(method, target, _form(request) if method == "POST" else None, started,
                                      ended, status=int(response.get("status") or 0)))  # fmt: skip
            continue
        if reason is None and method != "GET":
            reason = f"{method} requests that are not forms"
        if reason is None and pages:
            pages[-1].ended = max(pages[-1].ended, ended)
            if target not in seen_assets:
                seen_assets.add(target)
                pages[-1].assets.append(target)
            continue
        key = reason or "requests before the first page"
        skipped[key] = skipped.get(key, 0) + 1
    if not pages:
        raise _fail(path, "log.entries", "expected at least one HTML page or form POST on the recorded site")
    return Recording(host, pages, skipped)


def _redirect(response: dict[str, Any], url: str) -> str | None:
    if int(response.get("status") or 0) not in (301, 302, 303, 307, 308):
        return None
    location = response.get("redirectURL") or next(
        (
            h.get("value")
            for h in response.get("headers") or []
            if str(h.get("name", "")).lower() == "location"
        ),
        None,
    )
    return urljoin(url, str(location)) if location else None
