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

from simulator.language import Language, language
from simulator.scenario import Levers, Scenario
from simulator.statistics import interval

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
DIFFERENCE_METRICS = (
    "wait_minutes",
    "lead_time_days",
    "trips",
    "rejections",
    "citizen_cost",
    "ikm",
)

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
    """Write `name`.png and `name`.svg; returns their paths and the PNG's bytes."""
    with mpl.rc_context(STYLE):  # type: ignore[arg-type]
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", metadata={"Software": None})
        png = buffer.getvalue()
        (folder / f"{name}.png").write_bytes(png)
        figure.savefig(folder / f"{name}.svg", format="svg", metadata={"Date": None})
    return [folder / f"{name}.png", folder / f"{name}.svg"], png


def palette(configurations: Sequence[str]) -> dict[str, str]:
    """A fixed colour per configuration, by its place in the run (the first is the reference)."""
    return {name: OKABE_ITO[k % len(OKABE_ITO)] for k, name in enumerate(configurations)}


def marker_of(configurations: Sequence[str], name: str) -> str:
    """A marker shape per configuration, so that figures also read in grey."""
    return MARKERS[list(configurations).index(name) % len(MARKERS)]


def label(configuration: str) -> str:
    """A configuration as the reader sees it: 'one_stop' -> 'one stop'."""
    return configuration.replace("_", " ")


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


def _lever_phrase(lever: str, setting: object, lang: Language, short: bool = False) -> str:
    key = f"lever_{lever}_{str(setting).lower()}"
    return lang.say(f"short_{key}" if short and f"short_{key}" in lang.words else key)


def lever_words(
    scenario: Scenario, configuration: str, lang: Language, against: str | None = None, short: bool = False
) -> list[str]:
    """A configuration's levers in words; with `against`, only what differs from that configuration.

    `short` gives the few words a figure's label has room for.
    """
    own = scenario.configurations[configuration]
    other = scenario.configurations[against] if against is not None else None
    levers: Levers = own.levers
    words = [
        _lever_phrase(lever, setting, lang, short)
        for lever, setting in levers._asdict().items()
        if other is None or getattr(other.levers, lever) != setting
    ]
    if (other is None and own.online_share) or (other is not None and other.online_share != own.online_share):
        words.append(lang.say("short_lever_online" if short else "lever_online", share=lang.percent(own.online_share)))
    counters = own.front_office_counters
    if levers.front_office == "single" and counters and (other is None or other.front_office_counters != counters):
        words.append(lang.say("short_lever_counters" if short else "lever_counters", count=counters))
    changed = [
        *(f"{lang.desk(step)}" for changes in own.services.values() for step in changes.steps),
        *(lang.desk(agency) for agency in own.agencies),
        *(lang.desk(document) for document in own.documents),
    ]
    if changed and (
        other is None
        or (own.services, own.agencies, own.documents) != (other.services, other.agencies, other.documents)
    ):
        words.append(lang.say("lever_changes", what=lang.listing(changed)))
    return words


def keyed(summary: pd.DataFrame) -> dict[tuple[str, str], dict[str, Any]]:
    """The rows of summary.csv or comparison.csv by (configuration, metric)."""
    rows: list[dict[str, Any]] = summary.to_dict("records")  # type: ignore[assignment]
    return {(str(row["configuration"]), str(row["metric"])): row for row in rows}


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


def _localise_ticks(figure: Figure, lang: Language) -> None:
    """Plain number ticks with the language's decimal separator."""
    for axes in figure.axes:
        for axis in (axes.xaxis, axes.yaxis):
            if isinstance(axis.get_major_formatter(), ticker.ScalarFormatter):
                axis.set_major_formatter(ticker.FuncFormatter(lambda v, _: lang.localise(f"{v:g}")))


def prepare(
    frame: pd.DataFrame, lang: str, colours: Mapping[str, str] | None, configurations: Sequence[str] | None
) -> tuple[Language, list[str], Mapping[str, str]]:
    names = list(configurations) if configurations is not None else order(frame)
    return language(lang), names, colours if colours is not None else palette(names)


# --- lead-time distribution -----------------------------------------------------------------------------------


