"""Quadratic theory of heavy ball against closed forms, explicit matrices and simulated runs.

The runs here are plain for-loop transcriptions of ``z = beta z + grad; x -= alpha z``
(loop over steps, vectorised over runs), written out in this file so the theory is checked
against nothing but the update rule itself.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from momentum_core import theory


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def iteration_matrices(alpha, beta, lam):
    """Heavy ball's step along curvature lam, stacked: on (z, x) and on (x_t, x_{t-1})."""
    alpha, beta, lam = np.broadcast_arrays(alpha, beta, lam)
    on_zx = np.stack(
        [np.stack([beta, lam], -1), np.stack([-alpha * beta, 1 - alpha * lam], -1)], -2
    )
    trace = 1 + beta - alpha * lam
    companion = np.stack(
        [np.stack([trace, -beta], -1), np.stack([np.ones_like(trace), 0 * trace], -1)], -2
    )
    return on_zx, companion


def heavy_ball_distances(hessian, alpha, beta, x0, num_steps):
    """Distances to the minimum 0 of ``1/2 x^T H x``, ``(num_steps + 1, runs)``."""
    x = np.tile(np.asarray(x0, dtype=float), (len(alpha), 1))
    z = np.zeros_like(x)
    alpha, beta = alpha[:, None], beta[:, None]
    out = [np.linalg.norm(x, axis=1)]
    for _ in range(num_steps):
        z = beta * z + x @ hessian
        x = x - alpha * z
        out.append(np.linalg.norm(x, axis=1))
    return np.array(out)


def rotated_bowl(lam_min, lam_max, degrees=30.0):
    c, s = np.cos(np.radians(degrees)), np.sin(np.radians(degrees))
    rot = np.array([[c, -s], [s, c]])
    return rot @ np.diag([lam_max, lam_min]) @ rot.T


# -- the optimal settings ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lam_min", "lam_max", "scale"),
    [(0.01, 1.0, 100.0), (1.0, 100.0, 1.0)],
    ids=["1/100..1", "1..100"],
)
def test_optimal_settings_at_kappa_100(lam_min, lam_max, scale):
    # Curvatures 1..100: GD alpha* = 2/101, heavy ball alpha* = (2/(1 + 10))^2 = 4/121.
    # Curvatures 1/100..1 are the same bowl scaled by 1/100: the learning rates grow 100-fold,
    # momentum and rates depend on kappa only.
    alpha, r = theory.optimal_gd(lam_min, lam_max)
    assert alpha == pytest.approx(scale * 2 / 101, rel=1e-12)
    assert r == pytest.approx(99 / 101, rel=1e-12)
    alpha, beta, r = theory.optimal_momentum(lam_min, lam_max)
    assert alpha == pytest.approx(scale * 4 / 121, rel=1e-12)
    assert beta == pytest.approx(81 / 121, rel=1e-12)
    assert r == pytest.approx(9 / 11, rel=1e-12)


def test_kappa_one_converges_in_one_step():
    assert theory.optimal_gd(4.0, 4.0) == (0.25, 0.0)
    assert theory.optimal_momentum(4.0, 4.0) == (0.25, 0.0, 0.0)
    assert theory.rate(0.25, 0.0, 4.0) == 0.0
    assert theory.steps_to_tolerance(0.0, 1e-6) == 1


