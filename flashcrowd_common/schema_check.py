"""A settings file checked against its JSON Schema; the first problem as file:line: key: expected.

A schema (shipped with its package so editors can use it too) says what each
value should be; its ``x-expected`` notes give the wording. The scenario format
and the target profile format are both checked here.
"""

from __future__ import annotations

import difflib
import json
from functools import cache
from importlib import resources
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError, relevance

from flashcrowd_common.errors import ConfigError
from flashcrowd_common.yaml_source import YamlSource


@cache
def packaged_schema(package: str, name: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) in file ``name`` of ``package``, as a dict."""
    return json.loads(resources.files(package).joinpath(name).read_text("utf-8"))


@cache
def _validator(package: str, name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(packaged_schema(package, name))


def check_against_schema(source: YamlSource, package: str, name: str) -> None:
    """Raise ConfigError for the problem written first in ``source`` against the schema ``name`` in
    ``package``, if there is one."""
    schema = packaged_schema(package, name)
    errors = list(_validator(package, name).iter_errors(source.data))
    if not errors:
        return
    # A misspelt key also leaves its correct spelling missing: report the spelling, with a suggestion.
    misspelt_in = {tuple(e.absolute_path) for e in errors if e.validator == "additionalProperties"}
    errors = [e for e in errors if not (e.validator == "required" and tuple(e.absolute_path) in misspelt_in)]
    first = min(_position(source, error) for error in errors)
    # Among the problems written there, the most specific one (not descending into oneOf's
    # alternatives: the schema's own wording for the whole value reads better).
    there = [error for error in errors if _position(source, error) == first]
    raise _config_error(source, max(there, key=relevance), schema)


def _unknown_keys(error: ValidationError) -> list[str]:
    known = error.schema.get("properties", {})
    patterns = error.schema.get("patternProperties", {})
    return [
        key
        for key in error.instance
        if key not in known and not any(key.startswith(p.strip("^")) for p in patterns)
    ]


def _position(source: YamlSource, error: ValidationError) -> tuple[int, int]:
    if error.validator == "additionalProperties":
        return source.position((*error.absolute_path, _unknown_keys(error)[0]), key_node=True)
    return source.position(tuple(error.absolute_path))


def _config_error(source: YamlSource, error: ValidationError, root: dict[str, Any]) -> ConfigError:
    path = tuple(error.absolute_path)
    schema = error.schema
    if error.validator == "additionalProperties":
        key = _unknown_keys(error)[0]
        known = sorted(schema.get("properties", {}))
        guess = difflib.get_close_matches(key, known, n=1)
        hint = f"did you mean {guess[0]!r}?" if guess else f"expected one of: {', '.join(known)}"
        return source.error((*path, key), f"unknown key; {hint}", key_node=True)
    if error.validator == "required":
        missing = next(name for name in error.validator_value if name not in error.instance)
        wanted = _expected(schema.get("properties", {}).get(missing, {}), root) or schema.get("x-expected")
        return source.error((*path, missing), f"missing; expected {wanted}")
    wanted = schema.get("x-expected") or error.message
    return source.error(path, f"expected {wanted}{_got(error.instance)}")


def _expected(subschema: dict[str, Any], root: dict[str, Any]) -> str | None:
    """A (sub)schema's ``x-expected`` wording, following a ``$ref`` into ``root``'s ``$defs``."""
    ref = subschema.get("$ref", "")
    if ref.startswith("#/$defs/"):
        subschema = root["$defs"][ref.removeprefix("#/$defs/")]
    return subschema.get("x-expected")


def _got(instance: object) -> str:
    if isinstance(instance, dict | list):
        return ""
    text = repr(instance)
    return f", got {text}" if len(text) <= 40 else f", got {text[:37]}..."