@styled
def lead_time_figure(
    citizens: pd.DataFrame,
    scenario: Scenario,
    lang: str = "en",
    colours: Mapping[str, str] | None = None,
    configurations: Sequence[str] | None = None,
) -> Figure:
    """The share of completed citizens done by each lead time (ECDF) with the service standard marked.

    One service: one panel, each configuration's share within the standard in
    the legend. Several: a panel per service, side by side, with the shares of
    the reference and the focus configuration written on each.
    """
    words, names, colours = prepare(citizens, lang, colours, configurations)
    done = citizens[citizens["outcome"] == "completed"]
    services = [sid for sid in scenario.services if sid in set(done["service"].astype(str))]
    baseline, focus = names[0], _focus_in(names, scenario)
    many = len(services) > 1
    columns = min(3, len(services))
    rows = math.ceil(len(services) / columns)
    figure = Figure(figsize=(WIDTH, 0.75 + (2.1 if many else 1.6) * rows + (0.35 if many else 0)), layout="constrained")
    panels = figure.subplots(rows, columns, squeeze=False, sharey=True).ravel()
    for axes in panels[len(services) :]:
        axes.set_axis_off()
    for axes, service in zip(panels, services, strict=False):
        mine = done[done["service"] == service]
        standard = scenario.services[service].standard_days
        within = {}
        for name in names:
            days = np.sort(mine.loc[mine["configuration"] == name, "lead_time_days"].to_numpy(dtype=np.float64))
            if len(days) == 0:
                continue
            within[name] = float(np.mean(days <= standard))
            legend = words.say("lead_legend", name=label(name), share=words.percent(within[name]))
            steps = np.arange(len(days) + 1) / len(days)
            axes.step(np.r_[0, days], steps, where="post", color=colours[name], lw=2, label=legend)
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
        axes.set_xlim(left=0)
        axes.grid(axis="y", color="#dddddd", lw=0.6)
        if many:
            shown = [n for n in dict.fromkeys([baseline, focus]) if n in within]
            listed = ", ".join(f"{label(n)} {words.percent(within[n])}" for n in shown)
            title = f"{scenario.services[service].name or service}\n{words.say('lead_within')}: {listed}"
            axes.set_title("\n".join(_fill(part, WIDTH / columns - 0.4, 10) for part in title.split("\n")), pad=16)
        else:
            axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), borderaxespad=0)
    for axes in panels[::columns]:
        axes.set_ylabel(words.say("lead_ylabel"))
    for axes in panels[: len(services)]:
        axes.set_xlabel(words.say("lead_xlabel_short" if many else "lead_xlabel"))
    if many:
        lines = [(Line2D([], [], color=colours[n], lw=2), label(n)) for n in names]
        legend_below(figure, lines, columns=legend_columns([text for _, text in lines]))
    shares = {
        name: float(done.loc[done["configuration"] == name, "within_standard"].astype(float).mean())
        for name in (baseline, focus)
    }
    key = "lead_title_many" if many else "lead_title"
    standard_text = words.localise(f"{scenario.services[services[0]].standard_days:g}")
    if focus == baseline:
        text = words.say(f"{key}_one", days=standard_text, share=words.percent(shares[baseline]), name=label(baseline))
    else:
        text = words.say(
            key,
            days=standard_text,
            before=words.percent(shares[baseline]),
            baseline=label(baseline),
            after=words.percent(shares[focus]),
            focus=label(focus),
        )
    put_title(figure, text)
    _localise_ticks(figure, words)
    return figure


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
    """Means with their intervals: rows of (mean, low, high, colour, marker) at `positions`."""
    for (mean, low, high, colour, marker), y in zip(rows, positions, strict=True):
        spread = None if math.isnan(low) else [[mean - low], [high - mean]]
        axes.errorbar(
            [mean],
            [y],
            xerr=spread,
            fmt=marker,
            color=colour,
            markersize=7,
            capsize=3,
            lw=1.5,
            markeredgecolor="#222222",
            markeredgewidth=0.6,
        )