@pytest.mark.parametrize("kappa", [10.0, 100.0, 1000.0])
def test_optimal_momentum_is_a_grid_minimum_of_the_bowl_rate(kappa):
    lam_min, lam_max = 1.0, kappa
    alpha, beta, r = theory.optimal_momentum(lam_min, lam_max)
    # Both ends are double roots there: round-off of 1e-16 in (alpha, beta) moves the
    # radius by ~1e-8, and only ever upwards (the discriminant's root is added).
    at_optimum = theory.bowl_rate(alpha, beta, lam_min, lam_max)
    assert r - 1e-14 <= at_optimum <= r + 1e-7
    # Every curvature in between is a complex pair of modulus sqrt(beta*) = r.
    inner = theory.rate(alpha, beta, np.linspace(lam_min, lam_max, 101)[1:-1])
    np.testing.assert_allclose(inner, r, rtol=1e-14)

    a, b = np.meshgrid(np.linspace(0, 4.5 / lam_max, 300), np.linspace(0, 0.999, 300))
    grid = theory.bowl_rate(a, b, lam_min, lam_max)
    stable = theory.is_stable(a, b, lam_max) & theory.is_stable(a, b, lam_min)
    assert stable.sum() > 10_000
    assert grid[stable].min() >= r - 1e-9
    assert grid[stable].min() <= r + 0.05  # the grid does come close
    # Any small move, in any direction, makes it worse.
    for da, db in [(1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (1, -1), (-1, 1), (-1, -1)]:
        moved = theory.bowl_rate(alpha * (1 + 1e-4 * da), beta * (1 + 1e-4 * db), 1.0, kappa)
        assert moved > r


@pytest.mark.parametrize("kappa", [10.0, 100.0, 1000.0])
def test_optimal_gd_is_a_grid_minimum_of_the_bowl_rate(kappa):
    alpha, r = theory.optimal_gd(1 / kappa, 1.0)
    assert theory.bowl_rate(alpha, 0.0, 1 / kappa, 1.0) == pytest.approx(r, rel=1e-12)
    assert theory.bowl_rate(np.linspace(0, 2.5, 5001), 0.0, 1 / kappa, 1.0).min() >= r - 1e-12
    # Momentum's best beats gradient descent's best.
    assert theory.optimal_momentum(1 / kappa, 1.0)[2] < r


# -- the rate of one direction ----------------------------------------------------------------


def test_rate_is_the_spectral_radius_of_both_iteration_matrices(rng):
    n = 2000
    alpha, beta, lam = rng.uniform(-0.5, 5, n), rng.uniform(-0.9, 1.2, n), rng.uniform(0.01, 2, n)
    on_zx, companion = iteration_matrices(alpha, beta, lam)
    expected = np.abs(np.linalg.eigvals(on_zx)).max(axis=-1)
    np.testing.assert_allclose(np.abs(np.linalg.eigvals(companion)).max(axis=-1), expected)
    np.testing.assert_allclose(theory.rate(alpha, beta, lam), expected, rtol=1e-9)
    # The eigenvalues themselves: trace and determinant (Vieta), and the same set as eigvals.
    mu_plus, mu_minus = theory.eigenvalues(alpha, beta, lam)
    np.testing.assert_allclose(mu_plus + mu_minus, 1 + beta - alpha * lam, atol=1e-12)
    np.testing.assert_allclose(mu_plus * mu_minus, beta, atol=1e-12)
    ours = np.sort_complex(np.stack([mu_plus, mu_minus], -1))
    theirs = np.sort_complex(np.linalg.eigvals(on_zx).astype(complex))
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-6)  # double roots: ~sqrt(eps)


def test_rate_broadcasts_over_a_meshgrid():
    a, b = np.meshgrid(np.linspace(0, 4, 200), np.linspace(0, 0.99, 200))
    grid = theory.rate(a, b, 0.5)
    assert grid.shape == (200, 200)
    on_zx, _ = iteration_matrices(a, b, 0.5)
    np.testing.assert_allclose(grid, np.abs(np.linalg.eigvals(on_zx)).max(axis=-1), rtol=1e-7)
    assert theory.rate(np.ones(3), np.zeros((4, 1)), 1.0).shape == (4, 3)
    assert isinstance(theory.rate(0.1, 0.5, 1.0), float)


def test_complex_eigenvalues_have_modulus_sqrt_beta(rng):
    beta = rng.uniform(0.01, 0.99, 500)
    root = np.sqrt(beta)
    # Complex pair strictly between the double roots alpha lam = (1 -+ sqrt(beta))^2.
    step = rng.uniform((1 - root) ** 2, (1 + root) ** 2) * rng.uniform(0.999, 1.0, 500)
    step = np.clip(step, (1 - root) ** 2 + 1e-6, (1 + root) ** 2 - 1e-6)
    lam = rng.uniform(0.1, 10, 500)
    mu_plus, mu_minus = theory.eigenvalues(step / lam, beta, lam)
    assert (np.abs(mu_plus.imag) > 0).all()
    np.testing.assert_allclose(np.abs(mu_plus), root, rtol=1e-13)
    np.testing.assert_allclose(np.abs(mu_minus), root, rtol=1e-13)
    np.testing.assert_allclose(theory.rate(step / lam, beta, lam), root, rtol=1e-15)
    assert theory.rate(1.0, 0.5, 1.0) == np.sqrt(0.5)


