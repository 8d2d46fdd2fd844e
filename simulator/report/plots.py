"""Result frames -> matplotlib Figures: the pictures of the policy brief.

Each figure is a pure function of the frames of a finished run (as read back
from its folder) and, where it needs them, of the scenario's calendar, steps,
standards and levers. Nothing here simulates, shows a window or touches
pyplot's global state. One colour per configuration, by its place in the run
(Okabe-Ito, safe for colour-blind readers); every text at least 9 pt at the
saved size of 7 inches wide, the text width of an A4 page.
"""

from __future__ import annotations

import functools
import io
import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, ParamSpec

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib import ticker
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.textpath import TextToPath

from simulator.analysis.statistics import interval
from simulator.report.language import Language, language
from simulator.report.levers import label, lever_words
from simulator.scenario.schema import ALL_SERVICES, Scenario

OKABE_ITO = ("#D55E00", "#E69F00", "#56B4E9", "#0072B2", "#009E73", "#CC79A7", "#000000", "#999999")
"""Vermillion for the reference, then orange, sky blue, blue, green, purple, black, grey."""
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "h")
WIDTH = 7.0
"""Inches: every figure is drawn at the text width of an A4 page."""
SMALLEST_FONT = 9.0
GRADE_SCORES = (("D", 1.0, 2.6), ("C", 2.6, 3.0644), ("B", 3.0644, 3.5324), ("A", 3.5324, 4.0))
"""Mean scores (1-4) whose IKM (25 x score) gets each grade: C from 65.00, B from 76.61, A from 88.31."""
GRADE_SHADES = {"D": "#f4f4f4", "C": "#e9e9e9", "B": "#dcdcdc", "A": "#cfcfcf"}
STYLE: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 9.5,
    "axes.titlesize": 10,
    "axes.titlelocation": "left",
    "axes.labelsize": 9.5,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "legend.title_fontsize": 9,
    "legend.frameon": False,
    "figure.titlesize": 11,
    "figure.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "hatch.linewidth": 0.8,
    "svg.hashsalt": "servicecycle",
    "svg.fonttype": "path",
    "pdf.fonttype": 42,
    "savefig.dpi": 150,
}
"""Matplotlib settings of every figure, applied only while a figure is made or saved."""
TIMELINE_METRICS = ("wait_minutes", "lead_time_days", "trips", "ikm")

P = ParamSpec("P")
_MEASURE = TextToPath()


def styled(make: Callable[P, Figure]) -> Callable[P, Figure]:
    """Make a figure with the house style, leaving matplotlib's global settings as they were."""

    @functools.wraps(make)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Figure:
        with mpl.rc_context(STYLE):  # type: ignore[arg-type]
            return make(*args, **kwargs)

    return wrapper


def save(figure: Figure, folder: Path, name: str) -> tuple[list[Path], bytes]:
    """Write `name`.png and `name`.svg; returns their paths and the PNG's bytes.

    `name` may carry a language suffix ('timeline.id'): the files are then `timeline.id.png` and `timeline.id.svg`.
    """
    with mpl.rc_context(STYLE):  # type: ignore[arg-type]
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", metadata={"Software": None})
        png = buffer.getvalue()
        (folder / f"{name}.png").write_bytes(png)
        figure.savefig(folder / f"{name}.svg", format="svg", metadata={"Date": None})
    return [folder / f"{name}.png", folder / f"{name}.svg"], png


def palette(configurations: Sequence[str], scenario: Scenario | None = None) -> dict[str, str]:
    """A fixed colour per configuration, by its place in the scenario file (else in `configurations`).

    So a run, a sweep and a warm-up study of the same file colour each
    configuration alike, whatever subset or order they run.
    """
    places = list(scenario.configurations) if scenario is not None else []
    places += [name for name in configurations if name not in places]
    return {name: OKABE_ITO[places.index(name) % len(OKABE_ITO)] for name in configurations}


def marker(colours: Mapping[str, str], name: str) -> str:
    """A marker shape per configuration that goes with its colour, so that figures also read in grey."""
    colour = colours[name]
    place = OKABE_ITO.index(colour) if colour in OKABE_ITO else list(colours).index(name)
    return MARKERS[place % len(MARKERS)]


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def order(frame: pd.DataFrame) -> list[str]:
    """The configurations of a frame in the order they first appear (the run's order)."""
    return list(dict.fromkeys(frame["configuration"].astype(str)))


def focus_of(configurations: Sequence[str], scenario: Scenario) -> str:
    """The configuration the brief argues for, never the reference unless it is alone.

    The last of `brief.steps`, else the first whole-of-government one, else the last.
    """
    others = list(configurations[1:])
    if not others:
        return configurations[0]
    steps = [name for name in scenario.brief.steps if name in others]
    if steps and len(lever_steps(configurations, scenario)) >= 2:
        return steps[-1]
    for name in others:
        if name in scenario.configurations and scenario.configurations[name].preset == "whole_of_government":
            return name
    return others[-1]


def lever_steps(configurations: Sequence[str], scenario: Scenario) -> list[str]:
    """The configurations of `brief.steps` that the run has, in order (empty if fewer than two)."""
    steps = [name for name in scenario.brief.steps if name in configurations]
    return steps if len(steps) >= 2 else []


def of_service(frame: pd.DataFrame, service: str = ALL_SERVICES) -> pd.DataFrame:
    """The rows of summary.csv, comparison.csv or replications.csv about one service (all of a frame without one)."""
    if "service" not in frame.columns:
        return frame
    return frame[frame["service"].astype(str) == service]


def keyed(summary: pd.DataFrame, service: str = ALL_SERVICES) -> dict[tuple[str, str], dict[str, Any]]:
    """The rows of summary.csv or comparison.csv about `service`, by (configuration, metric)."""
    rows: list[dict[str, Any]] = of_service(summary, service).to_dict("records")  # type: ignore[assignment]
    return {(str(row["configuration"]), str(row["metric"])): row for row in rows}


def service_name(scenario: Scenario, service: str, lang: Language) -> str:
    """A service as the reader knows it: its name, or 'all services together'."""
    if service == ALL_SERVICES:
        return lang.say("all_services")
    return scenario.journeys[service].name or service.replace("_", " ")


def mean_of(rows: Mapping[tuple[str, str], Mapping[str, Any]], name: str, metric: str) -> float:
    """A configuration's mean of a metric from keyed rows; NaN when it is missing."""
    row = rows.get((name, metric))
    return float(row["mean"]) if row is not None else math.nan


def finite_limits(values: Sequence[float], fallback: tuple[float, float] = (0.0, 1.0)) -> tuple[float, float]:
    """The smallest and largest finite values, or `fallback` when there are none."""
    finite = [v for v in values if np.isfinite(v)]
    return (min(finite), max(finite)) if finite else fallback


