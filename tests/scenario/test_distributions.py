"""Quantile functions and parsing of simulator.scenario.distributions."""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pydantic
import pytest
from scipy import stats

from simulator.scenario.distributions import (
    KINDS,
    Empirical,
    Erlang,
    Exponential,
    Fixed,
    Gamma,
    Lognormal,
    Normal,
    Pert,
    Spec,
    Triangular,
    Uniform,
    Weibull,
    parse_distribution,
)
from simulator.scenario.schema import Step

N = 200_000
Z = 4.0
"""Tolerance in standard errors."""


@pytest.fixture(scope="module")
def uniforms() -> np.ndarray:
    return np.random.default_rng(20260105).random(N)


SPECS: dict[str, tuple[Spec, float]] = {
    "exponential": (Exponential(mean=10), 10.0),
    "uniform": (Uniform(min=2, max=8), 6 / math.sqrt(12)),
    "triangular": (Triangular(min=1, mode=3, max=10), math.sqrt((1 + 9 + 100 - 3 - 10 - 30) / 18)),
    "triangular-mode-at-min": (Triangular(min=0, mode=0, max=6), math.sqrt(36 / 18)),
    "lognormal": (Lognormal(mean=12, sd=6), 6.0),
    "lognormal-wide": (Lognormal(mean=5, sd=10), 10.0),
    "gamma": (Gamma(mean=20, sd=8), 8.0),
    "gamma-small-shape": (Gamma(mean=3, sd=6), 6.0),
    "empirical": (Empirical(values=[2, 4, 4, 9]), float(np.std([2, 4, 4, 9]))),
}


@pytest.mark.parametrize("name", SPECS)
def test_sample_mean_matches_expected(name, uniforms):
    spec, _ = SPECS[name]
    sample = spec.quantile(uniforms)
    standard_error = sample.std(ddof=1) / math.sqrt(N)
    assert abs(sample.mean() - spec.expected()) < Z * standard_error


@pytest.mark.parametrize("name", SPECS)
def test_sample_sd_matches_parameter(name, uniforms):
    """The sample variance is within 4 standard errors (from the sample's fourth moment) of sd**2."""
    spec, sd = SPECS[name]
    sample = spec.quantile(uniforms)
    variance = sample.var(ddof=1)
    centred = sample - sample.mean()
    standard_error = math.sqrt((np.mean(centred**4) - variance**2) / N)
    assert abs(variance - sd**2) < Z * standard_error


def test_expected_values():
    assert Exponential(mean=7).expected() == 7
    assert Uniform(min=2, max=8).expected() == 5
    assert Triangular(min=1, mode=3, max=11).expected() == 5
    assert Lognormal(mean=12, sd=6).expected() == 12
    assert Gamma(mean=20, sd=8).expected() == 20
    assert Empirical(values=[1, 2, 6]).expected() == 3
    assert Fixed(value=4.5).expected() == 4.5


def test_lognormal_matches_scipy():
    spec = Lognormal(mean=12, sd=6)
    sigma2 = math.log1p((6 / 12) ** 2)
    reference = stats.lognorm(s=math.sqrt(sigma2), scale=math.exp(math.log(12) - sigma2 / 2))
    u = np.linspace(0.001, 0.999, 101)
    np.testing.assert_allclose(spec.quantile(u), reference.ppf(u), rtol=1e-10)


def test_gamma_matches_scipy():
    spec = Gamma(mean=20, sd=8)
    reference = stats.gamma(a=(20 / 8) ** 2, scale=8**2 / 20)
    u = np.linspace(0.001, 0.999, 101)
    np.testing.assert_allclose(spec.quantile(u), reference.ppf(u), rtol=1e-8)


def test_triangular_matches_scipy():
    spec = Triangular(min=1, mode=3, max=10)
    reference = stats.triang(c=(3 - 1) / (10 - 1), loc=1, scale=9)
    u = np.linspace(0, 0.999, 101)
    np.testing.assert_allclose(spec.quantile(u), reference.ppf(u), rtol=1e-10)


def test_exponential_median():
    assert Exponential(mean=10).quantile(np.array([0.5]))[0] == pytest.approx(10 * math.log(2))


def test_lognormal_with_zero_sd_is_its_mean():
    np.testing.assert_allclose(Lognormal(mean=7, sd=0).quantile(np.array([0.01, 0.5, 0.99])), 7.0)


@pytest.mark.parametrize(
    "spec", [Triangular(min=1, mode=3, max=10), Triangular(min=0, mode=0, max=6), Triangular(min=2, mode=5, max=5)]
)
def test_triangular_stays_within_min_and_max(spec, uniforms):
    sample = spec.quantile(uniforms)
    assert sample.min() >= spec.min
    assert sample.max() <= spec.max
    assert spec.quantile(np.array([0.0]))[0] == spec.min
    # the density peaks at the mode: the histogram's fullest bin contains it
    counts, edges = np.histogram(sample, bins=20, range=(spec.min, spec.max))
    fullest = int(np.argmax(counts))
    assert edges[fullest] <= spec.mode <= edges[fullest + 1]


