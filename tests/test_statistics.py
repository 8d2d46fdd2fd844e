"""Means, confidence intervals and paired comparisons of simulator.statistics."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from simulator.statistics import compare, interval, relative_interval, summarise

# ---------------------------------------------------------------- interval


@pytest.mark.parametrize(
    "values",
    [
        [1.0, 2.0, 3.0, 4.0, 10.0],
        [12.5, 13.1],
        list(np.random.default_rng(1).normal(50, 8, 30)),
        list(np.random.default_rng(2).exponential(3, 200)),
    ],
    ids=["five", "two", "normal-30", "exponential-200"],
)
def test_interval_matches_scipy(values):
    data = np.asarray(values)
    mean, low, high = interval(data)
    expected_low, expected_high = stats.t.interval(0.95, len(data) - 1, loc=data.mean(), scale=stats.sem(data))
    assert mean == pytest.approx(data.mean(), rel=1e-12)
    assert low == pytest.approx(expected_low, rel=1e-12)
    assert high == pytest.approx(expected_high, rel=1e-12)


def test_interval_by_hand():
    """2, 2, 4, 4: mean 3, sd 2/sqrt(3), half-width t(0.975, 3) * sd / sqrt(4) with t(0.975, 3) = 3.182446."""
    mean, low, high = interval([2.0, 2.0, 4.0, 4.0])
    half = 3.182446305284263 * (2 / math.sqrt(3)) / 2
    assert mean == 3.0
    assert (low, high) == (pytest.approx(3 - half, rel=1e-12), pytest.approx(3 + half, rel=1e-12))


def test_interval_other_level():
    data = np.array([4.0, 6.0, 7.0, 9.0, 12.0])
    _, low, high = interval(data, level=0.9)
    expected = stats.t.interval(0.9, 4, loc=data.mean(), scale=stats.sem(data))
    assert (low, high) == pytest.approx(expected, rel=1e-12)


def test_interval_of_one_value_has_nan_bounds():
    mean, low, high = interval([7.5])
    assert mean == 7.5
    assert math.isnan(low)
    assert math.isnan(high)


def test_interval_of_nothing_is_nan():
    assert all(math.isnan(x) for x in interval([]))
    assert all(math.isnan(x) for x in interval([np.nan, np.nan]))


def test_interval_ignores_nan():
    assert interval([1.0, np.nan, 2.0, 6.0, np.nan]) == pytest.approx(interval([1.0, 2.0, 6.0]), rel=1e-15)
    mean, low, high = interval([np.nan, 4.0])
    assert mean == 4.0
    assert math.isnan(low) and math.isnan(high)


def test_interval_of_constant_values_has_zero_width():
    assert interval([5.0, 5.0, 5.0]) == (5.0, 5.0, 5.0)


# ---------------------------------------------------------------- summarise


def long_frame(data: dict[str, dict[str, list[float]]]) -> pd.DataFrame:
    """{configuration: {metric: [value per replication]}} -> the tidy frame of replications."""
    rows = [
        (configuration, replication, metric, value)
        for configuration, metrics in data.items()
        for metric, values in metrics.items()
        for replication, value in enumerate(values)
    ]
    return pd.DataFrame(rows, columns=["configuration", "replication", "metric", "value"])


def test_summarise_columns_and_values():
    frame = long_frame(
        {
            "siloed": {"wait": [10.0, 12.0, 14.0], "trips": [3.0, 3.0, 6.0]},
            "integrated": {"wait": [2.0, 3.0, np.nan], "trips": [1.0, np.nan, np.nan]},
        }
    )
    summary = summarise(frame)
    assert list(summary.columns) == ["configuration", "metric", "mean", "ci_low", "ci_high", "replications"]
    assert list(zip(summary["configuration"], summary["metric"], strict=True)) == [
        ("siloed", "wait"),
        ("siloed", "trips"),
        ("integrated", "wait"),
        ("integrated", "trips"),
    ]
    rows = summary.set_index(["configuration", "metric"])
    assert rows.loc[("siloed", "wait"), "mean"] == 12.0
    half = stats.t.ppf(0.975, 2) * 2 / math.sqrt(3)
    assert rows.loc[("siloed", "wait"), "ci_low"] == pytest.approx(12 - half, rel=1e-12)
    assert rows.loc[("siloed", "wait"), "ci_high"] == pytest.approx(12 + half, rel=1e-12)
    assert rows.loc[("siloed", "trips"), "mean"] == 4.0
    assert rows.loc[("siloed", "wait"), "replications"] == 3
    assert rows.loc[("integrated", "wait"), "mean"] == 2.5
    assert rows.loc[("integrated", "wait"), "replications"] == 2
    only_one = rows.loc[("integrated", "trips")]
    assert only_one["mean"] == 1.0
    assert only_one["replications"] == 1
    assert math.isnan(only_one["ci_low"]) and math.isnan(only_one["ci_high"])


def test_summarise_matches_interval_per_group():
    rng = np.random.default_rng(9)
    frame = long_frame({c: {m: list(rng.normal(10, 2, 8)) for m in ("a", "b")} for c in ("x", "y")})
    summary = summarise(frame)
    for row in summary.itertuples():
        values = frame.loc[(frame["configuration"] == row.configuration) & (frame["metric"] == row.metric), "value"]
        assert (row.mean, row.ci_low, row.ci_high) == pytest.approx(interval(values.to_numpy()), rel=1e-12)
        assert row.replications == 8


# ---------------------------------------------------------------- compare


def paired_frame() -> pd.DataFrame:
    """Replications differ a lot from each other, but 'integrated' is always about 2 below 'siloed'."""
    rng = np.random.default_rng(17)
    level = rng.normal(100, 30, 10)
    siloed = level
    integrated = level - 2 + rng.normal(0, 0.2, 10)
    return long_frame({"siloed": {"wait": list(siloed)}, "integrated": {"wait": list(integrated)}})


def test_compare_uses_paired_differences():
    frame = paired_frame()
    result = compare(frame, baseline="siloed")
    assert len(result) == 1
    row = result.iloc[0]
    siloed = frame.loc[frame["configuration"] == "siloed", "value"].to_numpy()
    integrated = frame.loc[frame["configuration"] == "integrated", "value"].to_numpy()
    difference, low, high = interval(integrated - siloed)
    assert row["difference"] == pytest.approx(difference, rel=1e-12)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high), rel=1e-12)
    assert row["ci_high"] < 0  # the paired interval sees the improvement
    # the unpaired (Welch) interval is far wider and does not
    welch = stats.ttest_ind(integrated, siloed, equal_var=False).confidence_interval(0.95)
    assert welch.low < 0 < welch.high
    assert (row["ci_high"] - row["ci_low"]) * 20 < welch.high - welch.low


def test_compare_columns_and_relative_change():
    frame = long_frame(
        {
            "siloed": {"wait": [10.0, 20.0, 30.0], "trips": [4.0, 4.0, 4.0]},
            "single_window": {"wait": [5.0, 14.0, 26.0], "trips": [2.0, 3.0, 1.0]},
        }
    )
    result = compare(frame, baseline="siloed")
    assert list(result.columns) == [
        "configuration",
        "baseline",
        "metric",
        "baseline_mean",
        "mean",
        "difference",
        "ci_low",
        "ci_high",
        "relative_change",
        "relative_ci_low",
        "relative_ci_high",
        "replications",
    ]
    rows = result.set_index("metric")
    wait = rows.loc["wait"]
    assert wait["configuration"] == "single_window"
    assert wait["baseline"] == "siloed"
    assert wait["baseline_mean"] == 20.0
    assert wait["mean"] == pytest.approx(15.0)
    assert wait["difference"] == pytest.approx(-5.0)  # differences -5, -6, -4
    half = stats.t.ppf(0.975, 2) * 1 / math.sqrt(3)
    assert (wait["ci_low"], wait["ci_high"]) == pytest.approx((-5 - half, -5 + half), rel=1e-12)
    assert wait["relative_change"] == pytest.approx(-5.0 / 20.0, rel=1e-12)
    # the relative interval: delta method on log(mean ratio), with the paired covariance
    siloed, window = np.array([10.0, 20.0, 30.0]), np.array([5.0, 14.0, 26.0])
    cov = np.cov(window, siloed)
    se = math.sqrt((cov[0, 0] / 15**2 + cov[1, 1] / 20**2 - 2 * cov[0, 1] / (15 * 20)) / 3)
    t = stats.t.ppf(0.975, 2)
    assert wait["relative_ci_low"] == pytest.approx(math.exp(math.log(15 / 20) - t * se) - 1, rel=1e-9)
    assert wait["relative_ci_high"] == pytest.approx(math.exp(math.log(15 / 20) + t * se) - 1, rel=1e-9)
    assert wait["replications"] == 3
    trips = rows.loc["trips"]
    assert trips["relative_change"] == pytest.approx(-2.0 / 4.0, rel=1e-12)


def test_compare_leaves_out_the_baseline_and_keeps_order():
    frame = long_frame(
        {
            "co_located": {"wait": [8.0, 9.0]},
            "siloed": {"wait": [10.0, 11.0]},
            "whole_of_government": {"wait": [1.0, 2.0]},
        }
    )
    result = compare(frame, baseline="siloed")
    assert result["configuration"].tolist() == ["co_located", "whole_of_government"]
    assert "siloed" not in set(result["configuration"])
    assert (result["baseline"] == "siloed").all()
    assert result["difference"].tolist() == pytest.approx([-2.0, -9.0])


def test_compare_pairs_by_replication_not_by_row_order():
    frame = long_frame({"siloed": {"wait": [10.0, 20.0, 30.0]}, "integrated": {"wait": [9.0, 19.0, 29.0]}})
    shuffled = frame.sample(frac=1, random_state=3).reset_index(drop=True)
    result = compare(shuffled, baseline="siloed").iloc[0]
    assert result["difference"] == pytest.approx(-1.0)
    assert (result["ci_low"], result["ci_high"]) == pytest.approx((-1.0, -1.0))


def test_compare_uses_only_replications_both_have():
    frame = long_frame(
        {"siloed": {"wait": [10.0, 20.0, 30.0, 40.0]}, "integrated": {"wait": [8.0, np.nan, 27.0, 36.0]}}
    )
    result = compare(frame, baseline="siloed").iloc[0]
    assert result["replications"] == 3
    assert result["baseline_mean"] == pytest.approx((10 + 30 + 40) / 3)
    assert result["difference"] == pytest.approx((-2 - 3 - 4) / 3)


def test_compare_with_zero_baseline_has_no_relative_change():
    frame = long_frame({"siloed": {"abandoned": [0.0, 0.0, 0.0]}, "integrated": {"abandoned": [0.0, 1.0, 0.0]}})
    result = compare(frame, baseline="siloed").iloc[0]
    assert result["difference"] == pytest.approx(1 / 3)
    assert math.isnan(result["relative_change"])
    assert math.isnan(result["relative_ci_low"])


def test_relative_interval_stays_above_minus_100_percent():
    """Wait falls from about 17 minutes to almost nothing: the interval must not pass -100%."""
    rng = np.random.default_rng(5)
    siloed = rng.normal(17, 4, 20)
    integrated = np.abs(rng.normal(0.1, 0.2, 20))
    low, high = relative_interval(siloed, integrated)
    assert -1 < low < high < 0
    assert relative_interval(siloed, 0.5 * siloed) == pytest.approx((-0.5, -0.5))
    assert relative_interval(siloed, np.zeros(20)) == (-1.0, -1.0)
