"""Citizens' patience from the tickets never served, an exponential fitted with censoring.

A ticket never called that ended before closing is a citizen who gave up: its
wait is a patience seen whole. A served ticket, or one still waiting at
closing (sent home), shows only that patience was longer than its wait
(right-censored). The maximum-likelihood mean of an exponential is then the
total time waited over the number who gave up, and its 95% interval comes
from the chi-square distribution with twice that number of degrees of freedom.

>>> fit = fit_patience(np.array([10.0, 30.0]), np.array([20.0, 40.0, 60.0]))
>>> fit.mean, fit.gave_up, fit.censored  # (10 + 30 + 20 + 40 + 60) minutes waited / 2 who gave up
(80.0, 2, 3)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import stats

FloatArray = NDArray[np.float64]
AT_CLOSE = 5.0
"""Minutes: an unserved ticket ended within this much of closing was sent home, not out of patience."""


@dataclass(frozen=True)
class FittedPatience:
    mean: float
    ci: tuple[float, float]
    gave_up: int
    censored: int

    def comment(self) -> str:
        return (
            f"{self.gave_up:,} tickets left unserved before closing, {self.censored:,} waits censored; "
            f"exponential MLE with censoring, 95% CI {self.ci[0]:.0f}-{self.ci[1]:.0f} min"
        )


def fit_patience(gave_up: FloatArray, censored: FloatArray) -> FittedPatience | None:
    """Exponential patience from the waits of those who gave up and the (censored) waits of all others."""
    events = len(gave_up)
    if events == 0:
        return None
    exposure = float(np.sum(gave_up) + np.sum(censored))
    mean = exposure / events
    low = 2 * exposure / float(stats.chi2.ppf(0.975, 2 * events))
    high = 2 * exposure / float(stats.chi2.ppf(0.025, 2 * events))
    return FittedPatience(mean, (low, high), events, len(censored))
