"""Ranking and selection: is a staffing feasible, with confidence; which of several is best (Kim and Nelson's KN).

Both read per-replication values of candidates that met the same citizens
(common random numbers), and both treat the values of one candidate as
independent and roughly normal across replications, as Student t intervals do.

Feasibility is judged at a few *looks*: after `first` replications, then twice
as many, and so on up to `most`. At each look each requirement gets a one-sided
Student t bound; a requirement is *met* when the bound is on its side of the
threshold, *missed* when the opposite bound is on the wrong side, and in doubt
otherwise, which calls for the next look. With `alpha` shared out over the
requirements and the looks (Bonferroni), a candidate that misses a requirement
is declared feasible with probability at most `alpha`.

KN (Kim and Nelson, 2001, "A fully sequential procedure for indifference-zone
selection in simulation", ACM TOMACS 11: 251-273) takes `first` replications of
every candidate, then one more of each survivor at a time, and drops a candidate
as soon as its mean falls far enough behind another's; how far shrinks as
replications accrue. Whenever the best is at least `delta` (the indifference
zone) better than every other, it is selected with probability at least
1 - `alpha`; candidates within `delta` of the best are equally good answers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from simulator.analysis.statistics import t_quantile

Judgement = Literal["met", "missed", "unsure"]


def looks(first: int, most: int) -> tuple[int, ...]:
    """The replication counts at which a candidate is judged: `first`, doubling, and `most` last.

    >>> looks(10, 80)
    (10, 20, 40, 80)
    >>> looks(10, 50)
    (10, 20, 40, 50)
    >>> looks(10, 10)
    (10,)
    """
    counts = [first]
    while counts[-1] * 2 < most:
        counts.append(counts[-1] * 2)
    if counts[-1] < most:
        counts.append(most)
    return tuple(counts)


def one_sided_half_width(values: np.ndarray, alpha: float) -> float:
    """t(1 - alpha, n - 1) x s / sqrt(n): the margin of a one-sided (1 - alpha) bound on the mean."""
    n = len(values)
    return t_quantile(1 - 2 * alpha, n - 1) * float(values.std(ddof=1)) / math.sqrt(n)


def judge(values: np.ndarray, threshold: float, at_most: bool, alpha: float) -> Judgement:
    """Whether the mean of `values` is at most (or at least) `threshold`, with confidence 1 - `alpha`.

    A value that is undefined in some replication (NaN: nobody completed, say)
    misses the requirement.

    >>> judge(np.array([1.0, 1.2, 0.9, 1.1]), 2.0, True, 0.05)
    'met'
    >>> judge(np.array([1.0, 1.2, 0.9, 1.1]), 0.5, True, 0.05)
    'missed'
    >>> judge(np.array([1.0, 3.0, 0.0, 2.0]), 2.0, True, 0.05)
    'unsure'
    """
    if np.isnan(values).any():
        return "missed"
    if len(values) < 2:
        return "unsure"
    mean = float(values.mean())
    half = one_sided_half_width(values, alpha)
    low, high = mean - half, mean + half
    if at_most:
        return "met" if high <= threshold else "missed" if low > threshold else "unsure"
    return "met" if low >= threshold else "missed" if high < threshold else "unsure"


@dataclass(frozen=True)
class Selection:
    """What KN chose, and how."""

    chosen: int
    """Index of the selected candidate."""
    replications: tuple[int, ...]
    """Replications each candidate had when it was dropped, or when the procedure stopped."""
    settled: bool
    """True when one candidate was left (the guarantee holds); False when `most` replications came first."""
    delta: float
    alpha: float


Observe = Callable[[Sequence[int], int], Sequence[np.ndarray]]
"""observe(candidates, n): at least the first n values of each of `candidates` (simulating more if needed)."""


def kn_eta(alpha: float, candidates: int, first: int) -> float:
    """KN's constant: 1/2 [(2 alpha / (k - 1)) ^ (-2 / (n0 - 1)) - 1]."""
    return 0.5 * (math.pow(2 * alpha / (candidates - 1), -2 / (first - 1)) - 1)


def select_best(
    observe: Observe,
    candidates: int,
    first: int,
    most: int,
    alpha: float,
    delta: float,
    maximise: bool,
    batch: int = 5,
) -> Selection:
    """KN with c = 1 on `candidates` systems, from `first` replications each, one more of each survivor at a time.

    Survivors are simulated `batch` replications ahead, for parallel workers;
    the decisions are those of one replication at a time, so batching only
    costs the replications past a candidate's elimination. Ties between
    candidates whose values are identical go to the earlier one. Stops at
    `most` replications with the best mean of the survivors (`settled` False).
    """
    if candidates == 1:
        return Selection(0, (first,), True, delta, alpha)
    sign = 1.0 if maximise else -1.0
    series = [sign * np.asarray(values, dtype=np.float64) for values in observe(range(candidates), first)]
    start = np.vstack([values[:first] for values in series])
    variance = np.array([[np.var(start[i] - start[j], ddof=1) for j in range(candidates)] for i in range(candidates)])
    h2 = 2 * kn_eta(alpha, candidates, first) * (first - 1)
    alive = list(range(candidates))
    dropped: dict[int, int] = {}
    r = first
    while True:
        means = {i: float(series[i][:r].mean()) for i in alive}
        allowance = np.maximum(0.0, delta / (2 * r) * (h2 * variance / delta**2 - r))
        out = [
            i
            for i in alive
            if any(
                means[i] < means[j] - allowance[i, j] or (allowance[i, j] == 0 and means[i] == means[j] and j < i)
                for j in alive
                if j != i
            )
        ]
        dropped.update(dict.fromkeys(out, r))
        alive = [i for i in alive if i not in out]
        if len(alive) == 1 or r >= most:
            chosen = max(alive, key=lambda i: (means[i], -i))
            counts = tuple(dropped.get(i, r) for i in range(candidates))
            return Selection(chosen, counts, len(alive) == 1, delta, alpha)
        r += 1
        if any(len(series[i]) < r for i in alive):
            fresh = observe(alive, min(r - 1 + batch, most))
            for i, values in zip(alive, fresh, strict=True):
                series[i] = sign * np.asarray(values, dtype=np.float64)
