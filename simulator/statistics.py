"""Means, confidence intervals and paired differences across replications.

Intervals are 95% Student t intervals over independent replications; the
comparison of two configurations uses the per-replication differences, which
are paired because both configurations meet the same citizens.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

LEVEL = 0.95


def t_quantile(level: float, degrees: int) -> float:
    """The two-sided Student t quantile of a `level` interval with `degrees` of freedom."""
    from scipy import special  # noqa: PLC0415 (scipy costs 25 MB: imported when statistics are made)

    return float(special.stdtrit(degrees, (1 + level) / 2))


def warm_up_statistics() -> None:
    """Import what the statistics need now (scipy.special, which most distributions need too)."""
    t_quantile(0.95, 1)


def interval(values: Sequence[float] | np.ndarray, level: float = LEVEL) -> tuple[float, float, float]:
    """Mean and Student t confidence interval of independent values (NaN ones left out)."""
    data = np.asarray(values, dtype=np.float64)
    data = data[~np.isnan(data)]
    if len(data) == 0:
        return (np.nan, np.nan, np.nan)
    mean = float(data.mean())
    if len(data) < 2:
        return (mean, np.nan, np.nan)
    half = t_quantile(level, len(data) - 1) * float(data.std(ddof=1)) / float(np.sqrt(len(data)))
    return (mean, mean - half, mean + half)


def relative_interval(base: np.ndarray, other: np.ndarray, level: float = LEVEL) -> tuple[float, float]:
    """Interval of mean(other) / mean(base) - 1 over paired replications.

    The delta method on the log of the ratio of means, so the bounds are never
    below -100% and shrink with the correlation that common random numbers give.
    """
    count = len(base)
    if count < 2:
        return (np.nan, np.nan)
    base_mean, other_mean = float(base.mean()), float(other.mean())
    if base_mean <= 0:
        return (np.nan, np.nan)
    if other_mean <= 0:
        return (-1.0, -1.0) if not other.any() else (np.nan, np.nan)
    covariance = np.cov(other, base, ddof=1)
    variance = (
        covariance[0, 0] / other_mean**2
        + covariance[1, 1] / base_mean**2
        - 2 * covariance[0, 1] / (other_mean * base_mean)
    ) / count
    half = t_quantile(level, count - 1) * float(np.sqrt(max(variance, 0.0)))
    ratio = np.log(other_mean / base_mean)
    return (float(np.expm1(ratio - half)), float(np.expm1(ratio + half)))


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
            relative = difference / base_mean if base_mean else np.nan
            rows.append(
                (configuration, baseline, metric, base_mean, float(other.mean()) if len(other) else np.nan,
                 difference, low, high, relative, *relative_interval(base, other), len(pair))
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
