"""A worker parses Locust's default options once, not once per option of every spawn message."""

from __future__ import annotations

from unittest import mock

from locust import argument_parser

from flashcrowd.in_locust.spawn_messages import parse_defaults_once


def test_locusts_defaults_are_parsed_once_and_each_caller_gets_its_own_copy():
    original = argument_parser.default_args_dict
    expected = original()
    setup = mock.Mock(wraps=argument_parser.setup_parser_arguments)
    with (
        mock.patch.object(argument_parser, "default_args_dict", original),  # undone after the test
        mock.patch.object(argument_parser, "setup_parser_arguments", setup),
    ):
        parse_defaults_once()
        parse_defaults_once()
        first = argument_parser.default_args_dict()
        first["host"] = "changed by a caller"
        answers = [argument_parser.default_args_dict() for _ in range(90)]
    assert setup.call_count == 1
    assert all(answer == expected for answer in answers) and "host" in expected
