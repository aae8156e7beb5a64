"""The plan's chart as a PNG: the curve in real-world and simulated users, the target's limits, origins."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from flashcrowd.planning.plan import Plan
from flashcrowd.report.plotting import pyplot

POINTS = 600


def write_png(plan: Plan, path: Path) -> Path:
    """Draw ``plan`` into ``path`` (directories are created) and return the path."""
    plt = pyplot()
    import matplotlib.dates as mdates

    scenario = plan.scenario
    start, span = scenario.clock.start, scenario.clock.duration_s
    times_s = [span * i / (POINTS - 1) for i in range(POINTS)]
    moments = [datetime.fromtimestamp(start.timestamp() + t, start.tzinfo) for t in times_s]
    figure, (users_axis, origins_axis) = plt.subplots(
        2, 1, figsize=(10, 6.5), sharex=True, gridspec_kw={"height_ratios": [3, 1]}
    )
    users_axis.plot(moments, [scenario.real_users_at(t) for t in times_s], color="tab:blue", label="users")
    users_axis.set_ylabel("concurrent real-world users")
    scale = scenario.scale
    simulated = users_axis.secondary_yaxis("right", functions=(lambda u: u * scale, lambda s: s / scale))
    simulated.set_ylabel(f"simulated users (x{scale:g})")
    if plan.capacity is not None:
        colours = {
            "knee": "tab:orange",
            "first 500s": "tab:purple",
            "first resets": "tab:red",
            "resets with retries": "darkred",
        }
        for label, crossing in plan.capacity.milestones():
            colour = colours[label]
            users_axis.axhline(crossing.real_users, color=colour, linestyle="--", linewidth=1)
            users_axis.annotate(
                f"{label}: {crossing.sim_users:,.0f} sim", (moments[0], crossing.real_users), color=colour,
                xytext=(4, 3), textcoords="offset points", fontsize=8,
            )  # fmt: skip
    for check in plan.figures:
        measure = check.figure.measure
        if measure["kind"] == "concurrent_users" and not measure.get("origin"):
            moment = datetime.fromtimestamp(start.timestamp() + measure["at_s"], start.tzinfo)
            users_axis.plot([moment], [check.figure.documented], "kx")
            users_axis.annotate(check.figure.id, (moment, check.figure.documented), xytext=(5, -10),
                                textcoords="offset points", fontsize=8)  # fmt: skip
    unit = scenario.load.unit.replace("_", " ")
    users_axis.set_title(f"{scenario.name} (written in {unit}; x: documented figures)")
    users_axis.set_ylim(bottom=0)
    users_axis.grid(alpha=0.3)
    origins = list(scenario.origins.shares[0])
    shares = [scenario.origins.shares_at(t) for t in times_s]
    origins_axis.stackplot(
        moments, *[[s[name] for s in shares] for name in origins], labels=origins, alpha=0.8
    )
    origins_axis.set_ylabel("origin share")
    origins_axis.set_ylim(0, 1)
    origins_axis.legend(loc="upper left", fontsize=8, ncol=len(origins))
    origins_axis.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d %H:%M", tz=start.tzinfo))
    origins_axis.set_xlabel(
        f"real-world time ({start:%Z}); the run compresses it x{scenario.clock.compress:g}"
    )
    figure.autofmt_xdate()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path
