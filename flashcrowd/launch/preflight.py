"""One request before any load: a site that cannot work as configured stops the command, saying why.

Load cannot explain a failure of the first request to an idle site: a name that does
not resolve, nothing listening, a certificate the visitors do not trust, no TLS in
common, a 4xx on the scenario's first page. Each stops run, smoke and find-break with
one line naming it and what to change (TargetUnreachableError, exit 3). The request goes
through the visitors' own client and TLS context, so it fails exactly as they would.
A slow answer or a 5xx does not stop the command: the run measures those.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flashcrowd.http.classify import HTTPStatusError, failure_detail, failure_kind
from flashcrowd.http.tls import TlsSettings
from flashcrowd_common.errors import TargetUnreachableError

TLS_TRUST = "pass --ca-cert FILE with the CA that issued it, or --insecure to skip verification"
CAUSES = {
    "connection_refused": "nothing accepts connections at {where} (connection refused): start the site, "
    "or correct the port in --host",
    "connect_timeout": "no connection to {where} within {connect_s:g} s: check the address in --host",
    "certificate_verify_failed": "the site's certificate is not trusted ({reason}): " + TLS_TRUST,
    "hostname_mismatch": "the site's certificate is not issued for {hostname} ({reason}): use a name it "
    "is issued for in --host, or --insecure to skip verification",
    "client_certificate_required": "the site asks for a client certificate ({reason}): pass --client-cert "
    "FILE (and --client-key FILE)",
    "not_tls": "the site does not speak TLS at {where} ({reason}): if it serves plain HTTP there, use http://",
    "tls_protocol": "no TLS version or cipher in common with the site ({reason}): check its TLS settings "
    "(protocols, ciphers) or the Python/OpenSSL of this machine",
    "tls_handshake": "the site cut the TLS handshake short at {where} ({reason}), with no load: check "
    "that it serves HTTPS on this port, and whether it wants a client certificate (--client-cert)",
    "http_4xx": "GET {path} answered {reason} with no load: the scenario's first page is not served there; "
    "correct --host or the scenario's paths",
    "closed": "the site closed the connection without answering GET {path}, with no load ({reason}): "
    "check the scheme and port in --host",
}
HTTPS_HINT = " (a site that serves HTTPS on this port? use https://)"


def check_site(url: str, path: str, tls: TlsSettings, connect_s: float, read_s: float) -> None:
    """GET ``path`` from ``url`` once, as a visitor would; TargetUnreachableError if it failed in a way no
    load explains."""
    from flashcrowd.http.http_client import Browser, resolve  # gevent: only when a host is given

    parts = urlsplit(url)
    try:
        address = resolve(url)
    except OSError as error:  # socket.gaierror: the name does not resolve
        raise TargetUnreachableError(
            f"--host {url}: cannot resolve {parts.hostname} ({error.strerror or error}): check the host name"
        ) from None
    browser = Browser(
        url,
        lambda **_event: None,
        connect_timeout=connect_s,
        read_timeout=read_s,
        address=address,
        tls=tls.context() if parts.scheme == "https" else None,
    )
    try:
        page = browser.request("GET", path)
    finally:
        browser.close()
    if page.error is not None:
        cause = explain(url, path, page.error, connect_s)
        if cause is not None:
            raise TargetUnreachableError(f"--host {url}: {cause}")


def explain(url: str, path: str, error: BaseException, connect_s: float) -> str | None:
    """The cause and fix of a first request's failure, in one line; None when load could explain it."""
    kind, detail = failure_kind(error), failure_detail(error)
    parts = urlsplit(url)
    plain = parts.scheme != "https"
    if kind in ("connection_reset", "connection_closed"):
        key = "closed"
    else:
        key = detail if detail in CAUSES else kind
    if key not in CAUSES:
        return None
    cause = CAUSES[key].format(
        where=parts.netloc, hostname=parts.hostname, path=path, connect_s=connect_s, reason=_reason(error)
    )
    return cause + HTTPS_HINT if plain and key in ("closed", "http_4xx") else cause


def _reason(error: BaseException) -> str:
    """What the error itself says: the certificate check's message, OpenSSL's reason, the HTTP status."""
    if isinstance(error, HTTPStatusError):
        return str(error)
    for cause in (error, error.__cause__):
        text = getattr(cause, "verify_message", None) or getattr(cause, "reason", None)
        if isinstance(text, str) and text:
            return text.replace("_", " ").lower() if text.isupper() else text
    return str(error).split(": ", 1)[-1] if "tls_handshake" in str(error) else str(error)
