"""Means, confidence intervals and paired differences across replications.

Intervals are 95% Student t intervals over independent replications; the
comparison of two configurations uses the per-replication differences, which
are paired because both configurations meet the same citizens.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

LEVEL = 0.95


def interval(values: Sequence[float] | np.ndarray, level: float = LEVEL) -> tuple[float, float, float]:
    """Mean and Student t confidence interval of independent values (NaN ones left out)."""
    data = np.asarray(values, dtype=np.float64)
    data = data[~np.isnan(data)]
    if len(data) == 0:
        return (np.nan, np.nan, np.nan)
    mean = float(data.mean())
    if len(data) < 2:
        return (mean, np.nan, np.nan)
    half = float(stats.t.ppf((1 + level) / 2, len(data) - 1) * data.std(ddof=1) / np.sqrt(len(data)))
    return (mean, mean - half, mean + half)


def summarise(replications: pd.DataFrame) -> pd.DataFrame:
    """Per configuration and metric: mean, 95% interval and replications used."""
    rows = []
    for (configuration, metric), group in replications.groupby(["configuration", "metric"], sort=False, observed=True):
        mean, low, high = interval(group["value"].to_numpy())
        rows.append((configuration, metric, mean, low, high, int(group["value"].notna().sum())))
    return pd.DataFrame(rows, columns=["configuration", "metric", "mean", "ci_low", "ci_high", "replications"])


def compare(replications: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Every other configuration minus `baseline`, per metric, paired by replication."""
    wide = replications.pivot_table(
        index=["metric", "replication"], columns="configuration", values="value", dropna=False, observed=True
    )
    configurations = [c for c in dict.fromkeys(replications["configuration"]) if c != baseline]
    metrics = list(dict.fromkeys(replications["metric"]))
    rows = []
    for configuration in configurations:
        for metric in metrics:
            pair = wide.loc[metric, [baseline, configuration]].dropna()
            base = pair[baseline].to_numpy()
            other = pair[configuration].to_numpy()
            difference, low, high = interval(other - base)
            base_mean = float(base.mean()) if len(base) else np.nan
            relative = [x / base_mean if base_mean else np.nan for x in (difference, low, high)]
            rows.append(
                (configuration, baseline, metric, base_mean, float(other.mean()) if len(other) else np.nan,
                 difference, low, high, relative[0], min(relative[1:]), max(relative[1:]), len(pair))
            )  # fmt: skip
    return pd.DataFrame(
        rows,
        columns=[
            "configuration",
            "baseline",
            "metric",
            "baseline_mean",
            "mean",
            "difference",
            "ci_low",
            "ci_high",
            "relative_change",
            "relative_ci_low",
            "relative_ci_high",
            "replications",
        ],
    )
