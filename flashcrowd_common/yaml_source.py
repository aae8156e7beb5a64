"""A YAML settings file (a scenario, a target profile) read keeping each value's line, so any error
can point at it as ``file:line: key: expected``.

Plain YAML 1.1 turns ``23:00`` into the integer 1380 and ``2016-11-09`` into a
date; scenario files write times that way, so here only null, booleans, integers
and floats are recognised and everything else stays a string. Anchors and aliases
are bounded (``yaml_limits``) and a key written twice is refused.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, Self

import yaml

from flashcrowd_common.errors import ConfigError
from flashcrowd_common.yaml_limits import expansion_problem

PathKey = Sequence[str | int]


class SettingsYamlLoader(yaml.SafeLoader):
    """SafeLoader without YAML 1.1's sexagesimal numbers and timestamps."""

    yaml_implicit_resolvers: ClassVar[dict] = {}


for tag, pattern, first in (
    ("tag:yaml.org,2002:merge", r"^<<$", ["<"]),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    ("tag:yaml.org,2002:int", r"^[-+]?[0-9][0-9_]*$", list("-+0123456789")),
    (
        "tag:yaml.org,2002:float",
        r"^[-+]?(?:[0-9][0-9_]*)?\.?[0-9]+(?:[eE][-+]?[0-9]+)?$",
        list("-+.0123456789"),
    ),
):
    SettingsYamlLoader.add_implicit_resolver(tag, re.compile(pattern), first)


def key_path(path: PathKey, document: str) -> str:
    """``("journeys", 0, "steps")`` -> ``journeys[0].steps``; the top level is ``document``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text or document


class YamlSource:
    """The parsed data of one settings file and the YAML nodes that say where each value was written.

    Subclasses name their kind of document (``DOCUMENT``), the key an error about the whole file names.
    """

    DOCUMENT: ClassVar[str] = "document"

    def __init__(self, path: Path, data: Any, root: yaml.Node) -> None:
        self.path = path
        self.data = data
        self.root = root

    @classmethod
    def read(cls, path: Path) -> Self:
        """Parse ``path``; a missing file or bad YAML is a ConfigError with the line the parser stopped at."""
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigError(path, None, "file", f"expected a readable UTF-8 file ({error})") from None
        loader = SettingsYamlLoader(text)
        try:
            root = loader.get_single_node()
            too_big = expansion_problem(root) if root is not None else None
            if too_big is not None:
                key, line, expected = too_big
                raise ConfigError(path, line, key, expected)
            data = loader.construct_document(root) if root is not None else None
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            problem = " ".join(str(part) for part in (error.context, error.problem) if part)
            raise ConfigError(
                path, mark.line + 1 if mark else None, "yaml", f"expected valid YAML: {problem}"
            ) from None
        except yaml.YAMLError as error:
            raise ConfigError(path, None, "yaml", f"expected valid YAML: {error}") from None
        finally:
            loader.dispose()
        if root is None:
            raise ConfigError(path, 1, cls.DOCUMENT, "expected a mapping of settings, found an empty file")
        source = cls(path, data, root)
        source._refuse_duplicate_keys(root, ())
        return source

    def node_at(self, path: PathKey, key_node: bool = False) -> yaml.Node:
        """The deepest node written along ``path`` (the key's own node if ``key_node``)."""
        node = self.root
        for depth, part in enumerate(path):
            child = self._child(node, part, key_node and depth == len(path) - 1)
            if child is None:
                break
            node = child
        return node

    def position(self, path: PathKey, key_node: bool = False) -> tuple[int, int]:
        """(line, column) where the value at ``path`` starts, 1-based, to order problems as written."""
        mark = self.node_at(path, key_node).start_mark
        return mark.line + 1, mark.column + 1

    def line(self, path: PathKey, key_node: bool = False) -> int:
        """The 1-based line where the value at ``path`` (or its nearest written parent) starts."""
        return self.node_at(path, key_node).start_mark.line + 1

    def error(self, path: PathKey, expected: str, key_node: bool = False) -> ConfigError:
        """A ConfigError pointing at ``path``'s line."""
        return ConfigError(self.path, self.line(path, key_node), self.key(path), expected)

    def key(self, path: PathKey) -> str:
        """How errors name the value at ``path``: ``journeys[0].steps``, or the document's name."""
        return key_path(path, self.DOCUMENT)

    @staticmethod
    def _child(node: yaml.Node, part: str | int, want_key: bool) -> yaml.Node | None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == part:
                    return key if want_key else value
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            return node.value[part]
        return None

    def _refuse_duplicate_keys(self, node: yaml.Node, path: tuple[str | int, ...]) -> None:
        # PyYAML silently keeps the last of two equal keys; a file would lose a setting unseen.
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key, value in node.value:
                if key.value in seen:
                    where = (*path, key.value)
                    raise ConfigError(
                        self.path,
                        key.start_mark.line + 1,
                        self.key(where),
                        "duplicate key; write it once",
                    )
                seen.add(key.value)
                self._refuse_duplicate_keys(value, (*path, key.value))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self._refuse_duplicate_keys(item, (*path, index))
