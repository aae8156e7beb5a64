"""Every command-line option, declared once: the subcommands' parsers and the locustfile's are built from it.
Read by the CLI process (its parsers, forwarding to the Locust child) and by every Locust process.

Each option has one parser type, one default and one meaning; a subcommand may give it its own
default or help at registration (``demo --duration`` defaults to 2min). Values keep their human
forms (``5%``, ``3min``, ``2s``) when forwarded.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flashcrowd.breakpoint.criteria import Criteria
from flashcrowd.breakpoint.units import MODELS as FIND_BREAK_MODELS
from flashcrowd.results.analysis import FAILURE_SHARE
from flashcrowd_common.arguments import count, duration, port, positive, positive_duration, share
from flashcrowd_common.safety import ALLOW_ENV, ALLOW_FLAG

OFF = "off"
WEB_PORT = 8089  # Locust's default
RUN, DEMO, SMOKE, FIND_BREAK, PLAN = "run", "demo", "smoke", "find-break", "plan"
SWITCH = "switch"  # the parse of an option given without a value (argparse's store_true)


@dataclass(frozen=True)
class Option:
    """One option: its flag, how its value is read, its default, its help, and where it is taken.

    ``commands``: the flashcrowd subcommands that take it. ``locustfile``: the locustfile takes
    it too (and the launcher forwards it to the Locust child when set). ``forward_as``: a
    Locust option of Locust's own that the launcher forwards it as (``--workers`` as ``--processes``).
    """

    flag: str
    parse: Callable[[str], Any] | str | None
    default: Any
    help: str
    commands: tuple[str, ...] = ()
    locustfile: bool = True
    forward_as: str | None = None
    choices: tuple[str, ...] | None = None
    metavar: str | None = None
    web_ui: bool = True  # shown in Locust's web UI form
    group: str | None = None

    @property
    def dest(self) -> str:
        return self.flag.lstrip("-").replace("-", "_")

    def argparse_kwargs(self, default: Any = None, help_text: str | None = None) -> dict[str, Any]:
        """What ``add_argument`` takes for this option (argparse expands %-formats in help: "5%" is kept)."""
        kwargs: dict[str, Any] = {"default": default, "help": (help_text or self.help).replace("%", "%%")}
        if self.parse == SWITCH:
            kwargs["action"] = "store_true"
        elif self.choices:
            kwargs["choices"] = self.choices
        elif self.parse is not None:
            kwargs["type"] = self.parse
        if self.metavar:
            kwargs["metavar"] = self.metavar
        return kwargs

    def render(self, value: Any) -> list[str]:
        """The value as arguments for the Locust child, read back by the same parser."""
        flag = self.forward_as or self.flag
        if self.parse == SWITCH:
            return [flag] if value else []
        if value == OFF:
            return [flag, OFF]
        if getattr(self.parse, "reads", self.parse) in (duration, positive_duration):
            return [flag, f"{value:g}s"]
        return [flag, str(value)]


def or_off(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """``parse``, or the word ``off`` (the criterion is switched off)."""

    def parse_or_off(text: str) -> Any:
        return OFF if str(text).strip().lower() == OFF else parse(text)

    parse_or_off.reads = parse  # type: ignore[attr-defined]
    return parse_or_off


CLI_RUNS = (RUN, SMOKE, FIND_BREAK)  # the commands that load a site of the user's choosing
_FB = "find-break"  # the group of find-break's own options, in help and in Locust's web UI
# Defaults of find-break's options that depend on another option (the model, --start): the table's
# None, resolved by breakpoint/settings.py from these.
START_BY_MODEL = {"closed": 10.0, "open": 2.0}  # --start
START_STREAMS = 20  # --arrival-rate-per-user: --start / this (a first step of 20 users bisects to 5 %)
CEILING_FACTOR = 10_000  # --ceiling: this many times --start


def _search(flag: str, parse: Callable[[str], Any], default: Any, help_text: str, **more: Any) -> Option:
    """An option of find-break's search: ``flashcrowd find-break`` and the locustfile take it."""
    return Option(flag, parse, default, help_text, (FIND_BREAK,), group=_FB, **more)


