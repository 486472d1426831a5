"""Basin maps and success rates against the same runs done one at a time."""

from __future__ import annotations

import numpy as np
import pytest

from momentum_core import get_objective, heavy_ball, run_batch
from momentum_core.basins import (
    Z95,
    SuccessStudy,
    basin_map,
    basin_maps,
    describe_effect,
    random_starts,
    success_rates,
    wilson,
)


@pytest.fixture(scope="module")
def rast():
    return get_objective("rastrigin")


def ended_one_by_one(obj, lr, mu, start, num_steps):
    one = run_batch(obj, heavy_ball(lr, mu), start, num_steps, summary_only=True)
    return -1 if one.diverged_step[0] >= 0 else int(one.nearest_minimum[0])


@pytest.mark.parametrize("mu", [0.0, 0.9], ids=["sgd", "momentum"])
def test_basin_map_equals_runs_one_at_a_time(rast, mu):
    bmap = basin_map(rast, "momentum", 0.004, mu, 6, 300)
    (x0, x1), _ = rast.domain
    step = (x1 - x0) / 6
    np.testing.assert_allclose(bmap.xs, x0 + step / 2 + step * np.arange(6))  # cell centres
    for i, y in enumerate(bmap.ys):
        for j, x in enumerate(bmap.xs):
            assert bmap.ended[i, j] == ended_one_by_one(rast, 0.004, mu, (x, y), 300)
    assert bmap.counts.sum() == 36
    assert bmap.share_global == pytest.approx(np.mean(bmap.ended == 0))


def test_diverged_starts_are_marked_counted_and_fail():
    rosen = get_objective("rosenbrock")
    bmap = basin_map(rosen, "momentum", 0.01, 0.9, 12, 200)  # lr 5x the stable limit
    assert bmap.counts.sum() == 144
    assert bmap.counts[-1] == np.sum(bmap.ended < 0) > 0
    assert bmap.share_global == pytest.approx(np.mean(bmap.ended == 0))
    corner = ended_one_by_one(rosen, 0.01, 0.9, (bmap.xs[0], bmap.ys[0]), 200)
    assert bmap.ended[0, 0] == corner


def test_success_rates_equal_brute_force(rast):
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
    np.testing.assert_array_equal(study.rate, study.successes / 40)
    low, high = wilson(study.successes, 40)
    np.testing.assert_array_equal(study.low, low)
    np.testing.assert_array_equal(study.high, high)


def test_success_rates_are_seeded(rast):
    # The seed picks the starts, and with them the outcome.
    np.testing.assert_array_equal(random_starts(rast, 50, 1), random_starts(rast, 50, 1))
    assert not np.array_equal(random_starts(rast, 50, 1), random_starts(rast, 50, 2))
    args = (rast, [0.002, 0.004], [0.0, 0.5, 0.9], 300, 100)
    a, b = success_rates(*args, seed=1), success_rates(*args, seed=1)
    np.testing.assert_array_equal(a.successes, b.successes)
    c = success_rates(*args, seed=2)
    assert not np.array_equal(a.successes, c.successes)


def test_noisy_study_is_reproducible_and_differs_from_exact(rast):
    args = (rast, [0.004], [0.0, 0.9], 200, 100)
    a = success_rates(*args, noise=20.0, seed=3)
    b = success_rates(*args, noise=20.0, seed=3)
    np.testing.assert_array_equal(a.successes, b.successes)
    exact = success_rates(*args, seed=3)
    assert not np.array_equal(a.successes, exact.successes)


@pytest.mark.parametrize(
    ("k", "n"), [(0, 10), (3, 20), (10, 20), (20, 20), (7, 200)], ids=str
)  # fmt: skip
def test_wilson_interval_closed_form(k, n):
    z = Z95
    p = k / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    low, high = wilson(k, n)
    assert low == pytest.approx(max(centre - half, 0), abs=1e-12)
    assert high == pytest.approx(min(centre + half, 1), abs=1e-12)
    assert 0 <= low <= p <= high <= 1


def test_wilson_known_values():
    low, high = wilson(np.array([0, 10]), 20)
    assert low[0] == 0 and high[0] == pytest.approx(0.16113, abs=1e-5)  # 3.84 / 23.84
    assert (low[1], high[1]) == (pytest.approx(0.29930, abs=1e-5), pytest.approx(0.70070, 1e-5))


def study_of(rates: list[list[float]], momenta: list[float], n: int = 400) -> SuccessStudy:
    """A study with the given rates (rows: learning rates 0.001, 0.002, ...)."""
    successes = np.round(np.array(rates) * n).astype(int)
    low, high = wilson(successes, n)
    lrs = 0.001 * np.arange(1, len(rates) + 1)
    return SuccessStudy(lrs, np.array(momenta), n, successes, successes / n, low, high)


def pct(p: float) -> str:
    return f"{100 * p:.1f}%"


def test_describe_effect_says_what_the_numbers_say():
    # Momenta 0, 0.5, 0.9: row 1 momentum helps, row 2 it hurts, row 3 no clear difference.
    study = study_of([[0.1, 0.2, 0.5], [0.5, 0.4, 0.1], [0.3, 0.31, 0.32]], [0.0, 0.5, 0.9])
    helps, hurts, same = describe_effect(study)
    assert helps.startswith("At α = 0.001, momentum β = 0.90 helps: 50.0% (")
    assert "against 10.0% (" in helps and "β = 0.90 is also the best of the 3" in helps
    lo, hi = pct(study.low[0, 2]), pct(study.high[0, 2])
    assert f"50.0% ({lo}–{hi})" in helps
    assert "momentum β = 0.90 hurts: 10.0%" in hurts and "against 50.0%" in hurts
    assert "No momentum in the study does better than β = 0." in hurts
    assert "β = 0.90 makes no clear difference: 32.0%" in same and "against 30.0%" in same


