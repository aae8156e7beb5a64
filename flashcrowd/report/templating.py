"""HTML from the Jinja2 templates in ``flashcrowd/report/templates/``: every value is escaped unless it
is ``Markup`` (the SVG charts, the embedded JSON), and a name a template misses is an error."""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from flashcrowd.report.tables import Badge


@cache
def environment() -> Environment:
    """The one Jinja2 environment of the report and the comparison."""
    env = Environment(
        loader=PackageLoader("flashcrowd.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,  # block tags take their line with them: the HTML reads as the template does
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.tests["badge"] = lambda value: isinstance(value, Badge)
    return env


def render(template: str, **context: Any) -> str:
    """``template`` rendered with ``context``."""
    return environment().get_template(template).render(**context)
