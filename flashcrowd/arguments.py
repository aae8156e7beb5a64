"""argparse types for command-line values; defined in flashcrowd_common.arguments, shared with target_app."""

from flashcrowd_common.arguments import count, duration, port, positive, positive_duration, ratio, share

__all__ = ["count", "duration", "port", "positive", "positive_duration", "ratio", "share"]
