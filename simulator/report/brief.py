"""Figures + statistics -> the policy brief, as one self-contained HTML file and a PDF of two A4 pages.

`make_figures_and_brief(folder)` reads a finished run folder, writes every
figure as PNG and SVG into `folder/figures/` and `brief.html` and `brief.pdf`
into the folder. Given optimisations of the same scenario (`optima`), the
brief gets a staffing section: each one's answer, its guarantee in one
sentence and its frontier (`figures/staffing_<n>`). The same folder always
gives the same bytes: SVG ids are salted by a fixed string and the PDF's only
date is the run's end, from the manifest.
"""

from __future__ import annotations

import base64
import dataclasses
import html
import io
import itertools
import math
import multiprocessing
import re
import signal
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.image import imread
from matplotlib.lines import Line2D

from simulator.analysis.statistics import FEW_REPLICATIONS
from simulator.experiments.executors import default_workers
from simulator.experiments.optimise import Optimum
from simulator.report import optimise_text, plots, timeline
from simulator.report.language import POINTS, Language, language
from simulator.report.levers import configuration_lines, label
from simulator.report.optimise_plots import staffing_figure
from simulator.scenario.loading import RunFolder, read_run
from simulator.scenario.schema import ALL_SERVICES, Scenario

FINDINGS = ("lead_time_days", "wait_minutes", "trips", "within_standard_share", "ikm")
"""The metrics of the headline sentences, in the order a reader wants them."""
FINDINGS_MANY = ("lead_time_days", "trips", "ikm")
"""The sentences of each service when a brief tells of three or more (two pages hold no more)."""
TABLE = ("wait_minutes", "lead_time_days", "within_standard_share", "trips", "ikm", "abandoned_share")
"""The columns of the key table."""
BUSY = 0.95
"""Utilisation above which a desk or back office is flagged: its queue may not settle."""
GIVING_UP = 0.05
"""Share of applicants giving up above which a configuration is flagged."""
IN_BRIEF = ("timeline", "levers", "lead_time", "satisfaction")
"""The four figures of the brief (`differences` stands in for `levers` when the scenario has no brief.steps)."""
A4 = (8.27, 11.69)
"""Inches."""
MARGIN = 0.42
FOOTER = 0.25
BODY = 8.8
"""Point size of the PDF's text."""
MIN_SCALE = 0.5
"""Figures are never drawn smaller than half their saved size."""


@dataclass(frozen=True)
class Cell:
    """A table cell: the mean and its 95% interval, as shown."""

    mean: str
    interval: str


@dataclass
class Brief:
    """The brief's content, in one language, before it is laid out as HTML or PDF."""

    lang: Language
    title: str
    lead: str
    question: str
    configurations: list[tuple[str, str]]
    findings: list[tuple[str, list[str]]]
    """(heading, sentences): one group without a heading for one service, a group per service for several."""
    header: list[str]
    tables: list[tuple[str, list[tuple[str, list[Cell]]]]]
    """(heading, rows of (configuration, cells)) of the key table: one group per service shown, as `findings`."""
    grades: list[str]
    method: str
    warnings: list[str]
    """What a reader must know before relying on the numbers; empty when nothing is wrong."""
    figures: list[tuple[str, str, bytes]] = field(default_factory=list)
    """(name, caption, PNG) of the figures the brief shows."""
    colours: dict[str, str] = field(default_factory=dict)
    more: str = ""
    """Where the other figures are."""
    focus: str = ""
    """The configuration the brief argues for."""
    left_out: list[str] = field(default_factory=list)
    """Figures the PDF leaves out for room (they stay in brief.html and figures/)."""
    table_pair: list[str] = field(default_factory=list)
    """When the PDF's key table shows only the reference and the focus, those two."""
    staffing: list[list[str]] = field(default_factory=list)
    """The paragraphs of each optimisation briefed (its answer, its guarantee), with figure `staffing_<n>`."""
    staffing_title: str = ""
    names: dict[str, str] = field(default_factory=dict)
    """How a list of figures names those whose name is not a message (the staffing figures)."""

    def name(self, figure: str) -> str:
        """A figure as a list of figures names it: 'the typical applicant's journey'."""
        return self.names.get(figure) or self.lang.say(f"name_{figure}")

    @property
    def rows(self) -> list[tuple[str, list[Cell]]]:
        """Every row of the key table, group after group."""
        return [row for _, rows in self.tables for row in rows]


# --- content -----------------------------------------------------------------------------------------------------


def _with_unit(words: Language, metric: str, number: float) -> str:
    unit = words.unit(metric)
    shown = words.value(metric, number)
    return f"{shown} {unit}" if unit and unit != "%" and math.isfinite(number) else shown