def nothing_to_show(axes: Axes, text: str) -> None:
    """Say in the middle of an empty panel why it is empty ('no completed applicants')."""
    axes.text(0.5, 0.5, text, transform=axes.transAxes, ha="center", va="center", fontsize=10, color="#555555")


@functools.cache
def _font(size: float, bold: bool) -> FontProperties:
    return FontProperties(family=STYLE["font.family"], size=size, weight="bold" if bold else "normal")


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Inches that `text` takes in the house font."""
    return float(_MEASURE.get_text_width_height_descent(text, _font(size, bold), ismath=False)[0]) / 72


@functools.cache
def _word_width(word: str, size: float, bold: bool) -> float:
    return text_width(word, size, bold)


@functools.cache
def wrap(text: str, width: float, size: float, bold: bool = False) -> tuple[str, ...]:
    """`text` in lines no wider than `width` inches in the house font, broken between words."""
    space = _word_width("a a", size, bold) - 2 * _word_width("a", size, bold)
    lines: list[list[str]] = []
    used = 0.0
    for word in text.split():
        wide = _word_width(word, size, bold)
        if lines and used + space + wide <= width:
            lines[-1].append(word)
            used += space + wide
        else:
            lines.append([word])
            used = wide
    return tuple(" ".join(line) for line in lines) or ("",)


def _fill(text: str, width: float, size: float = 9, bold: bool = False) -> str:
    return "\n".join(wrap(text, width, size, bold))


def put_title(figure: Figure, text: str) -> None:
    """A figure's title, wrapped to its width, on the left."""
    figure.suptitle(_fill(text, WIDTH - 0.25, STYLE["figure.titlesize"], bold=True), x=0.01, ha="left")


def note_text(text: str) -> str:
    return _fill(text, WIDTH - 0.3)


def legend_columns(texts: Sequence[str], width: float = WIDTH - 0.2) -> int:
    """The most legend columns whose texts fit across `width` inches (columns filled as matplotlib fills them)."""
    for columns in range(min(len(texts), 5), 1, -1):
        rows, long_columns = divmod(len(texts), columns)
        sizes = [rows + 1] * long_columns + [rows] * (columns - long_columns)
        starts = list(itertools.accumulate(sizes, initial=0))
        widths = [max(text_width(t, 9) for t in texts[a:b]) for a, b in itertools.pairwise(starts) if b > a]
        if sum(widths) + len(widths) * 0.45 <= width:
            return columns
    return 1


def legend_below(figure: Figure, entries: Sequence[tuple[Any, str]], columns: int = 3, note: str = "") -> None:
    """The figure's legend under its panels, across the whole width, with a note as its heading."""
    if entries:
        handles, texts = zip(*entries, strict=True)
        figure.legend(
            handles,
            texts,
            loc="outside lower center",
            ncols=columns,
            handlelength=1.6,
            title=note or None,
            alignment="left",
            columnspacing=1.2,
        )


def _key(axes: Axes, entries: Sequence[tuple[Any, str]], note: str = "", columns: int = 3) -> None:
    """An axes row of its own under the panels: the legend, then a note."""
    axes.set_axis_off()
    if entries:
        handles, texts = zip(*entries, strict=True)
        axes.legend(
            handles,
            texts,
            loc="upper left",
            bbox_to_anchor=(0, 1),
            ncols=columns,
            handlelength=1.6,
            borderaxespad=0,
            borderpad=0,
        )
    if note:
        axes.text(0, 0, note, transform=axes.transAxes, fontsize=9, va="bottom", color="#333333")


def localise_ticks(figure: Figure, lang: Language) -> None:
    """Plain number ticks with the language's decimal separator."""
    for axes in figure.axes:
        for axis in (axes.xaxis, axes.yaxis):
            if isinstance(axis.get_major_formatter(), ticker.ScalarFormatter):
                axis.set_major_formatter(ticker.FuncFormatter(lambda v, _: lang.localise(f"{v:,g}")))


def prepare(
    frame: pd.DataFrame, lang: str, colours: Mapping[str, str] | None, configurations: Sequence[str] | None
) -> tuple[Language, list[str], Mapping[str, str]]:
    names = list(configurations) if configurations is not None else order(frame)
    return language(lang), names, colours if colours is not None else palette(names)


def services_of(scenario: Scenario, services: Sequence[str] | None) -> list[str]:
    """The services a figure shows: those given, else every service of the scenario."""
    return list(services) if services else list(scenario.journeys)


# --- lead-time distribution -----------------------------------------------------------------------------------


@styled
def lead_time_figure(
    citizens: pd.DataFrame,
    scenario: Scenario,
    lang: str = "en",
    colours: Mapping[str, str] | None = None,
    configurations: Sequence[str] | None = None,
    services: Sequence[str] | None = None,
) -> Figure:
    """The share of applicants done by each lead time (ECDF over every counted applicant) with the standard.

    Applicants who gave up never finish: a curve ends at the share who
    completed. One service: one panel, each configuration's share within the
    standard in the legend. Several: a panel per service, with the shares of
    the reference and the focus configuration written on each.
    """
    words, names, colours = prepare(citizens, lang, colours, configurations)
    shown = services_of(scenario, services)
    baseline, focus = names[0], _focus_in(names, scenario)
    many = len(shown) > 1
    columns = min(3, len(shown))
    rows = math.ceil(len(shown) / columns)
    figure = Figure(figsize=(WIDTH, 0.75 + (2.1 if many else 1.6) * rows + (0.35 if many else 0)), layout="constrained")
    panels = figure.subplots(rows, columns, squeeze=False, sharey=True).ravel()
    for axes in panels[len(shown) :]:
        axes.set_axis_off()
    within: dict[str, dict[str, float]] = {}
    for axes, service in zip(panels, shown, strict=False):
        mine = citizens[citizens["service"].astype(str) == service]
        standard = scenario.journeys[service].standard_days
        within[service] = {}
        longest = standard
        for name in names:
            everyone = mine[mine["configuration"] == name]
            if everyone.empty:
                continue
            done = everyone[everyone["outcome"] == "completed"]
            days = np.sort(done["lead_time_days"].to_numpy(dtype=np.float64))
            within[service][name] = float(everyone["within_standard"].astype(float).fillna(0).mean())
            share = words.percent(within[service][name])
            legend = words.say("lead_legend", name=label(name), share=share)
            if len(days) == 0:
                legend = f"{label(name)}: {words.say('lead_none')}"
            steps = np.arange(len(days) + 1) / len(everyone)
            axes.step(np.r_[0, days], steps, where="post", color=colours[name], lw=2, label=legend)
            longest = max(longest, float(days[-1]) if len(days) else 0.0)
        if not (mine["outcome"] == "completed").any():
            nothing_to_show(axes, words.say("lead_none"))
        axes.axvline(standard, color="#333333", ls="--", lw=1)
        days_text = words.localise(f"{standard:g}")
        axes.text(
            standard,
            1.01,
            words.say("lead_standard", days=days_text),
            transform=axes.get_xaxis_transform(),
            fontsize=9,
            color="#333333",
            ha="center",
            va="bottom",
        )
        axes.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: words.percent(v)))
        axes.set_ylim(0, 1.02)
        axes.set_xlim(0, longest * 1.05)
        axes.grid(axis="y", color="#dddddd", lw=0.6)
        if many:
            listed = ", ".join(
                f"{label(n)} {words.percent(within[service][n])}"
                for n in dict.fromkeys([baseline, focus])
                if n in within[service]
            )
            shares = f"{words.say('lead_within')}: {listed}" if listed else words.say("no_applicants")
            title = f"{service_name(scenario, service, words)}\n{shares}"
            axes.set_title("\n".join(_fill(part, WIDTH / columns - 0.4, 10) for part in title.split("\n")), pad=16)
        elif axes.get_legend_handles_labels()[0]:
            axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), borderaxespad=0)
    for axes in panels[::columns]:
        axes.set_ylabel(words.say("lead_ylabel"))
    for axes in panels[: len(shown)]:
        axes.set_xlabel(words.say("lead_xlabel_short" if many else "lead_xlabel"))
    if many:
        lines = [(Line2D([], [], color=colours[n], lw=2), label(n)) for n in names]
        legend_below(figure, lines, columns=legend_columns([text for _, text in lines]))
    put_title(figure, _lead_title(words, scenario, shown, within, names, focus))
    localise_ticks(figure, words)
    return figure


