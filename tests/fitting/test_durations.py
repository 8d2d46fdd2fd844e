"""The family chosen by AIC, and the observed values when no family passes the KS test."""

import numpy as np

from simulator.fitting.durations import fit_durations


def test_each_family_is_recovered_from_its_own_draws():
    rng = np.random.default_rng(7)
    draws = {
        "exponential": rng.exponential(5.0, 3_000),
        "lognormal": rng.lognormal(1.5, 0.8, 3_000),
        "weibull": 6.0 * rng.weibull(3.0, 3_000),
        "normal": rng.normal(30.0, 3.0, 3_000),
    }
    for family, values in draws.items():
        fit = fit_durations(values)
        assert fit.chosen == family
        assert fit.ks_p >= 0.01
        low, high = fit.mean_ci
        assert low <= values.mean() <= high


def test_two_peaks_fit_no_family_and_give_the_observed_values():
    rng = np.random.default_rng(3)
    values = np.r_[rng.normal(2.0, 0.2, 1_000), rng.normal(12.0, 0.5, 1_000)].clip(0.1)
    fit = fit_durations(values)
    assert fit.chosen == "empirical"
    spec = fit.spec
    weights = np.array(spec["weights"] if "weights" in spec else [1] * len(spec["values"]))
    assert weights.sum() == 2_000
    assert abs(np.average(spec["values"], weights=weights) - values.mean()) <= 0.05  # rounding to 0.1 min
    assert "no family fits" in fit.comment()


def test_one_repeated_value_is_fixed():
    fit = fit_durations(np.array([3.0, 3.0, 3.0]))
    assert fit.spec == {"dist": "fixed", "value": 3.0}
