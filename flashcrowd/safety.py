"""The loopback guard; defined in flashcrowd_common.safety, shared with target_app."""

from flashcrowd_common.safety import ALLOW_ENV, ALLOW_FLAG, check_target, is_loopback_host, remote_allowed

__all__ = ["ALLOW_ENV", "ALLOW_FLAG", "check_target", "is_loopback_host", "remote_allowed"]
