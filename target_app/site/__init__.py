"""The bundled sites: routes, their cost classes and their pages.

``cost_class(method, path, site)`` tells which service-time class (static,
dynamic, heavy) a request falls in, so predictions can weigh a journey's mix;
the server asks ``site_for(name).route(method, path)`` for the same answer
plus the handler that builds the response.
"""

from __future__ import annotations

import functools

from target_app.site.base import Site


@functools.cache
def site_for(name: str) -> Site:
    """The site called ``name`` (``ircc`` or ``nz-now``), built once per process."""
    from target_app.site.ircc import IrccSite
    from target_app.site.nznow import NzNowSite

    sites: dict[str, type[Site]] = {"ircc": IrccSite, "nz-now": NzNowSite}
    if name not in sites:
        raise ValueError(f"unknown site {name!r}; expected one of {', '.join(sites)}")
    return sites[name]()


def cost_class(method: str, path: str, site: str = "ircc") -> str:
    """The cost class (static, dynamic, heavy) of ``method path`` on ``site``; a query string is ignored."""
    return site_for(site).route(method.upper(), path.partition("?")[0]).cost_class