def test_rate_matches_the_growth_of_a_simulated_run(rng):
    # Gelfand: ||state_t||^(1/t) -> spectral radius. Run the scalar heavy ball from x = 1,
    # renormalising every step (rates 0.1..3 over 2000 steps would under/overflow), and
    # read the mean growth of ||(x_t, x_{t-1})|| over the last 1000 steps.
    n = 300
    alpha, beta, lam = rng.uniform(0.01, 4, n), rng.uniform(0, 0.98, n), rng.uniform(0.1, 1.5, n)
    expected = theory.rate(alpha, beta, lam)
    keep = expected > 0.1  # a nilpotent-ish step leaves nothing to measure
    alpha, beta, lam, expected = alpha[keep], beta[keep], lam[keep], expected[keep]
    x, x_prev, z = np.ones_like(alpha), np.ones_like(alpha), np.zeros_like(alpha)
    log_growth = np.zeros_like(alpha)
    for t in range(2000):
        z = beta * z + lam * x
        x, x_prev = x - alpha * z, x
        norm = np.hypot(x, x_prev)
        x, x_prev, z = x / norm, x_prev / norm, z / norm
        if t >= 1000:
            log_growth += np.log(norm)
    np.testing.assert_allclose(np.exp(log_growth / 1000), expected, rtol=0.01)
    assert (expected > 1).any() and (expected < 1).any()


def test_stability_region_is_where_the_rate_is_below_one():
    betas = np.concatenate([np.linspace(-1.2, 1.2, 241), [-1.0, 0.0, 1.0]])
    for lam in (0.01, 1.0, 100.0):
        a, b = np.meshgrid(np.linspace(-0.5, 5.0, 221) / lam, betas)
        step = a * lam
        off_edge = (
            (np.abs(step) > 1e-6)
            & (np.abs(step - (2 + 2 * b)) > 1e-6)
            & (np.abs(np.abs(b) - 1) > 1e-9)
        ) | (np.abs(b) == 1)
        stable = theory.is_stable(a, b, lam)
        below = theory.rate(a, b, lam) < 1
        np.testing.assert_array_equal(below[off_edge], stable[off_edge])
        assert stable.sum() > 10_000 and (~stable).sum() > 10_000
    # The usual range: momentum in [0, 1), alpha lam in (0, 2 + 2 beta).
    assert theory.is_stable(1.95, 0.99, 2.0) and not theory.is_stable(2.0, 0.99, 2.0)
    assert not theory.is_stable(0.0, 0.5, 1.0) and not theory.is_stable(1.0, 1.0, 1.0)


def test_beta_one_never_converges():
    alphas = np.linspace(0.001, 3.999, 400)  # alpha lam in (0, 4): 'stable-looking'
    assert (theory.rate(alphas, 1.0, 1.0) == 1.0).all()
    assert not theory.is_stable(alphas, 1.0, 1.0).any()
    assert theory.steps_to_tolerance(theory.rate(0.5, 1.0, 1.0), 1e-6) == np.inf
    # The run keeps its energy: x_t^2 - T x_t x_{t-1} + x_{t-1}^2 is invariant (det = 1).
    x, x_prev, z = np.ones_like(alphas), np.ones_like(alphas), np.zeros_like(alphas)
    trace = 2 - alphas
    energy = x * x - trace * x * x_prev + x_prev * x_prev
    for _ in range(2000):
        z = z + x
        x, x_prev = x - alphas * z, x
    np.testing.assert_allclose(x * x - trace * x * x_prev + x_prev * x_prev, energy, atol=1e-8)


# -- the rate of a bowl -----------------------------------------------------------------------


def test_bowl_rate_is_the_worst_curvature_in_the_range(rng):
    a, b = rng.uniform(0, 4, 300), rng.uniform(0, 1, 300)
    lams = np.linspace(0.05, 1.0, 400)
    dense = theory.rate(a[:, None], b[:, None], lams).max(axis=1)
    np.testing.assert_allclose(theory.bowl_rate(a, b, 0.05, 1.0), dense, rtol=1e-14)
    # Scaling the curvatures by c and the learning rates by 1/c changes nothing.
    np.testing.assert_allclose(
        theory.bowl_rate(a / 50, b, 2.5, 50.0), theory.bowl_rate(a, b, 0.05, 1.0), rtol=1e-6
    )