def finding(
    words: Language,
    configuration: str,
    metric: str,
    row: Mapping[str, Any],
    before: float | None = None,
    after: float | None = None,
) -> str:
    """A comparison row as a sentence: 'Integrated cuts the completion time from 6.98 to 4.99 working days (...)'.

    `before` and `after` are the two configurations' own means (the paired
    means of the row without them). With no paired change (nobody completed on
    one side), the sentence gives both values and says so.
    """
    before = float(row["baseline_mean"]) if before is None else before
    after = float(row["mean"]) if after is None else after
    difference = float(row["difference"])
    name = plots.capital(label(configuration))
    if math.isnan(difference) or not int(row.get("replications", 1) or 0):
        return words.say(
            "change_none",
            metric=plots.capital(words.metric(metric)),
            before=_with_unit(words, metric, before),
            after=_with_unit(words, metric, after),
            baseline=label(str(row.get("baseline", ""))),
            name=label(configuration),
        )
    change, change_low, change_high = words.change(metric, row)
    in_points = metric in POINTS or math.isnan(float(row["relative_change"]))
    low, high = (
        float(row[k]) for k in (("ci_low", "ci_high") if in_points else ("relative_ci_low", "relative_ci_high"))
    )
    if not math.isnan(low) and low <= 0 <= high:
        key = "change_same"
    else:
        key = "change_down" if difference < 0 else "change_up"
    unit = words.unit(metric)
    return words.say(
        key if not math.isnan(low) else f"{key}_bare",
        name=name,
        metric=words.metric(metric),
        before=words.value(metric, before),
        after=words.value(metric, after),
        unit=f" {unit}" if unit and unit != "%" else "",
        change=change,
        low=change_low,
        high=change_high,
    )


def _interval(words: Language, metric: str, low: float, high: float) -> str:
    if math.isnan(low):
        return ""
    return words.say(
        "interval", low=words.value(metric, low, graded=False), high=words.value(metric, high, graded=False)
    )


def key_table(
    words: Language, summary: pd.DataFrame, configurations: Sequence[str], service: str = ALL_SERVICES
) -> list[tuple[str, list[Cell]]]:
    """Per configuration, each column's mean and interval as they are shown, for one service."""
    rows = plots.keyed(summary, service)
    table = []
    for name in configurations:
        cells = []
        for metric in TABLE:
            row = rows.get((name, metric))
            if row is None:
                cells.append(Cell(words.say("not_available"), ""))
                continue
            mean, low, high = (float(row[k]) for k in ("mean", "ci_low", "ci_high"))
            cells.append(Cell(words.value(metric, mean), _interval(words, metric, low, high)))
        table.append((name, cells))
    return table


def warnings(
    words: Language, run: RunFolder, configurations: Sequence[str], services: Sequence[str] | None = None
) -> list[str]:
    """What a reader must know first: busy desks, applicants giving up, too few replications.

    Desks or back offices busy above 95% (mean over replications),
    configurations losing over 5% (of each service, when several are shown),
    and fewer than five replications.
    """
    found = []
    agencies = run["agencies"]
    busy = agencies.groupby(["configuration", "agency"], sort=False)[
        ["counter_utilization", "backoffice_utilization"]
    ].mean()
    for row in busy.reset_index().to_dict("records"):
        name, desk = str(row["configuration"]), str(row["agency"])
        if name not in configurations:
            continue
        for column, key in (
            ("counter_utilization", "warning_counter"),
            ("backoffice_utilization", "warning_backoffice"),
        ):
            share = float(row[column])
            if np.isfinite(share) and share > BUSY:
                found.append(words.say(key, name=label(name), desk=words.desk(desk), share=words.percent(share)))
    several = services is not None and len(run.scenario.journeys) > 1 and ALL_SERVICES not in services
    for service in services if several and services else [ALL_SERVICES]:
        means = plots.keyed(run["summary"], service)
        for name in configurations:
            gave_up = plots.mean_of(means, name, "abandoned_share")
            if gave_up > GIVING_UP:
                lost = words.percent(gave_up, digits=1)
                if several:
                    named = plots.service_name(run.scenario, service, words)
                    found.append(
                        words.say("warning_abandoned_service", name=label(name), service=named, share=lost)
                    )
                else:
                    found.append(words.say("warning_abandoned", name=label(name), share=lost))
    replications = _replications(run)
    if replications < FEW_REPLICATIONS:
        found.append(words.say("warning_few_replications", count=replications))
    return found


def _replications(run: RunFolder) -> int:
    named = run.manifest.get("replications")
    return int(named) if named else int(run["summary"]["replications"].max())


def method(words: Language, run: RunFolder) -> str:
    """How the numbers were made: replications, horizon, warm-up, seed, common random numbers, the software."""
    manifest, scenario = run.manifest, run.scenario
    versions = manifest.get("versions", {})
    return (
        words.say(
            "method",
            replications=_replications(run),
            horizon=manifest.get("horizon_days", scenario.horizon_days),
            warmup=manifest.get("warmup_days", scenario.warmup_days),
            seed=manifest.get("seed", scenario.seed),
            file=Path(str(manifest.get("scenario_file", "scenario.yaml"))).name,
            sha=str(manifest.get("scenario_sha256", ""))[:12] or words.say("not_available"),
            version=versions.get("simulator", words.say("not_available")),
            ended=str(manifest.get("ended", words.say("not_available"))).replace("T", " "),
        )
        + " "
        + words.say("method_illustrative")
    )


