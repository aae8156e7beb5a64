"""The loopback guard: flashcrowd can take a site down, so it only aims at this machine by default."""

from __future__ import annotations

import ipaddress
import os
from urllib.parse import urlsplit

from flashcrowd_common.errors import RefusedTargetError, UsageError

ALLOW_ENV = "FLASHCROWD_ALLOW_REMOTE_TARGET"
ALLOW_FLAG = "--allow-remote-target"
_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def remote_allowed(flag: bool = False) -> bool:
    """True when the user allowed non-loopback targets by flag or by environment variable."""
    return flag or os.environ.get(ALLOW_ENV, "").strip().lower() in {"1", "yes", "true"}


def is_loopback_host(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and the usual names of localhost; no DNS look-up."""
    host = host.strip("[]").lower()
    if host in _LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_target(url: str, allow_remote: bool = False) -> str:
    """Return ``url`` normalised (no trailing slash) if it may be loaded; raise otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise UsageError(f"--host {url!r}: expected an http:// or https:// URL, e.g. http://127.0.0.1:8080")
    if not is_loopback_host(parts.hostname) and not remote_allowed(allow_remote):
        raise RefusedTargetError(
            f"--host {url}: refusing to send load to {parts.hostname}, which is not this machine "
            f"(127.0.0.1, localhost, [::1]); a load test can take a site down, so pass "
            f"{ALLOW_FLAG} or set {ALLOW_ENV}=1 if you own it"
        )
    return url.rstrip("/")