def _lead_title(
    words: Language,
    scenario: Scenario,
    shown: Sequence[str],
    within: Mapping[str, Mapping[str, float]],
    names: Sequence[str],
    focus: str,
) -> str:
    """One service: its shares within the standard. Several: in how many services the focus does better."""
    baseline = names[0]
    if len(shown) > 1:
        if focus == baseline:
            return words.say("lead_title_many_one", name=label(baseline), total=len(shown))
        known = [s for s in shown if focus in within[s] and baseline in within[s]]
        if not known:
            return words.say("figure_services_title", baseline=label(baseline), focus=label(focus))
        better = sum(1 for s in known if within[s][focus] > within[s][baseline])
        return words.say(
            "lead_title_many", focus=label(focus), baseline=label(baseline), count=better, total=len(known)
        )
    service = shown[0]
    shares = {name: words.percent(within[service].get(name, math.nan)) for name in (baseline, focus)}
    days = words.localise(f"{scenario.journeys[service].standard_days:g}")
    if focus == baseline:
        return words.say("lead_title_one", days=days, share=shares[baseline], name=label(baseline))
    return words.say(
        "lead_title",
        days=days,
        before=shares[baseline],
        baseline=label(baseline),
        after=shares[focus],
        focus=label(focus),
    )


def _focus_in(names: Sequence[str], scenario: Scenario) -> str:
    known = [name for name in names if name in scenario.configurations]
    return focus_of(known, scenario) if len(known) > 1 else names[-1]


# --- headline figures -----------------------------------------------------------------------------------------


def _grade_bands(axes: Axes, scale: float, shown: tuple[float, float]) -> None:
    """Shade the IKM grades over the visible range `shown` (scale 25 for the index, 1 for a mean score).

    Each grade's letter sits above the middle of its visible part.
    """
    for letter, low, high in GRADE_SCORES:
        axes.axvspan(low * scale, high * scale, color=GRADE_SHADES[letter], zorder=0, lw=0)
        left, right = max(low * scale, shown[0]), min(high * scale, shown[1])
        if right - left > 0.04 * (shown[1] - shown[0]):
            axes.text(
                (left + right) / 2,
                1.0,
                letter,
                transform=axes.get_xaxis_transform(),
                ha="center",
                va="bottom",
                fontsize=9,
                color="#444444",
                fontweight="bold",
            )
    axes.set_xlim(*shown)


def _dots(axes: Axes, rows: Sequence[tuple[float, float, float, str, str]], positions: Sequence[float]) -> None:
    """Means with their intervals: rows of (mean, low, high, colour, marker) at `positions` (NaN means skipped)."""
    for (mean, low, high, colour, shape), y in zip(rows, positions, strict=True):
        if math.isnan(mean):
            continue
        spread = None if math.isnan(low) or math.isnan(high) else [[mean - low], [high - mean]]
        axes.errorbar(
            [mean],
            [y],
            xerr=spread,
            fmt=shape,
            color=colour,
            markersize=7,
            capsize=3,
            lw=1.5,
            markeredgecolor="#222222",
            markeredgewidth=0.6,
        )


def _estimate(row: Mapping[str, Any] | None) -> tuple[float, float, float]:
    """(mean, ci_low, ci_high) of a summary row; NaN when the row is missing."""
    if row is None:
        return (math.nan, math.nan, math.nan)
    return (float(row["mean"]), float(row["ci_low"]), float(row["ci_high"]))


def _grouped_rows(
    services: Sequence[str], names: Sequence[str]
) -> tuple[list[tuple[str, str, float]], list[tuple[str, float]]]:
    """Rows of a dot chart from the top: (service, configuration, y), and the services' headings (service, y).

    One service: a row per configuration. Several: a heading row, then a row per configuration, per service.
    """
    rows, headings = [], []
    y = 0.0
    for service in services:
        if len(services) > 1:
            headings.append((service, y))
            y -= 1
        for name in names:
            rows.append((service, name, y))
            y -= 1
    return rows, headings