def lever_sentence(
    words: Language, run: RunFolder, configurations: Sequence[str], service: str = ALL_SERVICES
) -> str | None:
    """Which step of `brief.steps` shortens the completion time most, if any does."""
    steps = plots.lever_steps(configurations, run.scenario)
    means = plots.keyed(run["summary"], service)
    deltas = [
        (plots.mean_of(means, after, "lead_time_days") - plots.mean_of(means, before, "lead_time_days"), after)
        for before, after in itertools.pairwise(steps)
    ]
    deltas = [(delta, name) for delta, name in deltas if math.isfinite(delta)]
    if not deltas or min(deltas)[0] >= 0:
        return None
    delta, name = min(deltas)
    return words.say("lever_step", name=label(name), delta=words.number(delta, 2, signed=True))


def brief_services(run: RunFolder, services: Sequence[str] | None) -> list[str]:
    """The services a brief tells of, by their rows in the result files.

    One service: its rows (the same as `all`'s). A folder written before the
    files had a `service` column: `all`, the only rows it has.
    """
    scenario = run.scenario
    if "service" not in run["summary"].columns:
        return [ALL_SERVICES]
    if len(scenario.journeys) == 1:
        return [next(iter(scenario.journeys))]
    return list(services) if services else list(scenario.journeys)


def content(run: RunFolder, lang: str, services: Sequence[str] | None = None) -> Brief:
    """Every sentence, number and heading of the brief, from the run's files, for each service shown."""
    words = language(lang)
    scenario = run.scenario
    names = run.configurations
    baseline = names[0]
    focus = plots.focus_of(names, scenario)
    shown = brief_services(run, services)
    several = len(scenario.journeys) > 1 and ALL_SERVICES not in shown
    chosen = FINDINGS if len(shown) < 3 else FINDINGS_MANY
    findings: list[tuple[str, list[str]]] = []
    tables: list[tuple[str, list[tuple[str, list[Cell]]]]] = []
    grades: list[str] = []
    for service in shown:
        comparison = plots.keyed(run["comparison"], service)
        means = plots.keyed(run["summary"], service)
        sentences = [
            finding(
                words,
                focus,
                m,
                comparison[(focus, m)],
                plots.mean_of(means, baseline, m),
                plots.mean_of(means, focus, m),
            )
            for m in chosen
            if (focus, m) in comparison
        ]
        if all(plots.mean_of(means, name, "arrived") == 0 for name in names):
            sentences = [plots.capital(words.say("no_applicants")) + "."]
        elif (procedures := procedure_sentence(words, scenario, service, names)) is not None:
            sentences = [procedures, *sentences]
        heading = _service_heading(words, scenario, service) if several else ""
        findings.append((heading, sentences))
        tables.append((heading, key_table(words, run["summary"], names, service)))
        if several:
            listed = ", ".join(f"{label(n)} {_graded(words, plots.mean_of(means, n, 'ikm'))}" for n in names)
            grades.append(
                words.say("ikm_service_line", service=plots.service_name(scenario, service, words), grades=listed)
            )
        else:
            grades += [_ikm_line(words, name, plots.mean_of(means, name, "ikm")) for name in names]
    if several and not services:
        tables.append((plots.capital(words.say("all_services")), key_table(words, run["summary"], names)))
    lead = ""
    nobody = plots.capital(words.say("no_applicants")) + "."
    told = [(service, sentences) for service, (_, sentences) in zip(shown, findings, strict=True) if sentences]
    told = [(service, sentences) for service, sentences in told if sentences != [nobody]]
    if told:
        service, sentences = told[0]
        lead = sentences.pop(0)
        if several:
            lead = f"{plots.service_name(scenario, service, words)}: {lead}"
    if not several:
        extra = lever_sentence(words, run, names, shown[0])
        findings[0][1].extend([extra] if extra else [])
    question = words.say(
        "question" if len(names) > 1 else "question_one", count=len(names), baseline=label(baseline)
    )
    if several:
        listed = words.listing([plots.service_name(scenario, s, words) for s in shown])
        question += " " + words.say("question_services", services=listed)
    return Brief(
        lang=words,
        title=words.say("brief_title", scenario=scenario.name),
        lead=lead,
        question=question,
        configurations=configuration_lines(words, scenario, names),
        findings=[(heading, sentences) for heading, sentences in findings if sentences or heading],
        header=[words.say("table_configuration"), *(words.say(f"column_{m}") for m in TABLE)],
        tables=tables,
        grades=grades,
        method=method(words, run),
        warnings=warnings(words, run, names, shown),
        colours=plots.palette(names, scenario),
        focus=focus,
    )


def procedure_sentence(words: Language, scenario: Scenario, service: str, names: Sequence[str]) -> str | None:
    """'Procedures to complete: 9 (siloed) -> 4 (integrated).' when the configurations' lists differ."""
    if service == ALL_SERVICES:
        return None
    counts = [scenario.procedures(name, service) for name in names]
    if len(set(counts)) == 1:
        return None
    listed = " → ".join(f"{count} ({label(name)})" for count, name in zip(counts, names, strict=True))
    return words.say("procedures_changed", counts=listed) + "."


