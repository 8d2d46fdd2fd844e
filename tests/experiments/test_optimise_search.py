"""The staffing search on known feasible regions: the same answer as trying every staffing, from fewer."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
import pytest

from simulator.experiments.optimise_question import Staffing, Trend
from simulator.experiments.optimise_search import Search, Space, Verdict, extremes

Oracle = Callable[[Staffing], bool]


def space(
    lows: tuple[int, ...], highs: tuple[int, ...], wages: tuple[float, ...], budget: float | None = None
) -> Space:
    shape = tuple(h - low + 1 for low, h in zip(lows, highs, strict=True))
    offsets = np.indices(shape)
    cost = sum(w * (offsets[k] + lows[k]) for k, w in enumerate(wages)) + np.zeros(shape)
    allowed = np.ones(shape, dtype=bool) if budget is None else cost <= budget
    return Space(lows, cost, allowed)


def drive(grid: Space, trend: Trend, feasible: Oracle, inferable: bool = True) -> tuple[list[Staffing], Search, int]:
    """Run the search with an oracle for verdicts: its contenders, the search, and how many staffings it judged."""
    search = Search(grid, trend)
    judged = 0
    while batch := search.next_batch():
        for staffing in batch:
            judged += 1
            ok = feasible(staffing)
            search.record(staffing, Verdict("feasible" if ok else "infeasible", "", 10, inferable=inferable))
    return search.contenders(), search, judged


def every(grid: Space) -> list[Staffing]:
    return [grid.staffing(tuple(cell)) for cell in itertools.product(*(range(n) for n in grid.shape))]


def cheapest(grid: Space, feasible: Oracle) -> Staffing:
    """By brute force: a cheapest feasible staffing (the search takes the first it finds of those that tie)."""
    found = [s for s in every(grid) if feasible(s) and grid.allowed[grid.cell(s)]]
    return min(found, key=lambda s: (round(grid.cost[grid.cell(s)], 9), sum(s), s))


def monotone(weights: np.ndarray, lows: tuple[int, ...], need: float) -> Oracle:
    """Feasible when a concave, increasing score of the staff reaches `need` (more staff never hurt)."""
    return lambda s: float(np.sum(weights * np.sqrt(np.subtract(s, lows) + 1))) >= need


@pytest.mark.parametrize("seed", range(12))
def test_the_cheapest_is_found_from_fewer_staffings(seed: int) -> None:
    rng = np.random.default_rng(seed)
    dims = 2 + seed % 2
    lows = tuple(int(x) for x in rng.integers(1, 4, size=dims))
    highs = tuple(low + int(n) for low, n in zip(lows, rng.integers(4, 9, size=dims), strict=True))
    grid = space(lows, highs, tuple(float(w) for w in rng.integers(1, 6, size=dims)))
    weights = rng.uniform(0.5, 2.0, size=dims)
    most = float(np.sum(weights * np.sqrt(np.subtract(highs, lows) + 1)))
    feasible = monotone(weights, lows, rng.uniform(0.5, 0.95) * most)
    contenders, _, judged = drive(grid, "cost", feasible)
    assert len(contenders) == 1 and feasible(contenders[0])
    assert grid.cost[grid.cell(contenders[0])] == pytest.approx(grid.cost[grid.cell(cheapest(grid, feasible))])
    assert judged < grid.cost.size / 2, (judged, grid.cost.size)


def test_a_bisection_in_one_dimension() -> None:
    grid = space((1,), (64,), (1.0,))
    contenders, _, judged = drive(grid, "cost", lambda s: s[0] >= 37)
    assert contenders == [(37,)]
    assert judged <= 8  # the fullest first, then log2(64) + 1


def test_failures_that_say_nothing_of_others_rule_nothing_out() -> None:
    """A requirement more staff may not help (inferable False) leaves every cheaper staffing to be judged."""
    grid = space((1, 1), (6, 6), (3.0, 2.0))
    feasible = monotone(np.array([1.0, 1.5]), (1, 1), 5.0)
    informed, _, fewer = drive(grid, "cost", feasible)
    blind, search, more = drive(grid, "cost", feasible, inferable=False)
    assert informed == blind == [cheapest(grid, feasible)]
    assert more > fewer
    assert search.inferred == 0


def test_costs_per_case_keep_every_least_staffing_that_is_feasible() -> None:
    """`rises`: more staff only cost more per case, so the contenders are the feasible ones with none below."""
    grid = space((1, 1, 1), (5, 6, 4), (2.0, 3.0, 1.0))
    feasible = monotone(np.array([1.0, 0.7, 1.3]), (1, 1, 1), 5.2)
    contenders, _, judged = drive(grid, "rises", feasible)
    truth = np.zeros(grid.shape, dtype=bool)
    for s in every(grid):
        truth[grid.cell(s)] = feasible(s)
    least = {grid.staffing(tuple(c)) for c in np.argwhere(extremes(truth, highest=False))}
    assert set(contenders) == least and len(least) > 2
    assert judged < grid.cost.size


def test_within_a_budget_the_contenders_are_the_fullest_feasible_staffings() -> None:
    """`improves`: within the budget more staff only help, so only staffings that cannot grow matter."""
    grid = space((1, 1), (8, 8), (3.0, 2.0), budget=30.0)
    feasible = monotone(np.array([1.0, 1.0]), (1, 1), 4.5)
    contenders, search, judged = drive(grid, "improves", feasible)
    truth = grid.allowed & np.array([[feasible(grid.staffing((i, j))) for j in range(8)] for i in range(8)])
    fullest = {grid.staffing(tuple(c)) for c in np.argwhere(extremes(truth, highest=True))}
    assert set(contenders) == fullest and len(fullest) > 2
    assert all(grid.cost[grid.cell(s)] <= 30 for s in contenders)
    assert judged < int(grid.allowed.sum()) / 2
    assert search.outdone > 0, "staffings below a feasible one are never simulated"


def test_when_the_fullest_staffing_fails_nothing_else_is_simulated() -> None:
    grid = space((1, 1, 1), (6, 5, 4), (1.0, 2.0, 3.0))
    contenders, search, judged = drive(grid, "cost", lambda s: False)
    assert contenders == [] and judged == 1 and search.inferred == grid.cost.size - 1


def test_an_exhaustive_search_judges_everything_within_the_budget() -> None:
    grid = space((1, 1), (4, 5), (1.0, 1.0), budget=7.0)
    search = Search(grid, "cost", exhaustive=True)
    batch = search.next_batch()
    assert len(batch) == int(grid.allowed.sum()) and all(sum(s) <= 7 for s in batch)


def test_contradictions_are_counted() -> None:
    """A feasible staffing with fewer staff everywhere than one that failed: more staff did not help."""
    grid = space((1, 1), (4, 4), (1.0, 1.0))
    search = Search(grid, "cost")
    search.record((2, 2), Verdict("feasible", "", 10))
    search.record((3, 3), Verdict("infeasible", "", 10, inferable=True))
    assert search.contradictions() == 1
    assert search.contenders() == [(2, 2)], "what was simulated stands over what was inferred"


def test_extremes() -> None:
    mask = np.array([[0, 1, 1], [1, 1, 0], [0, 0, 0]], dtype=bool)
    assert extremes(mask, highest=True).tolist() == [[0, 0, 1], [0, 1, 0], [0, 0, 0]]
    assert extremes(mask, highest=False).tolist() == [[0, 1, 0], [1, 0, 0], [0, 0, 0]]