@styled
def headline_figure(
    summary: pd.DataFrame,
    lang: str = "en",
    colours: Mapping[str, str] | None = None,
    configurations: Sequence[str] | None = None,
    focus: str | None = None,
    scenario: Scenario | None = None,
    services: Sequence[str] | None = None,
) -> Figure:
    """Wait, lead time, trips and IKM per configuration (per service, when several): mean and 95% interval."""
    words, names, colours = prepare(summary, lang, colours, configurations)
    shown = list(services) if services else [ALL_SERVICES]
    means = {service: keyed(summary, service) for service in shown}
    rows, headings = _grouped_rows(shown, names)
    pitch = 0.55 if len(rows) <= 6 else 0.3
    figure = Figure(figsize=(WIDTH, 1.6 + pitch * (len(rows) + len(headings))), layout="constrained")
    panels = figure.subplots(2, 2, sharey=True).ravel()
    positions = [y for _, _, y in rows]
    for axes, metric in zip(panels, TIMELINE_METRICS, strict=True):
        dots = [(*_estimate(means[service].get((n, metric))), colours[n], marker(colours, n)) for service, n, _ in rows]
        low, high = finite_limits([v for d in dots for v in d[:3]], (math.nan, math.nan))
        if metric == "ikm":
            shown_range = (25.0, 100.0) if math.isnan(low) else (max(25, low - 4), min(100, high + 4))
            _grade_bands(axes, 25, shown_range)
        else:
            axes.set_xlim(left=0, right=(high if np.isfinite(high) and high > 0 else 1) * 1.15)
            axes.xaxis.set_major_locator(ticker.MaxNLocator(5))
        _dots(axes, dots, positions)
        for (mean, *_), y in zip(dots, positions, strict=True):
            if math.isnan(mean):
                axes.text(0.02, y, words.value(metric, mean), transform=axes.get_yaxis_transform(), va="center",
                          fontsize=9, color="#555555")  # fmt: skip
        axes.set_title(words.say(f"headline_{metric}"), pad=14 if metric == "ikm" else 6)
        axes.grid(axis="x", color="#dddddd", lw=0.6)
        axes.set_yticks(positions, [label(n) for _, n, _ in rows])
        axes.set_ylim(min(positions) - 0.6, max([*positions, *(y for _, y in headings)]) + 0.4)
        for service, y in headings:
            if axes in panels[::2]:
                axes.text(0.01, y, service_name(scenario, service, words) if scenario else service,
                          transform=axes.get_yaxis_transform(), ha="left", va="center", fontsize=9,
                          fontweight="bold")  # fmt: skip
    for axes in panels[::2]:
        for tick, (_, name, _) in zip(axes.get_yticklabels(), rows, strict=True):
            tick.set_color(colours[name])
    figure.supxlabel(words.say("headline_note"), fontsize=9, color="#333333")
    put_title(figure, capital(_headline_title(words, means, shown, names, focus or names[-1])))
    localise_ticks(figure, words)
    return figure


def _headline_title(
    words: Language,
    means: Mapping[str, Mapping[tuple[str, str], Mapping[str, Any]]],
    shown: Sequence[str],
    names: Sequence[str],
    chosen: str,
) -> str:
    baseline = names[0]
    if len(shown) > 1 and chosen != baseline:
        pairs = [
            (mean_of(means[s], baseline, "lead_time_days"), mean_of(means[s], chosen, "lead_time_days")) for s in shown
        ]
        known = [(before, after) for before, after in pairs if math.isfinite(before) and math.isfinite(after)]
        if not known:
            return words.say("figure_services_title", baseline=label(baseline), focus=label(chosen))
        shorter = sum(1 for before, after in known if after < before)
        return words.say(
            "headline_title_services", focus=label(chosen), baseline=label(baseline), count=shorter, total=len(known)
        )
    rows = means[shown[0]]
    lead = [words.value("lead_time_days", mean_of(rows, n, "lead_time_days")) for n in (baseline, chosen)]
    trips = [words.value("trips", mean_of(rows, n, "trips")) for n in (baseline, chosen)]
    if chosen == baseline:
        return words.say("headline_title_one", name=label(chosen), lead=lead[0], trips=trips[0])
    return words.say(
        "headline_title",
        focus=label(chosen),
        baseline=label(baseline),
        lead_before=lead[0],
        lead_after=lead[1],
        trips_before=trips[0],
        trips_after=trips[1],
    )


# --- differences against the baseline -------------------------------------------------------------------------


RELATIVE_METRICS = ("wait_minutes", "lead_time_days", "trips", "rejections", "citizen_cost")
"""Differences shown in per cent of the reference (on a log scale of the ratio)."""
POINT_METRICS = ("ikm", "within_standard_share", "abandoned_share")
"""Differences shown in points, as the text gives them: IKM points, percentage points of a share."""
SERVICE_METRICS = (
    ("lead_time_days", "relative"),
    ("trips", "relative"),
    ("ikm", "points"),
    ("within_standard_share", "points"),
)
"""The differences a figure of several services shows: a panel each, a row per service."""
LOG_TICKS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 20.0, 50.0, 100.0)
"""Ratios (1 + relative change) that may label the log axis: -99% to +9,900%."""
DOT_PITCH = 0.17
"""Inches between two configurations' dots in the differences figure: markers never overlap."""


def _difference(row: Mapping[str, Any] | None, kind: str, metric: str) -> tuple[float, float, float]:
    """(value, low, high) of a comparison row as drawn: a ratio for 'relative', points for 'points'."""
    if row is None:
        return (math.nan, math.nan, math.nan)
    if kind == "relative":
        keys = ("relative_change", "relative_ci_low", "relative_ci_high")
        return tuple(1 + float(row[k]) for k in keys)  # type: ignore[return-value]
    scale = 100.0 if metric.endswith("_share") else 1.0
    return tuple(scale * float(row[k]) for k in ("difference", "ci_low", "ci_high"))  # type: ignore[return-value]


def _log_axis(axes: Axes, values: Sequence[float], words: Language, most: int = 7) -> None:
    """A log axis of ratios from a labelled tick below the smallest value to one above the largest (`most` ticks)."""
    low, high = finite_limits([max(v, LOG_TICKS[0]) for v in values], (1.0, 1.0))
    low, high = min(low, 1.0), max(high, 1.0)
    lower = max([c for c in LOG_TICKS if c <= low], default=LOG_TICKS[0])
    upper = min([c for c in LOG_TICKS if c >= high], default=LOG_TICKS[-1])
    ticks = [c for c in LOG_TICKS if lower <= c <= upper]
    if len(ticks) > most:  # the ends, no change, halving and doubling, and the decades
        ticks = [c for c in ticks if c in (lower, upper, 0.1, 0.5, 1.0, 2.0, 10.0)]
    if len(ticks) > most:  # the ends and no change
        ticks = [c for c in ticks if c in (lower, upper, 1.0)]
    ticks = _apart(ticks, np.log, 7 if most > 3 else 4)
    axes.set_xscale("log")
    axes.set_xlim(lower / 1.06, upper * 1.06)
    axes.xaxis.set_major_locator(ticker.FixedLocator(ticks))
    axes.xaxis.set_minor_locator(ticker.NullLocator())
    axes.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: words.percent(v - 1, signed=v != 1)))
    axes.axvline(1, color="#333333", lw=1)


def _apart(ticks: Sequence[float], scale: Callable[[Any], Any], parts: int) -> list[float]:
    """The ticks without those inside within 1/`parts` of the axis of an end (their labels would touch)."""
    if len(ticks) < 3:
        return list(ticks)
    place = [float(scale(t)) for t in ticks]
    span = place[-1] - place[0]
    inside = [
        t for t, p in zip(ticks[1:-1], place[1:-1], strict=True) if min(p - place[0], place[-1] - p) > span / parts
    ]
    return [ticks[0], *inside, ticks[-1]]


