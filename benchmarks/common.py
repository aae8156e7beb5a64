"""What every benchmark script shares: its command line shows the module's docstring as written."""

from __future__ import annotations

import argparse


def benchmark_parser(doc: str | None) -> argparse.ArgumentParser:
    """An argument parser whose --help prints ``doc`` (the script's docstring) with its line breaks."""
    return argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
