"""Each option is declared once: the CLI's subcommands and the locustfile build their parsers from
flashcrowd/options.py, so a flag has the same type and default wherever it is taken, and the
launcher forwards it to Locust in a form Locust's parser reads back."""

from __future__ import annotations

import argparse
import ast
from pathlib import Path

import pytest

from flashcrowd import options
from flashcrowd.cli import build_parser
from flashcrowd.in_locust import locust_setup

ROOT = Path(__file__).resolve().parent.parent
TABLE_MODULE = ROOT / "flashcrowd" / "options.py"


def subcommand_parsers() -> dict[str, argparse.ArgumentParser]:
    subparsers = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(subparsers.choices)


def locust_parser() -> argparse.ArgumentParser:
    """Locust's own parser with the locustfile's listener, as ``locust -f locustfile.py`` has it."""
    from locust.argument_parser import get_empty_argument_parser, setup_parser_arguments

    parser = get_empty_argument_parser()
    setup_parser_arguments(parser)
    locust_setup.add_arguments(parser)
    return parser


def actions(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    return {flag: action for action in parser._actions for flag in action.option_strings}


# The commands' own defaults (declared at registration); every other default is the table's.
OWN_DEFAULTS = {
    ("demo", "--duration"),
    ("smoke", "--out"),
    ("smoke", "--scenario"),
    ("find-break", "--scenario"),
}


def test_the_locustfile_and_each_command_take_an_option_with_the_same_type_and_default():
    in_locust = actions(locust_parser())
    commands = {name: actions(parser) for name, parser in subcommand_parsers().items()}
    taken = 0
    for option in options.OPTIONS:
        where = [("locustfile", in_locust[option.flag])] if option.locustfile else []
        where += [(name, commands[name][option.flag]) for name in option.commands]
        assert where, f"{option.flag}: taken nowhere"
        for name, action in where:
            expected_type = None if option.parse == options.SWITCH or option.choices else option.parse
            assert action.type is expected_type, (name, option.flag)
            assert tuple(action.choices or ()) == tuple(option.choices or ()), (name, option.flag)
            if (name, option.flag) not in OWN_DEFAULTS:
                assert action.default == option.default, (name, option.flag)
            taken += 1
    assert taken > 60


@pytest.mark.parametrize(
    ("command", "flag", "default"),
    [
        ("run", "--connect-timeout", 5.0),
        ("run", "--read-timeout", 30.0),
        ("find-break", "--connect-timeout", 5.0),
        ("find-break", "--read-timeout", 30.0),
        ("run", "--workers", 1),
        ("find-break", "--budget", 180.0),
        ("find-break", "--scenario", "probe-election-night"),
        ("smoke", "--scenario", "ci-smoke"),
        ("smoke", "--out", "flashcrowd-smoke"),
        ("demo", "--duration", "2min"),
        ("run", "--duration", ""),
    ],
)
def test_defaults_are_the_documented_ones(command, flag, default):
    assert actions(subcommand_parsers()[command])[flag].default == default


@pytest.mark.parametrize(("flag", "default"), [("--connect-timeout", 5.0), ("--read-timeout", 30.0)])
def test_the_locustfile_has_the_same_timeouts_as_the_commands(flag, default):
    assert actions(locust_parser())[flag].default == default


# Scenario-writing flags that share a name, not a meaning: a written scenario's length, a ramp-up's time.
OTHER_MEANINGS = {
    "flashcrowd/cli/scenario/from_log.py --duration",
    "flashcrowd/cli/scenario/flash.py --duration",
    "flashcrowd/cli/scenario/flash.py --start",
}


def test_no_table_flag_is_declared_outside_the_table():
    flags = {option.flag for option in options.OPTIONS}
    found = []
    for package in ("flashcrowd", "locustfiles"):
        for path in (ROOT / package).rglob("*.py"):
            if path == TABLE_MODULE:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "add_argument"
                    and node.args
                    and _flag(node.args[0]) in flags
                ):
                    found.append(f"{path.relative_to(ROOT)} {_flag(node.args[0])}")
    assert sorted(set(found) - OTHER_MEANINGS) == []


def _flag(node: ast.expr) -> str | None:
    """The flag an ``add_argument`` names, as a string or as flashcrowd_common.safety's ALLOW_FLAG."""
    if isinstance(node, ast.Constant):
        return str(node.value)
    return options.ALLOW_FLAG if isinstance(node, ast.Name) and node.id == "ALLOW_FLAG" else None


def test_what_the_launcher_forwards_locust_reads_back_as_given():
    args = build_parser().parse_args(
        [
            "find-break",
            "--budget",
            "2min",
            "--max-p95",
            "800ms",
            "--min-served",
            "off",
            "--resolution",
            "2%",
            "--read-timeout",
            "12s",
            "--workers",
            "3",
            "--model",
            "open",
        ]
    )
    parsed = options.complete(args)
    argv = options.locust_arguments(parsed)
    assert argv[argv.index("--processes") + 1] == "3"  # --workers is Locust's own --processes
    back = locust_parser().parse_args(["-f", "locustfile.py", *argv])
    assert (back.budget, back.max_p95, back.min_served, back.resolution) == (120.0, 0.8, "off", 0.02)
    assert (back.read_timeout, back.model, back.load_model, back.processes) == (12.0, "open", "find-break", 3)
    assert back.connect_timeout == 5.0  # at the default: not forwarded, and Locust's is the same