def _points_axis(axes: Axes, values: Sequence[float], words: Language, most: int = 6) -> None:
    """A linear axis of points with a labelled tick at or beyond each end of the values, and zero (`most` bins)."""
    low, high = finite_limits([*values, 0.0], (0.0, 0.0))
    if high - low < 1e-9:
        low, high = low - 1, high + 1
    ticks = ticker.MaxNLocator(most, steps=[1, 2, 2.5, 5, 10]).tick_values(low, high)
    ticks = [t for k, t in enumerate(ticks) if t <= high or k == 0 or ticks[k - 1] < high]
    ticks = [t for k, t in enumerate(ticks) if t >= low or k == len(ticks) - 1 or ticks[k + 1] > low]
    if len(ticks) > (most if most <= 3 else most + 1):  # the ends and zero
        ticks = [t for k, t in enumerate(ticks) if k in (0, len(ticks) - 1) or t == 0]
    ticks = _apart(ticks, lambda v: v, 7 if most > 3 else 4)
    pad = 0.03 * (ticks[-1] - ticks[0])
    axes.set_xlim(ticks[0] - pad, ticks[-1] + pad)
    axes.xaxis.set_major_locator(ticker.FixedLocator(ticks))
    axes.xaxis.set_major_formatter(
        ticker.FuncFormatter(lambda v, _: words.number(v, 0 if v == int(v) else 1, signed=v != 0))
    )
    axes.axvline(0, color="#333333", lw=1)


@styled
def differences_figure(
    comparison: pd.DataFrame,
    lang: str = "en",
    colours: Mapping[str, str] | None = None,
    configurations: Sequence[str] | None = None,
    focus: str | None = None,
    scenario: Scenario | None = None,
    services: Sequence[str] | None = None,
) -> Figure:
    """Each configuration's change against the baseline, with the paired 95% interval, as the text gives it.

    Waits, completion times, trips, rejections and cost in per cent on a log
    scale of the ratio; the IKM and shares in points. Each configuration has a
    row of its own in every metric and its value written at the right, so equal
    values never hide one another. Several services: a panel per metric, a row
    per service (`_differences_by_service`).
    """
    words = language(lang)
    baseline = str(comparison["baseline"].iloc[0])
    names = [n for n in (configurations or [baseline, *order(comparison)]) if n != baseline]
    colours = colours if colours is not None else palette([baseline, *names])
    shown = list(services) if services else [ALL_SERVICES]
    rows = {service: keyed(comparison, service) for service in shown}
    chosen = focus if focus is not None and focus in names else names[-1]
    if len(shown) > 1:
        return _differences_by_service(words, rows, shown, baseline, names, colours, chosen, scenario)
    own = rows[shown[0]]
    layout = {
        kind: [m for m in metrics if any(np.isfinite(_difference(own.get((n, m)), kind, m)[0]) for n in names)]
        for kind, metrics in (("relative", RELATIVE_METRICS), ("points", POINT_METRICS))
    }
    used = [kind for kind in layout if layout[kind]]
    heights = [len(layout[kind]) * (len(names) + 0.7) + 0.3 for kind in used]
    figure = Figure(
        figsize=(WIDTH, 1.5 + DOT_PITCH * sum(heights) + 0.45 * len(used) + 0.2 * math.ceil(len(names) / 3)),
        layout="constrained",
    )
    panels: list[Axes] = list(figure.subplots(len(used), 1, squeeze=False, height_ratios=heights)[:, 0]) if used else []
    for axes, kind in zip(panels, used, strict=True):
        values = []
        tops = [-k * (len(names) + 0.7) for k in range(len(layout[kind]))]
        for k, (metric, top) in enumerate(zip(layout[kind], tops, strict=True)):
            if k % 2 == 0:
                axes.axhspan(top - len(names) + 0.15, top + 0.55, color="#f3f3f3", zorder=0, lw=0)
            for j, name in enumerate(names):
                row = own.get((name, metric))
                mean, low, high = _difference(row, kind, metric)
                if row is None or not np.isfinite(mean):
                    continue
                drawn = [
                    max(v, LOG_TICKS[0]) if kind == "relative" and np.isfinite(v) else v for v in (mean, low, high)
                ]
                _dots(axes, [(*drawn, colours[name], marker(colours, name))], [top - j])  # type: ignore[list-item]
                values += [v for v in drawn if np.isfinite(v)]
                axes.annotate(
                    words.change(metric, row)[0],
                    xy=(1.0, top - j),
                    xycoords=("axes fraction", "data"),
                    xytext=(5, 0),
                    textcoords="offset points",
                    ha="left",
                    va="center",
                    fontsize=9,
                    color=colours[name],
                )
        if kind == "relative":
            _log_axis(axes, values, words)
        else:
            _points_axis(axes, values, words)
        axes.set_yticks([top - (len(names) - 1) / 2 for top in tops], [words.metric_label(m) for m in layout[kind]])
        axes.set_ylim(min(tops) - len(names) + 0.15, 0.55)
        axes.tick_params(axis="y", length=0)
        axes.grid(axis="x", color="#dddddd", lw=0.6)
        axes.set_xlabel(words.say(f"differences_{kind}"))
    if not used:
        nothing_to_show(figure.add_subplot(), words.say("not_available"))
        figure.axes[0].set_axis_off()
    return _differences_finished(figure, words, rows, shown, baseline, names, colours, chosen)