def _service_heading(words: Language, scenario: Scenario, service: str) -> str:
    standard = words.localise(f"{scenario.journeys[service].standard_days:g}")
    return words.say("service_heading", name=plots.service_name(scenario, service, words), days=standard)


def _graded(words: Language, ikm: float) -> str:
    return words.value("ikm", ikm)


def _ikm_line(words: Language, name: str, ikm: float) -> str:
    letter, performance = words.grade(ikm)
    return words.say(
        "ikm_line", name=label(name), ikm=words.number(ikm, 1), letter=letter, performance=performance
    )


# --- figures -----------------------------------------------------------------------------------------------------


STAFFING = "staffing_"
"""The brief's staffing figures are `staffing_1`, `staffing_2`, ...: one for each optimisation briefed."""
RECORD_FIGURES = ("timeline", "lead_time", "queues", "utilisation")
"""Figures drawn from the record tables, left out of a run without them."""


def figure_makers(run: RunFolder, lang: str, services: Sequence[str] | None = None) -> dict[str, Callable[[], Figure]]:
    """How to make every figure of a run folder, by name (without suffix), for the services shown."""
    names = run.configurations
    scenario = run.scenario
    colours = plots.palette(names, scenario)
    focus = plots.focus_of(names, scenario)
    pair = list(dict.fromkeys([names[0], focus]))
    shown = brief_services(run, services)
    split = shown if len(scenario.journeys) > 1 and ALL_SERVICES not in shown else None
    makers: dict[str, Callable[[], Figure]] = {
        "timeline": lambda: timeline.timeline_figure(
            run["citizens"], run["contacts"], run["work"], scenario, pair, lang, colours, split
        ),
        "lead_time": lambda: plots.lead_time_figure(run["citizens"], scenario, lang, colours, names, split),
        "headline": lambda: plots.headline_figure(run["summary"], lang, colours, names, focus, scenario, split),
        "satisfaction": lambda: plots.satisfaction_figure(run["summary"], scenario, lang, colours, names, focus, split),
        "queues": lambda: plots.queues_figure(run["hours"], lang, colours, names),
        "utilisation": lambda: plots.utilisation_figure(run["hours"], lang, colours, names),
    }
    if not run.has_records:  # `--records none`: only the figures of the statistics
        for name in RECORD_FIGURES:
            del makers[name]
    if len(names) > 1:
        makers["differences"] = lambda: plots.differences_figure(
            run["comparison"], lang, colours, names, focus, scenario, split
        )
    if plots.lever_steps(names, scenario):
        makers["levers"] = lambda: plots.levers_figure(run["summary"], scenario, lang, colours, names, split)
    return makers


def figures(run: RunFolder, lang: str, services: Sequence[str] | None = None) -> dict[str, Figure]:
    """Every figure of a run folder, by name (without suffix)."""
    return {name: make() for name, make in figure_makers(run, lang, services).items()}


_MAKERS: dict[str, Callable[[], Figure]] = {}
"""In a drawing worker: the figures it may be asked for (inherited when the worker is forked)."""


def _receive(makers: dict[str, Callable[[], Figure]]) -> None:
    # A broken pool ends its workers by SIGTERM. A Python handler inherited from the command runs only between
    # bytecodes, so a worker blocked in the task queue's lock could miss it and the pool wait for ever.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _MAKERS.update(makers)


def _draw(job: tuple[str, str, str]) -> tuple[list[Path], bytes]:
    name, folder, suffix = job
    return plots.save(_MAKERS[name](), Path(folder), name + suffix)


def draw_all(
    makers: dict[str, Callable[[], Figure]], folder: Path, suffix: str = ""
) -> dict[str, tuple[list[Path], bytes]]:
    """Make and save every figure (as `name` + `suffix`); on a machine that can fork, on two worker processes."""
    jobs = [(name, str(folder), suffix) for name in makers]
    if "fork" not in multiprocessing.get_all_start_methods() or default_workers() < 2:
        return {name: plots.save(make(), folder, name + suffix) for name, make in makers.items()}
    context = multiprocessing.get_context("fork")  # the workers inherit the run's frames: nothing is pickled
    try:
        with ProcessPoolExecutor(2, mp_context=context, initializer=_receive, initargs=(makers,)) as pool:
            return dict(zip(makers, pool.map(_draw, jobs), strict=True))
    except BrokenProcessPool:  # a drawing worker died (out of memory, killed): a pool would wait for ever
        return {name: plots.save(make(), folder, name + suffix) for name, make in makers.items()}


# --- HTML --------------------------------------------------------------------------------------------------------

