"""Observed durations -> the scenario distribution that fits them best, by AIC, with a goodness-of-fit test.

Each supported family is fitted by maximum likelihood (origin at 0); the one
with the lowest AIC (2k - 2 log L) is chosen, and a Kolmogorov-Smirnov test
says whether it fits at all. When it does not (p < ALPHA), the observed values
themselves are the distribution (`empirical`, rounded to 0.1 minute, with
weights). The KS p-value uses parameters fitted to the same data, so it is
generous (Lilliefors): a family it rejects is certainly wrong.

>>> rng = np.random.default_rng(1)
>>> fit = fit_durations(rng.gamma(4.0, 2.5, 2_000))
>>> fit.chosen, fit.spec["dist"], 9.5 < fit.spec["mean"] < 10.5
('gamma', 'gamma', True)
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import stats

FloatArray = NDArray[np.float64]
ALPHA = 0.01
"""Below this KS p-value the best family is rejected and the observed values are used."""
MOST_FITTED = 50_000
"""Values a family is fitted to: a seeded random subsample of larger samples (the fit is as good, and quick)."""
SMALLEST = 1 / 120
"""Minutes: a duration of 0 (a clock's resolution) counts as half a second for families on (0, inf)."""
RESOLUTION = 0.1
"""Minutes an empirical distribution's values are rounded to."""
FAMILIES: dict[str, tuple[Any, int]] = {
    "exponential": (stats.expon, 1),
    "gamma": (stats.gamma, 2),
    "lognormal": (stats.lognorm, 2),
    "weibull": (stats.weibull_min, 2),
    "normal": (stats.norm, 2),
}
"""Scenario family -> scipy family and its number of free parameters (the origin is fixed at 0)."""


@dataclass(frozen=True)
class FittedDurations:
    """The chosen distribution (a scenario mapping), the evidence for it, and the sample's mean with its 95% CI."""

    spec: dict[str, Any]
    chosen: str
    count: int
    aic: dict[str, float]
    ks_p: float
    mean: float
    mean_ci: tuple[float, float]

    def comment(self) -> str:
        """What the number rests on, for the scenario file."""
        if not self.aic:
            return f"{self.count:,} sittings, all {self.mean:.2f} min"
        ranked = sorted(self.aic, key=self.aic.__getitem__)
        runner = f", next {ranked[1]} +{self.aic[ranked[1]] - self.aic[ranked[0]]:.1f}" if len(ranked) > 1 else ""
        verdict = "fits" if self.chosen != "empirical" else f"no family fits ({ranked[0]} rejected): observed values"
        return (
            f"{self.count:,} sittings, mean {self.mean:.2f} min (95% CI {self.mean_ci[0]:.2f}-{self.mean_ci[1]:.2f}); "
            f"lowest AIC {ranked[0]}{runner}; KS p={self.ks_p:.3f}: {verdict}"
        )


def _spec(name: str, params: tuple[float, ...]) -> dict[str, Any]:
    """The scenario mapping of a fitted scipy family."""
    if name == "exponential":
        return {"dist": "exponential", "mean": round(params[-1], 3)}
    if name == "normal":
        return {"dist": "normal", "mean": round(params[0], 3), "sd": round(params[1], 3)}
    if name == "weibull":
        return {"dist": "weibull", "shape": round(params[0], 3), "scale": round(params[-1], 3)}
    family = FAMILIES[name][0]
    mean, variance = (float(v) for v in family.stats(*params, moments="mv"))
    return {"dist": name, "mean": round(mean, 3), "sd": round(math.sqrt(variance), 3)}


def _fit(name: str, values: FloatArray) -> tuple[tuple[float, ...], float, float]:
    """Parameters, AIC and KS p-value of one family fitted to `values`."""
    family, free = FAMILIES[name]
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        params = tuple(float(p) for p in (family.fit(values) if name == "normal" else family.fit(values, floc=0)))
        loglik = float(np.sum(family.logpdf(values, *params)))
        p_value = float(stats.kstest(values, family.cdf, args=params).pvalue)
    return params, 2 * free - 2 * loglik, p_value


def empirical(values: FloatArray, source: str) -> dict[str, Any]:
    """The observed values as an `empirical` mapping: distinct values to RESOLUTION, with their counts as weights."""
    distinct, counts = np.unique(np.round(values / RESOLUTION) * RESOLUTION, return_counts=True)
    spec: dict[str, Any] = {"dist": "empirical", "values": [round(float(v), 1) for v in distinct], "source": source}
    if (counts > 1).any():
        spec["weights"] = [int(c) for c in counts]
    return spec


def fit_durations(minutes: FloatArray, seed: int = 0) -> FittedDurations:
    """The best of FAMILIES for `minutes` (at least 2 values) by AIC, or the values themselves when it fails KS."""
    values = np.asarray(minutes, dtype=np.float64)
    count = len(values)
    mean = float(values.mean())
    half = float(stats.t.ppf(0.975, count - 1) * values.std(ddof=1) / math.sqrt(count)) if count > 1 else math.inf
    sample = values if count <= MOST_FITTED else np.random.default_rng(seed).choice(values, MOST_FITTED, replace=False)
    positive = np.maximum(sample, SMALLEST)
    if count < 2 or np.ptp(values) == 0:
        return FittedDurations({"dist": "fixed", "value": round(mean, 3)}, "fixed", count, {}, 1.0, mean, (mean, mean))
    fits = {name: _fit(name, sample if name == "normal" else positive) for name in FAMILIES}
    if fits["normal"][0][0] < 3 * fits["normal"][0][1]:  # the scenario's normal is cut at 0: only far from it
        del fits["normal"]
    aic = {name: fit[1] for name, fit in fits.items() if math.isfinite(fit[1])}
    best = min(aic, key=aic.__getitem__)
    p_value = fits[best][2]
    if p_value >= ALPHA:
        spec = _spec(best, fits[best][0])
        chosen = best
    else:
        spec = empirical(values, f"{count:,} observed sittings")
        chosen = "empirical"
    return FittedDurations(spec, chosen, count, aic, p_value, mean, (mean - half, mean + half))
