"""Real-office features against queueing theory: priority, a waiting room, a roster, branching.

- A priority group at one counter is a non-preemptive priority M/M/1 queue: each
  class waits as Cobham's formula says (Cobham, 1954).
- A waiting room of N places at c counters is an M/M/c/(c+N) queue: the share of
  citizens turned away is its blocking probability.
- A roster that doubles the counters for one hour of an overloaded morning serves
  twice as many citizens in that hour as in the hours around it (the counters never
  idle while the queue lasts: a two-period fluid model).
- An optional step needed by a share of citizens is needed by that share.

As in test_queueing.py, each check compares theory with a 99% Student t interval over
replications, sized so that the interval's expected half-width is at most 60% of the
narrowness it must also meet.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from simulator.analysis.statistics import interval
from simulator.experiments.runs import Results, run_experiment
from simulator.scenario.loading import validate

ALWAYS_OPEN = {"open": "00:00", "close": "24:00", "workdays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}


def one_counter(arrivals_per_minute: float, days: int, agency: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """One agency, one step of exponential counter time (mean 1 minute), in an office that never closes."""
    return {
        "name": "validation",
        "seed": 29,
        "horizon_days": days,
        "warmup_days": 1,
        "replications": extra.pop("replications", 10),
        "calendar": ALWAYS_OPEN,
        "agencies": {"office": {"backoffice": 0, "travel_minutes": 0, **agency}},
        "services": {
            "visit": {
                "arrivals": {"per_day": arrivals_per_minute * 1440},
                "standard_days": 1,
                "steps": [{"id": "serve", "agency": "office", "counter": {"dist": "exponential", "mean": 1}}],
            }
        },
        "configurations": {"tried": {"preset": "siloed"}},
        **extra,
    }


def run(data: dict[str, Any]) -> Results:
    return run_experiment(validate(data, "validation.yaml"), jobs=1)


def assert_agrees(values: np.ndarray, theory: float, narrow: float) -> None:
    _, low, high = interval(values, level=0.99)
    assert low <= theory <= high, f"theory {theory:.4f} outside the 99% interval [{low:.4f}, {high:.4f}]"
    assert high - low < 2 * narrow * theory, f"interval [{low:.4f}, {high:.4f}] too wide to mean anything"


def cobham(rates: list[float], mean_service: float) -> list[float]:
    """Mean wait of each class (highest priority first) at one server with exponential service."""
    loads = [rate * mean_service for rate in rates]
    residual = sum(rate * 2 * mean_service**2 for rate in rates) / 2  # sum of lambda_i E[S_i^2] / 2
    waits, above = [], 0.0
    for load in loads:
        waits.append(residual / ((1 - above) * (1 - above - load)))
        above += load
    return waits


def test_a_priority_group_waits_as_cobham_says() -> None:
    """0.7 citizens a minute, 30% of them in a priority group: waits 0.886 and 2.954 minutes."""
    groups = {"groups": {"priority": {"share": 0.3, "priority": True}}}
    results = run(one_counter(0.7, 16, {"counters": 1}, citizens=groups, replications=20))
    citizens = results.citizens
    waits = citizens.groupby(["replication", "group"], observed=True)["wait_minutes"].mean().unstack()
    first, rest = cobham([0.7 * 0.3, 0.7 * 0.7], 1.0)
    assert_agrees(waits["priority"].to_numpy(), first, narrow=0.08)
    assert_agrees(waits[""].to_numpy(), rest, narrow=0.12)


def erlang_blocking(arrival_rate: float, service_rate: float, servers: int, places: int) -> float:
    """The share of arrivals an M/M/c/(c+N) queue turns away: the probability that all c+N places are taken."""
    offered = arrival_rate / service_rate
    weights = [offered**n / math.factorial(n) for n in range(servers + 1)]
    weights += [weights[-1] * (offered / servers) ** k for k in range(1, places + 1)]
    return weights[-1] / sum(weights)


def test_a_full_waiting_room_turns_away_as_erlang_says() -> None:
    """2 counters, 3 places to wait, 2.2 citizens a minute: 17.6% turned away (M/M/2/5).

    Turned away, a citizen would come back the next working day; with max_visits 1 they
    give up instead, so the arrivals are Poisson as the formula assumes.
    """
    data = one_counter(2.2, 8, {"counters": 2, "waiting_room": 3}, citizens={"max_visits": 1})
    results = run(data)
    contacts = results.contacts
    first = contacts.sort_values("queued").groupby(["replication", "citizen"]).first()
    turned = (first["outcome"] == "turned_away").groupby("replication").mean().to_numpy()
    assert_agrees(turned, erlang_blocking(2.2, 1.0, 2, 3), narrow=0.08)


def test_twice_the_staff_for_an_hour_serve_twice_as_many() -> None:
    """An office overloaded every morning has two counters instead of one from 10:00 to 11:00.

    1.5 citizens a minute arrive from 08:00 to 12:00, 0.3 from 12:00 to 16:00; a counter
    takes 1 minute a citizen. The queue never empties between 09:00 and 12:00, so the
    counters never idle: 60 citizens are served from 09:00 to 10:00 and from 11:00 to
    12:00, and 120 from 10:00 to 11:00 (a two-period fluid model). The afternoon clears it.
    """
    data = one_counter(1.0, 6, {"counters": {"default": 1, "changes": [{"from": "10:00", "to": "11:00", "staff": 2}]}})
    data["calendar"] = {"open": "08:00", "close": "16:00"}
    data["services"]["visit"]["arrivals"] = {"per_day": 432, "profile": [1.5] * 4 + [0.3] * 4}
    results = run(data)
    contacts = results.contacts
    served = contacts[contacts["started"].notna()]
    hour = (served["started"] % 1440 // 60).astype(int)
    per_day = served.groupby([served["replication"], hour]).size().unstack() / 5  # 5 counted days
    for clock, expected in ((9, 60), (10, 120), (11, 60)):
        _, low, high = interval(per_day[clock].to_numpy(), level=0.99)
        assert low - 0.5 <= expected <= high + 0.5, f"{clock}:00 served [{low:.1f}, {high:.1f}], fluid {expected}"
    queue = results.hours.groupby("hour")["mean_queue"].mean()
    assert queue[10] < queue[9] + 15 and queue[11] > queue[10], "the queue stops growing while the staff are doubled"
    assert (results.citizens["outcome"] == "completed").all()


def test_an_optional_step_is_needed_by_its_share() -> None:
    """A step needed by 30% of citizens: the share who submit it is 0.3 within a binomial 99% interval."""
    data = one_counter(0.3, 6, {"counters": 2})
    data["services"]["visit"]["steps"].append({"id": "inspect", "agency": "office", "counter": 1, "share": 0.3})
    results = run(data)
    contacts = results.contacts
    inspecting = contacts[contacts["step"].astype(str).str.contains("inspect")]
    inspected = inspecting.groupby("replication")["citizen"].nunique()
    everyone = results.citizens.groupby("replication").size()
    share = float(inspected.sum() / everyone.sum())
    half = stats.norm.ppf(0.995) * math.sqrt(0.3 * 0.7 / everyone.sum())
    assert abs(share - 0.3) <= half, f"share {share:.4f}, expected 0.3 +- {half:.4f}"
    assert isinstance(everyone, pd.Series)
