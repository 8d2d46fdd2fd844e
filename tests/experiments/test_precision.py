"""Replications to a precision: the algorithm of Hoad, Robinson and Davies (2010)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from simulator.experiments.runs import (
    FLOORS,
    Precision,
    look_ahead,
    relative_half_width,
    replications_needed,
    run_experiment,
)
from simulator.report.comparison import precision_text
from simulator.scenario.loading import validate
from simulator.scenario.schema import Scenario
from tests.conftest import TINY


def precise_from(values: np.ndarray, target: float) -> list[bool]:
    """Whether the 95% half-width is within `target` of the mean, for every n, by scipy."""
    answers = [False] * 3
    for n in range(3, len(values) + 1):
        low, high = stats.t.interval(0.95, n - 1, loc=values[:n].mean(), scale=stats.sem(values[:n]))
        answers.append((high - low) / 2 <= target * abs(values[:n].mean()))
    return answers


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_rule_matches_a_direct_computation(seed: int) -> None:
    values = np.random.default_rng(seed).normal(10, 1.5, 200)
    precise = precise_from(values, 0.05)
    expected = next(n for n in range(3, 195) if all(precise[n : n + look_ahead(n) + 1]))
    assert replications_needed([values.tolist()], 0.05) == expected


def test_the_rule_waits_for_the_look_ahead() -> None:
    """Precise at n = 3 by luck, then not: the look-ahead catches it."""
    values = [10.0, 10.01, 9.99, 13.0, 7.0, 12.0, 8.0, 10.0]
    assert relative_half_width(values[:3]) < 0.01
    assert replications_needed([values], 0.05) is None
    assert replications_needed([[10.0, 10.0, 10.0, 10.0, 10.0, 10.0, 10.0, 10.0]], 0.05) == 3
    assert replications_needed([[10.0, 10.0, 10.0, 10.0, 10.0, 10.0, 10.0]], 0.05) is None, "look-ahead not run"


def test_every_series_must_be_precise() -> None:
    steady = [10.0] * 20
    noisy = list(np.random.default_rng(4).normal(10, 5, 20))
    assert replications_needed([steady], 0.05) == 3
    assert replications_needed([steady, noisy], 0.05) is None


def test_look_ahead_grows_beyond_100() -> None:
    assert look_ahead(50) == 5 and look_ahead(100) == 5 and look_ahead(300) == 15


def test_an_experiment_adds_replications_until_precise(tiny: Scenario) -> None:
    results = run_experiment(tiny, replications=3, jobs=1, precision=Precision(0.25, ("trips",), 40))
    report = results.precision
    assert report is not None and report.needed is not None
    assert results.replications >= report.needed + look_ahead(report.needed)
    assert (results.replications - 3) % 5 == 0, "batches of five, whatever the number of workers"
    trips = results.metrics[(results.metrics["metric"] == "trips") & (results.metrics["service"] == "all")]
    for _, values in trips.groupby("configuration"):
        assert relative_half_width(values["value"].tolist()[: report.needed]) <= 0.25


def test_an_experiment_stops_at_the_maximum(tiny: Scenario) -> None:
    results = run_experiment(tiny, replications=3, jobs=1, precision=Precision(0.0001, ("wait_minutes",), 8))
    assert results.precision is not None and results.precision.needed is None
    assert results.replications == 8


def test_a_mean_below_its_floor_is_judged_on_an_absolute_half_width() -> None:
    """A wait of about 0.04 minutes never gets within 5% of itself; within 5% of the 1-minute floor it does."""
    values = list(np.random.default_rng(7).normal(0.04, 0.03, 60).clip(0))
    assert replications_needed([values], 0.05) is None
    needed = replications_needed([values], 0.05, [FLOORS["wait_minutes"]])
    assert needed is not None and needed < 20
    assert relative_half_width(values[:needed], 1.0) <= 0.05 < relative_half_width(values[:needed])
    assert relative_half_width([5.0, 6.0, 7.0], 1.0) == relative_half_width([5.0, 6.0, 7.0]), "above the floor"


def test_precision_finishes_when_a_wait_is_near_zero() -> None:
    """Three counters a desk: the siloed wait is about 0.06 minutes, the integrated one zero."""
    data = {**TINY, "agencies": {name: {**agency, "counters": 3} for name, agency in TINY["agencies"].items()}}
    results = run_experiment(validate(data, "tiny.yaml"), replications=3, jobs=1,
                             precision=Precision(0.05, ("wait_minutes",), 60))  # fmt: skip
    report = results.precision
    assert report is not None and report.needed is not None and results.replications < 60
    summary = results.summary.set_index(["configuration", "service", "metric"])
    assert 0 < summary.loc[("siloed", "all", "wait_minutes"), "mean"] < FLOORS["wait_minutes"]


def test_a_missed_target_says_which_configuration_and_metric(tiny: Scenario) -> None:
    results = run_experiment(tiny, replications=3, jobs=1, precision=Precision(0.0001, ("wait_minutes", "trips"), 8))
    report = results.precision
    assert report is not None and report.needed is None and report.missed
    named = {(miss.configuration, miss.metric) for miss in report.missed}
    assert ("siloed", "wait_minutes") in named
    for miss in report.missed:
        assert miss.half_width > miss.allowed
    text = precision_text(report)
    assert "siloed, wait_minutes: mean" in text and "95% half-width" in text