CSS = """
body { margin: 0; background: #f4f4f1; color: #1d1d1d; font: 16px/1.5 "DejaVu Sans", "Segoe UI", Arial, sans-serif; }
main { max-width: 880px; margin: 0 auto; padding: 28px 36px 40px; background: #fff; }
header { border-bottom: 3px solid #0072B2; margin-bottom: 18px; }
h1 { font-size: 26px; line-height: 1.25; margin: 4px 0 8px; }
.kicker { text-transform: uppercase; letter-spacing: .08em; color: #555; font-size: 13px; margin: 0; }
.subtitle { color: #444; margin: 0 0 10px; }
.lead { font-size: 19px; font-weight: bold; margin: 12px 0 16px; }
h2 { font-size: 19px; margin: 26px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 3px; }
ul { padding-left: 22px; margin: 6px 0; } li { margin: 4px 0; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; margin-right: 6px;
          vertical-align: baseline; border: 1px solid #333; }
table { border-collapse: collapse; width: 100%; font-size: 14.5px; margin-top: 6px; }
th, td { border-bottom: 1px solid #ddd; padding: 6px 7px; text-align: right; vertical-align: top; }
th { background: #f0f0ec; font-weight: bold; }
th:first-child, td:first-child { text-align: left; }
td .ci { display: block; color: #555; font-size: 12.5px; white-space: nowrap; }
figure { margin: 18px 0 26px; } figure img { width: 100%; height: auto; display: block; }
figcaption { color: #444; font-size: 14px; margin-top: 4px; }
.warning { color: #8a2c00; }
h3.service { font-size: 16px; margin: 14px 0 4px; }
tr.service th { text-align: left; background: #fafaf7; color: #0b4f7c; padding-top: 10px; }
.method { font-size: 14.5px; color: #333; }
@media print { body { background: #fff; } main { padding: 0; max-width: none; } figure { break-inside: avoid; } }
"""


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def to_html(brief: Brief) -> str:
    """The brief as one HTML page that needs nothing outside itself: figures as data: URIs, CSS inline."""
    words = brief.lang
    figures = {
        name: f'<figure id="figure-{name}"><img alt="{_e(caption)}" '
        f'src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}">'
        f"<figcaption>{_e(words.say('figure_label', number=k))} {_e(caption)}</figcaption></figure>"
        for k, (name, caption, png) in enumerate(brief.figures, start=1)
    }
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{words.code}">',
        '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(brief.title)}</title><style>{CSS}</style></head>",
        "<body><main>",
        f'<header><p class="kicker">{_e(words.say("kicker"))}</p><h1>{_e(brief.title)}</h1>',
        f'<p class="subtitle">{_e(words.say("brief_subtitle"))}</p></header>',
        *([f'<p class="lead" id="lead">{_e(brief.lead)}</p>'] if brief.lead else []),
        f'<section id="question"><h2>{_e(words.say("question_heading"))}</h2><p>{_e(brief.question)}</p></section>',
        f'<section id="configurations"><h2>{_e(words.say("configurations_heading"))}</h2><ul>',
        *(
            f'<li><span class="swatch" style="background:{brief.colours[name]}"></span>{_e(line)}</li>'
            for name, line in brief.configurations
        ),
        "</ul></section>",
        *(
            [
                f'<section id="findings"><h2>{_e(words.say("findings_heading"))}</h2>',
                *(
                    (f'<h3 class="service">{_e(heading)}</h3>' if heading else "")
                    + "<ul>"
                    + "".join(f"<li>{_e(sentence)}</li>" for sentence in sentences)
                    + "</ul>"
                    for heading, sentences in brief.findings
                ),
                "</section>",
            ]
            if brief.findings
            else []
        ),
        f'<section id="key-figures"><h2>{_e(words.say("table_heading"))}</h2>',
        '<table id="key-table"><thead><tr>',
        *(f'<th scope="col">{_e(text)}</th>' for text in brief.header),
        "</tr></thead><tbody>",
        *(
            (
                f'<tr class="service"><th scope="colgroup" colspan="{len(brief.header)}">{_e(heading)}</th></tr>'
                if heading
                else ""
            )
            + "".join(
                "<tr>"
                + f'<th scope="row"><span class="swatch" style="background:{brief.colours[name]}"></span>'
                + f"{_e(label(name))}</th>"
                + "".join(f'<td>{_e(cell.mean)}<span class="ci">{_e(cell.interval)}</span></td>' for cell in cells)
                + "</tr>"
                for name, cells in rows
            )
            for heading, rows in brief.tables
        ),
        "</tbody></table></section>",
        f'<section id="figures"><h2>{_e(words.say("figures_heading"))}</h2>',
        *(figure for name, figure in figures.items() if not name.startswith(STAFFING)),
        f"<p>{_e(brief.more)}</p>",
        "</section>",
        *(
            [
                f'<section id="staffing"><h2>{_e(brief.staffing_title)}</h2>',
                *(
                    "".join(f"<p>{_e(paragraph)}</p>" for paragraph in paragraphs)
                    + figures.get(f"{STAFFING}{number}", "")
                    for number, paragraphs in enumerate(brief.staffing, start=1)
                ),
                "</section>",
            ]
            if brief.staffing
            else []
        ),
        f'<section id="ikm"><h2>{_e(words.say("ikm_heading"))}</h2><ul>',
        *(f"<li>{_e(line)}</li>" for line in brief.grades),
        "</ul></section>",
        f'<section id="method"><h2>{_e(words.say("method_heading"))}</h2>',
        f'<p class="method">{_e(brief.method)}</p></section>',
        f'<section id="warnings"><h2>{_e(words.say("warnings_heading"))}</h2><ul>',
        *(f'<li class="warning">{_e(line)}</li>' for line in brief.warnings),
        *([f"<li>{_e(words.say('no_warnings'))}</li>"] if not brief.warnings else []),
        "</ul></section>",
        "</main></body></html>",
    ]
    return "\n".join(parts) + "\n"


