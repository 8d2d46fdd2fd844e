"""Figures of studies: each headline metric along a sweep, and the warm-up cut.

Like `plots.py`, these take result frames and return Figures; the `*_figures`
functions save them into a study folder's `figures/`.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd
from matplotlib import ticker
from matplotlib.figure import Figure

from simulator.analysis.metrics import HEADLINE
from simulator.experiments.sweeps import SweepResults
from simulator.experiments.warmup import SERIES, WarmupStudy
from simulator.report import plots
from simulator.report.language import language
from simulator.report.levers import label


@plots.styled
def sweep_figure(
    table: pd.DataFrame,
    metric: str,
    parameters: Sequence[str],
    configurations: Sequence[str],
    lang: str = "en",
    colours: Mapping[str, str] | None = None,
) -> Figure:
    """One metric (every service together) against the first parameter: a curve with its 95% band per configuration.

    Each combination of the other parameters gets a panel of its own. `colours`
    (default: by the order of `configurations`) should be the scenario's, as in
    the figures of a run (`plots.palette(configurations, scenario)`).
    """
    words = language(lang)
    colours = colours or plots.palette(configurations)
    table = plots.of_service(table)
    rows = table[table["metric"] == metric]
    along, others = parameters[0], list(parameters[1:])
    panels = list(rows.groupby(others, sort=True)) if others else [((), rows)]
    figure = Figure(figsize=(plots.WIDTH, 2.6 * len(panels) + 0.9), layout="constrained")
    scale = 100 if words.unit(metric) == "%" else 1
    for k, (values, panel) in enumerate(panels):
        axes = figure.add_subplot(len(panels), 1, k + 1)
        for name in configurations:
            curve = panel[panel["configuration"] == name].sort_values(along)
            x = curve[along].to_numpy()
            axes.plot(x, scale * curve["mean"], color=colours[name], marker=plots.marker(colours, name),
                      label=label(name))  # fmt: skip
            axes.fill_between(x, scale * curve["ci_low"], scale * curve["ci_high"], color=colours[name], alpha=0.2)
        settings = values if isinstance(values, tuple) else (values,)
        if others:
            axes.set_title(", ".join(f"{path} = {value}" for path, value in zip(others, settings, strict=True)))
        unit = words.unit(metric)
        axes.set_ylabel(f"{words.metric_label(metric)}" + (f" ({unit})" if unit else ""))
        axes.set_xlabel(along)
        axes.grid(alpha=0.3)
        if pd.api.types.is_integer_dtype(curve[along]):
            axes.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
    figure.axes[0].legend(loc="best", fontsize=plots.SMALLEST_FONT)
    plots.put_title(figure, words.say("sweep_title", metric=words.metric_label(metric), path=along))
    return figure


@plots.styled
def warmup_figure(
    series: pd.DataFrame,
    cuts: pd.DataFrame,
    suggestion: int,
    lang: str = "en",
    colours: Mapping[str, str] | None = None,
) -> Figure:
    """The daily means of a long run from empty, with where MSER-5 cuts each, and the suggestion."""
    words = language(lang)
    configurations = list(dict.fromkeys(series["configuration"]))
    colours = colours or plots.palette(configurations)
    figure = Figure(figsize=(plots.WIDTH, 5.4), layout="constrained")
    for k, metric in enumerate(SERIES):
        axes = figure.add_subplot(len(SERIES), 1, k + 1)
        for name in configurations:
            line = series[(series["configuration"] == name) & (series["metric"] == metric)].sort_values("day")
            axes.plot(line["day"], line["value"], color=colours[name], label=label(name), linewidth=1.2)
            cut = cuts[(cuts["configuration"] == name) & (cuts["metric"] == metric)]["cut"]
            if len(cut) and int(cut.iloc[0]):
                axes.axvline(int(cut.iloc[0]), color=colours[name], linestyle=":", linewidth=1)
        axes.axvline(suggestion, color="black", linestyle="--", linewidth=1.2,
                     label=words.say("warmup_suggestion", days=suggestion))  # fmt: skip
        unit = words.unit(metric)
        axes.set_ylabel(f"{words.metric_label(metric)}" + (f" ({unit})" if unit else ""))
        axes.grid(alpha=0.3)
    figure.axes[-1].set_xlabel(words.say("warmup_day"))
    figure.axes[0].legend(loc="best", fontsize=plots.SMALLEST_FONT)
    plots.put_title(figure, words.say("warmup_title", days=suggestion))
    return figure


def sweep_figures(results: SweepResults, lang: str, folder: Path) -> list[Path]:
    """A figure per headline metric in `folder/figures/`."""
    target = folder / "figures"
    target.mkdir(exist_ok=True)
    paths = [parameter.path for parameter in results.parameters]
    colours = plots.palette(results.configurations, results.scenario)
    return list(itertools.chain.from_iterable(
        plots.save(sweep_figure(results.table, metric, paths, results.configurations, lang, colours), target, metric)[0]
        for metric in HEADLINE
    ))  # fmt: skip


def warmup_figures(study: WarmupStudy, lang: str, folder: Path) -> list[Path]:
    """The warm-up figure in `folder/figures/`."""
    target = folder / "figures"
    target.mkdir(exist_ok=True)
    configurations = list(dict.fromkeys(study.series["configuration"].astype(str)))
    colours = plots.palette(configurations, study.scenario)
    return plots.save(warmup_figure(study.series, study.cuts, study.suggestion, lang, colours), target, "warmup")[0]
