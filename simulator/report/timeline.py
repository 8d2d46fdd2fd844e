"""The journey timeline: one representative applicant's service cycle, day by day.

A swimlane figure over working days: the applicant's lane (queues, counter
contacts, rejections, pickups, online submissions, digital deliveries and
numbered trips) and one lane per step (back-office work, hand-offs, approval
waits), for the reference and the integrated configuration side by side.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from simulator.model.calendar import DAY, WorkCalendar
from simulator.report import plots
from simulator.report.language import Language
from simulator.report.levers import label
from simulator.scenario.schema import Scenario

IN_PERSON = ("submission", "pickup")
SITTINGS = ("submission", "online")
"""Contacts at which a step's application is handed in, at a counter or on line."""
MIN_ACTIVITY_MINUTES = 20
"""Short activities are drawn at least this wide, to be seen."""


def representative(citizens: pd.DataFrame, configuration: str, service: str | None = None) -> pd.Series | None:
    """The completed citizen of replication 0 (of `service`, if given) whose lead time is nearest the median.

    The lowest id wins a tie; None when nobody completed.
    """
    chosen = (
        (citizens["configuration"] == configuration)
        & (citizens["replication"] == 0)
        & (citizens["outcome"] == "completed")
    )
    if service is not None:
        chosen &= citizens["service"].astype(str) == service
    done = citizens[chosen]
    if done.empty:
        return None
    distance = (done["lead_time_days"] - done["lead_time_days"].median()).abs()
    ranked = done.assign(distance=distance).sort_values(["distance", "citizen"], kind="stable")
    return ranked.iloc[0]


