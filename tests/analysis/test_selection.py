"""Ranking and selection on synthetic normal data: the feasibility test's error, and KN's correct selection.

Each check of a probability runs many independent synthetic experiments from a
fixed seed and compares the share that went right with a binomial 99.9% bound
around the promised probability, so a check fails only when the procedure
breaks its promise, not by bad luck.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pytest

from simulator.analysis.selection import Selection, judge, kn_eta, looks, select_best

Z999 = 3.29
"""Two-sided 99.9% normal quantile: the slack allowed to a binomial share."""


def slack(p: float, trials: int) -> float:
    return Z999 * math.sqrt(p * (1 - p) / trials)


def test_looks_double_up_to_the_most() -> None:
    assert looks(10, 80) == (10, 20, 40, 80)
    assert looks(10, 50) == (10, 20, 40, 50)
    assert looks(5, 5) == (5,)
    assert looks(3, 4) == (3, 4)


@pytest.mark.parametrize(
    ("values", "threshold", "at_most", "expected"),
    [
        ([1.0, 1.2, 0.9, 1.1], 2.0, True, "met"),
        ([1.0, 1.2, 0.9, 1.1], 0.5, True, "missed"),
        ([1.0, 3.0, 0.0, 2.0], 2.0, True, "unsure"),
        ([80.0, 81.0, 79.5, 80.5], 76.61, False, "met"),
        ([70.0, 71.0, 69.5, 70.5], 76.61, False, "missed"),
        ([5.0, 5.0, 5.0], 5.0, True, "met"),  # no spread: the mean itself is the bound
        ([1.0, float("nan"), 1.0], 2.0, True, "missed"),  # undefined in a replication (nobody completed)
        ([1.0], 2.0, True, "unsure"),  # one value has no interval
    ],
)
def test_judge(values: list[float], threshold: float, at_most: bool, expected: str) -> None:
    assert judge(np.array(values), threshold, at_most, 0.05) == expected


@pytest.mark.parametrize("at_most", [True, False])
def test_a_candidate_on_the_threshold_is_declared_feasible_with_probability_alpha(at_most: bool) -> None:
    """At the boundary the one-sided t test errs with probability exactly alpha (normal data): never more."""
    rng = np.random.default_rng(18)
    alpha, trials, n = 0.05, 4000, 10
    samples = rng.normal(30.0, 4.0, size=(trials, n))
    met = np.mean([judge(sample, 30.0, at_most, alpha) == "met" for sample in samples])
    assert alpha - slack(alpha, trials) <= met <= alpha + slack(alpha, trials), met


def test_a_clearly_feasible_candidate_is_found_so() -> None:
    rng = np.random.default_rng(3)
    samples = rng.normal(20.0, 4.0, size=(200, 10))
    assert all(judge(sample, 30.0, True, 0.05 / 6) == "met" for sample in samples)


class Systems:
    """Normal systems with the given means, observed through `select_best`'s callback, counting what it drew."""

    def __init__(self, means: Sequence[float], sd: float, rng: np.random.Generator, common: float = 0.0) -> None:
        self.means = np.asarray(means, dtype=float)
        self.sd = sd
        self.rng = rng
        self.common = common
        """Share of the variance that is common to every system in a replication (common random numbers)."""
        self.values: list[list[float]] = [[] for _ in means]

    def observe(self, which: Sequence[int], count: int) -> list[np.ndarray]:
        while any(len(self.values[i]) < count for i in which):
            shared = self.rng.normal()
            own = self.rng.normal(size=len(self.means))
            row = self.means + self.sd * (math.sqrt(self.common) * shared + math.sqrt(1 - self.common) * own)
            for i in range(len(self.means)):
                self.values[i].append(float(row[i]))
        return [np.array(self.values[i][:count]) for i in which]

    @property
    def drawn(self) -> int:
        return sum(len(values) for values in self.values)


def select(means: Sequence[float], seed: int, **options: float) -> tuple[Selection, Systems]:
    systems = Systems(means, 1.0, np.random.default_rng(seed), float(options.pop("common", 0.0)))
    settings = {"first": 10, "most": 2000, "alpha": 0.05, "delta": 0.5, "maximise": True, "batch": 5} | options
    chosen = select_best(systems.observe, len(means), **settings)  # type: ignore[arg-type]
    return chosen, systems


def test_kn_selects_the_best_with_the_promised_probability() -> None:
    """The slippage configuration (all others exactly delta worse) is the hardest KN guarantees."""
    trials = 300
    correct = sum(select([0.0, 0.0, 0.0, 0.0, 0.5], seed)[0].chosen == 4 for seed in range(trials))
    assert correct / trials >= 0.95 - slack(0.95, trials), correct


def test_kn_minimises_too() -> None:
    chosen, _ = select([3.0, 1.0, 2.0], seed=1, maximise=False)
    assert chosen.chosen == 1 and chosen.settled


def test_kn_drops_the_clearly_worse_after_the_first_replications() -> None:
    chosen, systems = select([0.0, 5.0, 10.0], seed=2, delta=0.5)
    assert chosen.chosen == 2 and chosen.settled
    assert chosen.replications == (10, 10, 10)
    assert systems.drawn == 30


def test_kn_needs_fewer_replications_with_common_random_numbers() -> None:
    """Positively correlated systems have a smaller variance of differences: KN decides sooner."""
    independent = [select([0.0, 0.3], seed, delta=0.2)[0] for seed in range(20)]
    paired = [select([0.0, 0.3], seed, delta=0.2, common=0.9)[0] for seed in range(20)]
    assert np.mean([max(s.replications) for s in paired]) < 0.5 * np.mean([max(s.replications) for s in independent])


def test_kn_decides_the_same_whatever_the_batch() -> None:
    """Batches only simulate ahead: the decision and the replication each candidate was dropped at do not move."""
    one, _ = select([0.0, 0.2, 0.25, 0.1], seed=7, batch=1)
    seven, _ = select([0.0, 0.2, 0.25, 0.1], seed=7, batch=7)
    assert (one.chosen, one.replications, one.settled) == (seven.chosen, seven.replications, seven.settled)


def test_identical_candidates_go_to_the_first() -> None:
    systems = Systems([1.0, 1.0], 1.0, np.random.default_rng(5), common=1.0)  # the same values twice
    chosen = select_best(systems.observe, 2, first=10, most=100, alpha=0.05, delta=0.5, maximise=True)
    assert chosen.chosen == 0 and chosen.settled and chosen.replications == (10, 10)


def test_kn_stops_at_the_most_and_says_so() -> None:
    chosen, systems = select([0.0, 0.01], seed=3, delta=0.001, most=30)
    assert not chosen.settled
    assert max(chosen.replications) == 30 and systems.drawn <= 2 * 30 + 5


def test_one_candidate_needs_no_selection() -> None:
    assert select_best(lambda which, n: [], 1, 10, 40, 0.05, 1.0, True) == Selection(0, (10,), True, 1.0, 0.05)


def test_kn_constant() -> None:
    """eta of Kim and Nelson (2001) for k = 2, alpha = 0.05, n0 = 10: 1/2 (0.1^(-2/9) - 1)."""
    assert kn_eta(0.05, 2, 10) == pytest.approx(0.5 * (0.1 ** (-2 / 9) - 1))
