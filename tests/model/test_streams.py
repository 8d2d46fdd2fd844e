"""Keyed random number streams of simulator.model.streams (common random numbers)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from simulator.model.streams import BLOCK, Streams

P_MIN = 1e-3
CITIZENS = np.arange(3 * BLOCK + 17, dtype=np.int64)
"""Citizens over several blocks, the last one partly used."""


def draw(seed: int = 7, replication: int = 0, name: str = "patience", index: int = 0, citizen: int = 42) -> float:
    """One draw from a fresh Streams object."""
    return Streams(seed, replication).keyed(name)(citizen, index)


def test_same_key_gives_same_number_in_fresh_objects():
    assert draw() == draw()
    assert draw(seed=3, replication=2, name="counter:serve", index=4, citizen=5000) == draw(
        seed=3, replication=2, name="counter:serve", index=4, citizen=5000
    )


def test_same_key_gives_same_array_in_fresh_objects():
    first = Streams(7, 1).keyed("rework").many(CITIZENS, index=2)
    second = Streams(7, 1).keyed("rework").many(CITIZENS, index=2)
    np.testing.assert_array_equal(first, second)


def test_draw_does_not_depend_on_what_was_drawn_before():
    """The same citizen meets the same luck whatever else the run drew first."""
    quiet = Streams(7, 0).keyed("patience")(900, 3)
    busy_streams = Streams(7, 0)
    busy = busy_streams.keyed("patience")
    for citizen in range(0, 3000, 7):
        busy(citizen, 0)
        busy_streams.keyed("arrivals")(citizen, 3)
    assert busy(900, 3) == quiet


@pytest.mark.parametrize(
    "changed",
    [
        {"seed": 8},
        {"replication": 1},
        {"name": "rework"},
        {"name": "patienc"},
        {"index": 1},
        {"citizen": 43},
        {"citizen": 42 + BLOCK},
    ],
    ids=repr,
)
def test_changing_any_key_changes_the_number(changed):
    assert draw(**changed) != draw()


def test_different_keys_give_different_sequences():
    base = Streams(7, 0).keyed("patience").many(CITIZENS)
    others = [
        Streams(8, 0).keyed("patience").many(CITIZENS),
        Streams(7, 1).keyed("patience").many(CITIZENS),
        Streams(7, 0).keyed("rework").many(CITIZENS),
        Streams(7, 0).keyed("patience").many(CITIZENS, index=1),
    ]
    for other in others:
        assert not np.isin(base, other).any()
        # and they are not correlated either
        assert abs(np.corrcoef(base, other)[0, 1]) < 4 / np.sqrt(len(CITIZENS))


def test_blocks_are_different():
    uniforms = Streams(7, 0).uniforms("patience", 0, 0)
    assert not np.isin(uniforms, Streams(7, 0).uniforms("patience", 0, 1)).any()


def test_draws_are_uniform_on_unit_interval():
    values = Streams(2026, 0).keyed("patience").many(np.arange(20 * BLOCK, dtype=np.int64))
    assert values.min() >= 0.0
    assert values.max() < 1.0
    assert stats.kstest(values, "uniform").pvalue > P_MIN
    assert abs(values.mean() - 0.5) < 4 * np.sqrt(1 / 12 / len(values))


def test_draws_across_indices_are_uniform():
    keyed = Streams(2026, 3).keyed("counter:stamp")
    values = np.array([keyed(citizen, index) for citizen in range(200) for index in range(50)])
    assert stats.kstest(values, "uniform").pvalue > P_MIN


def test_consecutive_citizens_are_independent():
    values = Streams(2026, 0).keyed("patience").many(np.arange(10 * BLOCK, dtype=np.int64))
    lag_one = np.corrcoef(values[:-1], values[1:])[0, 1]
    assert abs(lag_one) < 4 / np.sqrt(len(values))


def test_citizens_in_later_blocks():
    streams = Streams(7, 0)
    keyed = streams.keyed("patience")
    assert keyed(BLOCK - 1) == streams.uniforms("patience", 0, 0)[BLOCK - 1]
    assert keyed(BLOCK) == streams.uniforms("patience", 0, 1)[0]
    assert keyed(5 * BLOCK + 3, 2) == streams.uniforms("patience", 2, 5)[3]
    big = 1_000_000
    assert keyed(big) == streams.uniforms("patience", 0, big // BLOCK)[big % BLOCK]
    assert 0 <= keyed(big) < 1


def test_generator_is_reproducible_and_named():
    a = Streams(7, 0).generator("arrivals", 3).random(5)
    b = Streams(7, 0).generator("arrivals", 3).random(5)
    c = Streams(7, 0).generator("arrivals", 4).random(5)
    d = Streams(7, 0).generator("arrival", 3).random(5)
    np.testing.assert_array_equal(a, b)
    assert not np.isin(a, c).any()
    assert not np.isin(a, d).any()


def test_uniforms_block_has_block_size():
    assert Streams(7, 0).uniforms("patience", 0, 0).shape == (BLOCK,)


def test_many_equals_element_wise_calls():
    keyed = Streams(11, 2).keyed("product_error")
    citizens = np.array([0, 5, BLOCK - 1, BLOCK, 3 * BLOCK + 16, 5, 77_777], dtype=np.int64)
    expected = [Streams(11, 2).keyed("product_error")(int(c), 3) for c in citizens]
    got = keyed.many(citizens, index=3)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, expected)
    assert keyed.many(np.array([], dtype=np.int64)).shape == (0,)


def test_transform_is_applied():
    plain = Streams(7, 0).keyed("patience")
    scaled = Streams(7, 0).keyed("patience", transform=lambda u: 10 * u + 1)
    for citizen in (0, 42, BLOCK + 5):
        assert scaled(citizen, 1) == pytest.approx(10 * plain(citizen, 1) + 1, rel=1e-15)
    np.testing.assert_allclose(scaled.many(CITIZENS), 10 * plain.many(CITIZENS) + 1, rtol=1e-15)


def test_transform_runs_once_per_block_on_the_whole_block():
    calls = []

    def quantile(u):
        calls.append(len(u))
        return -np.log1p(-u)

    keyed = Streams(7, 0).keyed("patience", transform=quantile)
    keyed.many(np.arange(2 * BLOCK, dtype=np.int64))
    keyed(3)
    keyed(BLOCK + 3)
    assert calls == [BLOCK, BLOCK]
    keyed(3, index=1)
    assert calls == [BLOCK, BLOCK, BLOCK]
