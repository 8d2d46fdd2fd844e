"""Means, confidence intervals and paired differences across replications.

Intervals are 95% Student t intervals over independent replications, built on
a scale where the metric's natural range is the whole line and carried back
(`bounded_interval`), so no interval leaves the range the metric can take: a
wait is never negative, a share stays in [0, 1], the IKM in [25, 100]. The
comparison of two configurations uses the per-replication differences, which
are paired because both configurations meet the same citizens.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

LEVEL = 0.95
FEW_REPLICATIONS = 5
"""Below this many replications a run warns that its intervals are wide and lean on the normal approximation."""
SCORE = re.compile(r"U\d+")
"""The IKM elements' mean scores (U1..U9 and any the scenario adds), each in [1, 4]."""


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


def natural_range(metric: str) -> tuple[float, float]:
    """The values a metric can take: shares [0, 1], the IKM [25, 100], element scores [1, 4], else [0, inf).

    >>> natural_range("abandoned_share"), natural_range("ikm"), natural_range("wait_minutes")
    ((0.0, 1.0), (25.0, 100.0), (0.0, inf))
    """
    if metric.endswith("_share"):
        return (0.0, 1.0)
    if metric == "ikm":
        return (25.0, 100.0)
    if SCORE.fullmatch(metric):
        return (1.0, 4.0)
    return (0.0, math.inf)


def difference_range(metric: str) -> tuple[float, float]:
    """The values a difference of two means of `metric` can take: +-100 points for a share, unbounded if no ceiling.

    >>> difference_range("within_standard_share"), difference_range("ikm"), difference_range("trips")
    ((-1.0, 1.0), (-75.0, 75.0), (-inf, inf))
    """
    low, high = natural_range(metric)
    return (-(high - low), high - low) if math.isfinite(high) else (-math.inf, math.inf)


def bounded_interval(
    values: Sequence[float] | np.ndarray, low: float = -math.inf, high: float = math.inf, level: float = LEVEL
) -> tuple[float, float, float]:
    """Mean and a `level` interval of independent values that lie in [low, high] (NaN ones left out).

    The Student t interval is built where the range is the whole line and
    carried back, the standard error transformed by the delta method:
    unbounded, as it is; with a floor only, on the log of (mean - low); with
    both bounds, on the logit of the mean's place in the range. The interval is
    never outside the range, holds the mean, and shrinks to the t interval as
    the standard error falls. A mean on a bound (every value on it) gives a
    zero-width interval.
    """
    data = np.asarray(values, dtype=np.float64)
    data = np.clip(data[~np.isnan(data)], low, high)
    if len(data) == 0:
        return (np.nan, np.nan, np.nan)
    mean = float(data.mean())
    if len(data) < 2:
        return (mean, np.nan, np.nan)
    error = t_quantile(level, len(data) - 1) * float(data.std(ddof=1)) / math.sqrt(len(data))
    if error == 0 or not low < mean < high:
        return (mean, mean, mean)
    return (mean, *_carried_back(mean, error, low, high))


def _carried_back(mean: float, error: float, low: float, high: float) -> tuple[float, float]:
    """The bounds mean -+ error, taken on the scale where [low, high] is the whole line, carried back."""
    if math.isinf(low) and math.isinf(high):
        return (mean - error, mean + error)
    if math.isinf(high):
        spread = error / (mean - low)
        return (low + (mean - low) * math.exp(-spread), low + (mean - low) * math.exp(spread))
    if math.isinf(low):
        spread = error / (high - mean)
        return (high - (high - mean) * math.exp(spread), high - (high - mean) * math.exp(-spread))
    width = high - low
    place = (mean - low) / width
    centre = math.log(place / (1 - place))
    spread = error / (width * place * (1 - place))
    return (low + width * _expit(centre - spread), low + width * _expit(centre + spread))


def _expit(x: float) -> float:
    """The logistic function, without overflow for large |x|."""
    return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))


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


def _keys(replications: pd.DataFrame) -> list[str]:
    """The columns that name a series: configuration, service (when there is one) and metric."""
    return ["configuration", *(["service"] if "service" in replications.columns else []), "metric"]


def summarise(replications: pd.DataFrame) -> pd.DataFrame:
    """Per configuration, service (when the frame has one) and metric: mean, 95% interval and replications used.

    Each interval stays in the metric's natural range (`bounded_interval`).
    """
    keys = _keys(replications)
    rows = []
    for key, group in replications.groupby(keys, sort=False, observed=True):
        mean, low, high = bounded_interval(group["value"].to_numpy(), *natural_range(str(key[-1])))
        rows.append((*key, mean, low, high, int(group["value"].notna().sum())))
    return pd.DataFrame(rows, columns=[*keys, "mean", "ci_low", "ci_high", "replications"])


COMPARISON_COLUMNS = [
    "configuration",
    "baseline",
    "service",
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
]


def compare(replications: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Every other configuration minus `baseline`, per service (when the frame has one) and metric, paired.

    Only replications where both have a value are paired. The difference's
    interval stays within what a difference of the metric can be
    (`difference_range`: +-100 points for a share); the relative change's is
    on the log of the ratio of means (`relative_interval`), never below -100%.
    """
    frame = replications if "service" in replications.columns else replications.assign(service="")
    wide = frame.pivot_table(
        index=["service", "metric", "replication"], columns="configuration", values="value", dropna=False, observed=True
    )
    configurations = [c for c in dict.fromkeys(frame["configuration"]) if c != baseline]
    column = {name: place for place, name in enumerate(wide.columns)}
    series = {  # replications x configurations, as arrays: indexing a frame per pair took most of the time
        key: group.to_numpy(dtype=np.float64) for key, group in wide.groupby(level=[0, 1], sort=False, observed=True)
    }
    order = list(dict.fromkeys(zip(frame["service"], frame["metric"], strict=True)))
    rows = []
    for configuration in configurations:
        for service, metric in order:
            values = series[(service, metric)][:, [column[baseline], column[configuration]]]
            pair = values[~np.isnan(values).any(axis=1)]
            base, other = np.ascontiguousarray(pair.T)
            difference, low, high = bounded_interval(other - base, *difference_range(str(metric)))
            base_mean = float(base.mean()) if len(base) else np.nan
            relative = difference / base_mean if base_mean else np.nan
            rows.append(
                (configuration, baseline, service, metric, base_mean, float(other.mean()) if len(other) else np.nan,
                 difference, low, high, relative, *relative_interval(base, other), len(pair))
            )  # fmt: skip
    result = pd.DataFrame(rows, columns=COMPARISON_COLUMNS)
    return result if "service" in replications.columns else result.drop(columns="service")
