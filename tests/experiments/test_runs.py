"""Replications and comparison: reproducible, paired, independent of the executor."""

from __future__ import annotations

import pandas as pd
import pytest

from simulator.analysis.metrics import HEADLINE
from simulator.experiments.runs import run_experiment, run_once
from simulator.scenario.schema import Scenario


def test_same_seed_same_numbers(tiny: Scenario) -> None:
    first = run_experiment(tiny, jobs=1)
    second = run_experiment(tiny, jobs=1)
    for name in ("citizens", "contacts", "work", "agencies", "metrics", "summary", "comparison"):
        pd.testing.assert_frame_equal(getattr(first, name), getattr(second, name))


def test_workers_do_not_change_the_numbers(tiny: Scenario) -> None:
    serial = run_experiment(tiny, replications=3, jobs=1)
    pooled = run_experiment(tiny, replications=3, jobs=2)
    for name in ("citizens", "contacts", "agencies", "metrics", "summary", "comparison"):
        pd.testing.assert_frame_equal(getattr(serial, name), getattr(pooled, name))


def test_another_seed_other_numbers(tiny: Scenario) -> None:
    other = tiny.model_copy(update={"seed": 2})
    assert not run_once(tiny, "siloed", 0).citizens["arrival"].equals(run_once(other, "siloed", 0).citizens["arrival"])
    assert not run_once(tiny, "siloed", 0).citizens["arrival"].equals(run_once(tiny, "siloed", 1).citizens["arrival"])


def test_summary_and_comparison_cover_every_metric(tiny: Scenario) -> None:
    results = run_experiment(tiny, jobs=1)
    assert results.baseline == "siloed"
    for service in ("all", "visit"):
        summary = results.summary[results.summary["service"] == service]
        comparison = results.comparison[results.comparison["service"] == service]
        metrics = results.metrics[results.metrics["service"] == service]
        for metric in HEADLINE:
            assert {"siloed", "integrated"} == set(summary.loc[summary["metric"] == metric, "configuration"])
            row = comparison[comparison["metric"] == metric].iloc[0]
            paired = metrics[metrics["metric"] == metric].pivot(
                index="replication", columns="configuration", values="value"
            )
            difference = (paired["integrated"] - paired["siloed"]).mean()
            assert row["difference"] == pytest.approx(difference) or pd.isna(row["difference"])
    one_service = results.summary.set_index(["configuration", "service", "metric"])["mean"]
    assert one_service.xs("all", level="service").equals(one_service.xs("visit", level="service")), (
        "one service: its rows are the whole population's"
    )
    tidy = results.citizens
    assert list(tidy.columns[:3]) == ["configuration", "replication", "citizen"]
    assert set(tidy.groupby(["configuration", "replication"]).size().index) == {
        (c, r) for c in ("siloed", "integrated") for r in range(2)
    }
