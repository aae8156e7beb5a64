"""Form field checks shared by the sites' POST handlers; each raises FormError saying what was expected."""

from __future__ import annotations

import re
from datetime import date

from target_app.site.base import FormError

_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,190}\.[A-Za-z]{2,}")
_NAME = re.compile(r"[^\W\d_][^\W\d_ '\-]*(?:[ '\-][^\W\d_]+)*")


def text(form: dict[str, str], name: str, pattern: str, expected: str) -> str:
    value = form.get(name, "").strip()
    if not re.fullmatch(pattern, value):
        raise FormError(f"{name}: expected {expected}")
    return value


def integer(form: dict[str, str], name: str, low: int, high: int) -> int:
    value = form.get(name, "").strip()
    if not value.isdigit() or not low <= int(value) <= high:
        raise FormError(f"{name}: expected a whole number from {low} to {high}")
    return int(value)


def choice(form: dict[str, str], name: str, choices: tuple[str, ...]) -> str:
    value = form.get(name, "").strip()
    if value not in choices:
        raise FormError(f"{name}: expected one of {', '.join(choices)}")
    return value


def person_name(form: dict[str, str], name: str) -> str:
    value = form.get(name, "").strip()
    if not 1 <= len(value) <= 60 or not _NAME.fullmatch(value):
        raise FormError(f"{name}: expected 1 to 60 letters (spaces, hyphens and apostrophes allowed)")
    return value


def email(form: dict[str, str], name: str) -> str:
    value = form.get(name, "").strip()
    if len(value) > 254 or not _EMAIL.fullmatch(value):
        raise FormError(f"{name}: expected an email address such as name@example.com")
    return value


def past_date(form: dict[str, str], name: str) -> date:
    try:
        value = date.fromisoformat(form.get(name, "").strip())
    except ValueError:
        raise FormError(f"{name}: expected a date as YYYY-MM-DD") from None
    if not date(1900, 1, 1) <= value < date.today():
        raise FormError(f"{name}: expected a date between 1900-01-01 and yesterday")
    return value
