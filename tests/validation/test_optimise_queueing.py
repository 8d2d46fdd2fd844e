"""The optimiser against queueing theory: the staffing Erlang C says is cheapest, found by simulation.

An office that never closes, with Poisson arrivals, exponential counter times
and no rejections, is an M/M/c queue per desk, and a tandem of desks is a
Jackson network whose mean wait is the sum of each desk's Erlang C wait. Each
test picks its target so that the right staffing's wait is well below it and
every cheaper staffing's well above it (the margins are asserted from theory),
so the optimiser can only miss by getting the statistics wrong, not by luck.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import pytest

from simulator.experiments.executors import Serial
from simulator.experiments.optimise import Optimum, optimise
from simulator.experiments.optimise_question import Question, make_variable, parse_objective, parse_requirement
from simulator.scenario.loading import validate
from simulator.scenario.schema import Scenario

ALWAYS_OPEN = {"open": "00:00", "close": "24:00", "workdays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}
MARGIN = 1.5
"""The right staffing's wait is at most target / MARGIN; every cheaper one's at least target x MARGIN."""


def erlang_c_wait(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Mean wait in queue of an M/M/c queue (infinite when it cannot keep up)."""
    offered = arrival_rate / service_rate
    if offered >= servers:
        return math.inf
    rho = offered / servers
    head = sum(offered**k / math.factorial(k) for k in range(servers))
    tail = offered**servers / (math.factorial(servers) * (1 - rho))
    return tail / (head + tail) / (servers * service_rate - arrival_rate)


def desks(stations: list[tuple[str, float, float]], arrivals_per_minute: float) -> Scenario:
    """Citizens visit `stations` (agency, mean minutes, wage) in order, in an office that never closes, for a day."""
    steps: list[dict[str, Any]] = []
    for k, (agency, mean, _) in enumerate(stations):
        step: dict[str, Any] = {"id": f"step{k}", "agency": agency, "counter": {"dist": "exponential", "mean": mean}}
        if k:
            step["requires"] = [f"step{k - 1}"]
        steps.append(step)
    return validate(
        {
            "name": "desks",
            "seed": 7,
            "horizon_days": 1,
            "calendar": ALWAYS_OPEN,
            "agencies": {
                agency: {"counters": 1, "backoffice": 0, "travel_minutes": 0, "wage_per_hour": wage}
                for agency, _, wage in stations
            },
            "services": {
                "visit": {"arrivals": {"per_day": arrivals_per_minute * 1440}, "standard_days": 1, "steps": steps}
            },
            "configurations": {"siloed": {"preset": "siloed"}},
        },
        "desks.yaml",
    )


def ask(scenario: Scenario, ranges: list[str], requirements: list[str], **settings: Any) -> Optimum:
    variables = tuple(make_variable(scenario, "siloed", text, "desks.yaml") for text in ranges)
    needs = tuple(parse_requirement(scenario, text, "desks.yaml") for text in requirements)
    return optimise(Question(scenario, "siloed", variables, needs, **settings), Serial())


def test_mmc_staffing_for_a_target_wait_is_erlang_c() -> None:
    """Arrivals 1 a minute, service 2 minutes: the fewest counters with a mean wait of at most 0.4 minutes."""
    target = 0.4
    waits = {c: erlang_c_wait(1.0, 0.5, c) for c in range(1, 11)}
    smallest = min(c for c, wait in waits.items() if wait <= target)
    assert waits[smallest] <= target / MARGIN and waits[smallest - 1] >= target * MARGIN
    answer = ask(desks([("office", 2.0, 1.0)], 1.0), ["agencies.office.counters=1..10"], [f"wait_minutes<={target}"])
    assert answer.chosen == (smallest,)
    judged = answer.candidates
    assert len(judged) < 10, "a bisection, not every staffing"
    assert set(judged.loc[judged["agencies.office.counters"] <= 2, "status"]) <= {"overloaded"}, "load >= 1"
    assert answer.confirmations == 1


def test_two_desks_in_tandem_get_the_cheapest_staffing_of_the_jackson_network() -> None:
    """Arrivals 1 in 2 minutes; desks of 2 and 3 minutes paid 3 and 2 an hour; total mean wait at most 2.3."""
    target, wages, means = 2.3, (3.0, 2.0), (2.0, 3.0)
    staffings = list(itertools.product(range(1, 7), range(1, 7)))

    def wait(staffing: tuple[int, ...]) -> float:
        return sum(erlang_c_wait(0.5, 1 / mean, c) for mean, c in zip(means, staffing, strict=True))

    def cost(staffing: tuple[int, ...]) -> float:
        return sum(wage * c for wage, c in zip(wages, staffing, strict=True))

    best = min((s for s in staffings if wait(s) <= target), key=cost)
    assert wait(best) <= target / MARGIN
    assert all(wait(s) >= target * MARGIN for s in staffings if cost(s) <= cost(best) and s != best)
    scenario = desks([("first", means[0], wages[0]), ("second", means[1], wages[1])], 0.5)
    answer = ask(scenario, ["agencies.first.counters=1..6", "agencies.second.counters=1..6"],
                 [f"wait_minutes<={target}"])  # fmt: skip
    assert answer.chosen == best
    assert len(answer.candidates) <= len(staffings) / 3
    assert answer.total_simulations < len(staffings) * 10


def test_within_a_budget_the_best_tandem_staffing_is_the_jackson_networks() -> None:
    """The same desks, at most 17 an hour of staff: KN picks the staffing with the least total wait."""
    wages, means, hourly = (3.0, 2.0), (2.0, 3.0), 17.0
    scenario = desks([("first", means[0], wages[0]), ("second", means[1], wages[1])], 0.5)
    within = [s for s in itertools.product(range(1, 7), range(1, 7)) if 3 * s[0] + 2 * s[1] <= hourly]
    waits = {s: sum(erlang_c_wait(0.5, 1 / mean, c) for mean, c in zip(means, s, strict=True)) for s in within}
    ranked = sorted(waits, key=waits.__getitem__)
    delta = 0.1
    assert waits[ranked[1]] - waits[ranked[0]] >= 3 * delta, "the best is clearly best"
    budget = hourly * 24 * 365.25 / 12  # an office open 24 hours, seven days a week
    objective = parse_objective(scenario, "wait_minutes", False, budget, "desks.yaml")
    answer = ask(scenario, ["agencies.first.counters=1..6", "agencies.second.counters=1..6"], ["wait_minutes<=2"],
                 objective=objective, budget=budget, indifference=delta)  # fmt: skip
    assert answer.chosen == ranked[0]
    assert answer.chosen_cost == pytest.approx(budget * (3 * ranked[0][0] + 2 * ranked[0][1]) / hourly)
    assert answer.selection is not None and answer.selection.settled and answer.contenders >= 2
