"""Quadratic theory against closed forms, explicit matrices and simulated runs."""

from __future__ import annotations

import numpy as np
import pytest

from momentum_core import get_objective, heavy_ball, run_batch, theory


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def test_kappa_100_closed_forms():
    # REFERENCE.md: GD alpha* = 2/(1+100), rate 99/101; momentum alpha* = 4/121,
    # beta* = 81/121, rate 9/11 (curvatures 1/100 and 1, as on the theory page).
    a, r = theory.optimal_gd(0.01, 1.0)
    assert a == pytest.approx(2 / 1.01, rel=1e-12) and r == pytest.approx(99 / 101, rel=1e-12)
    a, b, r = theory.optimal_momentum(0.01, 1.0)
    assert a == pytest.approx(4 / 1.21, rel=1e-12)
    assert b == pytest.approx(81 / 121, rel=1e-12) and r == pytest.approx(9 / 11, rel=1e-12)
    # With curvatures 1 and 100 the learning rates scale by 1/100, the rest stays.
    a, b, r = theory.optimal_momentum(1.0, 100.0)
    assert a == pytest.approx(4 / 121, rel=1e-12) and b == pytest.approx(81 / 121, rel=1e-12)
    assert theory.optimal_gd(1.0, 100.0)[0] == pytest.approx(2 / 101, rel=1e-12)


def test_rate_is_the_spectral_radius_of_the_iteration_matrix(rng):
    alpha, beta, lam = rng.uniform(0, 4, 200), rng.uniform(0, 1, 200), rng.uniform(0.01, 2, 200)
    for a, b, lam_ in zip(alpha, beta, lam, strict=True):
        m = np.array([[b, lam_], [-a * b, 1 - a * lam_]])
        radius = np.abs(np.linalg.eigvals(m)).max()
        assert theory.rate(a, b, lam_) == pytest.approx(radius, rel=1e-9, abs=1e-12)


def test_complex_regime_has_rate_sqrt_beta():
    # alpha lam = 1, beta = 0.5: T = 0.5, T^2 < 4 beta.
    assert theory.rate(1.0, 0.5, 1.0) == pytest.approx(np.sqrt(0.5), rel=1e-15)


def test_rate_matches_a_scalar_run():
    for a, b, lam in [(0.5, 0.3, 1.0), (1.9, 0.0, 1.0), (0.1, 0.9, 0.5), (2.5, 0.6, 1.0)]:
        x, z, xs = 1.0, 0.0, []
        for _ in range(600):
            z = b * z + lam * x
            x = x - a * z
            xs.append(abs(x) + abs(z))
        growth = (xs[-1] / xs[-201]) ** (1 / 200)
        assert growth == pytest.approx(theory.rate(a, b, lam), rel=0.01)


def test_stability_boundary_matches_rate_below_one():
    a, b = np.meshgrid(np.linspace(0.01, 4.5, 300), np.linspace(0, 0.99, 200))
    r = theory.rate(a, b, 1.0)
    edge = np.abs(a - (2 + 2 * b)) > 0.02  # leave out the boundary itself
    np.testing.assert_array_equal((r < 1)[edge], theory.is_stable(a, b, 1.0)[edge])


def test_beta_one_never_converges():
    alphas = np.linspace(0.05, 3.9, 50)
    np.testing.assert_allclose(theory.rate(alphas, 1.0, 1.0), 1.0, rtol=1e-12)


@pytest.mark.parametrize("kappa", [10.0, 100.0, 1000.0])
def test_optima_are_grid_minima_of_the_bowl_rate(kappa):
    lam_min = 1 / kappa
    a, b, r = theory.optimal_momentum(lam_min, 1.0)
    # A double root: the discriminant is round-off there and its square root ~1e-8.
    assert theory.bowl_rate(a, b, lam_min, 1.0) == pytest.approx(r, rel=1e-7)
    grid_a, grid_b = np.meshgrid(np.linspace(0.01, 4, 400), np.linspace(0, 0.999, 400))
    assert theory.bowl_rate(grid_a, grid_b, lam_min, 1.0).min() >= r - 1e-7
    ga, gr = theory.optimal_gd(lam_min, 1.0)
    assert theory.bowl_rate(ga, 0.0, lam_min, 1.0) == pytest.approx(gr, rel=1e-12)
    assert theory.bowl_rate(np.linspace(0.01, 2, 1000), 0.0, lam_min, 1.0).min() >= gr - 1e-9


def distance_run(kappa, alpha, beta, steps=3000):
    obj = get_objective("quadratic", condition=kappa, angle=30.0)
    result = run_batch(obj, heavy_ball(alpha, beta), obj.x0, steps)
    return np.linalg.norm(result.positions[:, 0], axis=-1)


@pytest.mark.parametrize("kappa", [10.0, 100.0, 1000.0])
def test_measured_rate_within_one_percent(kappa):
    lam_min = 1 / kappa
    ga, gr = theory.optimal_gd(lam_min, 1.0)
    assert theory.measured_rate(distance_run(kappa, ga, 0.0)) == pytest.approx(gr, rel=0.01)
    # Just past critical damping the eigenvalues are complex with modulus sqrt(beta).
    a, b, _ = theory.optimal_momentum(lam_min, 1.0)
    b = min(0.999, 1.05 * b)
    predicted = theory.bowl_rate(a, b, lam_min, 1.0)
    assert theory.measured_rate(distance_run(kappa, a, b)) == pytest.approx(predicted, rel=0.01)


def test_measured_rate_at_critical_damping_reads_high_by_the_t_factor():
    # At the optimum the two eigenvalues coincide, the error decays like t r^t, and a
    # straight-line fit of log distance reads the rate a little high (1-5 %, not more).
    a, b, r = theory.optimal_momentum(0.01, 1.0)
    measured = theory.measured_rate(distance_run(100.0, a, b))
    assert r < measured < 1.05 * r


def test_steps_to_tolerance():
    assert theory.steps_to_tolerance(0.5, 1e-3) == 10  # 0.5^10 < 1e-3 < 0.5^9
    assert theory.steps_to_tolerance(1.0, 1e-3) == np.inf
    assert theory.steps_to_tolerance(0.0, 1e-3) == 0
    with pytest.raises(ValueError, match="ratio must be in"):
        theory.steps_to_tolerance(0.5, 2.0)


@pytest.mark.parametrize(("lo", "hi"), [(0.0, 1.0), (2.0, 1.0), (np.nan, 1.0)])
def test_bad_curvatures(lo, hi):
    with pytest.raises(ValueError, match="need 0 < lam_min <= lam_max"):
        theory.optimal_gd(lo, hi)
