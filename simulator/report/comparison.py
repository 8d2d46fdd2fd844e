"""Results in words: the comparison table a run prints, in English or Bahasa Indonesia.

>>> row = {"baseline_mean": 23.4, "mean": 5.1, "relative_change": -0.782, "relative_ci_low": -0.80,
...        "relative_ci_high": -0.76, "difference": -18.3, "ci_low": -18.8, "ci_high": -17.8, "replications": 5}
>>> headline_change("lead_time_days", row)
'lead time 23.4 -> 5.1 working days (-78%, 95% CI -80% to -76%)'
>>> headline_change("lead_time_days", row, language("id"))
'waktu penyelesaian 23,4 -> 5,1 hari kerja (-78%, selang kepercayaan 95% -80% s.d. -76%)'
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from simulator.analysis.metrics import HEADLINE
from simulator.analysis.statistics import FEW_REPLICATIONS
from simulator.experiments.runs import PrecisionReport, Results, look_ahead
from simulator.experiments.sweeps import SweepResults
from simulator.report.language import POINTS, Language, language
from simulator.scenario.schema import ALL_SERVICES, Scenario


def _unit(words: Language, metric: str) -> str:
    unit = words.unit(metric)
    return f" {unit}" if unit and unit != "%" else ""


def headline_change(
    metric: str,
    row: Mapping[Any, Any],
    words: Language | None = None,
    before: float | None = None,
    after: float | None = None,
    replications: int | None = None,
) -> str:
    """A row of the comparison in words: 'lead time 23.4 -> 5.1 working days (-78%, ...)'.

    `before` and `after` are the two configurations' own means (every
    replication); without them the paired means of the row are shown. When
    fewer replications are paired than ran, the change says over how many; when
    none are, it says so instead of a change.
    """
    words = words or language("en")
    shown_before = float(row["baseline_mean"]) if before is None else before
    shown_after = float(row["mean"]) if after is None else after
    paired = int(row.get("replications", 0) or 0)
    head = f"{words.term(metric)} {_pair(words, metric, shown_before, shown_after)}"
    if paired == 0 or math.isnan(float(row["difference"])):
        return f"{head} ({words.say('text_unpaired')})"
    change, low, high = words.change(metric, row)
    relative = metric not in POINTS and not math.isnan(float(row["relative_change"]))
    no_interval = math.isnan(float(row["relative_ci_low" if relative else "ci_low"]))
    text = change if no_interval else words.say("text_relative", change=change, low=low, high=high)
    if replications is not None and paired < replications:
        text += f"; {words.say('text_partly_paired', count=paired, total=replications)}"
    return f"{head} ({text})"


def _pair(words: Language, metric: str, before: float, after: float) -> str:
    """'23.4 -> 5.1 working days': the unit once, after the last number there is."""
    unit = _unit(words, metric)
    if math.isnan(after) and not math.isnan(before):
        return f"{words.value(metric, before)}{unit} -> {words.value(metric, after)}"
    return f"{words.value(metric, before)} -> {words.value(metric, after)}{unit if not math.isnan(after) else ''}"


def shown_services(scenario: Scenario, services: Sequence[str] | None) -> list[str]:
    """The services a report tells of: those named, else every service of the scenario."""
    return list(services) if services else list(scenario.journeys)


def _rows(frame: pd.DataFrame, service: str) -> dict[tuple[str, str], dict[str, Any]]:
    """The rows of a summary or comparison for one service, by (configuration, metric)."""
    if "service" in frame.columns:
        frame = frame[frame["service"].astype(str) == service]
    rows: list[dict[str, Any]] = frame.to_dict("records")  # type: ignore[assignment]
    return {(str(row["configuration"]), str(row["metric"])): row for row in rows}


def _nobody(summary: Mapping[tuple[str, str], Mapping[str, Any]], configuration: str) -> bool:
    """No applicant of the service arrived in the counted days of any replication."""
    row = summary.get((configuration, "arrived"))
    return row is not None and float(row["mean"]) == 0


def _block(results: Results, words: Language, service: str) -> list[str]:
    """The baseline's headline figures for one service, then each configuration's change against it."""
    summary = _rows(results.summary, service)
    changes = _rows(results.comparison, service)
    baseline = results.baseline
    lines = [words.say("text_baseline", name=baseline)]
    lines += [f"  {words.say('no_applicants')}"] if _nobody(summary, baseline) else _figures(words, summary, baseline)
    for configuration in results.configurations[1:]:
        lines += ["", words.say("text_versus", name=configuration, baseline=baseline)]
        if _nobody(summary, baseline) or _nobody(summary, configuration):
            lines.append(f"  {words.say('no_applicants')}")
            continue
        for metric in HEADLINE:
            before, after = (float(summary[(name, metric)]["mean"]) for name in (baseline, configuration))
            row = changes[(configuration, metric)]
            lines.append(f"  {headline_change(metric, row, words, before, after, results.replications)}")
    return lines


def _figures(words: Language, summary: Mapping[tuple[str, str], Mapping[str, Any]], name: str) -> list[str]:
    """A configuration's headline figures, each with its 95% interval."""
    lines = []
    width = max(len(words.term(metric)) for metric in HEADLINE)
    for metric in HEADLINE:
        row = summary[(name, metric)]
        interval = ""
        if not math.isnan(row["ci_low"]):
            low, high = (words.value(metric, row[k], graded=False) for k in ("ci_low", "ci_high"))
            interval = "  " + words.say("text_interval", low=low, high=high)
        unit = _unit(words, metric) if not math.isnan(row["mean"]) else ""
        lines.append(f"  {words.term(metric):<{width}} {words.value(metric, row['mean'])}{unit}{interval}")
    return lines


