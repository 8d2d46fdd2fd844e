"""The search's grid: every staffing in the ranges, its monthly cost, and which to simulate next.

More staff never make waits, completion times, the share given up, the share
within the standard or the IKM worse (the assumption the search rests on). So
a staffing that misses a requirement on such a metric stands for every
staffing with no more staff anywhere (its down-set), and one that meets every
requirement makes every staffing with more staff costlier and no better. Each
time, the search simulates the staffing whose answer settles the most others
whichever way it goes: a bisection of the grid.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import ValidationError

from simulator.experiments.optimise_question import Question, Staffing, Trend, monthly_cost
from simulator.scenario.loading import ScenarioError, describe

MOST_CANDIDATES = 1_000_000
"""The largest grid searched (its masks are arrays of this many cells)."""


@dataclass(frozen=True)
class Space:
    """Every staffing in the ranges, as cells of a grid of offsets from the lowest, with its monthly cost."""

    lowest: Staffing
    cost: np.ndarray
    """The monthly staff cost of every cell."""
    allowed: np.ndarray
    """Cells within the budget."""

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.cost.shape)

    @property
    def highest(self) -> Staffing:
        return self.staffing(tuple(size - 1 for size in self.shape))

    def staffing(self, cell: tuple[int, ...]) -> Staffing:
        return tuple(low + int(offset) for low, offset in zip(self.lowest, cell, strict=True))

    def cell(self, staffing: Staffing) -> tuple[int, ...]:
        return tuple(value - low for value, low in zip(staffing, self.lowest, strict=True))


def space_of(question: Question, source: str) -> Space:
    """The question's grid and costs; a ScenarioError for a staffing the scenario refuses, or one that costs nothing.

    The cost is linear in each staff number (each officer is paid a wage for
    the opening hours), so it is known everywhere from the lowest staffing and
    one step up each variable.
    """
    variables = question.variables
    shape = tuple(v.high - v.low + 1 for v in variables)
    count = math.prod(shape)
    if count > MOST_CANDIDATES:
        raise ScenarioError(f"{source}: --vary: {count:,} staffings to choose from; at most "
                            f"{MOST_CANDIDATES:,} can be searched: narrow the ranges")  # fmt: skip

    def cost(staffing: Staffing) -> float:
        try:
            scenario = question.at(staffing)
        except ValidationError as error:
            setting = ", ".join(f"{path}={value}" for path, value in question.named(staffing).items())
            raise ScenarioError(f"{source}: --vary: staffing {setting}: {describe(error.errors()[0])}") from None
        return monthly_cost(scenario, question.configuration)

    lowest = tuple(v.low for v in variables)
    base = cost(lowest)
    offsets = np.indices(shape)
    costs = np.full(shape, base)
    for k, variable in enumerate(variables):
        step = cost(tuple(value + (1 if i == k else 0) for i, value in enumerate(lowest))) - base
        if not step > 0:
            raise ScenarioError(f"{source}: --vary {variable.given}: one more of these staff costs nothing "
                                "(wage_per_hour is 0): the optimiser weighs staff by their wages")  # fmt: skip
        costs = costs + step * offsets[k]
    allowed = np.ones(shape, dtype=bool) if question.budget is None else costs <= question.budget
    if not allowed.any():
        raise ScenarioError(f"{source}: --budget {question.budget:,.0f}: the least staff of the ranges cost "
                            f"{base:,.0f} a month")  # fmt: skip
    return Space(lowest, costs, allowed)


def _below(mask: np.ndarray) -> np.ndarray:
    """For every cell, how many marked cells are at or below it in every variable."""
    count = mask.astype(np.int64)
    for axis in range(count.ndim):
        count = np.cumsum(count, axis=axis)
    return count


def _above(mask: np.ndarray) -> np.ndarray:
    """For every cell, how many marked cells are at or above it in every variable."""
    return np.flip(_below(np.flip(mask)))


def _shifted(count: np.ndarray, axis: int, by: int) -> np.ndarray:
    """count[x + by along axis], 0 outside the grid."""
    out = np.zeros_like(count)
    size = count.shape[axis]
    source = [slice(None)] * count.ndim
    target = [slice(None)] * count.ndim
    source[axis] = slice(max(by, 0), size + min(by, 0))
    target[axis] = slice(max(-by, 0), size + min(-by, 0))
    out[tuple(target)] = count[tuple(source)]
    return out


def extremes(mask: np.ndarray, highest: bool) -> np.ndarray:
    """The marked cells with no other marked cell above (`highest`) or below them in every variable."""
    count = _above(mask) if highest else _below(mask)
    result = mask.copy()
    for axis in range(mask.ndim):
        result &= _shifted(count, axis, 1 if highest else -1) == 0
    return result


Status = Literal["feasible", "infeasible", "unsure", "overloaded", "failed confirmation"]


@dataclass(frozen=True)
class Verdict:
    """What became of a candidate."""

    status: Status
    reason: str
    replications: int
    inferable: bool = False
    """The failure holds for every staffing with no more staff anywhere (under the search's assumption)."""


class Search:
    """Which staffings are settled, and which to simulate next.

    Contenders for the answer: the cheapest feasible staffing (objective
    `cost`), the feasible ones with none feasible below them (`rises`: more
    staff only cost more per case), or those with none feasible above them
    (`improves`: within the budget, more staff only help).
    """

    def __init__(self, space: Space, trend: Trend, exhaustive: bool = False) -> None:
        self.space = space
        self.trend = trend
        self.exhaustive = exhaustive
        self.evaluated = np.zeros(space.shape, dtype=bool)
        self.feasible = np.zeros(space.shape, dtype=bool)
        self.ruled_out = np.zeros(space.shape, dtype=bool)
        """Evaluated and not feasible, or below such a staffing (inferred)."""
        self.failed = np.zeros(space.shape, dtype=bool)
        """Evaluated, not feasible, and standing for those below."""

    def record(self, staffing: Staffing, verdict: Verdict) -> None:
        cell = self.space.cell(staffing)
        self.evaluated[cell] = True
        if verdict.status == "feasible":
            self.feasible[cell] = True
            return
        self.feasible[cell] = False
        self.ruled_out[cell] = True
        if verdict.inferable:
            self.failed[cell] = True
            self.ruled_out[tuple(slice(0, k + 1) for k in cell)] = True

    def undecided(self) -> np.ndarray:
        """Staffings that could still change the answer."""
        open_: np.ndarray = self.space.allowed & ~self.evaluated
        if self.exhaustive:
            return open_
        open_ &= ~self.ruled_out
        if self.trend == "cost":
            best = self.space.cost[self.feasible].min() if self.feasible.any() else math.inf
            open_ &= self.space.cost < best
        elif self.trend == "rises":
            open_ &= _below(self.feasible) == 0
        else:
            open_ &= _above(self.feasible) == 0
        return open_

    def next_batch(self) -> list[Staffing]:
        """The staffings to simulate next: one that splits the undecided ones best, or every one that must be.

        The first is the fullest staffing the budget allows, alone: if it fails,
        nothing can pass, and one staffing settles the question.
        """
        open_ = self.undecided()
        if not open_.any():
            return []
        if self.exhaustive or self.trend == "improves":
            chosen = open_ if self.exhaustive else extremes(open_, highest=True)
            return [self.space.staffing(tuple(cell)) for cell in np.argwhere(chosen)]
        fullest = extremes(self.space.allowed, highest=True)
        if not self.evaluated.any() and fullest.sum() == 1:
            return [self.space.staffing(tuple(int(k) for k in np.argwhere(fullest)[0]))]
        down = _below(open_)
        if self.trend == "cost":
            costs = np.sort(self.space.cost[open_])
            up = len(costs) - np.searchsorted(costs, self.space.cost, side="left")
        else:
            up = _above(open_)
        score = np.where(open_, np.minimum(down, up), -1)
        best = np.flatnonzero(score == score.max())
        cell = np.unravel_index(best[np.argmin(self.space.cost.ravel()[best])], self.space.shape)
        return [self.space.staffing(tuple(int(k) for k in cell))]

    def contenders(self) -> list[Staffing]:
        """The feasible staffings the answer is among, cheapest first."""
        if not self.feasible.any():
            return []
        if self.trend == "cost":
            cells = np.argwhere(self.feasible)
            costs = self.space.cost[self.feasible]
            cheapest = cells[np.isclose(costs, costs.min(), rtol=1e-12, atol=0)]
            cell = min(cheapest.tolist(), key=lambda c: (sum(c), c))
            return [self.space.staffing(tuple(cell))]
        cells = np.argwhere(extremes(self.feasible, highest=self.trend == "improves"))
        ordered = sorted(cells.tolist(), key=lambda c: (self.space.cost[tuple(c)], c))
        return [self.space.staffing(tuple(c)) for c in ordered]

    def contradictions(self) -> int:
        """Feasible staffings with fewer staff everywhere than one that failed: the assumption did not hold."""
        return int((self.feasible & (_above(self.failed) > 0)).sum())

    @property
    def inferred(self) -> int:
        """Staffings ruled out without simulating them: no more staff anywhere than one that failed."""
        return int((self.ruled_out & ~self.evaluated & self.space.allowed).sum())

    @property
    def outdone(self) -> int:
        """Staffings left unsimulated because they could not beat a feasible one (costlier, or fewer staff)."""
        return int((self.space.allowed & ~self.evaluated & ~self.ruled_out).sum())
