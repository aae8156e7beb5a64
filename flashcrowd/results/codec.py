"""Dataclasses to JSON values and back, field by field, by the fields' type hints.

``encode`` writes a dataclass's fields in their declared order, under the name a field's
metadata gives (``JSON_NAME``), leaving out the fields whose name there is None. ``decode`` reads
them back, checks each value against its field's type and names the key of the first that
does not fit (``FormatError``). A key that is missing takes the field's default when the field
has one: documents written before the key existed still read. Numbers are kept as written (an
int in a float field stays an int), so a document read and written again is the same document.
A dataclass with its own ``to_json`` / ``from_json`` is written and read by them wherever it sits
(they call ``encode_fields`` / ``decode_fields`` for the fields they do not lay out themselves).
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from dataclasses import MISSING, Field, fields, is_dataclass
from functools import cache
from typing import Any

# A field's metadata key: its name in JSON (for a name Python reserves, like ``break``), or None
# for a field JSON leaves out (it takes its default when read back).
JSON_NAME = "json_name"


class FormatError(ValueError):
    """A JSON value that does not fit the type it is read as; ``key`` is its dotted path."""

    def __init__(self, key: str, expected: str) -> None:
        self.key = key
        self.expected = expected
        super().__init__(f"{key}: {expected}")


def encode(value: Any) -> Any:
    """``value`` as JSON values: dataclasses become objects, tuples lists; the rest is kept."""
    if is_dataclass(value) and not isinstance(value, type):
        return value.to_json() if hasattr(value, "to_json") else encode_fields(value)
    if isinstance(value, tuple | list):
        return [encode(item) for item in value]
    if isinstance(value, Mapping):
        return {key: encode(item) for key, item in value.items()}
    return value


def encode_fields(value: Any) -> dict[str, Any]:
    """A dataclass's fields as a JSON object, in their declared order."""
    return {name: encode(getattr(value, spec.name)) for spec, name in _json_fields(type(value))}


def decode(kind: Any, data: Any, key: str = "") -> Any:
    """``data`` (parsed JSON) read as ``kind``: a dataclass, ``X | None``, ``tuple[X, ...]``,
    ``Mapping[str, X]``, ``float``, ``int``, ``str``, ``bool`` or ``Any``; FormatError if it does not fit."""
    origin = typing.get_origin(kind)
    if kind is Any:
        return data
    if origin in (types.UnionType, typing.Union):
        if data is None:
            return None
        [present] = [arg for arg in typing.get_args(kind) if arg is not types.NoneType]
        return decode(present, data, key)
    if is_dataclass(kind):
        return kind.from_json(data) if hasattr(kind, "from_json") else decode_fields(kind, data, key)
    if origin is tuple:
        item_kind = typing.get_args(kind)[0]
        items = enumerate(_expect(data, list, key))
        return tuple(decode(item_kind, item, f"{key}[{i}]") for i, item in items)
    if origin is Mapping:
        value_kind = typing.get_args(kind)[1]
        items = _expect(data, dict, key).items()
        return {name: decode(value_kind, item, f"{key}.{name}") for name, item in items}
    return _expect(data, kind, key)


EXPECTED = {
    float: "a number",
    int: "a whole number",
    str: "a string",
    bool: "true or false",
    list: "a list",
    dict: "an object",
}


def _expect(data: Any, kind: type, key: str) -> Any:
    """``data`` if it is a JSON value of ``kind`` (any number for float; true and false only for bool)."""
    if isinstance(data, bool) and kind is not bool:
        fits = False
    else:
        fits = isinstance(data, int | float) if kind is float else isinstance(data, kind)
    if not fits:
        shown = repr(data) if len(repr(data)) <= 40 else repr(data)[:37] + "..."
        raise FormatError(key or "the document", f"expected {EXPECTED[kind]}, found {shown}")
    return data


def decode_fields(kind: type, data: Any, key: str = "") -> Any:
    """A dataclass of ``kind`` from a JSON object, field by field."""
    hints = _hints(kind)
    given = _expect(data, dict, key)
    values = {}
    for spec, name in _json_fields(kind):
        where = f"{key}.{name}" if key else name
        if name in given:
            values[spec.name] = decode(hints[spec.name], given[name], where)
        elif spec.default is MISSING and spec.default_factory is MISSING:
            raise FormatError(where, "missing")
    return kind(**values)


@cache
def _hints(kind: type) -> dict[str, Any]:
    return typing.get_type_hints(kind)


@cache
def _json_fields(kind: type) -> tuple[tuple[Field[Any], str], ...]:
    """The fields JSON holds, each with its name there."""
    named = ((spec, spec.metadata.get(JSON_NAME, spec.name)) for spec in fields(kind))
    return tuple((spec, name) for spec, name in named if name is not None)
