"""Without --host, a run refuses a scenario whose requests the bundled site would answer 404 or 405."""

from __future__ import annotations

from pathlib import Path

import pytest

from flashcrowd.launch.bundled_site import check_paths_on_bundled_site
from flashcrowd.scenario import load_scenario
from flashcrowd_common.errors import UsageError
from target_app.site import site_for

SCENARIOS = sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.yaml"))


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda path: path.stem)
def test_every_bundled_scenario_asks_only_for_pages_of_its_site(path: Path):
    scenario = load_scenario(path)
    check_paths_on_bundled_site(scenario, scenario.target_profile)


def test_the_site_serves_its_pages_and_assets_only():
    site = site_for("ircc")
    assert site.serves("GET", "/english/index.asp") and site.serves("POST", "/eta/apply")
    assert site.serves("GET", "/assets/css/theme.css") and site.serves("GET", "/?utm=x")
    assert not site.serves("GET", "/assets/css/missing.css")  # under /assets/ but not an asset
    assert not site.serves("GET", "/clipboard.min.js") and not site.serves("POST", "/english/index.asp")


def test_a_missing_request_names_the_scenario_and_the_paths(tmp_path: Path):
    text = (Path(__file__).resolve().parents[1] / "scenarios" / "ci-smoke.yaml").read_text()
    written = tmp_path / "mine.yaml"
    written.write_text(text.replace("/english/index.asp", "/mine/index.html", 1))
    with pytest.raises(UsageError, match=r"mine\.yaml: 1 of the \d+ requests .* GET /mine/index\.html; "):
        check_paths_on_bundled_site(load_scenario(written), "ci-small")
