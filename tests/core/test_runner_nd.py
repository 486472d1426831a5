"""The runner in d dimensions: a d-dimensional bowl against a hand loop and against its
runs one by one, and divergence handled as in 2D."""

from __future__ import annotations

import numpy as np
import pytest

from momentum_core import OPTIMIZER_NAMES, Objective, heavy_ball, make_optimizer, run_batch
from momentum_core.optimizers import with_hyper

CURVATURES = np.array([0.5, 1.0, 2.0, 4.0, 8.0])


def bowl(curvatures: np.ndarray = CURVATURES) -> Objective:
    """f(x) = 1/2 sum_i lambda_i x_i^2 in d = len(curvatures) coordinates."""
    d = len(curvatures)
    return Objective(
        name="bowl",
        title="Bowl",
        formula="1/2 sum lambda_i x_i^2",
        latex=r"\tfrac12 \sum_i \lambda_i x_i^2",
        code="",
        value=lambda p: 0.5 * np.sum(curvatures * p * p, axis=-1),
        gradient=lambda p: curvatures * p,
        hessian=lambda p: np.broadcast_to(np.diag(curvatures), (*np.shape(p)[:-1], d, d)),
        domain=((-2.0, 2.0),) * d,
        global_minima=np.zeros((1, d)),
        f_star=0.0,
        local_minima=np.zeros((0, d)),
        x0=(1.0,) * d,
        lr_range=(1e-3, 0.2),
        lr_default=0.1,
        dim=d,
    )


def test_heavy_ball_in_five_dimensions_equals_the_hand_loop():
    obj, lr, mu = bowl(), 0.1, 0.8
    result = run_batch(obj, heavy_ball(lr, mu), obj.x0, 50)
    assert result.positions.shape == (51, 1, 5)
    x, b = np.array(obj.x0), None
    for t in range(1, 51):
        g = CURVATURES * x
        b = g if b is None else mu * b + g
        x = x - lr * b
        np.testing.assert_allclose(result.positions[t, 0], x, rtol=1e-13, atol=1e-15)
    assert result.nearest_minimum[0] == 0 and result.reached_global[0]


@pytest.mark.parametrize("name", OPTIMIZER_NAMES)
def test_batch_equals_runs_one_by_one_in_five_dimensions(name):
    obj = bowl()
    rng = np.random.default_rng(3)
    starts = rng.uniform(-1, 1, (4, 5))
    lrs, mus = np.array([0.05, 0.1, 0.2, 0.01]), np.array([0.3, 0.5, 0.9, 0.99])
    batch = run_batch(obj, make_optimizer(name, lrs, mus), starts, 80)
    for i in range(4):
        one = run_batch(obj, make_optimizer(name, lrs[i], mus[i]), starts[i], 80)
        np.testing.assert_array_equal(batch.positions[:, i], one.positions[:, 0])


def test_a_diverging_run_in_five_dimensions_is_frozen_at_its_last_finite_point():
    obj = bowl()
    result = run_batch(obj, heavy_ball(np.array([0.1, 3.0]), 0.9), obj.x0, 400)
    assert result.diverged_step[0] == -1 and result.diverged_step[1] > 0
    assert np.all(np.isfinite(result.positions)) and np.all(np.isfinite(result.losses))
    k = result.diverged_step[1]
    assert np.all(result.positions[k:, 1] == result.positions[k - 1, 1])


def test_a_start_of_the_wrong_width_is_refused():
    with pytest.raises(ValueError, match=r"shape \(runs, 5\) or \(5,\)"):
        run_batch(bowl(), heavy_ball(0.1, 0.9), (1.0, 2.0), 10)


def test_an_objective_without_known_minima_reports_none():
    obj = bowl()
    obj = Objective(**{**obj.__dict__, "global_minima": np.zeros((0, 5))})
    result = run_batch(obj, heavy_ball(0.1, 0.9), obj.x0, 10)
    assert result.nearest_minimum[0] == -1 and not result.reached_global[0]


@pytest.mark.parametrize("name", ["sgd", "momentum", "adam"])
def test_per_run_hyperparameters_changed_mid_run_fit_any_width(name):
    """with_hyper on a d-dimensional state: the new per-run values act per run."""
    params = np.ones((3, 5))
    opt = make_optimizer(name, 0.1, 0.9)
    state = with_hyper(opt.init(params), learning_rate=np.array([0.1, 0.2, 0.3]))
    step, _ = opt.update(params, state)
    assert step.shape == (3, 5)
    np.testing.assert_allclose(step[1] / step[0], 2.0)