# -- predicted and measured convergence -------------------------------------------------------


def test_measured_rate_of_optimal_runs_matches_the_prediction():
    lam_min, lam_max = 0.01, 1.0
    gd_alpha, gd_rate = theory.optimal_gd(lam_min, lam_max)
    hb_alpha, hb_beta, hb_rate = theory.optimal_momentum(lam_min, lam_max)
    alpha, beta = np.array([gd_alpha, hb_alpha]), np.array([0.0, hb_beta])
    dist = heavy_ball_distances(rotated_bowl(lam_min, lam_max), alpha, beta, (-8.0, 6.0), 2000)
    measured = theory.measured_rate(dist)
    assert measured.shape == (2,)
    assert measured[0] == pytest.approx(99 / 101, rel=0.01) and gd_rate == pytest.approx(99 / 101)
    # The double root makes the error fall like t r^t: a finite window reads a bit high.
    assert measured[1] == pytest.approx(9 / 11, rel=0.01) and hb_rate == pytest.approx(9 / 11)
    assert measured[1] >= hb_rate
    # Steps to shrink a millionfold: gradient descent's match r^t to the step; at the double
    # root the (1 + c t) factor costs momentum some extra steps (90 against 69 here).
    predicted = theory.steps_to_tolerance(np.array([gd_rate, hb_rate]), 1e-6)
    measured = theory.steps_below(dist, 1e-6)
    assert abs(measured[0] - predicted[0]) <= 1
    assert predicted[1] < measured[1] < 1.5 * predicted[1] < measured[0] / 5


def test_measured_rate_off_the_optimum(rng):
    # Settings with a single dominant rate (not a double root), stable and not too slow.
    a, b = rng.uniform(0.2, 3.5, 400), rng.uniform(0, 0.9, 400)
    predicted = theory.bowl_rate(a, b, 0.1, 1.0)
    keep = predicted < 0.97
    roots = [theory.eigenvalues(a, b, lam) for lam in (0.1, 1.0)]
    for mu_plus, mu_minus in roots:  # a clear gap to any double root
        keep &= np.abs(mu_plus - mu_minus) > 0.1
    a, b, predicted = a[keep], b[keep], predicted[keep]
    dist = heavy_ball_distances(rotated_bowl(0.1, 1.0), a, b, (-8.0, 6.0), 1500)
    measured = theory.measured_rate(dist, floor=1e-250)  # the minimum is 0: no round-off floor
    assert len(a) > 50
    np.testing.assert_allclose(measured, predicted, rtol=0.01)


def test_measured_rate_of_exact_geometric_runs():
    t = np.arange(301.0)[:, None]
    rates = np.array([0.5, 0.9, 0.99, 1.0, 1.01])
    dist = 3.0 * rates**t
    np.testing.assert_allclose(theory.measured_rate(dist), rates, rtol=1e-12)
    # One run at a time gives the same numbers as the batch.
    one_by_one = [theory.measured_rate(dist[:, k]) for k in range(len(rates))]
    np.testing.assert_array_equal(one_by_one, theory.measured_rate(dist))
    assert isinstance(theory.measured_rate(dist[:, 0]), float)


def test_measured_rate_drops_the_transient_and_the_round_off_floor(rng):
    t = np.arange(401.0)
    # A fast mode that dies out, then the slow one, then round-off noise at 1e-17.
    clean = 0.8**t + 50 * 0.3**t
    noisy = np.maximum(clean, 1e-17 * rng.uniform(0.5, 2, t.size))
    assert theory.measured_rate(noisy) == pytest.approx(0.8, rel=1e-6)
    assert theory.measured_rate(noisy, skip=0.0) < 0.8 - 0.003  # the transient pulls it down
    assert theory.measured_rate(noisy, floor=1e-30) > 0.81  # the noise pulls it up


def test_measured_rate_edge_cases():
    dist = np.array([[1.0, 0.0, 2.0, 1.0], [0.0, 0.0, np.inf, 1e-20], [0.0, 0.0, np.nan, 0.0]])
    out = theory.measured_rate(dist)
    assert out[0] == 0.0  # at the minimum after one step
    assert np.isnan(out[1])  # started there: nothing to measure
    assert out[2] == np.inf  # blew up at once
    assert out[3] == 1e-20