def _differences_by_service(
    words: Language,
    rows: Mapping[str, Mapping[tuple[str, str], Mapping[str, Any]]],
    shown: Sequence[str],
    baseline: str,
    names: Sequence[str],
    colours: Mapping[str, str],
    chosen: str,
    scenario: Scenario | None,
) -> Figure:
    """Several services: a panel per metric side by side, a row per service, a dot per configuration in it.

    Each configuration has its own place in every row, so equal changes never hide one another.
    """
    pitch = 0.8 / len(names)
    height = 1.6 + (0.25 + DOT_PITCH * len(names)) * len(shown) + 0.2 * math.ceil(len(names) / 3)
    figure = Figure(figsize=(WIDTH, height), layout="constrained")
    panels = figure.subplots(1, len(SERVICE_METRICS), sharey=True, squeeze=False)[0]
    for axes, (metric, kind) in zip(panels, SERVICE_METRICS, strict=True):
        values = []
        for k, service in enumerate(shown):
            centre = len(shown) - 1 - k
            if k % 2 == 0:
                axes.axhspan(centre - 0.5, centre + 0.5, color="#f3f3f3", zorder=0, lw=0)
            for j, name in enumerate(names):
                mean, low, high = _difference(rows[service].get((name, metric)), kind, metric)
                if not np.isfinite(mean):
                    continue
                if kind == "relative":
                    mean, low, high = (max(v, LOG_TICKS[0]) if np.isfinite(v) else v for v in (mean, low, high))
                _dots(
                    axes, [(mean, low, high, colours[name], marker(colours, name))], [centre + 0.4 - pitch * (j + 0.5)]
                )
                values += [v for v in (mean, low, high) if np.isfinite(v)]
        if kind == "relative":
            _log_axis(axes, values, words, most=3)
        else:
            _points_axis(axes, values, words, most=3)
        axes.set_title(_fill(words.metric_label(metric), WIDTH / len(SERVICE_METRICS) - 0.3, 10), fontsize=10)
        axes.set_xlabel(words.say(f"differences_{kind}_short"))
        axes.grid(axis="x", color="#dddddd", lw=0.6)
        axes.tick_params(axis="y", length=0)
    labels = [_fill(service_name(scenario, s, words) if scenario else s, 1.4) for s in shown]
    panels[0].set_yticks(range(len(shown))[::-1], labels)
    panels[0].set_ylim(-0.5, len(shown) - 0.5)
    return _differences_finished(figure, words, rows, shown, baseline, names, colours, chosen)


def _differences_finished(
    figure: Figure,
    words: Language,
    rows: Mapping[str, Mapping[tuple[str, str], Mapping[str, Any]]],
    shown: Sequence[str],
    baseline: str,
    names: Sequence[str],
    colours: Mapping[str, str],
    chosen: str,
) -> Figure:
    """A differences figure with its legend of configurations and its title."""
    handles = [
        (Line2D([], [], ls="", marker=marker(colours, n), color=colours[n], markeredgecolor="#222222", markersize=7),
         label(n))
        for n in names
    ]  # fmt: skip
    legend_below(figure, handles, columns=3, note=words.say("differences_xlabel", baseline=label(baseline)))
    put_title(figure, _differences_title(words, rows, shown, baseline, chosen))
    return figure


def _differences_title(
    words: Language,
    rows: Mapping[str, Mapping[tuple[str, str], Mapping[str, Any]]],
    shown: Sequence[str],
    baseline: str,
    chosen: str,
) -> str:
    if len(shown) > 1:
        found = [rows[s].get((chosen, "lead_time_days")) for s in shown]
        known = [float(row["ci_high"]) for row in found if row is not None and math.isfinite(float(row["difference"]))]
        if not known:
            return words.say("figure_services_title", baseline=label(baseline), focus=label(chosen))
        shorter = sum(1 for high in known if high < 0)
        return words.say(
            "differences_title_services", baseline=label(baseline), focus=label(chosen), count=shorter,
            total=len(known),
        )  # fmt: skip
    own = rows[shown[0]]
    missing = {"difference": math.nan, "ci_low": math.nan, "ci_high": math.nan, "relative_change": math.nan}
    trips, lead = (words.direction(m, own.get((chosen, m), missing)) for m in ("trips", "lead_time_days"))
    return words.say("differences_title", baseline=label(baseline), focus=label(chosen), trips=trips, lead=lead)


# --- satisfaction ---------------------------------------------------------------------------------------------


def _element_panel(
    axes: Axes,
    means: Mapping[tuple[str, str], Mapping[str, Any]],
    elements: Sequence[str],
    names: Sequence[str],
    colours: Mapping[str, str],
    words: Language,
) -> None:
    """The mean score (1-4) of each element per configuration, over the grade bands."""
    _grade_bands(axes, 1, (1, 4))
    band = 0.8 / len(names)
    for k, element in enumerate(elements):
        centre = len(elements) - 1 - k
        for j, name in enumerate(names):
            score = mean_of(means, name, element)
            if math.isnan(score):
                continue
            axes.plot([score], [centre + 0.4 - band * (j + 0.5)], ls="", marker=marker(colours, name),
                      color=colours[name], markersize=6, markeredgecolor="#222222", markeredgewidth=0.5,
                      clip_on=False)  # fmt: skip
    axes.set_yticks(range(len(elements))[::-1], [_fill(words.element(e), 3.4) for e in elements])
    axes.set_ylim(-0.5, len(elements) - 0.5)
    axes.set_xticks([1, 2, 3, 4])
    axes.tick_params(axis="y", length=0)
    axes.set_xlabel(words.say("satisfaction_xlabel"))


def _ikm_panel(
    axes: Axes,
    means: Mapping[str, Mapping[tuple[str, str], Mapping[str, Any]]],
    services: Sequence[str],
    names: Sequence[str],
    colours: Mapping[str, str],
    words: Language,
    scenario: Scenario,
) -> None:
    """The IKM of each service per configuration, with its interval, over the grade bands."""
    band = 0.8 / len(names)
    values = []
    for k, service in enumerate(services):
        centre = len(services) - 1 - k
        for j, name in enumerate(names):
            dot = _estimate(means[service].get((name, "ikm")))
            _dots(axes, [(*dot, colours[name], marker(colours, name))], [centre + 0.4 - band * (j + 0.5)])
            values += list(dot)
    low, high = finite_limits(values, (25.0, 100.0))
    _grade_bands(axes, 25, (max(25.0, low - 4), min(100.0, high + 4)))
    labels = [_fill(service_name(scenario, s, words), 3.0) for s in services]
    axes.set_yticks(range(len(services))[::-1], labels)
    axes.set_ylim(-0.5, len(services) - 0.5)
    axes.tick_params(axis="y", length=0)
    axes.set_title(words.say("satisfaction_services_panel"), pad=14)


