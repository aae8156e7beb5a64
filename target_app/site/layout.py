"""Page shells (header, menu, breadcrumbs, footer) and invented filler text to realistic sizes.

Pages are rendered once at start-up; nothing here runs on the request path.
"""

from __future__ import annotations

import html
import random
from dataclasses import dataclass

_WORDS = (
    "application",
    "applicant",
    "eligible",
    "eligibility",
    "permanent",
    "resident",
    "residence",
    "visa",
    "visitor",
    "study",
    "permit",
    "work",
    "program",
    "province",
    "territory",
    "federal",
    "skilled",
    "worker",
    "trades",
    "class",
    "Canadian",
    "experience",
    "family",
    "sponsor",
    "spouse",
    "partner",
    "dependent",
    "child",
    "citizenship",
    "test",
    "ceremony",
    "oath",
    "document",
    "passport",
    "biometrics",
    "fee",
    "payment",
    "online",
    "account",
    "processing",
    "time",
    "office",
    "medical",
    "exam",
    "police",
    "certificate",
    "language",
    "test",
    "education",
    "credential",
    "assessment",
    "funds",
    "settlement",
    "employer",
    "job",
    "offer",
    "labour",
    "market",
    "impact",
    "invitation",
    "apply",
    "profile",
    "pool",
    "draw",
    "score",
    "ranking",
    "points",
    "criteria",
    "requirement",
    "guide",
    "instruction",
    "form",
    "checklist",
    "status",
    "update",
    "decision",
    "refugee",
    "protection",
    "claim",
    "resettlement",
    "private",
    "sponsorship",
    "help",
    "centre",
    "question",
    "answer",
    "newcomer",
    "service",
    "arrive",
    "landing",
    "confirmation",
    "card",
    "renew",
    "replace",
    "travel",
    "authorization",
    "border",
    "officer",
    "entry",
    "interview",
)


@dataclass(frozen=True)
class Theme:
    """What every page of one site shares."""

    site_name: str
    lang: str
    stylesheets: tuple[str, ...]
    scripts: tuple[str, ...]
    header_html: str
    footer_html: str


def filler_paragraphs(seed: str, target_bytes: int) -> str:
    """Invented but readable paragraphs, about ``target_bytes`` of HTML, the same for the same seed."""
    rng = random.Random(seed)
    parts: list[str] = []
    size = 0
    while size < target_bytes:
        sentences = []
        for _ in range(rng.randint(3, 6)):
            words = rng.choices(_WORDS, k=rng.randint(8, 18))
            sentences.append(" ".join(words).capitalize() + ".")
        heading = " ".join(rng.choices(_WORDS, k=3)).capitalize()
        block = f'<section class="mrgn-bttm-lg"><h3>{heading}</h3>\n<p>{" ".join(sentences)}</p></section>\n'
        parts.append(block)
        size += len(block)
    return "".join(parts)


def link_list(links: list[tuple[str, str]], css_class: str = "list-unstyled") -> str:
    items = "".join(f'<li><a href="{href}">{html.escape(label)}</a></li>' for label, href in links)
    return f'<ul class="{css_class}">{items}</ul>'


def render(
    theme: Theme,
    title: str,
    main_html: str,
    breadcrumbs: tuple[tuple[str, str], ...] = (),
    target_bytes: int = 0,
) -> bytes:
    """A complete HTML page, padded with related content to about ``target_bytes``."""
    crumbs = "".join(f'<li><a href="{href}">{html.escape(label)}</a></li>' for label, href in breadcrumbs)
    styles = "".join(f'<link rel="stylesheet" href="{href}">\n' for href in theme.stylesheets)
    scripts = "".join(f'<script src="{src}"></script>\n' for src in theme.scripts)
    head = (
        f'<!DOCTYPE html>\n<html class="no-js" lang="{theme.lang}" dir="ltr">\n'
        '<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)} - {html.escape(theme.site_name)}</title>\n"
        '<meta name="viewport" content="width=device-width,initial-scale=1">\n'
        f'{styles}</head>\n<body vocab="http://schema.org/" typeof="WebPage">\n{theme.header_html}\n'
        f'<nav role="navigation" id="wb-bc"><div class="container"><ol class="breadcrumb">{crumbs}'
        f"<li>{html.escape(title)}</li></ol></div></nav>\n"
        f'<main role="main" property="mainContentOfPage" class="container">\n<h1 id="wb-cont">'
        f"{html.escape(title)}</h1>\n{main_html}\n"
    )
    tail = '<dl id="wb-dtmd"><dt>Date modified:</dt><dd><time>2016-10-28</time></dd></dl>\n</main>\n'
    tail += f"{theme.footer_html}\n{scripts}</body>\n</html>\n"
    room = target_bytes - len(head) - len(tail)
    related = f'<div class="related">\n{filler_paragraphs(title, room)}</div>\n' if room > 0 else ""
    return (head + related + tail).encode("utf-8")
