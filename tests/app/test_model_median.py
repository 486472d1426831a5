"""The model page's median over seeds is what its words say: a seed's own value, the
lower of the two middle ones over an even number of seeds (not their midpoint)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from momentum_app.studies import model_view


def test_the_median_of_an_even_number_of_seeds_is_the_lower_middle_value():
    rng = np.random.default_rng(7)
    for seeds in (10, 20, 21):
        losses = rng.random((3, seeds))  # three epochs
        median, _, _ = model_view.band(losses)
        ordered = np.sort(losses, axis=1)
        middle = (seeds - 1) // 2  # the lower middle one of an even number, the middle of odd
        np.testing.assert_array_equal(median, ordered[:, middle])
        if seeds % 2 == 0:  # not the midpoint np.median gives
            assert np.all(median < np.median(losses, axis=1))
        race = SimpleNamespace(losses=lambda which, index, x=losses: x, seeds=seeds)
        assert model_view.median_final(race, 0) == ordered[-1, middle]
        said = "the lower of the two middle values" in model_view.bands_caption(race)
        assert said == (seeds % 2 == 0)


@pytest.mark.parametrize(("diverged", "finite"), [(10, True), (11, False)])
def test_the_median_has_a_value_until_more_than_half_the_seeds_diverged(diverged, finite):
    losses = np.ones((1, 20))
    losses[0, :diverged] = np.inf
    race = SimpleNamespace(losses=lambda which, index: losses, seeds=20)
    assert np.isfinite(model_view.median_final(race, 0)) == finite