OPTIONS: tuple[Option, ...] = (
    # What to run, and against what.
    Option("--scenario", str, "", "scenario file or bundled scenario name", (SMOKE, FIND_BREAK),
           metavar="PATH"),
    Option("--load-model", str, "curve", "how the load is driven: curve (the scenario's curve of users) or "
           "find-break (the search for the break)"),
    Option("--host", str, None, "site to load; without it the bundled target_app is started on 127.0.0.1",
           CLI_RUNS, locustfile=False, metavar="URL"),
    Option(ALLOW_FLAG, SWITCH, False, f"allow a --host that is not 127.0.0.1/localhost/[::1] (or set "
           f"{ALLOW_ENV}=1)", CLI_RUNS, web_ui=False),
    Option("--profile", str, None, "target_app profile when no --host is given (default: scenario's)",
           (RUN, FIND_BREAK, PLAN), locustfile=False),
    # The scenario's figures.
    Option("--scale", positive, None, "simulated users per real-world user (default: scenario's)",
           (RUN, DEMO, FIND_BREAK, PLAN)),
    Option("--compress", positive, None, "real-world seconds per wall second (default: scenario's)",
           (RUN, PLAN)),
    Option("--duration", str, "", "shorten the run to this wall duration, e.g. 90s, 2min",
           (RUN, DEMO, PLAN)),
    Option("--begin", str, None, "run a cut of the scenario: begin at this real-world moment, e.g. 21:00, "
           "\"2016-11-09 01:30\", +2h (default: clock.start)", (RUN, DEMO, PLAN), metavar="MOMENT"),
    Option("--end", str, None, "... and end at this one (default: the scenario's end); --duration is "
           "then the cut's wall duration", (RUN, DEMO, PLAN), metavar="MOMENT"),
    Option("--seed", int, None, "seed for visitors' choices (default: the scenario's)",
           (RUN, DEMO, FIND_BREAK)),
    # How the run is carried out, and where its results go.
    Option("--workers", int, 1, "Locust worker processes (Locust's --processes)", (RUN, FIND_BREAK),
           locustfile=False, forward_as="--processes"),
    Option("--out", str, "", "results directory (default: flashcrowd-results/NAME-TIME/)",
           (RUN, DEMO, SMOKE, FIND_BREAK), metavar="DIR", web_ui=False),
    Option("--stop-on-breach", SWITCH, False, "stop at the first SLO breach", (RUN, SMOKE)),
    Option("--web", SWITCH, False, f"show Locust's web UI on 127.0.0.1:{WEB_PORT} while it runs", (RUN,),
           locustfile=False),
    Option("--web-port", port, None, f"web UI port (implies --web; default {WEB_PORT})", (RUN,),
           locustfile=False, metavar="PORT"),
    Option("--prometheus-port", port, None, "serve live figures for Prometheus on 127.0.0.1:PORT/metrics "
           "while it runs, and after until a final scrape (local runner or master)", (RUN,), metavar="PORT",
           web_ui=False),
    Option("--site-analytics", SWITCH, False, "the host is the bundled target_app: read its own analytics "
           "at the end, for the report", web_ui=False),
    # The visitors' HTTP client.
    Option("--keepalive-idle", duration, 5.0, "seconds a visitor keeps an idle connection"),
    Option("--connect-timeout", positive_duration, 5.0, "visitors' connect timeout, seconds or e.g. 500ms",
           (RUN, FIND_BREAK), metavar="DURATION"),
    Option("--read-timeout", positive_duration, 30.0, "visitors' wait for a response, seconds or e.g. 1min",
           (RUN, FIND_BREAK), metavar="DURATION"),
    # The visitors' TLS, for an https:// --host.
    Option("--ca-cert", str, None, "PEM file of CA certificates to trust for an https:// site (a staging "
           "or company CA), instead of the system's", CLI_RUNS, metavar="FILE"),
    Option("--insecure", SWITCH, False, "do not verify the site's certificate (the output and the report "
           "say so)", CLI_RUNS),
    Option("--client-cert", str, None, "PEM client certificate, for a site that asks for one (with its key, "
           "or --client-key)", CLI_RUNS, metavar="FILE"),
    Option("--client-key", str, None, "PEM private key of --client-cert", CLI_RUNS, metavar="FILE"),
    # find-break's search (--load-model find-break).
    _search("--model", str, "closed", "closed: load = concurrent visitors who think between pages; "
           "open: load = new sessions a second, which do not slow down when the site does",
            choices=FIND_BREAK_MODELS),
    _search("--start", positive, None, "load of the first step, in the model's unit "
           f"(default: {START_BY_MODEL['closed']:g} visitors, or {START_BY_MODEL['open']:g} sessions/s)"),
    _search("--resolution", share, 0.05, "stop once (first bad - last good) / last good is at most this"),
    _search("--budget", duration, 180.0, "stop after this long even if the resolution is not reached"),
    _search("--warmup", duration, 3.0, "time at each step's load before measuring (open model: at least "
           "two mean sessions)"),
    _search("--window", duration, 5.0, "measuring window of each step"),
    _search("--drain-timeout", duration, 60.0, "after a failing step, wait at zero load as long as the "
           "backlog it left needs (requests unanswered / throughput), at most this long, for the site to "
           "answer near its idle latency again; the look for resets goes no higher than a drain that fits"),
    _search("--ceiling", positive, None, f"highest load to try (default: {CEILING_FACTOR:,} times --start)"),
    _search("--reset-search", positive, 4.0, "after the first failure, look for connection resets up to "
           "this many times its load (1: do not look further)"),
    _search("--min-failures", count, 5, "a step fails on failed requests (resets, refusals, timeouts, "
           "connections closed, 5xx), or on a backlog growing (open model), only when there are at least "
           "this many ..."),
    _search("--max-failure-rate", or_off(share), FAILURE_SHARE, "... and they exceed this share of its "
           "requests, as a run's first failure does (off: failed requests never fail a step)"),
    _search("--min-served", or_off(share), 0.9, "open model: fail a step in which fewer than this share of "
           "the requests sent were answered (the site fell behind; off to disable)"),
    _search("--max-latency-factor", or_off(positive), 5.0, "fail a step whose p95 exceeds this many times "
           f"the lightest step's (and by at least {Criteria.LATENCY_FLOOR_MS:g} ms; off to disable)"),
    _search("--max-p95", or_off(duration), None, "fail a step whose p95 exceeds this, e.g. 800ms "
           "(default: the scenario's p95 SLO, if it has one)"),
    _search("--min-throughput-gain", or_off(share), None, "fail a step whose throughput rose by less than "
           "this share of the offered load's rise over the last good step, e.g. 50% (default: off)"),
    _search("--max-generator-cpu", share, 0.9, "a generator process busier than this (share of one core) "
           "makes a step inconclusive"),
    _search("--arrival-rate-per-user", positive, None, "open model: sessions/s one Locust user starts "
           f"(default: --start / {START_STREAMS}, so the first step runs {START_STREAMS} users)"),
    _search("--max-sessions", positive, 5000, "open model: sessions in flight per generator process; "
           "arrivals beyond it are dropped and the step is inconclusive"),
    _search("--predict-profile", str, None, "bundled target profile (name or file) to set the analytic "
           "prediction beside the measurement"),
)  # fmt: skip