def test_triangular_split_at_mode():
    """P(X <= mode) = (mode - min) / (max - min): the quantile at that probability is the mode."""
    spec = Triangular(min=1, mode=3, max=10)
    assert spec.quantile(np.array([2 / 9]))[0] == pytest.approx(3)


def test_fixed_is_constant(uniforms):
    sample = Fixed(value=12.5).quantile(uniforms[:1000])
    assert sample.shape == (1000,)
    assert (sample == 12.5).all()
    assert Fixed(value=0).is_zero
    assert not Fixed(value=0.1).is_zero


def test_empirical_samples_only_its_values_with_equal_frequency(uniforms):
    values = [3.0, 7.0, 11.0, 20.0, 42.0]
    sample = Empirical(values=values).quantile(uniforms)
    seen, counts = np.unique(sample, return_counts=True)
    assert seen.tolist() == values
    assert stats.chisquare(counts).pvalue > 1e-3
    # an even grid of uniforms hits each value exactly equally often
    grid = (np.arange(1000) + 0.5) / 1000
    _, grid_counts = np.unique(Empirical(values=values).quantile(grid), return_counts=True)
    assert grid_counts.tolist() == [200] * 5


def test_empirical_repeated_value_is_drawn_in_proportion():
    grid = (np.arange(900) + 0.5) / 900
    sample = Empirical(values=[1, 5, 5]).quantile(grid)
    assert (sample == 5).sum() == 600
    assert (sample == 1).sum() == 300


def test_empirical_edge_uniforms_stay_in_range():
    spec = Empirical(values=[1, 2, 3])
    np.testing.assert_array_equal(spec.quantile(np.array([0.0, np.nextafter(1.0, 0.0)])), [1, 3])
    assert Empirical(values=[0, 0]).is_zero
    assert not Empirical(values=[0, 1]).is_zero


MONOTONE = [
    Fixed(value=3),
    Exponential(mean=10),
    Uniform(min=2, max=8),
    Triangular(min=1, mode=3, max=10),
    Lognormal(mean=12, sd=6),
    Gamma(mean=20, sd=8),
    Gamma(mean=3, sd=6),
    Empirical(values=[1, 2, 2, 5]),
]


@pytest.mark.parametrize("spec", MONOTONE, ids=lambda s: s.dist)
def test_quantile_is_monotone_in_u(spec):
    """Common random numbers need a larger uniform never to give a shorter time."""
    rng = np.random.default_rng(5)
    u = np.sort(np.concatenate([[0.0, 1e-12, 0.5, 1 - 1e-12, np.nextafter(1.0, 0.0)], rng.random(20_000)]))
    values = spec.quantile(u)
    assert np.isfinite(values).all()
    assert (values >= 0).all()
    assert (np.diff(values) >= 0).all()


def test_empirical_quantile_is_monotone_for_unsorted_values():
    u = np.array([0.1, 0.5, 0.9])
    assert (np.diff(Empirical(values=[5, 1, 3]).quantile(u)) >= 0).all()


def test_slower_distribution_gives_longer_times_for_same_uniforms(uniforms):
    u = uniforms[:1000]
    assert (Exponential(mean=12).quantile(u) >= Exponential(mean=10).quantile(u)).all()


# ---------------------------------------------------------------- parsing


def step_with(counter: object) -> Step:
    return Step.model_validate({"id": "serve", "agency": "office", "counter": counter})


@pytest.mark.parametrize("number", [5, 5.0, 0])
def test_bare_number_means_fixed(number):
    counter = step_with(number).counter
    assert isinstance(counter, Fixed)
    assert counter.value == number


def test_parse_distribution_directly():
    assert parse_distribution(7) == Fixed(value=7)
    spec = parse_distribution({"dist": "gamma", "mean": 10, "sd": 2})
    assert isinstance(spec, Gamma)
    assert (spec.mean, spec.sd) == (10, 2)
    assert parse_distribution(spec) is spec


@pytest.mark.parametrize(
    ("entry", "kind"),
    [
        ({"dist": "exponential", "mean": 10}, Exponential),
        ({"dist": "uniform", "min": 1, "max": 4}, Uniform),
        ({"dist": "triangular", "min": 1, "mode": 2, "max": 4}, Triangular),
        ({"dist": "lognormal", "mean": 10, "sd": 3}, Lognormal),
        ({"dist": "gamma", "mean": 10, "sd": 3}, Gamma),
        ({"dist": "empirical", "values": [1, 2, 3]}, Empirical),
        ({"dist": "fixed", "value": 4}, Fixed),
    ],
)
def test_each_kind_is_parsed(entry, kind):
    assert type(step_with(entry).counter) is kind


