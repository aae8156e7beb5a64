"""Small scenarios built in code and a tiny in-process site, for the load-generation tests."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import gevent
from gevent.pywsgi import WSGIServer

from flashcrowd.scenario.model import (
    Clock,
    Curve,
    Distribution,
    Journey,
    Keyframe,
    OriginMix,
    RetryPolicy,
    Scenario,
    Step,
)

ELECTION_NIGHT = datetime(2016, 11, 8, 22, 0, tzinfo=ZoneInfo("America/Toronto"))


def make_scenario(
    users: Sequence[tuple[float, float]],
    *,
    duration_s: float,
    compress: float = 1.0,
    think: Distribution | None = None,
    steps: Sequence[Step] = (Step("home", "GET", "/"),),
    on_error: RetryPolicy | None = None,
    origins: OriginMix | None = None,
    seed: int = 7,
) -> Scenario:
    """A scenario whose concurrent users follow ``users`` = [(real_s, users), ...], one journey, scale 1."""
    curve = Curve("concurrent_users", tuple(Keyframe(t, v) for t, v in users))
    return Scenario(
        path=Path("test-scenario.yaml"),
        version=1,
        name="test",
        description="built in a test",
        clock=Clock(ELECTION_NIGHT, compress, duration_s),
        scale=1.0,
        load=curve,
        session_duration_s=60.0,
        users=curve,
        origins=origins or OriginMix((0.0,), ({"US": 0.5, "CA": 0.5},)),
        journeys=(Journey("browse", 1.0, tuple(steps)),),
        think_time=think or Distribution("constant", 0.5),
        on_error=on_error or RetryPolicy(0.0, Distribution("constant", 0.0), 0),
        seed=seed,
    )


@contextmanager
def tiny_site(status: str = "200 OK") -> Iterator[tuple[str, list[dict]]]:
    """A gevent WSGI site on 127.0.0.1 answering ``status``; yields its URL and what each request asked.

    ``REMOTE_PORT`` tells the client's connections apart, as the site sees them.
    """
    seen: list[dict] = []

    def app(environ, start_response):
        keys = ("PATH_INFO", "REQUEST_METHOD", "HTTP_X_FORWARDED_FOR", "REMOTE_PORT")
        seen.append({k: environ.get(k) for k in keys})
        start_response(status, [("Content-Type", "text/plain"), ("Set-Cookie", "visit=1; Path=/")])
        return [b"hello"]

    server = WSGIServer(("127.0.0.1", 0), app, log=None, error_log=None)
    server.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", seen
    finally:
        server.stop(timeout=1)
        gevent.sleep(0)


SCENARIO_YAML = """\
flashcrowd: 1
name: {name}
description: {users} visitors thinking {think_s} s on average, for {seconds} s.
clock: {{start: "2016-11-08 22:40", timezone: America/Toronto, compress: 1}}
scale: 1.0
load:
  unit: concurrent_users
  keyframes:
    - {{at: "+0s", value: {start}}}
    - {{at: "+{ramp_s}s", value: {users}}}
    - {{at: "+{seconds}s", value: {users}}}
origins: [{{at: "+0s", shares: {{US: 0.5, CA: 0.5}}}}]
think_time: {{distribution: exponential, mean: {think_s}s}}
on_error: {{retry_probability: 0.5, delay: {{distribution: constant, mean: 0.05s}}, max_retries: 2}}
journeys:
  - name: browse
    weight: 1
    steps:
      - {{name: home, get: /english/index.asp}}
      - {{name: immigrate, get: /english/immigrate/index.asp}}
target: {{profile: ci-small}}
seed: 3
"""


def write_scenario(
    directory: Path,
    users: int,
    seconds: int,
    *,
    ramp_s: int = 0,
    think_s: float = 0.1,
    name: str = "overload",
) -> Path:
    """A scenario file: ``users`` visitors (reached linearly from 0 over ``ramp_s``) until ``seconds``."""
    path = directory / f"{name}.yaml"
    text = SCENARIO_YAML.format(
        name=name, users=users, seconds=seconds, start=0 if ramp_s else users, ramp_s=ramp_s, think_s=think_s
    )
    path.write_text(text, encoding="utf-8")
    return path


def one_page_scenario(tmp_path: Path) -> Path:
    """The default probe, cut to one dynamic page a visit and no retries: requests arrive as sessions do."""
    probe = (Path(__file__).parents[1] / "scenarios" / "probe-election-night.yaml").read_text()
    head = probe.split("on_error:")[0].replace("name: probe-election-night", "name: probe-one-page")
    path = tmp_path / "probe-one-page.yaml"
    path.write_text(
        head + "on_error: {retry_probability: 0, delay: {distribution: constant, mean: 1s}, max_retries: 0}\n"
        "journeys:\n  - {name: home, weight: 1, steps: [{name: home, get: /english/index.asp}]}\n"
        "target: {profile: ci-small}\n"
    )
    return path
