"""Arrivals per service per day, their hourly profile, and whether the weekday matters.

An arrival is a citizen's first ticket of a visit for a service (`first`,
marked by `visits.py`); days the system was down are left out of the rates, and
so are days of a weekday with hours of its own (a short Friday): the model
gives them the arrival rate of the usual hours, so the usual days tell it.
The daily rate's 95% confidence interval is the t interval over the days
counted. A weekday effect is tested with a chi-square test of arrivals per
weekday against the same rate on every day; the scenario format has no weekday
factor, so an effect found is written as a comment for the analyst.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from simulator.fitting.hours import WEEKDAYS, FittedCalendar, hour_slot

ALPHA = 0.01


@dataclass(frozen=True)
class FittedArrivals:
    """A service's arrivals: mean per day with its 95% CI, weights per opening hour, and the weekday test."""

    per_day: float
    per_day_ci: tuple[float, float]
    days: int
    profile: list[float]
    weekday_p: float
    weekday_ratio: dict[str, float]

    @property
    def weekday_effect(self) -> bool:
        return self.weekday_p < ALPHA

    def comment(self) -> str:
        low, high = self.per_day_ci
        return f"mean of {self.days} days (95% CI {low:.1f}-{high:.1f}); profile: arrivals per opening hour"

    def weekday_comment(self) -> str:
        ratios = ", ".join(f"{day} x{ratio:.2f}" for day, ratio in self.weekday_ratio.items())
        if self.weekday_effect:
            return f"weekday effect (chi-square p={self.weekday_p:.3g}): {ratios}; the format has no weekday factor"
        return f"no weekday effect (chi-square p={self.weekday_p:.3g})"


def fit_arrivals(first: pd.DataFrame, calendar: FittedCalendar, counted_days: list[pd.Timestamp]) -> FittedArrivals:
    """The arrivals of one service from its first tickets, over the days counted (open, system not down)."""
    day = first["issued"].dt.normalize()
    kept = first[day.isin(counted_days)]
    daily = kept.groupby(kept["issued"].dt.normalize()).size().reindex(counted_days, fill_value=0)
    counts = daily.to_numpy(dtype=np.float64)
    days = len(counts)
    mean = float(counts.mean())
    half = float(stats.t.ppf(0.975, days - 1) * counts.std(ddof=1) / math.sqrt(days)) if days > 1 else math.inf
    slots = hour_slot(kept["issued"], calendar.open)
    profile = np.bincount(np.clip(slots, 0, calendar.hour_slots - 1), minlength=calendar.hour_slots)
    weekday = np.array([d.day_of_week for d in daily.index])
    seen_days = np.unique(weekday)
    observed = np.array([counts[weekday == k].sum() for k in seen_days])
    expected = np.array([(weekday == k).sum() for k in seen_days]) * mean
    p_value = float(stats.chisquare(observed, expected).pvalue) if len(seen_days) > 1 and mean > 0 else 1.0
    ratio = {WEEKDAYS[k]: float(o / e) for k, o, e in zip(seen_days, observed, expected, strict=True) if e > 0}
    return FittedArrivals(mean, (max(0.0, mean - half), mean + half), days, [float(c) for c in profile], p_value, ratio)