def test_steps_to_tolerance_is_the_least_k_with_rate_to_the_k_below_ratio(rng):
    rates = rng.uniform(0.05, 0.999, 300)
    for ratio in (1e-3, 1e-6):
        steps = theory.steps_to_tolerance(rates, ratio)
        assert (rates**steps <= ratio).all() and (rates ** (steps - 1) > ratio).all()
        # Measured on the exact geometric run, the twin agrees.
        dist = rates ** np.arange(steps.max() + 2)[:, None]
        np.testing.assert_array_equal(theory.steps_below(dist, ratio), steps)
    assert theory.steps_to_tolerance(0.5, 1e-3) == 10  # 0.5^10 < 1e-3 < 0.5^9
    # Reached exactly, not one step later (log(1e-5) / log(0.1) rounds to 5.000000000000001).
    tenths = theory.steps_to_tolerance(0.1, 10.0 ** -np.arange(1, 16))
    np.testing.assert_array_equal(tenths, np.arange(1, 16))
    assert theory.steps_to_tolerance(0.5, 2.0**-10) == 10
    np.testing.assert_array_equal(
        theory.steps_to_tolerance(np.array([0.0, 1.0, 1.5, np.inf]), 1e-6),
        [1, np.inf, np.inf, np.inf],
    )


def test_steps_below_needs_the_run_to_stay_below():
    dist = np.array([[1.0, 1.0, 1.0], [0.01, 0.01, 0.5], [0.2, 0.001, 0.4], [0.001, 0.001, np.nan]])
    np.testing.assert_array_equal(theory.steps_below(dist, 0.1), [3, 1, -1])
    assert theory.steps_below(dist[:, 1], 0.1) == 1


# -- validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lam_min", "lam_max", "message"),
    [
        (2.0, 1.0, "condition number must be >= 1, got 0.5"),
        (0.0, 1.0, "lam_min must be > 0, got 0.0"),
        (-1.0, 1.0, "lam_min must be > 0, got -1.0"),
        (np.nan, 1.0, "lam_min must be finite, got nan"),
        (1.0, np.inf, "lam_max must be finite, got inf"),
    ],
    ids=["reversed", "zero", "negative", "nan", "inf"],
)
@pytest.mark.parametrize(
    "call",
    [
        theory.optimal_gd,
        theory.optimal_momentum,
        lambda lo, hi: theory.bowl_rate(0.1, 0.5, lo, hi),
    ],
    ids=["optimal_gd", "optimal_momentum", "bowl_rate"],
)
def test_bad_curvatures_are_named(call, lam_min, lam_max, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        call(lam_min, lam_max)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: theory.rate(np.array([0.1, np.nan]), 0.5, 1.0),
            "learning rate must be finite, got nan",
        ),
        (lambda: theory.rate(0.1, np.inf, 1.0), "momentum must be finite, got inf"),
        (lambda: theory.is_stable(0.1, 0.5, np.nan), "curvature must be finite, got nan"),
        (lambda: theory.steps_to_tolerance(0.5, 2.0), "ratio must be in (0, 1), got 2.0"),
        (lambda: theory.steps_to_tolerance(-0.1, 1e-6), "rate must be >= 0, got -0.1"),
        (lambda: theory.steps_to_tolerance(np.nan, 1e-6), "rate must be >= 0, got nan"),
        (lambda: theory.measured_rate([1.0, -0.5]), "distances must be >= 0, got -0.5"),
        (lambda: theory.measured_rate([1.0]), "distances must be (steps + 1,)"),
        (lambda: theory.measured_rate([1.0, 0.5], skip=1.0), "skip must be in [0, 1), got 1.0"),
        (lambda: theory.steps_below([1.0, 0.5], 0.0), "ratio must be in (0, 1), got 0.0"),
    ],
    ids=[
        "rate-alpha",
        "rate-beta",
        "stable-lam",
        "ratio",
        "negative-rate",
        "nan-rate",
        "negative-distance",
        "one-distance",
        "skip",
        "steps-below-ratio",
    ],
)
def test_bad_inputs_are_named(call, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        call()