class _Clock:
    """Simulation minutes -> working days from the opening of a citizen's first day."""

    def __init__(self, calendar: WorkCalendar, arrival: float) -> None:
        self.calendar = calendar
        self.origin = calendar.working_minutes(calendar.opening(int(arrival // DAY)))

    def days(self, times: pd.Series | np.ndarray) -> np.ndarray:
        worked = self.calendar.working_minutes_of(np.asarray(times, dtype=np.float64))
        return np.asarray((worked - self.origin) / self.calendar.day_length)


GLYPHS: dict[str, dict[str, Any]] = {
    "accepted": {"marker": "o", "s": 60},
    "rejected": {"marker": "X", "s": 95},
    "pickup": {"marker": "^", "s": 70},
    "left": {"marker": "o", "s": 60, "facecolors": "white"},
    "online": {"marker": "D", "s": 50},
    "delivery": {"marker": "*", "s": 130},
}
"""How each kind of contact is drawn on the applicant's lane."""


def _glyph(kind: str, outcome: str) -> str:
    if outcome in ("left_queue", "sent_home"):
        return "left"
    if kind == "submission":
        return "rejected" if outcome == "rejected" else "accepted"
    return {"pickup": "pickup", "online": "online", "delivery": "delivery"}.get(kind, "accepted")


def _timeline_panel(
    axes: Axes,
    citizen: pd.Series,
    contacts: pd.DataFrame,
    work: pd.DataFrame,
    steps: list[str],
    clock: _Clock,
    colour: str,
    used: set[str],
) -> float:
    """Draw one citizen's service cycle on `axes`; returns where it ends (working days)."""
    smallest = MIN_ACTIVITY_MINUTES / clock.calendar.day_length
    lane = {step: k + 1 for k, step in enumerate(steps)}
    for _, row in work.iterrows():
        y = lane.get(str(row["step"]), len(steps))
        queued, started, ended = clock.days(np.array([row["queued"], row["started"], row["ended"]]))
        if started > queued:
            axes.plot([queued, started], [y, y], color=colour, lw=2, alpha=0.6, solid_capstyle="butt")
            used.add("queue")
        kind = str(row["kind"])
        width = max(ended - started, smallest)
        if kind == "approval":
            axes.barh(
                y,
                ended - started,
                left=started,
                height=0.5,
                color=colour,
                alpha=0.25,
                edgecolor=colour,
                hatch="///",
                lw=0.8,
            )
        elif kind == "handoff":
            axes.barh(y, width, left=started, height=0.22, color="#555555")
        else:
            axes.barh(y, width, left=started, height=0.5, color=colour, edgecolor="#222222", lw=0.5)
        used.add(kind)
    for _, row in contacts[contacts["kind"].isin(SITTINGS)].iterrows():  # a sitting marked in its steps' lanes
        started, ended = clock.days(np.array([row["started"], row["ended"]]))
        served_at = ended if math.isnan(started) else started
        for step in str(row["step"]).split("+"):  # one sitting for several steps names them all
            if step in lane:
                axes.scatter([served_at], [lane[step]], marker="|", s=90, color=colour, linewidths=2, zorder=3)
                used.add("sitting")
    journey = clock.days(np.array([citizen["arrival"], citizen["end"]]))
    axes.plot(journey, [0, 0], color="#aaaaaa", lw=1, ls=":", zorder=1)
    in_person = contacts[contacts["kind"].isin(IN_PERSON)].sort_values("queued", kind="stable")
    trip_days = list(dict.fromkeys((in_person["queued"] // DAY).astype(int)))
    for _, row in contacts.iterrows():
        queued, started, ended = clock.days(np.array([row["queued"], row["started"], row["ended"]]))
        served_at = ended if math.isnan(started) else started
        if served_at > queued:
            axes.plot([queued, served_at], [0, 0], color=colour, lw=2.5, alpha=0.6, solid_capstyle="butt")
            used.add("queue")
        glyph = _glyph(str(row["kind"]), str(row["outcome"]))
        style = {"facecolors": colour, **GLYPHS[glyph]}
        axes.scatter([served_at], [0], edgecolors="#222222", linewidths=0.7, zorder=3, clip_on=False, **style)
        used.add(glyph)
    for number, day in enumerate(trip_days, start=1):
        first = in_person[(in_person["queued"] // DAY).astype(int) == day]["queued"].min()
        (x,) = clock.days(np.array([first]))
        axes.text(
            x,
            -0.6,
            str(number),
            ha="center",
            va="center",
            fontsize=9,
            color="white",
            fontweight="bold",
            clip_on=False,
            bbox={"boxstyle": "circle,pad=0.18", "facecolor": "#333333", "edgecolor": "none"},
        )
        used.add("trip")
    return float(clock.days(np.array([citizen["end"]]))[0])


def _timeline_legend(used: set[str], lang: Language) -> list[Any]:
    grey = "#888888"
    handles: dict[str, Any] = {
        "queue": Line2D([], [], color=grey, lw=2.5, alpha=0.7),
        **{
            glyph: Line2D(
                [],
                [],
                ls="",
                marker=GLYPHS[glyph]["marker"],
                markersize=8 if glyph != "delivery" else 11,
                markerfacecolor="white" if glyph == "left" else grey,
                markeredgecolor="#222222",
            )
            for glyph in GLYPHS
        },
        "sitting": Line2D([], [], ls="", marker="|", markersize=10, markeredgewidth=2, color=grey),
        "backoffice": Patch(facecolor=grey, edgecolor="#222222", lw=0.5),
        "handoff": Patch(facecolor="#555555"),
        "approval": Patch(facecolor=grey, alpha=0.35, hatch="///", edgecolor=grey),
        "trip": Line2D([], [], ls="", marker="o", markersize=10, markerfacecolor="#333333", markeredgecolor="none"),
    }
    return [(handles[key], lang.say(f"legend_{key}")) for key in handles if key in used]


@plots.styled
def timeline_figure(
    citizens: pd.DataFrame,
    contacts: pd.DataFrame,
    work: pd.DataFrame,
    scenario: Scenario,
    shown: Sequence[str],
    lang: str = "en",
    colours: Mapping[str, str] | None = None,
    services: Sequence[str] | None = None,
) -> Figure:
    """Swimlanes of one typical citizen per configuration in `shown` (median lead time of replication 0).

    The top lane is the applicant: queues, counter contacts, numbered trips;
    one lane per step below: back-office work, hand-offs, approval waits.
    Several services: the typical applicant of each service, service by service.
    """
    words, _, colours = plots.prepare(citizens, lang, colours, shown if colours is None else None)
    calendar = WorkCalendar(scenario.calendar)
    present = set(citizens["service"].astype(str))
    chosen_services: list[str | None] = [s for s in (services or scenario.journeys) if s in present]
    many = len(scenario.journeys) > 1
    cases = [(service, name) for service in (chosen_services or [None]) for name in shown]
    chosen = {case: representative(citizens, case[1], case[0]) for case in cases}
    lanes = {
        case: scenario.catalogue(case[1]).services[str(c["service"])].in_order() if c is not None else []
        for case, c in chosen.items()
    }
    """Each panel's steps, as its configuration has them (a reform may drop, merge or add procedures), each
    below those it needs."""
    columns = len(shown) if many else 1
    labels = {
        case: [words.say("timeline_applicant"), *(words.desk(lane.rsplit(".", 1)[-1]) for lane in lanes[case])]
        for case in cases
    }  # a life event's step without its service
    own = [k % columns == 0 or lanes[case] != lanes[cases[k - k % columns]] for k, case in enumerate(cases)]
    """Whether a panel names its lanes: the first of a row, or a reform's own steps."""
    margins = [
        max((plots.text_width(text, 9) for k in range(c, len(cases), columns) if own[k] for text in labels[cases[k]]),
            default=0.0) + 0.25
        for c in range(columns)
    ]  # fmt: skip
    width = (plots.WIDTH - 0.3 - sum(margins)) / columns
    """Inches a panel's title and axis label may take: the figure less every column's lane labels."""
    differ = {
        service: len({scenario.procedures(name, service) for name in shown}) > 1
        for service in {str(c["service"]) for c in chosen.values() if c is not None}
    }
    titles = {
        case: _panel_title(
            words, scenario, case, c, many, width,
            scenario.procedures(case[1], str(c["service"])) if c is not None and differ[str(c["service"])] else None,
        )
        for case, c in chosen.items()
    }  # fmt: skip
    grid_rows = [cases[k : k + columns] for k in range(0, len(cases), columns)]
    heights = [
        max(0.5 + 0.23 * len(lanes[case]) + 0.17 * titles[case].count("\n") for case in row) for row in grid_rows
    ]
    note = plots.note_text(words.say("timeline_note", minutes=MIN_ACTIVITY_MINUTES))
    figure = Figure(figsize=(plots.WIDTH, 0.9 + sum(heights)), layout="constrained")
    grid = figure.subplots(len(grid_rows), columns, sharex=True, squeeze=False, height_ratios=heights)
    panels = [axes for row in grid for axes in row]
    used: set[str] = set()
    end = 1.0
    summaries = {}
    for k, (axes, case) in enumerate(zip(panels, cases, strict=True)):
        name = case[1]
        citizen = chosen[case]
        axes.set_title(titles[case], color=colours[name], fontweight="bold", pad=3)
        if citizen is None:
            axes.set_yticks([])
            continue
        mine = {"configuration": name, "replication": 0, "citizen": citizen["citizen"]}
        own_contacts = contacts.loc[(contacts[list(mine)] == pd.Series(mine)).all(axis=1)]
        own_work = work.loc[(work[list(mine)] == pd.Series(mine)).all(axis=1)]
        clock = _Clock(calendar, float(citizen["arrival"]))
        end = max(end, _timeline_panel(axes, citizen, own_contacts, own_work, lanes[case], clock, colours[name], used))
        days = words.value("lead_time_days", float(citizen["lead_time_days"]))
        summaries[case] = words.say("timeline_summary", trips=words.count("trip", int(citizen["trips"])), days=days)
        axes.set_yticks(range(len(lanes[case]) + 1), labels[case] if own[k] else [""] * len(labels[case]))
        axes.set_ylim(len(lanes[case]) + 0.45, -1.0)
        axes.tick_params(axis="y", length=0)
        axes.spines[["left"]].set_visible(False)
    last_day = math.ceil(end + 0.05)
    for axes in panels:
        for day in range(0, last_day, 2):
            axes.axvspan(day, day + 1, color="#efefef", zorder=0, lw=0)
        axes.set_xlim(0, last_day)
    step = max(1, math.ceil(last_day / (12 if columns == 1 else 6)))
    for axes in grid[-1]:
        axes.set_xticks([d + 0.5 for d in range(0, last_day, step)], [str(d + 1) for d in range(0, last_day, step)])
        axes.tick_params(axis="x", length=0)
        axes.set_xlabel("\n".join(plots.wrap(words.say("timeline_xlabel"), width, 9.5)))
    for axes in [axes for row in grid[:-1] for axes in row]:
        axes.tick_params(axis="x", labelbottom=False, length=0)
    entries = _timeline_legend(used, words)
    columns = plots.legend_columns([text for _, text in entries]) if entries else 1
    legend_height = 0.2 * math.ceil(len(entries) / columns) + 0.16 * (note.count("\n") + 1)
    figure.set_figheight(0.9 + sum(heights) + legend_height)
    plots.legend_below(figure, entries, columns=columns, note=note)
    plots.put_title(figure, _title(words, summaries, cases, shown, many))
    return figure


def _panel_title(
    words: Language,
    scenario: Scenario,
    case: tuple[str | None, str],
    citizen: pd.Series | None,
    many: bool,
    width: float,
    procedures: int | None = None,
) -> str:
    """A panel's title: (the service,) the configuration, the applicant's trips, rejections and days.

    With `procedures`, the configuration's count of procedures too (when configurations differ in it).
    """
    service, name = case
    if citizen is None:
        title = words.say("timeline_none", name=label(name))
    else:
        title = words.say(
            "timeline_panel",
            name=label(name),
            trips=words.count("trip", int(citizen["trips"])),
            rejections=words.count("rejection", int(citizen["rejections"])),
            days=words.value("lead_time_days", float(citizen["lead_time_days"])),
        )
        if procedures is not None:
            title += ", " + words.count("procedure", procedures)
    lines = plots.wrap(title, width, 10, bold=True)
    if many and service is not None:
        lines = (*plots.wrap(plots.service_name(scenario, service, words), width, 10, bold=True), *lines)
    return "\n".join(lines)


def _title(
    words: Language,
    summaries: Mapping[tuple[str | None, str], str],
    cases: Sequence[tuple[str | None, str]],
    shown: Sequence[str],
    many: bool,
) -> str:
    """The pair's journeys in one line; with several services, which configurations are shown."""
    if many:
        return words.say("timeline_title_services", names=words.listing([label(n) for n in shown]))
    named = [case for case in cases if case in summaries]
    if len(named) >= 2:
        first, last = named[0], named[-1]
        return words.say(
            "timeline_title",
            before=summaries[first],
            baseline=label(first[1]),
            after=summaries[last],
            focus=label(last[1]),
        )
    if named:
        return words.say("timeline_title_one", name=label(named[0][1]), summary=summaries[named[0]])
    return words.say("figure_none")