# --- PDF ---------------------------------------------------------------------------------------------------------


class _Pen:
    """Writes down an A4 page from the top, in inches; without a page it only measures."""

    def __init__(self, page: Figure | None = None) -> None:
        self.page = page
        self.y = A4[1] - MARGIN

    def _put(self, x: float, y: float, text: str, **style: Any) -> None:
        if self.page is not None:
            self.page.text(x / A4[0], y / A4[1], text, va="top", **style)

    def text(
        self,
        text: str,
        size: float = BODY,
        bold: bool = False,
        colour: str = "#1d1d1d",
        indent: float = 0.0,
        bullet: str = "",
        bullet_colour: str = "",
        after: float = 0.04,
    ) -> None:
        """A paragraph wrapped to the text width."""
        lines = plots.wrap(text, A4[0] - 2 * MARGIN - indent, size, bold)
        if bullet:
            self._put(MARGIN + indent - 0.15, self.y, bullet, fontsize=size, color=bullet_colour or colour)
        for line in lines:
            self._put(
                MARGIN + indent, self.y, line, fontsize=size, fontweight="bold" if bold else "normal", color=colour
            )
            self.y -= size / 72 * 1.3
        self.y -= after

    def heading(self, text: str) -> None:
        self.y -= 0.07
        self.text(text, size=11, bold=True, colour="#0b4f7c", after=0.03)

    def image(self, pixels: np.ndarray, scale: float) -> None:
        """A figure's pixels at `scale` of its saved size, centred."""
        dpi = float(plots.STYLE["savefig.dpi"])
        width, height = pixels.shape[1] / dpi * scale, pixels.shape[0] / dpi * scale
        if self.page is not None:
            box = ((A4[0] - width) / 2 / A4[0], (self.y - height) / A4[1], width / A4[0], height / A4[1])
            axes = self.page.add_axes(box)
            axes.imshow(pixels, interpolation="none")
            axes.set_axis_off()
        self.y -= height + 0.03

    def rule(self, colour: str = "#dddddd") -> None:
        if self.page is not None:
            y = (self.y + 0.03) / A4[1]
            self.page.add_artist(Line2D([MARGIN / A4[0], 1 - MARGIN / A4[0]], [y, y], color=colour, lw=0.6))
        self.y -= 0.05

    def table(
        self,
        header: Sequence[str],
        groups: Sequence[tuple[str, Sequence[tuple[str, Sequence[Cell]]]]],
        colours: Mapping[str, str],
    ) -> None:
        """The key table: the configuration, then per column the mean over its interval; a heading per group."""
        size = 8.6
        first = 1.4
        step = (A4[0] - 2 * MARGIN - first) / (len(header) - 1)
        titles = [
            plots.wrap(text, first - 0.1 if k == 0 else step - 0.03, size, bold=True) for k, text in enumerate(header)
        ]
        for k, lines in enumerate(titles):
            x = MARGIN if k == 0 else MARGIN + first + step * k
            self._put(
                x,
                self.y,
                "\n".join(lines),
                fontsize=size,
                fontweight="bold",
                ha="left" if k == 0 else "right",
                linespacing=1.15,
            )
        self.y -= max(map(len, titles)) * size / 72 * 1.2 + 0.06
        self.rule("#888888")
        for heading, rows in groups:
            if heading:
                self._put(MARGIN, self.y, heading, fontsize=size, fontweight="bold", color="#0b4f7c")
                self.y -= 0.17
            for name, cells in rows:
                self._put(MARGIN, self.y, "\u25a0", fontsize=size, color=colours[name])
                named = plots.wrap(label(name), first - 0.22, size)
                self._put(MARGIN + 0.16, self.y, "\n".join(named[:2]), fontsize=size, linespacing=1.05)
                tallest = 1
                for k, cell in enumerate(cells, start=1):
                    x = MARGIN + first + step * k
                    means = plots.wrap(cell.mean, step - 0.06, size)
                    self._put(x, self.y, "\n".join(means), fontsize=size, ha="right", linespacing=1.05)
                    below = self.y - 0.13 * len(means)
                    self._put(x, below, cell.interval, fontsize=8, ha="right", color="#555555")
                    tallest = max(tallest, len(means))
                self.y -= 0.27 + 0.13 * (tallest - 1)
                self.rule()
        self.y -= 0.03


Block = Callable[[_Pen, float], None]
"""Draws (or, on a pen without a page, measures) a part of the brief, figures at the given scale."""


