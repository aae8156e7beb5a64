"""What flashcrowd and target_app both use: errors and exit codes, argparse value types and parser,
the loopback check, durations, Distribution, and the line-tracking YAML reader with its schema check.

Imports neither flashcrowd nor target_app, so the bundled site runs, tests and ships without flashcrowd.
"""