@styled
def headline_figure(
    summary: pd.DataFrame,
    lang: str = "en",
    colours: Mapping[str, str] | None = None,
    configurations: Sequence[str] | None = None,
    focus: str | None = None,
) -> Figure:
    """Wait, lead time, trips and IKM per configuration: mean and 95% interval over replications."""
    words, names, colours = prepare(summary, lang, colours, configurations)
    means = keyed(summary)
    figure = Figure(figsize=(WIDTH, 1.6 + 0.55 * len(names)), layout="constrained")
    panels = figure.subplots(2, 2, sharey=True).ravel()
    positions = list(range(len(names)))[::-1]
    for axes, metric in zip(panels, TIMELINE_METRICS, strict=True):
        rows = [
            (
                float(means[(n, metric)]["mean"]),
                float(means[(n, metric)]["ci_low"]),
                float(means[(n, metric)]["ci_high"]),
                colours[n],
                marker_of(names, n),
            )
            for n in names
        ]
        if metric == "ikm":
            low = min(r[0] if math.isnan(r[1]) else r[1] for r in rows)
            high = max(r[0] if math.isnan(r[2]) else r[2] for r in rows)
            _grade_bands(axes, 25, (max(25, low - 4), min(100, high + 4)))
        else:
            axes.set_xlim(left=0, right=max(r[0] if math.isnan(r[2]) else r[2] for r in rows) * 1.15 or 1)
        _dots(axes, rows, positions)
        axes.set_title(words.say(f"headline_{metric}"), pad=14 if metric == "ikm" else 6)
        axes.grid(axis="x", color="#dddddd", lw=0.6)
        axes.set_yticks(positions, [label(n) for n in names])
        axes.set_ylim(-0.6, len(names) - 0.4)
    for axes in panels[::2]:
        for tick, name in zip(axes.get_yticklabels(), names, strict=True):
            tick.set_color(colours[name])
    figure.supxlabel(words.say("headline_note"), fontsize=9, color="#333333")
    chosen = focus or names[-1]
    lead = [words.value("lead_time_days", float(means[(n, "lead_time_days")]["mean"])) for n in (names[0], chosen)]
    trips = [words.value("trips", float(means[(n, "trips")]["mean"])) for n in (names[0], chosen)]
    if chosen == names[0]:
        text = words.say("headline_title_one", name=label(chosen), lead=lead[0], trips=trips[0])
    else:
        text = words.say(
            "headline_title",
            focus=label(chosen),
            baseline=label(names[0]),
            lead_before=lead[0],
            lead_after=lead[1],
            trips_before=trips[0],
            trips_after=trips[1],
        )
    put_title(figure, capital(text))
    _localise_ticks(figure, words)
    return figure


# --- differences against the baseline -------------------------------------------------------------------------