def _blocks(brief: Brief) -> list[Block]:
    """The brief's parts in reading order: the argument, the table, the figures, the method, the warnings."""
    words = brief.lang

    def header(pen: _Pen, _: float) -> None:
        pen.text(words.say("kicker").upper(), size=8.5, colour="#555555", after=0.02)
        pen.text(brief.title, size=15, bold=True, after=0.03)
        pen.text(f"{words.say('question_heading')}: {brief.question}", colour="#333333", after=0.07)
        if brief.lead:
            pen.text(brief.lead, size=10.5, bold=True, after=0.0)

    def section(title: str, lines: Sequence[str], bullets: Sequence[tuple[str, str]] = (), size: float = BODY) -> Block:
        def draw(pen: _Pen, _: float) -> None:
            if title:
                pen.heading(title)
            for line in lines:
                pen.text(line, size=size)
            for bullet, line in bullets:
                colour = brief.colours.get(bullet, "")
                mark = "\u25a0" if colour else "\u2022"
                pen.text(line, size=size, indent=0.17, bullet=mark, bullet_colour=colour, after=0.015)

        return draw

    def table(pen: _Pen, _: float) -> None:
        pen.heading(words.say("table_heading"))
        pen.table(brief.header, brief.tables, brief.colours)

    def figure(png: bytes) -> Block:
        pixels = imread(io.BytesIO(png), format="png")

        def draw(pen: _Pen, scale: float) -> None:
            pen.y -= 0.1
            pen.image(pixels, scale)

        return draw

    figures = [figure(png) for name, _, png in brief.figures if not name.startswith(STAFFING)]
    drawn = {name: figure(png) for name, _, png in brief.figures if name.startswith(STAFFING)}
    for number, paragraphs in enumerate(brief.staffing, start=1):
        title = brief.staffing_title if number == 1 else ""
        figures.append(section(title, paragraphs))
        figures += [drawn[f"{STAFFING}{number}"]] if f"{STAFFING}{number}" in drawn else []
    notes = []
    if brief.table_pair:
        shown = words.listing([label(name) for name in brief.table_pair])
        notes.append(words.say("pdf_table_pair", names=shown))
    if brief.left_out:
        notes.append(words.say("pdf_left_out", names=words.listing([brief.name(n) for n in brief.left_out])))
    if notes:
        figures.append(section(words.say("figures_heading"), notes, size=8.5))
    return [
        header,
        section(words.say("configurations_heading"), [], brief.configurations),
        *(
            [
                section(
                    words.say("findings_heading") + (f": {heading}" if heading else ""),
                    [],
                    [("", line) for line in lines],
                )
                for heading, lines in brief.findings
            ]
        ),
        table,
        *figures,
        section(words.say("method_heading"), [brief.method], size=8.5),
        section(
            words.say("warnings_heading"),
            [],
            [("", line) for line in brief.warnings or [words.say("no_warnings")]],
            size=8.5,
        ),
    ]


def _scale(blocks: Sequence[Block], smallest: float = MIN_SCALE) -> float | None:
    """The largest figure scale (at most 1, at least `smallest`) at which `blocks` fit on one page; None if none."""
    room = A4[1] - 2 * MARGIN - FOOTER

    def height(scale: float) -> float:
        pen = _Pen()
        for block in blocks:
            block(pen, scale)
        return A4[1] - MARGIN - pen.y

    fixed = height(0.0)
    pictures = height(1.0) - fixed
    if pictures <= 0:
        return 1.0 if fixed <= room else None
    scale = min(1.0, (room - fixed) / pictures)
    return scale if scale >= smallest else None


def _pdf_date(manifest: Mapping[str, Any]) -> datetime | None:
    ended = manifest.get("ended")
    try:
        return datetime.fromisoformat(str(ended)) if ended else None
    except ValueError:
        return None


def paginate(blocks: Sequence[Block]) -> tuple[list[Block], list[Block], float, float] | None:
    """Split the brief over two pages where the smaller of the two pages' figure scales is largest.

    None when no split keeps every figure at half its size or more.
    """
    best: tuple[float, int, float, float] | None = None
    for cut in range(1, len(blocks)):
        first, second = _scale(blocks[:cut]), _scale(blocks[cut:])
        if first is None or second is None:
            continue
        if best is None or min(first, second) > best[0] + 1e-6:
            best = (min(first, second), cut, first, second)
    if best is None:
        return None
    _, cut, first, second = best
    return list(blocks[:cut]), list(blocks[cut:]), first, second


