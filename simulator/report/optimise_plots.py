"""Figures of an optimisation: the staff cost a month against each metric that matters, every staffing simulated.

Like `plots.py`, these take the result and return Figures (never simulating);
`frontier_figures` saves them into the optimise run folder's `figures/`, and
`staffing_figure` is the policy brief's: against the IKM and the 90th-percentile
wait side by side.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib import ticker
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from simulator.experiments.optimise import Optimum
from simulator.experiments.optimise_question import ALL, MONTHLY
from simulator.report import plots
from simulator.report.optimise_text import Words

FEASIBLE, NOT_FEASIBLE, CHOSEN = plots.OKABE_ITO[4], plots.OKABE_ITO[0], "#000000"
MOST_LABELS = 40
"""Points are named by their staffing when there are at most this many (else only the chosen one)."""
ALWAYS = (("ikm", ALL), ("wait_minutes_p90", ALL))
"""Every optimisation draws these two: cost against satisfaction, and against the long waits."""


@plots.styled
def frontier_figure(optimum: Optimum, metric: str, service: str = ALL, lang: str = "en") -> Figure:
    """Each staffing simulated at its monthly staff cost and its mean `metric` with its interval.

    Feasible staffings are filled, the others hollow, the chosen one a star;
    a requirement on the metric is a dashed line, the budget a dotted one.
    """
    words = Words(lang)
    figure = Figure(figsize=(plots.WIDTH, 4.2), layout="constrained")
    axes = figure.add_subplot()
    simulated = _frontier(axes, optimum, metric, service, words, name_all=True)
    axes.legend(loc="best", fontsize=plots.SMALLEST_FONT)
    plots.put_title(figure, words.say("frontier_title", metric=words.metric(metric, service), count=simulated))
    plots.localise_ticks(figure, words.base)
    return figure


@plots.styled
def staffing_figure(optimum: Optimum, lang: str = "en") -> Figure:
    """The policy brief's figure: the monthly staff cost against the IKM and against the 90th-percentile wait.

    Two panels of `frontier_figure`, side by side, with one legend below them;
    only the chosen staffing is named (the brief's text names it too).
    """
    words = Words(lang)
    figure = Figure(figsize=(plots.WIDTH, 3.9), layout="constrained")
    panels = figure.subplots(1, 2)
    simulated = 0
    for axes, (metric, service) in zip(panels, ALWAYS, strict=True):
        simulated = _frontier(axes, optimum, metric, service, words, name_all=False)
    legend: dict[str, Artist] = {}
    for axes in panels:
        handles, texts = axes.get_legend_handles_labels()
        legend |= {text: handle for handle, text in zip(handles, texts, strict=True) if text not in legend}
    figure.legend(list(legend.values()), list(legend), loc="outside lower center", fontsize=plots.SMALLEST_FONT,
                  ncols=plots.legend_columns(list(legend)))  # fmt: skip
    names = words.base.listing([words.metric(metric, service) for metric, service in ALWAYS])
    plots.put_title(figure, words.say("frontier_title", metric=names, count=simulated))
    plots.localise_ticks(figure, words.base)
    return figure


def _frontier(axes: Axes, optimum: Optimum, metric: str, service: str, words: Words, name_all: bool) -> int:
    """Draw the staffings simulated on `axes` (see `frontier_figure`); the number drawn.

    Each point is named by its staffing (in the order of --vary) when `name_all`
    and there are at most `MOST_LABELS`; else only the chosen one is.
    """
    label = metric if service == ALL else f"{metric}[{service}]"
    table = optimum.candidates
    scale = 100 if words.unit(metric) == "%" else 1
    simulated = table[table["replications"] > 0] if len(table) else table
    for feasible, colour, name in ((True, FEASIBLE, "feasible"), (False, NOT_FEASIBLE, "not_feasible")):
        rows = simulated[(simulated["status"] == "feasible") == feasible]
        if not len(rows):
            continue
        y = scale * rows[label].to_numpy(dtype=float)
        low = scale * rows[f"{label}_ci_low"].to_numpy(dtype=float)
        high = scale * rows[f"{label}_ci_high"].to_numpy(dtype=float)
        spread = np.nan_to_num(np.vstack([y - low, high - y]), nan=0.0)
        axes.errorbar(rows[MONTHLY], y, yerr=spread, fmt="o", color=colour, ecolor=colour, elinewidth=0.8,
                      capsize=2, markerfacecolor=colour if feasible else "white", label=words.say(name))  # fmt: skip
    chosen = simulated[simulated["chosen"]] if len(simulated) else simulated
    if len(chosen):
        axes.plot(chosen[MONTHLY], scale * chosen[label].astype(float), marker="*", markersize=15, linestyle="none",
                  color=CHOSEN, label=words.say("chosen"))  # fmt: skip
    paths = [variable.given for variable in optimum.question.variables]
    named = simulated if name_all and len(simulated) <= MOST_LABELS else chosen
    for row in named.to_dict("records"):
        axes.annotate(", ".join(str(row[path]) for path in paths), (row[MONTHLY], scale * row[label]),
                      xytext=(5, 3), textcoords="offset points", fontsize=plots.SMALLEST_FONT - 1.5,
                      color="0.3")  # fmt: skip
    for requirement in optimum.question.requirements:
        if (requirement.metric, requirement.service) == (metric, service):
            axes.axhline(scale * requirement.threshold, color="0.35", linestyle="--", linewidth=1,
                         label=f"{words.say('required')}: {requirement.text}")  # fmt: skip
    if optimum.question.budget is not None:
        axes.axvline(optimum.question.budget, color="0.35", linestyle=":", linewidth=1.2,
                     label=f"{words.say('budget_line')}: {words.money(optimum.question.budget)}")  # fmt: skip
    unit = words.unit(metric)
    axes.set_ylabel(words.label(metric, service) + (f" ({unit})" if unit else ""))
    largest = float(table[MONTHLY].max()) if len(table) else 0.0
    digits = 6 if largest >= 1e7 else 3 if largest >= 1e4 else 0
    scale_word = f" ({words.say(f'axis_scale_{digits}')})" if digits else ""
    axes.set_xlabel(words.say("axis_cost") + scale_word)
    axes.xaxis.set_major_formatter(ticker.FuncFormatter(lambda x, _: words.base.localise(f"{x / 10**digits:,g}")))
    axes.grid(alpha=0.3)
    return len(simulated)


def frontier_metrics(optimum: Optimum) -> list[tuple[str, str]]:
    """The IKM, the 90th-percentile wait, then each requirement's and the objective's metric."""
    question = optimum.question
    keys = [*ALWAYS, *((r.metric, r.service) for r in question.requirements)]
    if question.objective.metric != MONTHLY:
        keys.append((question.objective.metric, question.objective.service))
    return list(dict.fromkeys(keys))


def frontier_figures(optimum: Optimum, lang: str, folder: Path) -> list[Path]:
    """`figures/frontier_<metric>[_<service>]` (PNG and SVG) for each of `frontier_metrics`."""
    target = folder / "figures"
    target.mkdir(exist_ok=True)
    written = []
    for metric, service in frontier_metrics(optimum):
        name = f"frontier_{metric}" + ("" if service == ALL else f"_{service}")
        written += plots.save(frontier_figure(optimum, metric, service, lang), target, name)[0]
    return written
