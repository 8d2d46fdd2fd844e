"""The model against queueing theory: Erlang C, a Jackson tandem, Little's law.

One agency, one step, Poisson arrivals, exponential counter times, no
rejections, no back office and a calendar that never closes is an M/M/c queue.
Each check compares the analytic value with a 99% Student t interval over
independent replications, and also requires the interval to be narrow, so a
check cannot pass by being vague. Runs are sized so that the interval's
expected half-width is at most 60% of that bound: with 10 replications the
sample standard deviation exceeds 1/0.6 times its true value with probability
0.3% (chi-square, 9 degrees of freedom), so the bound fails only when the
model's variance is wrong, not by bad luck.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from simulator.analysis.statistics import interval
from simulator.experiments.runs import Results, run_experiment
from simulator.scenario.loading import validate

ALWAYS_OPEN = {"open": "00:00", "close": "24:00", "workdays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}


def erlang_c_wait(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Mean wait in queue of an M/M/c queue."""
    offered = arrival_rate / service_rate
    rho = offered / servers
    head = sum(offered**k / math.factorial(k) for k in range(servers))
    tail = offered**servers / (math.factorial(servers) * (1 - rho))
    return tail / (head + tail) / (servers * service_rate - arrival_rate)


def network(
    stations: list[tuple[str, int, float]], arrivals_per_minute: float, days: int, replications: int
) -> Results:
    """Citizens visit `stations` (agency, counters, mean minutes) in order, in an office that never closes."""
    steps: list[dict[str, Any]] = []
    for k, (agency, _, mean) in enumerate(stations):
        step = {"id": f"step{k}", "agency": agency, "counter": {"dist": "exponential", "mean": mean}}
        if k:
            step["requires"] = [f"step{k - 1}"]
        steps.append(step)
    scenario = validate(
        {
            "name": "queueing network",
            "seed": 11,
            "horizon_days": days,
            "warmup_days": 1,
            "replications": replications,
            "calendar": ALWAYS_OPEN,
            "agencies": {
                agency: {"counters": counters, "backoffice": 0, "travel_minutes": 0} for agency, counters, _ in stations
            },
            "services": {
                "visit": {"arrivals": {"per_day": arrivals_per_minute * 1440}, "standard_days": 1, "steps": steps}
            },
            "configurations": {"siloed": {"preset": "siloed"}},
        },
        "network.yaml",
    )
    return run_experiment(scenario, jobs=1)


def per_replication(results: Results, metric: str) -> np.ndarray:
    metrics = results.metrics
    chosen = (metrics["metric"] == metric) & (metrics["service"] == "all")
    return metrics[chosen].sort_values("replication")["value"].to_numpy()


def assert_agrees(values: np.ndarray, theory: float, narrow: float = 0.08) -> None:
    _, low, high = interval(values, level=0.99)
    assert low <= theory <= high, f"theory {theory:.4f} outside the 99% interval [{low:.4f}, {high:.4f}]"
    assert high - low < 2 * narrow * theory, f"interval [{low:.4f}, {high:.4f}] too wide to mean anything"


MM1_DAYS = 25


@pytest.fixture(scope="module")
def mm1() -> Results:
    return network([("office", 1, 1.0)], arrivals_per_minute=0.7, days=MM1_DAYS, replications=10)


def test_mm1_wait_matches_erlang_c(mm1: Results) -> None:
    assert_agrees(per_replication(mm1, "wait_minutes"), erlang_c_wait(0.7, 1.0, 1))


@pytest.mark.parametrize(("servers", "arrivals", "days"), [(2, 1.4, 12), (4, 3.0, 9)])
def test_mmc_wait_matches_erlang_c(servers: int, arrivals: float, days: int) -> None:
    results = network([("office", servers, 1.0)], arrivals_per_minute=arrivals, days=days, replications=10)
    assert_agrees(per_replication(results, "wait_minutes"), erlang_c_wait(arrivals, 1.0, servers), narrow=0.12)


def station_waits(results: Results) -> pd.DataFrame:
    """Mean queue wait per replication and agency, from the contact log."""
    contacts = results.contacts.assign(wait=lambda c: c["started"] - c["queued"])
    return contacts.pivot_table(index="replication", columns="agency", values="wait", aggfunc="mean", observed=True)


def test_tandem_is_a_jackson_network() -> None:
    """Each station of a tandem of M/M/c stations waits as an M/M/c queue of its own."""
    stations = [("first", 1, 0.8), ("second", 2, 2.0), ("third", 1, 1.1)]
    results = network(stations, arrivals_per_minute=0.7, days=40, replications=10)
    waits = station_waits(results)
    total = 0.0
    for agency, servers, mean in stations:
        theory = erlang_c_wait(0.7, 1 / mean, servers)
        total += theory
        assert_agrees(waits[agency].to_numpy(), theory, narrow=0.12)
    assert_agrees(per_replication(results, "wait_minutes"), total)


def test_littles_law(mm1: Results) -> None:
    """Time-average queue length = arrival rate x mean wait, per replication."""
    window_minutes = (MM1_DAYS - 1) * 1440
    arrival_rate = per_replication(mm1, "arrived") / window_minutes
    queue = mm1.agencies.sort_values("replication")["mean_queue"].to_numpy()
    ratio = queue / (arrival_rate * per_replication(mm1, "wait_minutes"))
    mean, low, high = interval(ratio, level=0.99)
    assert low <= 1 <= high or abs(mean - 1) < 0.01, f"L / (lambda W) = {mean:.4f} [{low:.4f}, {high:.4f}]"


def test_every_arrival_is_accounted_for(mm1: Results) -> None:
    for metric in ("in_system",):
        assert (per_replication(mm1, metric) == 0).all()
    arrived = per_replication(mm1, "arrived")
    completed = per_replication(mm1, "completed")
    abandoned = per_replication(mm1, "abandoned_share") * arrived
    assert np.array_equal(completed + abandoned + per_replication(mm1, "in_system"), arrived)
    expected = 0.7 * (MM1_DAYS - 1) * 1440
    assert (np.abs(arrived - expected) < 4 * np.sqrt(expected)).all(), "arrivals are not Poisson with the set rate"
    counted = mm1.citizens.groupby("replication").size().to_numpy()
    assert np.array_equal(counted, arrived)
