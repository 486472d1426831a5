"""Basin maps and success rates against the same runs done one at a time."""

from __future__ import annotations

import numpy as np
import pytest

from momentum_core import get_objective, heavy_ball, run_batch
from momentum_core.basins import (
    SuccessStudy,
    basin_map,
    describe_effect,
    success_rates,
    wilson,
)


@pytest.fixture(scope="module")
def rast():
    return get_objective("rastrigin")


def test_basin_map_equals_runs_one_at_a_time(rast):
    bmap = basin_map(rast, "momentum", 0.004, 0.9, 6, 300)
    for i, y in enumerate(bmap.ys):
        for j, x in enumerate(bmap.xs):
            one = run_batch(rast, heavy_ball(0.004, 0.9), (x, y), 300, summary_only=True)
            want = -1 if one.diverged_step[0] >= 0 else one.nearest_minimum[0]
            assert bmap.ended[i, j] == want
    assert bmap.counts.sum() == 36
    assert bmap.share_global == pytest.approx(np.mean(bmap.ended == 0))


def test_basin_counts_add_up_and_diverged_runs_are_counted():
    rosen = get_objective("rosenbrock")
    bmap = basin_map(rosen, "momentum", 0.01, 0.9, 12, 200)  # lr 5x the stable limit
    assert bmap.counts.sum() == 144
    assert bmap.counts[-1] == np.sum(bmap.ended < 0) > 0


def test_success_rates_equal_brute_force_and_are_seeded(rast):
    lrs, momenta = [0.002, 0.004], [0.0, 0.9]
    study = success_rates(rast, lrs, momenta, 40, 300, seed=5)
    rng = np.random.default_rng(5)
    (x0, x1), (y0, y1) = rast.domain
    starts = np.column_stack([rng.uniform(x0, x1, 40), rng.uniform(y0, y1, 40)])
    for i, lr in enumerate(lrs):
        for k, mu in enumerate(momenta):
            runs = run_batch(rast, heavy_ball(lr, mu), starts, 300, summary_only=True)
            good = (runs.diverged_step < 0) & runs.reached_global
            assert study.successes[i, k] == good.sum()
    again = success_rates(rast, lrs, momenta, 40, 300, seed=5)
    np.testing.assert_array_equal(again.successes, study.successes)
    other = success_rates(get_objective("six-hump-camel"), lrs, momenta, 40, 300, seed=6)
    assert other.successes.shape == (2, 2)


def test_wilson_interval_closed_form():
    low, high = wilson(np.array([0, 10, 20]), 20)
    # p = 0.5, n = 20: centre 0.5, half-width 1.96 * sqrt(0.25/20 + 1.96^2/1600) / (1 + 1.96^2/20)
    z = 1.959964
    half = z * np.sqrt(0.25 / 20 + z * z / 1600) / (1 + z * z / 20)
    assert low[1] == pytest.approx(0.5 - half) and high[1] == pytest.approx(0.5 + half)
    assert low[0] == pytest.approx(0.0, abs=1e-12) and high[2] == pytest.approx(1.0)


def study_of(rates_at_zero, rates_at_09, n=400):
    successes = np.array(
        [[round(a * n), round(b * n)] for a, b in zip(rates_at_zero, rates_at_09, strict=True)]
    )
    low, high = wilson(successes, n)
    return SuccessStudy(np.array([0.001, 0.002, 0.003]), np.array([0.0, 0.9]), n, successes,
                        successes / n, low, high)  # fmt: skip


def test_describe_effect_says_what_the_numbers_say():
    helps, hurts, same = describe_effect(study_of([0.1, 0.5, 0.3], [0.5, 0.1, 0.31]))
    assert "momentum helps: 50% of starts" in helps and "against 10%" in helps
    assert "momentum hurts: 10%" in hurts
    assert "no clear difference" in same


@pytest.mark.parametrize(("kwargs", "message"), [({"grid": 1}, "grid must be in")])
def test_bad_grid(rast, kwargs, message):
    with pytest.raises(ValueError, match=message):
        basin_map(rast, "momentum", 0.002, 0.9, num_steps=10, **kwargs)