def comparison_text(results: Results, lang: str = "en", services: Sequence[str] | None = None) -> str:
    """The baseline's headline figures, then each configuration's change against it, for each service.

    One service: its figures alone. Several: a block per service (or per one
    of `services`), then every service together when none was chosen.
    """
    words = language(lang)
    scenario = results.scenario
    lines = [
        words.say(
            "text_header",
            scenario=scenario.name,
            configurations=len(results.configurations),
            replications=results.replications,
            seed=scenario.seed,
        )
    ]
    chosen = shown_services(scenario, services)
    if len(scenario.journeys) == 1 and len(chosen) == 1:
        return "\n".join([*lines, "", *_block(results, words, chosen[0])])
    for service in chosen:
        name = scenario.journeys[service].name or service
        heading = words.say("text_service", name=name if name == service else f"{name} ({service})")
        lines += ["", heading, "=" * len(heading), *_block(results, words, service)]
    if not services:
        heading = words.say("text_all_services")
        lines += ["", heading, "=" * len(heading), *_block(results, words, ALL_SERVICES)]
    return "\n".join(lines)


def few_replications(replications: int, lang: str = "en") -> str | None:
    """The warning a run with fewer than five replications prints, or None."""
    if replications >= FEW_REPLICATIONS:
        return None
    return language(lang).say("text_few_replications", count=replications)


def precision_text(report: PrecisionReport, lang: str = "en") -> str:
    """What the replications algorithm found; when it missed, which configuration and metric, with half-widths."""
    words = language(lang)
    metrics = ", ".join(report.metrics)
    target = words.percent(report.target, digits=0 if float(100 * report.target).is_integer() else 1)
    if report.needed is not None:
        return words.say(
            "text_precision_met",
            metrics=metrics,
            target=target,
            needed=report.needed,
            ahead=look_ahead(report.needed),
            ran=report.ran,
        )
    lines = [words.say("text_precision_missed", ran=report.ran, target=target)]
    lines += [
        "  "
        + words.say(
            "text_precision_miss",
            name=miss.configuration,
            metric=miss.metric,
            mean=words.number(miss.mean, 3),
            half=words.number(miss.half_width, 3),
            allowed=words.number(miss.allowed, 3),
        )
        for miss in report.missed
    ]
    if not report.missed:
        lines.append("  " + words.say("text_precision_late", ran=report.ran))
    return "\n".join(lines)


SWEEP_COLUMNS = ("wait_minutes", "lead_time_days", "trips", "within_standard_share", "abandoned_share", "ikm")
"""The metrics `sweep` prints, every service together (sweep.csv has every metric of every service)."""


def sweep_text(sweep: SweepResults, lang: str = "en") -> str:
    """The sweep as a table: a row per point and configuration, a column per metric (mean and 95% interval)."""
    words = language(lang)
    table = sweep.table
    if "service" in table.columns:
        table = table[table["service"].astype(str) == ALL_SERVICES]
    paths = [parameter.path for parameter in sweep.parameters]
    wide = table.pivot_table(
        index=[*paths, "configuration"], columns="metric", values=["mean", "ci_low", "ci_high"], sort=False
    )
    rows = []
    for key, row in wide.iterrows():
        cells = dict(zip([*paths, "configuration"], key if isinstance(key, tuple) else (key,), strict=True))
        for metric in SWEEP_COLUMNS:
            mean, low, high = (float(row[(part, metric)]) for part in ("mean", "ci_low", "ci_high"))
            shown = words.value(metric, mean, graded=False)
            if not math.isnan(low):
                shown += " " + words.say(
                    "interval", low=words.value(metric, low, graded=False), high=words.value(metric, high, graded=False)
                )
            unit = _unit(words, metric).strip()
            cells[f"{words.term(metric)} ({unit})" if unit else words.term(metric)] = shown
        rows.append(cells)
    header = words.say(
        "text_sweep_header",
        scenario=sweep.scenario.name,
        points=len(table.drop_duplicates(paths)),
        configurations=len(sweep.configurations),
        replications=sweep.replications,
    )
    return f"{header}\n\n{pd.DataFrame(rows).to_string(index=False)}"