@styled
def differences_figure(
    comparison: pd.DataFrame,
    lang: str = "en",
    colours: Mapping[str, str] | None = None,
    configurations: Sequence[str] | None = None,
    focus: str | None = None,
) -> Figure:
    """Each configuration's relative change against the baseline per metric, with the paired 95% interval."""
    words = language(lang)
    baseline = str(comparison["baseline"].iloc[0])
    names = [n for n in (configurations or [baseline, *order(comparison)]) if n != baseline]
    colours = colours if colours is not None else palette([baseline, *names])
    every = [baseline, *names]
    rows = {(str(r["configuration"]), str(r["metric"])): r for r in comparison.to_dict("records")}
    metrics = [
        m
        for m in DIFFERENCE_METRICS
        if any((n, m) in rows and np.isfinite(rows[(n, m)]["relative_change"]) for n in names)
    ]
    figure = Figure(
        figsize=(WIDTH, 1.4 + 0.12 * len(metrics) * max(len(names), 3) + 0.2 * math.ceil(len(names) / 3)),
        layout="constrained",
    )
    axes = figure.add_subplot()
    band = 0.8 / max(len(names), 1)
    lowest, highest = 1.0, 1.0
    for k, metric in enumerate(metrics):
        centre = len(metrics) - 1 - k
        if k % 2 == 0:
            axes.axhspan(centre - 0.5, centre + 0.5, color="#f3f3f3", zorder=0, lw=0)
        for j, name in enumerate(names):
            row = rows.get((name, metric))
            if row is None or not np.isfinite(row["relative_change"]):
                continue
            ratio = 1 + np.array([row["relative_change"], row["relative_ci_low"], row["relative_ci_high"]])
            ratio = np.where(np.isfinite(ratio), np.maximum(ratio, 0.01), np.nan)
            y = centre + 0.4 - band * (j + 0.5)
            _dots(axes, [(ratio[0], ratio[1], ratio[2], colours[name], marker_of(every, name))], [y])
            lowest, highest = min(lowest, np.nanmin(ratio)), max(highest, np.nanmax(ratio))
    axes.axvline(1, color="#333333", lw=1)
    axes.set_xscale("log")
    candidates = [0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 20]
    if highest / lowest > 4:
        candidates = [c for c in candidates if c not in (0.75, 1.5)]
    axes.set_xlim(lowest / 1.15, highest * 1.15)
    axes.xaxis.set_major_locator(ticker.FixedLocator([c for c in candidates if lowest / 1.15 <= c <= highest * 1.15]))
    axes.xaxis.set_minor_locator(ticker.NullLocator())
    axes.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: words.percent(v - 1, signed=v != 1)))
    axes.set_yticks(range(len(metrics))[::-1], [words.metric_label(m) for m in metrics])
    axes.set_ylim(-0.5, len(metrics) - 0.5)
    axes.tick_params(axis="y", length=0)
    axes.grid(axis="x", color="#dddddd", lw=0.6)
    axes.set_xlabel(words.say("differences_xlabel", baseline=label(baseline)))
    handles = [
        (
            Line2D(
                [], [], ls="", marker=marker_of(every, n), color=colours[n], markeredgecolor="#222222", markersize=7
            ),
            label(n),
        )
        for n in names
    ]
    legend_below(figure, handles, columns=3)
    chosen = focus or names[-1]
    change = {
        m: words.percent(rows[(chosen, m)]["relative_change"], signed=True) if (chosen, m) in rows else "-"
        for m in ("trips", "lead_time_days")
    }
    put_title(
        figure,
        words.say(
            "differences_title",
            baseline=label(baseline),
            focus=label(chosen),
            trips=change["trips"],
            lead=change["lead_time_days"],
        ),
    )
    return figure


# --- satisfaction ---------------------------------------------------------------------------------------------


