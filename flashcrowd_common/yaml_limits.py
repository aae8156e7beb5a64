"""A bound on what YAML anchors and aliases may expand to, checked on the composed node graph.

An alias is one node shared by every place that names it, so composing a
"billion laughs" file is cheap; anything that walks the data afterwards (schema
checks, duplicate-key checks, the program itself) pays for every copy. Count the
copies first, without walking them (each shared node is sized once), and refuse a
file whose data would be larger than any real configuration. Depends on PyYAML
only, so the scenario loader (flashcrowd) and the profile loader (target_app) share it.
"""

from __future__ import annotations

import yaml

MAX_EXPANDED_NODES = 100_000  # the largest bundled scenario has about 600


def expanded_size(node: yaml.Node, sizes: dict[int, int] | None = None) -> int:
    """How many nodes ``node`` stands for once every alias is written out in full."""
    sizes = {} if sizes is None else sizes
    known = sizes.get(id(node))
    if known is not None:
        return known
    size = 1
    if isinstance(node, yaml.SequenceNode):
        size += sum(expanded_size(item, sizes) for item in node.value)
    elif isinstance(node, yaml.MappingNode):
        size += sum(expanded_size(key, sizes) + expanded_size(value, sizes) for key, value in node.value)
    sizes[id(node)] = min(size, 10 * MAX_EXPANDED_NODES * MAX_EXPANDED_NODES)  # keep the integers small
    return sizes[id(node)]


Found = tuple[list[str | int], yaml.Node, int]


def oversized(root: yaml.Node, limit: int = MAX_EXPANDED_NODES) -> Found | None:
    """None if ``root`` expands to at most ``limit`` nodes; else (key path, node, size) of the
    deepest value that alone expands past the limit, the place to point a reader at."""
    sizes: dict[int, int] = {}
    size = expanded_size(root, sizes)
    if size <= limit:
        return None
    path: list[str | int] = []
    node = root
    while True:
        children: list[tuple[str | int, yaml.Node]] = []
        if isinstance(node, yaml.SequenceNode):
            children = list(enumerate(node.value))
        elif isinstance(node, yaml.MappingNode):
            children = [(str(key.value), value) for key, value in node.value]
        big = next(((part, child) for part, child in children if sizes[id(child)] > limit), None)
        if big is None:
            return path, node, sizes[id(node)]
        path.append(big[0])
        node = big[1]


def expansion_problem(root: yaml.Node, limit: int = MAX_EXPANDED_NODES) -> tuple[str, int, str] | None:
    """None if ``root`` is small once expanded; else (key path, 1-based line, expected) to report."""
    found = oversized(root, limit)
    if found is None:
        return None
    path, node, size = found
    key = ""
    for part in path:
        key += f"[{part}]" if isinstance(part, int) else f".{part}" if key else str(part)
    expected = (
        f"expected at most {limit:,} values once anchors and aliases are expanded; "
        f"this one expands to {'more than ' if size >= 10 * limit * limit else ''}{size:,} "
        "(nested aliases multiply)"
    )
    return key or "document", node.start_mark.line + 1, expected
