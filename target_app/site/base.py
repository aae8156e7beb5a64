"""What every bundled site is made of: routes with their cost classes, the page shell, form errors.

The sites (``ircc``, ``nznow``) build on ``Site``; ``target_app.site`` picks one by name.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

from target_app.http import Request, Response
from target_app.site.layout import Theme, render

Handler = Callable[[Request], Response]
SLOT = "<!--slot-->"  # where a pre-rendered page takes its per-request fragment


@dataclass(frozen=True)
class Route:
    name: str  # the label in metrics, e.g. "/english/index.asp" or "/assets/*"
    cost_class: str  # static, dynamic or heavy
    handler: Handler


class FormError(ValueError):
    """A form field that failed validation; the message says what was expected."""


class Site:
    """Routing by exact path or path prefix, and the page shell shared by a site's pages."""

    name = ""
    theme: Theme

    def __init__(self) -> None:
        self._exact: dict[tuple[str, str], Route] = {}
        self._prefixes: list[tuple[str, Route]] = []
        self._paths: set[str] = set()
        self._asset_paths: set[str] = set()
        self._not_found = Route("(not found)", "static", self.not_found)
        self._not_allowed = Route("(method not allowed)", "static", self.not_allowed)
        page = self.page("Page not found", f"<p>{SLOT}</p>", target_bytes=12_000)
        self._not_found_body = page.replace(SLOT.encode(), b"We could not find that Web page (Error 404).")

    def add(self, path: str, cost_class: str, handler: Handler, method: str = "GET") -> None:
        self._exact[(method, path)] = Route(path, cost_class, handler)
        self._paths.add(path)

    def add_prefix(self, prefix: str, cost_class: str, handler: Handler) -> None:
        self._prefixes.append((prefix, Route(prefix + "*", cost_class, handler)))

    def serve_assets(self, assets: dict[str, tuple[str, bytes]]) -> None:
        """Serve ``/assets/NAME`` from {NAME: (content type, bytes)}, cacheable for a day."""
        cache = (("Cache-Control", "public, max-age=86400"),)
        self._asset_paths.update(f"/assets/{name}" for name in assets)
        responses = {
            f"/assets/{name}": Response(200, body, kind, cache) for name, (kind, body) in assets.items()
        }
        self.add_prefix(
            "/assets/", "static", lambda request: responses.get(request.path) or self.not_found(request)
        )

    def route(self, method: str, path: str) -> Route:
        """The route serving ``method path`` (HEAD as GET); a 404 or 405 route if none."""
        route = self._exact.get(("GET" if method == "HEAD" else method, path))
        if route is not None:
            return route
        for prefix, prefixed in self._prefixes:
            if path.startswith(prefix):
                return prefixed if method in ("GET", "HEAD") else self._not_allowed
        return self._not_allowed if path in self._paths else self._not_found

    def serves(self, method: str, path: str) -> bool:
        """Whether ``method path`` (a query string ignored) is on this site, not a 404 or 405."""
        path = path.partition("?")[0]
        route = self.route(method.upper(), path)
        if route in (self._not_found, self._not_allowed):
            return False
        return path in self._asset_paths if route.name == "/assets/*" else True

    def page(
        self, title: str, main_html: str, crumbs: tuple[tuple[str, str], ...] = (), target_bytes: int = 0
    ) -> bytes:
        return render(self.theme, title, main_html, crumbs, target_bytes)

    def message_page(self, status: int, title: str, message: str) -> Response:
        """A short page saying what went wrong, e.g. a form field that failed validation."""
        body = self.page(title, f'<p class="alert alert-danger">{html.escape(message)}</p>')
        return Response(status, body)

    def not_found(self, request: Request) -> Response:
        return Response(404, self._not_found_body)

    def not_allowed(self, request: Request) -> Response:
        return self.message_page(
            405, "Method not allowed", f"{request.method} is not allowed on {request.path}"
        )