@styled
def satisfaction_figure(
    summary: pd.DataFrame,
    scenario: Scenario,
    lang: str = "en",
    colours: Mapping[str, str] | None = None,
    configurations: Sequence[str] | None = None,
    focus: str | None = None,
    services: Sequence[str] | None = None,
) -> Figure:
    """The mean score (1-4) of each IKM element per configuration over the grade bands, with the IKM and grade.

    Several services: first the IKM of each service, then the elements of
    every service together, said to be so.
    """
    words, names, colours = prepare(summary, lang, colours, configurations)
    shown = list(services) if services and len(services) > 1 else [services[0] if services else ALL_SERVICES]
    means = {service: keyed(summary, service) for service in [*shown, ALL_SERVICES]}
    pooled = means[ALL_SERVICES] if len(shown) > 1 else means[shown[0]]
    elements = [e for e in scenario.satisfaction.elements if (names[0], e) in pooled]
    element_height = 1.0 + 0.23 * len(elements)
    if len(shown) > 1:
        ikm_height = 0.6 + 0.1 * len(names) * len(shown) + 0.15 * len(shown)
        figure = Figure(figsize=(WIDTH, 0.6 + ikm_height + element_height + 0.2 * len(names)), layout="constrained")
        top, bottom = figure.subplots(2, 1, height_ratios=[ikm_height, element_height])
        _ikm_panel(top, means, shown, names, colours, words, scenario)
        _element_panel(bottom, pooled, elements, names, colours, words)
        bottom.set_title(words.say("satisfaction_elements_all"), pad=14)
    else:
        figure = Figure(figsize=(WIDTH, 0.25 + element_height + 0.2 * math.ceil(len(names) / 2)), layout="constrained")
        _element_panel(figure.add_subplot(), pooled, elements, names, colours, words)
    entries = []
    for name in names:
        handle = Line2D([], [], ls="", marker=marker(colours, name), color=colours[name], markeredgecolor="#222222")
        if len(shown) > 1:
            entries.append((handle, label(name)))
            continue
        ikm = mean_of(pooled, name, "ikm")
        letter, performance = words.grade(ikm, glossed=False)
        shown_ikm = f"{words.number(ikm, 1)} ({letter}, {performance})"
        entries.append((handle, words.say("satisfaction_legend", name=label(name), ikm=shown_ikm)))
    legend_below(figure, entries, columns=2 if len(shown) == 1 else 3, note=words.say("satisfaction_note"))
    chosen = focus or names[-1]
    put_title(figure, capital(_satisfaction_title(words, means, shown, names, chosen)))
    localise_ticks(figure, words)
    return figure


def _satisfaction_title(
    words: Language,
    means: Mapping[str, Mapping[tuple[str, str], Mapping[str, Any]]],
    shown: Sequence[str],
    names: Sequence[str],
    chosen: str,
) -> str:
    if len(shown) > 1 and chosen != names[0]:
        pairs = [(mean_of(means[s], names[0], "ikm"), mean_of(means[s], chosen, "ikm")) for s in shown]
        known = [(before, after) for before, after in pairs if math.isfinite(before) and math.isfinite(after)]
        if not known:
            return words.say("figure_services_title", baseline=label(names[0]), focus=label(chosen))
        lifted = sum(1 for before, after in known if after > before)
        return words.say("satisfaction_title_services", focus=label(chosen), count=lifted, total=len(known))
    own = means[shown[0]] if len(shown) == 1 else means[ALL_SERVICES]
    before, after = (mean_of(own, n, "ikm") for n in (names[0], chosen))
    graded = [f"{words.number(v, 1)} ({', '.join(words.grade(v, glossed=False))})" for v in (before, after)]
    if chosen == names[0]:
        return words.say("satisfaction_title_one", name=label(chosen), ikm=graded[0])
    key = "satisfaction_title_up" if after >= before else "satisfaction_title_down"
    return words.say(key, focus=label(chosen), before=graded[0], after=graded[1])


def _empty_figure(words: Language, text: str) -> Figure:
    """A figure with nothing to draw: its title says why."""
    figure = Figure(figsize=(WIDTH, 1.2), layout="constrained")
    figure.add_subplot().set_axis_off()
    put_title(figure, text)
    return figure


# --- queues and utilisation through the day -------------------------------------------------------------------


def _hour(hour: float) -> str:
    return f"{int(hour):02d}:00"


@styled
def queues_figure(
    hours: pd.DataFrame,
    lang: str = "en",
    colours: Mapping[str, str] | None = None,
    configurations: Sequence[str] | None = None,
) -> Figure:
    """Mean queue length by hour of day per desk: mean over replications with its 95% interval as a band."""
    words, names, colours = prepare(hours, lang, colours, configurations)
    desks = list(dict.fromkeys(hours["agency"].astype(str)))
    if not desks:
        return _empty_figure(words, words.say("not_available"))
    figure = Figure(figsize=(WIDTH, 3.4), layout="constrained")
    grid = figure.add_gridspec(2, 1, height_ratios=[2.2, 0.25 + 0.2 * math.ceil(len(names) / 3)])
    top = grid[0, 0].subgridspec(1, len(desks))
    panels = [figure.add_subplot(top[0, 0])]
    panels += [figure.add_subplot(top[0, k], sharey=panels[0]) for k in range(1, len(desks))]
    busiest = (-1.0, "", "", 0.0)
    highest = 0.0
    for axes, desk in zip(panels, desks, strict=True):
        for name in names:
            mine = hours[(hours["configuration"] == name) & (hours["agency"] == desk)]
            if mine.empty:
                continue
            stats = [(h, *interval(g["mean_queue"].to_numpy())) for h, g in mine.groupby("hour", sort=True)]
            hour, mean, low, high = (np.array(column, dtype=np.float64) for column in zip(*stats, strict=True))
            axes.fill_between(
                hour,
                np.where(np.isnan(low), mean, low),
                np.where(np.isnan(high), mean, high),
                color=colours[name],
                alpha=0.2,
                lw=0,
            )
            axes.plot(hour, mean, color=colours[name], marker=marker(colours, name), markersize=4, lw=1.8)
            highest = max(highest, float(np.nanmax(np.where(np.isnan(high), mean, high))))
            top_hour = int(np.nanargmax(mean))
            if mean[top_hour] > busiest[0]:
                busiest = (float(mean[top_hour]), name, desk, float(hour[top_hour]))
        axes.set_title(words.desk(desk))
        axes.xaxis.set_major_locator(ticker.MaxNLocator(4, integer=True))
        axes.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{int(v):02d}"))
        axes.grid(axis="y", color="#dddddd", lw=0.6)
    panels[0].set_ylabel(words.say("queues_ylabel"))
    panels[0].set_ylim(0, highest * 1.1 or 1)
    for k, axes in enumerate(panels):
        axes.set_xlabel(words.say("hour_xlabel"))
        axes.tick_params(axis="y", labelleft=k == 0)
    present = [n for n in names if n in set(hours["configuration"].astype(str))]
    handles = [
        (Line2D([], [], color=colours[n], marker=marker(colours, n), markersize=4, lw=1.8), label(n)) for n in present
    ]
    _key(figure.add_subplot(grid[1, 0]), handles, words.say("queues_note"), columns=3)
    put_title(
        figure,
        words.say(
            "queues_title",
            desk=words.desk(busiest[2]),
            name=label(busiest[1]),
            queue=words.number(busiest[0], 1),
            hour=_hour(busiest[3]),
        ),
    )
    localise_ticks(figure, words)
    return figure