def fitted(brief: Brief) -> tuple[Brief, tuple[list[Block], list[Block], float, float]]:
    """The brief as two A4 pages hold it, and its pages, with every figure at half its size or more.

    When it does not fit (a brief of many services), the PDF first shows only
    the reference and the focus configuration in the key table, then leaves
    the tallest figures to brief.html and figures/, and says so. If the words
    alone outgrow two pages, they are cut in two halves.
    """
    for trial in _reductions(brief):
        pages = paginate(_blocks(trial))
        if pages is not None:
            return trial, pages
    blocks = _blocks(trial)
    cut = max(1, len(blocks) // 2)
    return trial, (blocks[:cut], blocks[cut:], MIN_SCALE, MIN_SCALE)


def _reductions(brief: Brief) -> Iterator[Brief]:
    """The brief, then smaller and smaller versions of it for the PDF."""
    yield brief
    pair = list(dict.fromkeys([brief.rows[0][0], brief.focus])) if brief.rows else []
    if len({name for name, _ in brief.rows}) > len(pair):
        pooled = plots.capital(brief.lang.say("all_services"))
        tables = [
            (heading, [row for row in rows if row[0] in pair]) for heading, rows in brief.tables if heading != pooled
        ]
        brief = dataclasses.replace(brief, tables=tables, table_pair=pair)
        yield brief
    shown = list(brief.figures)
    while shown:
        shown.remove(max(shown, key=lambda figure: _aspect(figure[2])))
        kept = {name for name, _, _ in shown}
        yield dataclasses.replace(
            brief, figures=list(shown), left_out=[name for name, _, _ in brief.figures if name not in kept]
        )


def _aspect(png: bytes) -> float:
    """Height over width of a PNG."""
    pixels = imread(io.BytesIO(png), format="png")
    return float(pixels.shape[0]) / float(pixels.shape[1])


def to_pdf(brief: Brief, path: Path, manifest: Mapping[str, Any]) -> None:
    """The brief on two A4 pages, in reading order, split where its figures can stay largest.

    Figures are scaled down together on a page where it needs it, never up;
    the only date in the file is the run's end, from the manifest.
    """
    brief, (first, second, first_scale, second_scale) = fitted(brief)
    pages = []
    with mpl.rc_context(plots.STYLE):  # type: ignore[arg-type]
        for number, (blocks, scale) in enumerate(((first, first_scale), (second, second_scale)), start=1):
            page = Figure(figsize=A4)
            pen = _Pen(page)
            for block in blocks:
                block(pen, scale)
            footer = f"{brief.lang.say('pdf_footer', title=brief.title)} | {number}/2"
            page.text(MARGIN / A4[0], 0.3 / A4[1], footer, fontsize=8, color="#666666")
            pages.append(page)
        date = _pdf_date(manifest)
        metadata = {"Title": brief.title, "Creator": "servicecycle", "CreationDate": date, "ModDate": date}
        with PdfPages(path, metadata=metadata) as pdf:
            for page in pages:
                pdf.savefig(page)


# --- the entry point ---------------------------------------------------------------------------------------------


def make_figures_and_brief(
    folder: Path,
    lang: str = "en",
    *,
    scenario: Scenario | None = None,
    manifest: Mapping[str, Any] | None = None,
    services: Sequence[str] | None = None,
    optima: Sequence[Optimum] = (),
) -> list[Path]:
    """Write every figure (PNG and SVG) into `folder/figures/`, then the brief (HTML and PDF); return the paths.

    English files are `brief.html`, `brief.pdf` and `figures/<name>.png`; any
    other language writes beside them with its code before the extension
    (`brief.id.html`, `figures/timeline.id.png`), so no language overwrites
    another. `services` chooses the services the brief tells of (default:
    every one). Each of `optima` (optimisations of the run's scenario) gets a
    place in the brief's staffing section and a figure `staffing_<n>`; those
    of an earlier brief in this language are removed. `scenario` and
    `manifest` stand in for `scenario.yaml` and `manifest.json` when the run's
    writer calls this before writing them.
    """
    folder = Path(folder)
    words = language(lang)
    suffix = language_suffix(lang)
    run = read_run(folder, scenario=scenario, manifest=manifest)
    target = folder / "figures"
    target.mkdir(exist_ok=True)
    earlier = re.compile(rf"{STAFFING}\d+{re.escape(suffix)}\.(png|svg)")
    for path in target.iterdir():
        if earlier.fullmatch(path.name):
            path.unlink()
    makers = figure_makers(run, lang, services)
    staffing = {f"{STAFFING}{k}": optimum for k, optimum in enumerate(optima, start=1)}
    makers |= {name: partial(staffing_figure, optimum, lang) for name, optimum in staffing.items()}
    drawn = draw_all(makers, target, suffix)
    written = [path for paths, _ in drawn.values() for path in paths]
    pictures = {name: png for name, (_, png) in drawn.items()}
    brief = content(run, lang, services)
    chosen = [name if name != "levers" or "levers" in pictures else "differences" for name in IN_BRIEF]
    brief.figures = [(name, words.say(f"caption_{name}"), pictures[name]) for name in chosen if name in pictures]
    brief.figures += [(name, optimise_text.caption(o, lang), pictures[name]) for name, o in staffing.items()]
    brief.names = {name: optimise_text.figure_name(optimum, lang) for name, optimum in staffing.items()}
    brief.staffing = [optimise_text.brief_section(optimum, lang) for optimum in optima]
    brief.staffing_title = optimise_text.title(lang)
    others = [words.say(f"name_{name}") for name in pictures if name not in chosen and name not in staffing]
    brief.more = words.say("figure_files", names=words.listing(others))
    html_path, pdf_path = folder / f"brief{suffix}.html", folder / f"brief{suffix}.pdf"
    html_path.write_text(to_html(brief), encoding="utf-8")
    to_pdf(brief, pdf_path, run.manifest)
    return [*written, html_path, pdf_path]


def language_suffix(lang: str) -> str:
    """What a language adds to file names before the extension: nothing for English, '.id' for Bahasa Indonesia."""
    return "" if lang == "en" else f".{lang}"