BY_FLAG = {option.flag: option for option in OPTIONS}
GROUP_DESCRIPTIONS = {_FB: "Search for the load at which the site breaks"}


def default(flag: str) -> Any:
    """The table's default of ``flag``."""
    return BY_FLAG[flag].default


def add_to(
    parser: argparse.ArgumentParser,
    command: str,
    defaults: Mapping[str, Any] | None = None,
    helps: Mapping[str, str] | None = None,
) -> None:
    """Register the options ``command`` takes on its parser; ``defaults``/``helps`` by flag are its own."""
    defaults, helps = defaults or {}, helps or {}
    unknown = (set(defaults) | set(helps)) - {o.flag for o in OPTIONS if command in o.commands}
    assert not unknown, f"{command}: overrides for options it does not take: {sorted(unknown)}"
    groups: dict[str, Any] = {}
    for option in _grouped(o for o in OPTIONS if command in o.commands):
        _group(parser, option.group, groups).add_argument(
            option.flag,
            **option.argparse_kwargs(defaults.get(option.flag, option.default), helps.get(option.flag)),
        )


def add_to_locust(parser: Any) -> None:
    """Register the locustfile's options on Locust's parser (``events.init_command_line_parser``)."""
    groups: dict[str, Any] = {}
    for option in _grouped(o for o in OPTIONS if o.locustfile):
        kwargs = option.argparse_kwargs(option.default)
        if option.group:  # only Locust's parser itself knows include_in_web_ui, not its groups
            _group(parser, option.group, groups).add_argument(option.flag, **kwargs)
        else:
            parser.add_argument(option.flag, include_in_web_ui=option.web_ui, **kwargs)


def complete(args: argparse.Namespace) -> argparse.Namespace:
    """Every option of the table, as ``args`` gives it or at the table's default (a command takes some)."""
    return argparse.Namespace(**{o.dest: getattr(args, o.dest, o.default) for o in OPTIONS})


def locust_arguments(values: argparse.Namespace) -> list[str]:
    """The options in ``values`` that the Locust child takes, where not at its default, as its arguments."""
    argv: list[str] = []
    for option in OPTIONS:
        value = getattr(values, option.dest)
        if (option.locustfile or option.forward_as) and value is not None and value != option.default:
            argv += option.render(value)
    return argv


def _grouped(options: Iterable[Option]) -> list[Option]:
    """Ungrouped options first, then each group's, in table order (argparse's help lists them so)."""
    listed = list(options)
    return [o for o in listed if not o.group] + [o for o in listed if o.group]


def _group(parser: Any, name: str | None, groups: dict[str, Any]) -> Any:
    """The parser itself, or its argument group ``name`` (made the first time)."""
    if name is None:
        return parser
    if name not in groups:
        groups[name] = parser.add_argument_group(name, GROUP_DESCRIPTIONS[name])
    return groups[name]