def test_default_backoffice_and_approval_are_zero():
    step = step_with(5)
    assert step.backoffice.is_zero
    assert step.approval_days.is_zero
    assert not step.has_work


@pytest.mark.parametrize(
    "entry",
    [
        {"dist": "exponential", "mean": -1},
        {"dist": "exponential", "mean": 0},
        {"dist": "lognormal", "mean": -3, "sd": 1},
        {"dist": "gamma", "mean": -3, "sd": 1},
        {"dist": "gamma", "mean": 3, "sd": 0},
        {"dist": "lognormal", "mean": 3, "sd": -1},
        {"dist": "triangular", "min": 1, "mode": 5, "max": 3},
        {"dist": "triangular", "min": 2, "mode": 1, "max": 3},
        {"dist": "triangular", "min": 2, "mode": 2, "max": 2},
        {"dist": "uniform", "min": 3, "max": 1},
        {"dist": "uniform", "min": -1, "max": 1},
        {"dist": "empirical", "values": []},
        {"dist": "empirical", "values": [1, -2]},
        {"dist": "weibull", "mean": 1},
        {"mean": 10},
        {"dist": "exponential"},
        {"dist": "exponential", "mean": 10, "sd": 2},
        {"dist": "exponential", "mean": float("inf")},
        -2,
        float("nan"),
        True,
        "5",
        [1, 2],
        None,
    ],
    ids=repr,
)
def test_bad_distribution_is_refused(entry):
    with pytest.raises(pydantic.ValidationError):
        step_with(entry)


def test_unknown_distribution_error_names_the_known_ones():
    with pytest.raises(pydantic.ValidationError) as error:
        step_with({"dist": "beta_prime", "mean": 1})
    message = str(error.value)
    assert "beta_prime" in message and "weibull" in message
    assert "exponential" in message
    assert "counter" in message


def test_triangular_error_mentions_mode():
    with pytest.raises(pydantic.ValidationError, match="mode"):
        step_with({"dist": "triangular", "min": 1, "mode": 5, "max": 3})


def test_specs_are_frozen():
    spec = Exponential(mean=10)
    with pytest.raises(pydantic.ValidationError):
        spec.mean = 5


# ---------------------------------------------------------------- the distributions offices are measured with

PROBABILITIES = np.array([0.0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999])


@pytest.mark.parametrize(
    ("spec", "frozen"),
    [
        (Normal(mean=9, sd=2), stats.truncnorm(-4.5, np.inf, loc=9, scale=2)),
        (Normal(mean=1, sd=2), stats.truncnorm(-0.5, np.inf, loc=1, scale=2)),
        (Weibull(shape=1.5, scale=10), stats.weibull_min(1.5, scale=10)),
        (Erlang(k=3, mean=12), stats.gamma(3, scale=4)),
        (Pert(min=2, mode=5, max=14), stats.beta(1 + 4 * 3 / 12, 1 + 4 * 9 / 12, loc=2, scale=12)),
    ],
    ids=["normal", "normal-cut-near-0", "weibull", "erlang", "pert"],
)
def test_quantiles_and_means_agree_with_scipy(spec: Any, frozen: Any) -> None:
    assert np.allclose(spec.quantile(PROBABILITIES), frozen.ppf(PROBABILITIES), rtol=1e-9, atol=1e-9)
    assert np.isclose(spec.expected(), frozen.mean(), rtol=1e-9)
    assert (spec.quantile(PROBABILITIES) >= 0).all()


def test_a_normal_with_no_spread_is_its_mean() -> None:
    assert (Normal(mean=7, sd=0).quantile(PROBABILITIES) == 7).all() and Normal(mean=7, sd=0).expected() == 7


def test_empirical_weights_make_a_histogram() -> None:
    """Values 10, 20, 30 seen 1, 2 and 7 times: 10 below u = 0.1, 20 below 0.3, then 30; mean 26."""
    spec = parse_distribution({"dist": "empirical", "values": [30, 10, 20], "weights": [7, 1, 2]})
    assert list(spec.quantile(np.array([0.0, 0.09, 0.1, 0.29, 0.3, 0.99]))) == [10, 10, 20, 20, 30, 30]
    assert np.isclose(spec.expected(), 26)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"dist": "normal", "mean": 0, "sd": 0}, "use {dist: fixed, value: 0}"),
        ({"dist": "pert", "min": 5, "mode": 2, "max": 9}, "must lie between min"),
        ({"dist": "weibull", "shape": 0, "scale": 3}, "greater than or equal to 0.01"),
        ({"dist": "erlang", "k": 0, "mean": 3}, "greater than or equal to 1"),
        ({"dist": "empirical", "values": [1, 2], "weights": [1]}, "one weight per value"),
        ({"dist": "empirical", "values": [1, 2], "weights": [0, 0]}, "positive sum"),
    ],
)
def test_wrong_parameters_are_refused(spec: dict[str, Any], message: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=re.escape(message)):
        KINDS[spec["dist"]].model_validate(spec)
