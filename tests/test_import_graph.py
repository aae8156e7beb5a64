"""The packages' imports point one way and go round in no circle.

flashcrowd_common imports neither flashcrowd nor target_app; target_app imports
flashcrowd_common but never flashcrowd; and no module of the three imports itself
again through others. Each package's name tells the process its code runs in
(docs/architecture.md): the CLI's own packages are imported by no code that runs inside
Locust, in_locust/ by no code of the CLI's, and results/ never imports report/.
Imports are read with ``ast`` from every module, those inside functions too; imports
under ``if TYPE_CHECKING:`` never run and are judged apart (except for the process rules:
a type named across processes is a sign the code sits in the wrong package).
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("flashcrowd", "flashcrowd_common", "target_app")

# Packages whose code runs only in the `flashcrowd` command's own process, and only inside Locust.
CLI_ONLY = ("flashcrowd.cli", "flashcrowd.launch", "flashcrowd.compare", "flashcrowd.logs")
LOCUST_ONLY = ("flashcrowd.in_locust",)

# Cycles not broken yet, each by the one import that closes it; the test fails once one is
# gone, so this list only shrinks.
KNOWN_CYCLE_EDGES: set[tuple[str, str]] = set()


@dataclass(frozen=True)
class Import:
    """``module`` imports ``target`` at ``line`` (``type_only``: under ``if TYPE_CHECKING:``)."""

    module: str
    target: str
    line: int
    type_only: bool


@cache
def modules() -> dict[str, Path]:
    """Every module of the packages by dotted name (a package by its own name)."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports_of(module: str) -> Iterator[Import]:
    """The imports written anywhere in ``module``, resolved to a module of the packages where one is named."""
    path = modules()[module]
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    type_only = {
        id(node)
        for branch in ast.walk(tree)
        if isinstance(branch, ast.If) and _is_type_checking(branch.test)
        for statement in branch.body
        for node in ast.walk(statement)
    }
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # from . import x, from ..y import z
                anchor = package.rsplit(".", node.level - 1)[0]
                base = f"{anchor}.{base}" if base else anchor
            names = [f"{base}.{alias.name}" for alias in node.names]  # a module, or a name in one
        else:
            continue
        for name in names:
            yield Import(module, _known(name), node.lineno, id(node) in type_only)


def _known(name: str) -> str:
    """``name``, or the nearest enclosing module of the packages (``a.b.Class`` -> ``a.b``)."""
    probe = name
    while probe and probe not in modules():
        probe = probe.rpartition(".")[0]
    return probe or name


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


@cache
def all_imports() -> tuple[Import, ...]:
    return tuple(found for module in modules() for found in imports_of(module))


def graph(*, with_type_only: bool) -> dict[str, set[str]]:
    """Module -> the modules of the packages it imports (itself excepted), less ``KNOWN_CYCLE_EDGES``;
    with ``with_type_only``, imports under ``if TYPE_CHECKING:`` too."""
    edges: dict[str, set[str]] = {module: set() for module in modules()}
    for found in all_imports():
        if found.type_only and not with_type_only:
            continue
        if found.target in edges and found.target != found.module:
            edges[found.module].add(found.target)
    for module, target in KNOWN_CYCLE_EDGES:
        edges[module].discard(target)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected groups of more than one module (Tarjan): each is at least one import cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[frozenset[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for after in sorted(edges.get(node, ())):
            if after not in index:
                visit(after)
                low[node] = min(low[node], low[after])
            elif after in stack:
                low[node] = min(low[node], index[after])
        if low[node] == index[node]:
            group = {stack.pop()}
            while node not in group:
                group.add(stack.pop())
            if len(group) > 1:
                groups.append(frozenset(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return groups


def test_the_cycle_finder_finds_cycles():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [frozenset("abc")]
    assert cycles({"a": {"b"}, "b": set(), "c": {"a", "b"}}) == []


def test_imports_inside_functions_and_type_checking_blocks_are_read():
    found = {(i.module, i.target): i for i in all_imports()}
    # site_for imports the sites inside the function; the runner imports profiles inside one too.
    assert not found[("target_app.site", "target_app.site.ircc")].type_only
    assert ("flashcrowd.launch.runner", "target_app.profile") in found
    assert found[("flashcrowd.results.progress", "flashcrowd.results.window")].type_only


def test_no_import_cycle_at_run_time():
    assert cycles(graph(with_type_only=False)) == []


def test_type_checking_imports_close_no_cycle_either():
    assert cycles(graph(with_type_only=True)) == []


def test_each_known_cycle_is_still_there():
    written = {(i.module, i.target) for i in all_imports()}
    assert written >= KNOWN_CYCLE_EDGES, "a known cycle is gone: remove it from KNOWN_CYCLE_EDGES"


def test_target_app_never_imports_flashcrowd_and_the_common_package_imports_neither():
    forbidden = {"target_app": {"flashcrowd"}, "flashcrowd_common": {"flashcrowd", "target_app"}}
    wrong = [
        f"{modules()[i.module].relative_to(ROOT)}:{i.line}: imports {i.target}"
        for i in all_imports()
        if i.target.partition(".")[0] in forbidden.get(i.module.partition(".")[0], ())
    ]
    assert wrong == []


def _in(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == package or module.startswith(f"{package}.") for package in packages)


def _crossing(importer: tuple[str, ...], imported: tuple[str, ...], *, outside: bool) -> list[str]:
    """Imports of a module in ``imported`` by a module in (or, with ``outside``, not in) ``importer``."""
    return [
        f"{modules()[i.module].relative_to(ROOT)}:{i.line}: imports {i.target}"
        for i in all_imports()
        if _in(i.target, imported) and _in(i.module, importer) != outside and not _in(i.module, imported)
    ]


CLI_SIDE = (*CLI_ONLY, "flashcrowd.__main__")


def test_only_the_cli_imports_the_cli_process_packages():
    assert _crossing(CLI_SIDE, CLI_ONLY, outside=True) == []


def test_the_cli_process_packages_never_import_what_runs_inside_locust():
    assert _crossing(CLI_ONLY, LOCUST_ONLY, outside=False) == []


def test_results_never_import_report():
    assert _crossing(("flashcrowd.results",), ("flashcrowd.report",), outside=False) == []


def test_the_process_rules_catch_a_crossing(monkeypatch):
    # A Locust-side module that read a CLI path would be named, with its file and line.
    fake = (Import("flashcrowd.in_locust.visitor", "flashcrowd.launch.runner", 7, False),)
    monkeypatch.setattr(sys.modules[__name__], "all_imports", lambda: fake)
    assert _crossing(CLI_SIDE, CLI_ONLY, outside=True) == [
        "flashcrowd/in_locust/visitor.py:7: imports flashcrowd.launch.runner"
    ]
