"""``python -m target_app``: serve the bundled site (see ``--help``)."""

from __future__ import annotations

import sys

from flashcrowd_common.errors import FlashcrowdError
from flashcrowd_common.parser import HelpFormatter, OneLineErrorParser
from target_app.command import EXAMPLES, add_arguments, run


def main() -> int:
    parser = OneLineErrorParser(
        prog="python -m target_app",
        description="The bundled mock immigration site, with a capacity model that decides when it resets.",
        epilog=f"examples:\n{EXAMPLES}",
        formatter_class=HelpFormatter,
    )
    add_arguments(parser)
    try:
        return run(parser.parse_args())
    except FlashcrowdError as error:
        print(f"target_app: error: {error}", file=sys.stderr)
        return int(error.exit_code)


if __name__ == "__main__":
    sys.exit(main())