@styled
def satisfaction_figure(
    summary: pd.DataFrame,
    scenario: Scenario,
    lang: str = "en",
    colours: Mapping[str, str] | None = None,
    configurations: Sequence[str] | None = None,
    focus: str | None = None,
) -> Figure:
    """The mean score (1-4) of each IKM element per configuration over the grade bands, with the IKM and grade."""
    words, names, colours = prepare(summary, lang, colours, configurations)
    means = keyed(summary)
    elements = [e for e in scenario.satisfaction.elements if (names[0], e) in means]
    figure = Figure(
        figsize=(WIDTH, 1.25 + 0.23 * len(elements) + 0.2 * math.ceil(len(names) / 2)), layout="constrained"
    )
    axes = figure.add_subplot()
    _grade_bands(axes, 1, (1, 4))
    band = 0.8 / len(names)
    for k, element in enumerate(elements):
        centre = len(elements) - 1 - k
        for j, name in enumerate(names):
            row = means[(name, element)]
            y = centre + 0.4 - band * (j + 0.5)
            axes.plot(
                [row["mean"]],
                [y],
                ls="",
                marker=marker_of(names, name),
                color=colours[name],
                markersize=6,
                markeredgecolor="#222222",
                markeredgewidth=0.5,
                clip_on=False,
            )
    axes.set_yticks(range(len(elements))[::-1], [_fill(words.element(e), 3.4) for e in elements])
    axes.set_ylim(-0.5, len(elements) - 0.5)
    axes.set_xticks([1, 2, 3, 4])
    axes.tick_params(axis="y", length=0)
    axes.set_xlabel(words.say("satisfaction_xlabel"))
    entries = []
    for name in names:
        ikm = float(means[(name, "ikm")]["mean"])
        letter, performance = words.grade(ikm, glossed=False)
        shown = f"{words.number(ikm, 1)} ({letter}, {performance})"
        handle = Line2D([], [], ls="", marker=marker_of(names, name), color=colours[name], markeredgecolor="#222222")
        entries.append((handle, words.say("satisfaction_legend", name=label(name), ikm=shown)))
    legend_below(figure, entries, columns=2, note=words.say("satisfaction_note"))
    chosen = focus or names[-1]
    before, after = (float(means[(n, "ikm")]["mean"]) for n in (names[0], chosen))
    graded = [f"{words.number(v, 1)} ({', '.join(words.grade(v, glossed=False))})" for v in (before, after)]
    if chosen == names[0]:
        put_title(figure, words.say("satisfaction_title_one", name=label(chosen), ikm=graded[0]))
    else:
        key = "satisfaction_title_up" if after >= before else "satisfaction_title_down"
        put_title(figure, capital(words.say(key, focus=label(chosen), before=graded[0], after=graded[1])))
    _localise_ticks(figure, words)
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
            axes.plot(hour, mean, color=colours[name], marker=marker_of(names, name), markersize=4, lw=1.8)
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
        (Line2D([], [], color=colours[n], marker=marker_of(names, n), markersize=4, lw=1.8), label(n)) for n in present
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
    _localise_ticks(figure, words)
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
) -> Figure:
    """A waterfall of lead time and trips along `brief.steps`: what each added lever contributes (summary means)."""
    words, names, colours = prepare(summary, lang, colours, configurations)
    steps = lever_steps(names, scenario)
    if not steps:
        raise ValueError("the scenario's brief.steps names fewer than two configurations of this run")
    means = keyed(summary)
    labels = [words.say("levers_start", name=label(steps[0]))]
    for before, after in itertools.pairwise(steps):
        levers = lever_words(scenario, after, words, against=before, short=True) or [words.say("levers_nothing")]
        labels.append(_fill(words.say("levers_step", levers=", ".join(levers), name=label(after)), 2.7))
    labels.append(words.say("levers_end", name=label(steps[-1])))
    pitch = max(0.32, 0.16 * max(text.count("\n") + 1 for text in labels) + 0.1)
    figure = Figure(figsize=(WIDTH, 0.95 + pitch * len(labels)), layout="constrained")
    panels = figure.subplots(1, 2, sharey=True)
    deltas: list[float] = []
    for axes, metric in zip(panels, ("lead_time_days", "trips"), strict=True):
        values = [float(means[(name, metric)]["mean"]) for name in steps]
        y = list(range(len(steps) + 1))[::-1]
        axes.barh(y[0], values[0], color=colours[steps[0]], height=0.6)
        axes.text(values[0], y[0], " " + words.value(metric, values[0]), va="center", fontsize=9)
        for k in range(1, len(steps)):
            low, high = sorted((values[k - 1], values[k]))
            axes.barh(y[k], high - low, left=low, color=colours[steps[k]], height=0.6, edgecolor="#222222", lw=0.5)
            axes.plot([values[k - 1]] * 2, [y[k - 1] - 0.3, y[k] + 0.3], color="#888888", lw=0.8, ls=":")
            delta = values[k] - values[k - 1]
            axes.text(high, y[k], " " + words.localise(f"{delta:+.2f}"), va="center", fontsize=9)
            if metric == "lead_time_days":
                deltas.append(delta)
        axes.plot([values[-1]] * 2, [y[-2] - 0.3, y[-1] + 0.3], color="#888888", lw=0.8, ls=":")
        axes.barh(y[-1], values[-1], color=colours[steps[-1]], height=0.6, edgecolor="#222222", lw=0.5)
        axes.text(values[-1], y[-1], " " + words.value(metric, values[-1]), va="center", fontsize=9)
        axes.set_xlim(0, max(values) * 1.25)
        axes.set_xlabel(words.say("levers_lead" if metric == "lead_time_days" else "levers_trips"))
        axes.grid(axis="x", color="#dddddd", lw=0.6)
        axes.set_yticks(y, labels)
        axes.tick_params(axis="y", length=0)
    if deltas and min(deltas) < 0:
        k = int(np.argmin(deltas))
        put_title(
            figure, words.say("levers_title", name=label(steps[k + 1]), delta=words.localise(f"{deltas[k]:+.2f}"))
        )
    else:
        put_title(figure, words.say("levers_title_flat"))
    _localise_ticks(figure, words)
    return figure