def test_describe_effect_judges_the_best_momentum_separately():
    # 0.9 is no better than 0, but 0.5 is much better: the sentence says both.
    (sentence,) = describe_effect(study_of([[0.2, 0.6, 0.22]], [0.0, 0.5, 0.9]))
    assert "β = 0.90 makes no clear difference: 22.0%" in sentence
    assert "β = 0.50 with 60.0% (" in sentence and "picked after the fact" in sentence
    assert sentence.endswith("helps.")


def test_describe_effect_uses_the_momentum_nearest_09():
    (sentence,) = describe_effect(study_of([[0.5, 0.1]], [0.0, 0.8]))
    assert "momentum β = 0.80 hurts: 10.0%" in sentence


def test_describe_effect_needs_momentum_zero():
    with pytest.raises(ValueError, match=r"momentum 0 among the momenta, got \[0.5, 0.9\]"):
        describe_effect(study_of([[0.1, 0.2]], [0.5, 0.9]))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"grid": 1}, "grid must be a whole number in \\[2, 400\\], got 1"),
        ({"grid": 401}, "got 401"),
        ({"grid": 2.5}, "got 2.5"),
        ({"lr": -1.0}, "learning rate must be in"),
        ({"momentum": 1.5}, "momentum must be in \\[0, 1\\], got 1.5"),
        ({"num_steps": 0}, "num_steps must be in"),
    ],
    ids=["grid-low", "grid-high", "grid-fraction", "lr", "momentum", "steps"],
)
def test_basin_map_rejects_bad_values(rast, kwargs, message):
    args = {"lr": 0.002, "momentum": 0.9, "grid": 4, "num_steps": 10} | kwargs
    with pytest.raises(ValueError, match=message):
        basin_map(rast, "momentum", **args)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_starts": 0}, "n_starts must be a whole number in \\[1, 5000\\], got 0"),
        ({"n_starts": 5001}, "got 5001"),
        ({"lrs": []}, "lrs must be a non-empty list"),
        ({"momenta": []}, "momenta must be a non-empty list"),
        ({"lrs": [0.002, 0.0]}, "learning rate must be in \\(0, inf\\), got 0"),
        ({"momenta": [0.0, -0.1]}, "momentum must be in \\[0, 1\\], got -0.1"),
    ],
    ids=["starts-low", "starts-high", "no-lrs", "no-momenta", "lr", "momentum"],
)
def test_success_rates_rejects_bad_values(rast, kwargs, message):
    args = {"lrs": [0.002], "momenta": [0.0, 0.9], "n_starts": 5, "num_steps": 10} | kwargs
    with pytest.raises(ValueError, match=message):
        success_rates(rast, **args)


#: Landscapes and learning rates of the maps compared: Rastrigin's many minima, and
#: Himmelblau's four with runs that diverge at the larger momenta.
MAP_CASES = [("rastrigin", 0.005), ("himmelblau", 0.02)]


@pytest.mark.parametrize("loop", ["compiled", "numpy"])
@pytest.mark.parametrize("noise", [0.0, 0.5], ids=["exact", "noisy"])
@pytest.mark.parametrize(("name", "lr"), MAP_CASES, ids=[c[0] for c in MAP_CASES])
def test_basin_maps_are_basin_map_at_each_momentum_bit_for_bit(name, lr, noise, loop):
    obj = get_objective(name)
    betas = [0.0, 0.5, 0.9, 0.99, 0.5]
    maps = basin_maps(obj, lr, betas, 12, 150, noise, 3, loop=loop)
    assert list(maps) == [0.0, 0.5, 0.9, 0.99]
    for beta, got in maps.items():
        want = basin_map(obj, "momentum", lr, beta, 12, 150, noise, 3, loop=loop)
        assert np.array_equal(got.ended, want.ended) and np.array_equal(got.counts, want.counts)
        assert got.share_global == want.share_global
        assert np.array_equal(got.xs, want.xs) and np.array_equal(got.ys, want.ys)
    if name == "himmelblau" and not noise:  # the comparison covers diverged runs too
        assert (maps[0.99].ended < 0).any()


def test_basin_maps_without_noise_are_one_call_of_the_runner(monkeypatch):
    """Every map's runs in one batch: one runner call, whose compiled loop then takes all
    the maps' runs in each of its calls (and the page waits for one job, not one a map)."""
    from momentum_core import basins

    calls = []

    def counted(objective, optimizer, x0, num_steps, **kwargs):
        calls.append(len(x0))
        return run_batch(objective, optimizer, x0, num_steps, **kwargs)

    monkeypatch.setattr(basins, "run_batch", counted)
    basin_maps(get_objective("himmelblau"), 0.02, [0.0, 0.5, 0.9], 10, 50)
    assert calls == [3 * 10 * 10]
    calls.clear()
    basin_maps(get_objective("himmelblau"), 0.02, [0.0, 0.5, 0.9], 10, 50, noise=0.5)
    assert calls == [10 * 10] * 3  # with noise, a batch a β: basin_map's noise for each
