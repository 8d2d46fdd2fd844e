"""Results in words: the comparison table a run prints.

>>> row = {"baseline_mean": 23.4, "mean": 5.1, "relative_change": -0.782, "relative_ci_low": -0.80,
...        "relative_ci_high": -0.76, "difference": -18.3, "ci_low": -18.8, "ci_high": -17.8}
>>> headline_change("lead_time_days", row)
'lead time 23.4 -> 5.1 working days (-78%, 95% CI -80% to -76%)'
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from simulator.experiment import PrecisionReport, Results, look_ahead
from simulator.metrics import HEADLINE
from simulator.satisfaction import grade

LABELS = {
    "wait_minutes": ("wait", "minutes"),
    "longest_wait_minutes": ("longest wait", "minutes"),
    "lead_time_days": ("lead time", "working days"),
    "trips": ("trips", ""),
    "contacts": ("contacts", ""),
    "rejections": ("rejections", ""),
    "abandoned_share": ("abandoned", "%"),
    "within_standard_share": ("within standard", "%"),
    "ikm": ("IKM", ""),
    "citizen_cost": ("citizen cost", ""),
    "staff_cost_per_case": ("staff cost per case", ""),
}
POINTS = ("abandoned_share", "within_standard_share", "ikm")
"""Metrics whose change reads better in points than in per cent."""


def value(metric: str, number: float, graded: bool = True) -> str:
    """A metric's value as people read it: shares in per cent, IKM with its grade."""
    if math.isnan(number):
        return "n/a"
    if LABELS[metric][1] == "%":
        return f"{100 * number:.1f}%"
    if metric == "ikm" and graded:
        return f"{number:.1f} ({grade(number)[0]})"
    return f"{number:,.0f}" if abs(number) >= 1000 else f"{number:.{1 if abs(number) >= 10 else 2}f}"


def _signed(number: float, unit: str) -> str:
    return "n/a" if math.isnan(number) else f"{number:+.0f}{unit}"


def headline_change(metric: str, row: Mapping[Any, Any]) -> str:
    """A row of the comparison in words: 'lead time 23.4 -> 5.1 working days (-78%, ...)'."""
    before, after, difference, low, high = (
        row[k] for k in ("baseline_mean", "mean", "difference", "ci_low", "ci_high")
    )
    relative, relative_low, relative_high = (row[k] for k in ("relative_change", "relative_ci_low", "relative_ci_high"))
    name, unit = LABELS[metric]
    shown_unit = f" {unit}" if unit and unit != "%" else ""
    if metric in POINTS or math.isnan(relative):
        scale = 100 if unit == "%" else 1
        change = (
            f"{scale * difference:+.1f} points, 95% CI {scale * low:+.1f} to {scale * high:+.1f}"
            if not math.isnan(low)
            else f"{scale * difference:+.1f} points"
        )
    else:
        change = (
            f"{_signed(100 * relative, '%')}, 95% CI {_signed(100 * relative_low, '%')} to "
            f"{_signed(100 * relative_high, '%')}"
            if not math.isnan(relative_low)
            else _signed(100 * relative, "%")
        )
    return f"{name} {value(metric, before)} -> {value(metric, after)}{shown_unit} ({change})"


def comparison_text(results: Results) -> str:
    """The baseline's headline figures, then each configuration's change against it."""
    summary = {(row["configuration"], row["metric"]): row for row in results.summary.to_dict("records")}
    lines = [
        f"{results.scenario.name}: {len(results.configurations)} configurations x "
        f"{results.replications} replications, seed {results.scenario.seed}",
        "",
        f"{results.baseline} (baseline)",
    ]
    for metric in HEADLINE:
        row = summary[(results.baseline, metric)]
        interval = (
            f"  [95% CI {value(metric, row['ci_low'])} to {value(metric, row['ci_high'])}]"
            if not math.isnan(row["ci_low"])
            else ""
        )
        name, unit = LABELS[metric]
        unit = f" {unit}" if unit not in ("", "%") else ""
        lines.append(f"  {name:<20} {value(metric, row['mean'])}{unit}{interval}")
    changes = {(row["configuration"], row["metric"]): row for row in results.comparison.to_dict("records")}
    for configuration in results.configurations[1:]:
        lines += ["", f"{configuration} vs {results.baseline}"]
        lines += [f"  {headline_change(metric, changes[(configuration, metric)])}" for metric in HEADLINE]
    return "\n".join(lines)


def precision_text(report: PrecisionReport) -> str:
    """What the replications algorithm found, in one sentence."""
    metrics = ", ".join(report.metrics)
    if report.needed is None:
        return (
            f"precision: the 95% half-widths of {metrics} did not all come within {report.target:.0%} of their "
            f"means in {report.ran} replications, the most allowed (--max-replications)"
        )
    return (
        f"precision: every 95% half-width of {metrics} is within {report.target:.0%} of its mean from "
        f"{report.needed} replications on, checked over {look_ahead(report.needed)} more ({report.ran} run)"
    )
