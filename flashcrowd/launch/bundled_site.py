"""Whether a scenario's pages are on the bundled site, checked before a run without --host starts.

A scenario written from your logs or a recording asks for your site's paths; the
bundled site answers them 404, so such a run would measure nothing of yours.
"""

from __future__ import annotations

from flashcrowd.scenario.model import Scenario
from flashcrowd_common.errors import UsageError
from target_app.profile import load_profile
from target_app.site import site_for

SHOWN = 3  # missing paths named in the error
WIDEST = 60  # characters of a path shown


def check_paths_on_bundled_site(scenario: Scenario, profile: str) -> None:
    """UsageError naming the scenario's requests the bundled site of ``profile`` would answer 404 or 405."""
    site = load_profile(profile).site
    serves = site_for(site).serves
    asked = {(step.method, step.path) for journey in scenario.journeys for step in journey.steps}
    missing = sorted((path, method) for method, path in asked if not serves(method, path))
    if missing:
        shown = ", ".join(f"{method} {_short(path)}" for path, method in missing[:SHOWN])
        more = f" and {len(missing) - SHOWN} more" if len(missing) > SHOWN else ""
        raise UsageError(
            f"{scenario.path}: {len(missing)} of the {len(asked)} requests its journeys make are not on the "
            f"bundled site ({site}, profile {profile}): {shown}{more}; expected --host URL of the site "
            "the scenario was written for"
        )


def _short(path: str) -> str:
    return path if len(path) <= WIDEST else path[: WIDEST - 3] + "..."