@styled
def utilisation_figure(
    hours: pd.DataFrame,
    lang: str = "en",
    colours: Mapping[str, str] | None = None,
    configurations: Sequence[str] | None = None,
) -> Figure:
    """Counter utilisation by desk and hour of day (mean over replications) as a heatmap."""
    words, names, colours = prepare(hours, lang, colours, configurations)
    table = hours.groupby(["configuration", "agency", "hour"], sort=False)["counter_utilization"].mean()
    rows = [(n, d) for n in names for d in dict.fromkeys(hours.loc[hours["configuration"] == n, "agency"].astype(str))]
    hour_list = sorted(hours["hour"].unique())
    if not rows or not hour_list:
        return _empty_figure(words, words.say("not_available"))
    grid = np.array([[table.get((n, d, h), np.nan) for h in hour_list] for n, d in rows], dtype=np.float64)
    figure = Figure(figsize=(WIDTH, 1.5 + 0.3 * len(rows)), layout="constrained")
    axes = figure.add_subplot()
    image = axes.imshow(grid, aspect="auto", cmap="cividis", vmin=0, vmax=1, interpolation="nearest")
    for (r, c), share in np.ndenumerate(grid):
        if np.isfinite(share):
            axes.text(
                c,
                r,
                words.percent(share),
                ha="center",
                va="center",
                fontsize=9,
                color="black" if share > 0.55 else "white",
            )
    axes.set_xticks(range(len(hour_list)), [_hour(h) for h in hour_list])
    axes.set_yticks(range(len(rows)), [f"{label(n)} - {words.desk(d)}" for n, d in rows])
    for tick, (name, _) in zip(axes.get_yticklabels(), rows, strict=True):
        tick.set_color(colours[name])
    axes.tick_params(length=0)
    axes.spines[:].set_visible(False)
    axes.set_xlabel(words.say("hour_xlabel"))
    bar = figure.colorbar(image, ax=axes, shrink=0.9, pad=0.01)
    bar.set_label(words.say("utilisation_label"))
    bar.ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: words.percent(v)))
    r, c = np.unravel_index(np.nanargmax(grid), grid.shape) if np.isfinite(grid).any() else (0, 0)
    put_title(
        figure,
        words.say(
            "utilisation_title",
            desk=words.desk(rows[r][1]),
            name=label(rows[r][0]),
            share=words.percent(float(grid[r, c])),
            hour=_hour(hour_list[c]),
        ),
    )
    return figure


# --- lever by lever -------------------------------------------------------------------------------------------


@styled
def levers_figure(
    summary: pd.DataFrame,
    scenario: Scenario,
    lang: str = "en",
    colours: Mapping[str, str] | None = None,
    configurations: Sequence[str] | None = None,
    services: Sequence[str] | None = None,
) -> Figure:
    """A waterfall of lead time and trips along `brief.steps`: what each added lever contributes (summary means).

    Several services: a row of the two panels per service.
    """
    words, names, colours = prepare(summary, lang, colours, configurations)
    steps = lever_steps(names, scenario)
    if not steps:
        raise ValueError("the scenario's brief.steps names fewer than two configurations of this run")
    shown = list(services) if services else [ALL_SERVICES]
    labels = [words.say("levers_start", name=label(steps[0]))]
    for before, after in itertools.pairwise(steps):
        levers = lever_words(scenario, after, words, against=before, short=True) or [words.say("levers_nothing")]
        labels.append(_fill(words.say("levers_step", levers=", ".join(levers), name=label(after)), 2.7))
    labels.append(words.say("levers_end", name=label(steps[-1])))
    pitch = max(0.32, 0.16 * max(text.count("\n") + 1 for text in labels) + 0.1)
    many = len(shown) > 1
    figure = Figure(figsize=(WIDTH, 0.95 + (pitch * len(labels) + (0.35 if many else 0)) * len(shown)),
                    layout="constrained")  # fmt: skip
    grid = figure.subplots(len(shown), 2, sharey=True, squeeze=False)
    deltas: list[float] = []
    for service, panels in zip(shown, grid, strict=True):
        means = keyed(summary, service)
        for axes, metric in zip(panels, ("lead_time_days", "trips"), strict=True):
            found = _waterfall(axes, [mean_of(means, name, metric) for name in steps], steps, colours, words, metric)
            if metric == "lead_time_days" and not many:
                deltas = found
            axes.set_xlabel(words.say("levers_lead" if metric == "lead_time_days" else "levers_trips"))
            axes.grid(axis="x", color="#dddddd", lw=0.6)
            axes.set_yticks(list(range(len(steps) + 1))[::-1], labels)
            axes.tick_params(axis="y", length=0)
            if many:
                axes.set_title(service_name(scenario, service, words), fontsize=10)
    finite = [d for d in deltas if np.isfinite(d)]
    if finite and min(finite) < 0:
        k = deltas.index(min(finite))
        put_title(
            figure, words.say("levers_title", name=label(steps[k + 1]), delta=words.localise(f"{deltas[k]:+.2f}"))
        )
    else:
        put_title(figure, words.say("levers_title_flat"))
    localise_ticks(figure, words)
    return figure


def _waterfall(
    axes: Axes, values: Sequence[float], steps: Sequence[str], colours: Mapping[str, str], words: Language, metric: str
) -> list[float]:
    """Bars from the first step's value through each step's change to the last; returns the changes."""
    y = list(range(len(steps) + 1))[::-1]
    deltas = []
    if not all(np.isfinite(values)):
        nothing_to_show(axes, words.value(metric, math.nan))
        axes.set_xlim(0, 1)
        return [math.nan] * (len(steps) - 1)
    axes.barh(y[0], values[0], color=colours[steps[0]], height=0.6)
    axes.text(values[0], y[0], " " + words.value(metric, values[0]), va="center", fontsize=9)
    for k in range(1, len(steps)):
        low, high = sorted((values[k - 1], values[k]))
        axes.barh(y[k], high - low, left=low, color=colours[steps[k]], height=0.6, edgecolor="#222222", lw=0.5)
        axes.plot([values[k - 1]] * 2, [y[k - 1] - 0.3, y[k] + 0.3], color="#888888", lw=0.8, ls=":")
        delta = values[k] - values[k - 1]
        axes.text(high, y[k], " " + words.localise(f"{delta:+.2f}"), va="center", fontsize=9)
        deltas.append(delta)
    axes.plot([values[-1]] * 2, [y[-2] - 0.3, y[-1] + 0.3], color="#888888", lw=0.8, ls=":")
    axes.barh(y[-1], values[-1], color=colours[steps[-1]], height=0.6, edgecolor="#222222", lw=0.5)
    axes.text(values[-1], y[-1], " " + words.value(metric, values[-1]), va="center", fontsize=9)
    axes.set_xlim(0, max(values) * 1.25 or 1)
    return deltas
