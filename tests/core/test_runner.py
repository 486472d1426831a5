"""The batch runner against runs done one by one and against hand loops."""

from __future__ import annotations

import numpy as np
import pytest

from momentum_core import (
    FACTORIES,
    OPTIMIZER_NAMES,
    get_objective,
    gradient_descent,
    heavy_ball,
    make_optimizer,
    run_batch,
)
from momentum_core.outcome import codes, kinds
from momentum_core.runner import DEFAULT_BOUND


@pytest.fixture
def rosen():
    return get_objective("rosenbrock")


@pytest.mark.parametrize("name", ["sgd", "momentum", "nesterov", "keras-momentum", "adam"])
def test_batch_equals_runs_one_by_one(rosen, name):
    starts = np.array([[-1.5, 2.0], [0.0, 0.0], [1.2, 1.0], [-1.0, -0.5]])
    lrs = np.array([1e-3, 5e-4, 2e-3, 1e-4])
    mus = np.array([0.9, 0.5, 0.0 if name == "momentum" else 0.3, 0.99])
    batch = run_batch(rosen, make_optimizer(name, lrs, mus), starts, 300)
    for i in range(len(starts)):
        one = run_batch(rosen, make_optimizer(name, lrs[i], mus[i]), starts[i], 300)
        np.testing.assert_array_equal(batch.positions[:, i], one.positions[:, 0])
        np.testing.assert_array_equal(batch.losses[:, i], one.losses[:, 0])
        for got, want in zip(codes(rosen, batch), codes(rosen, one), strict=True):
            assert got[i] == want[0]


def test_runner_equals_hand_loop(rosen):
    lr, mu = 1e-3, 0.9
    x = np.array(rosen.x0, dtype=float)
    b = np.zeros(2)
    want = [x]
    for t in range(200):
        g = rosen.gradient(x)
        b = g if t == 0 else mu * b + g
        x = x - lr * b
        want.append(x)
    got = run_batch(rosen, heavy_ball(lr, mu), rosen.x0, 200)
    np.testing.assert_allclose(got.positions[:, 0], np.stack(want), rtol=1e-13)
    np.testing.assert_allclose(got.losses[:, 0], rosen.value(np.stack(want)), rtol=1e-12)


def test_divergence_freezes_at_last_finite_point(rosen):
    # lr 0.01 is five times Rosenbrock's stability limit: this run blows up.
    result = run_batch(rosen, heavy_ball(np.array([0.01, 1e-4]), 0.9), rosen.x0, 200)
    k = int(result.diverged_step[0])
    assert 0 < k < 200
    assert kinds(rosen, result).tolist() == ["diverged", "moving"]
    # The hand loop reaches a non-finite or out-of-bound point exactly at step k.
    x, b = np.array(rosen.x0), np.zeros(2)
    with np.errstate(all="ignore"):
        for t in range(1, k + 1):
            g = rosen.gradient(x)
            b = g if t == 1 else 0.9 * b + g
            x = x - 0.01 * b
            bad = not (np.all(np.isfinite(x)) and np.isfinite(rosen.value(x)))
            bad = bad or np.any(np.abs(x) > DEFAULT_BOUND)
            bad = bad or not np.all(np.isfinite(rosen.gradient(x)))
            assert bad == (t == k)
    for array in (result.positions, result.losses, result.grad_norms):
        assert np.all(np.isfinite(array))
    np.testing.assert_array_equal(
        result.positions[k:, 0], result.positions[k - 1 : k, 0].repeat(201 - k, 0)
    )
    np.testing.assert_array_equal(result.final_position[0], result.positions[k - 1, 0])
    assert result.converged_step[0] == -1 and result.tol_step[0] == -1
    assert np.all(np.abs(result.positions) <= DEFAULT_BOUND)


def test_divergence_to_overflow_prints_no_warning(rosen):
    # pyproject turns RuntimeWarning into errors, so an overflow warning fails this test.
    result = run_batch(rosen, heavy_ball(0.05, 0.99), rosen.x0, 500, bound=np.inf)
    assert kinds(rosen, result)[0] == "diverged"
    assert np.all(np.isfinite(result.positions))


def first_step_staying_below(values: np.ndarray, tol: float) -> int:
    """Brute force: the first step s with values[s:] < tol, or -1."""
    for s in range(len(values)):
        if np.all(values[s:] < tol):
            return s
    return -1


def test_convergence_step_is_first_step_that_stays(rosen):
    quad = get_objective("quadratic", condition=10.0)
    # High momentum overshoots: the loss dips below tolerance and climbs back out.
    mus = np.array([0.0, 0.5, 0.95])
    result = run_batch(quad, heavy_ball(0.5, mus), quad.x0, 400, loss_tol=1e-6)
    for i in range(len(mus)):
        want = first_step_staying_below(result.losses[:, i] - quad.f_star, 1e-6)
        assert want > 0
        assert result.tol_step[i] == want
        assert result.converged_step[i] == want
    gaps = result.losses[:, 2] - quad.f_star
    first_dip = int(np.argmax(gaps < 1e-6))
    assert first_dip < result.tol_step[2], "the overshooting run should dip out again"


def test_gradient_tolerance_marks_a_local_minimum_as_converged():
    rast = get_objective("rastrigin")
    local = rast.local_minima[0] + 0.05
    result = run_batch(rast, gradient_descent(1e-3), local, 2000, grad_tol=1e-6)
    assert kinds(rast, result)[0] == "stuck"  # its gradient vanished, but not at f*
    assert result.tol_step[0] == -1
    want = first_step_staying_below(result.grad_norms[:, 0], 1e-6)
    assert result.converged_step[0] == want
    assert not result.reached_global[0]
    np.testing.assert_allclose(
        rast.minima[result.nearest_minimum[0]], rast.local_minima[0], atol=1e-12
    )
    assert result.minimum_distance[0] < 1e-6


def test_seeded_noise_is_reproducible(rosen):
    def go(seed, noise=0.5):
        return run_batch(rosen, heavy_ball(5e-4, 0.9), rosen.x0, 100, noise=noise, seed=seed)

    a, b, c, exact = go(7), go(7), go(8), go(7, noise=0.0)
    np.testing.assert_array_equal(a.positions, b.positions)
    assert not np.allclose(a.positions, c.positions)
    assert not np.allclose(a.positions, exact.positions)
    # Losses and gradient norms are the true ones at the noisy points.
    np.testing.assert_allclose(a.losses[:, 0], rosen.value(a.positions[:, 0]), rtol=1e-12)


def test_same_seed_gives_both_optimizers_the_same_noise(rosen):
    # With momentum 0 the heavy-ball rule is gradient descent, so equal noise means
    # equal trajectories: the race between SGD and momentum is fair.
    sgd = run_batch(rosen, gradient_descent(5e-4), rosen.x0, 50, noise=1.0, seed=3)
    hb0 = run_batch(rosen, heavy_ball(5e-4, 0.0), rosen.x0, 50, noise=1.0, seed=3)
    np.testing.assert_array_equal(sgd.positions, hb0.positions)


def test_summary_mode_matches_full_mode(rosen):
    lrs = np.geomspace(1e-5, 1e-2, 12)
    full = run_batch(rosen, heavy_ball(lrs, 0.9), rosen.x0, 400)
    summary = run_batch(rosen, heavy_ball(lrs, 0.9), rosen.x0, 400, summary_only=True)
    assert summary.positions is None and summary.losses is None
    for field in ("final_position", "final_loss", "diverged_step", "converged_step", "tol_step"):
        np.testing.assert_array_equal(getattr(summary, field), getattr(full, field))
    np.testing.assert_array_equal(full.final_position, full.positions[-1])
    assert {"diverged", "moving"} <= set(kinds(rosen, full).tolist())


def test_recorded_state_matches_positions(rosen):
    result = run_batch(rosen, heavy_ball(1e-3, 0.9), rosen.x0, 50, record_state=True)
    buffers = result.states.buffer
    assert buffers.shape == (51, 1, 2)
    # x_t = x_{t-1} - lr * b_t for heavy ball without Nesterov.
    np.testing.assert_allclose(
        result.positions[1:] - result.positions[:-1], -1e-3 * buffers[1:], rtol=1e-10, atol=1e-15
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"num_steps": 0}, "num_steps must be in"),
        ({"x0": (np.nan, 0.0)}, "finite"),
        ({"x0": np.zeros((3, 3))}, "shape"),
        ({"x0": np.zeros((3, 2))}, "3 start points for 2"),
        ({"noise": -1.0}, "noise"),
    ],
    ids=["steps", "nan-start", "bad-shape", "count-mismatch", "noise"],
)
def test_bad_arguments_raise(rosen, kwargs, message):
    args = {"x0": rosen.x0, "num_steps": 10} | kwargs
    opt = heavy_ball(np.array([1e-3, 2e-3]), 0.9)
    with pytest.raises(ValueError, match=message):
        run_batch(rosen, opt, **args)


def _plain_run(obj, opt, x0, steps):
    """The plain loop for one run: update, then the objective's own gradient, step by step."""
    x = np.array([x0], dtype=float)
    state = opt.init(x)
    points, states = [x], [state]
    for _ in range(steps):
        step, state = opt.update(obj.gradient(x), state)
        x = x + step
        points.append(x)
        states.append(state)
    return np.concatenate(points), states


@pytest.mark.parametrize("name", OPTIMIZER_NAMES)
@pytest.mark.parametrize("fn", list(FACTORIES))
def test_lean_runner_equals_plain_loop_positions_and_state(fn, name):
    obj = get_objective(fn)
    lrs = obj.lr_default * np.array([0.5, 0.25, 0.1])
    starts = np.array([obj.x0, obj.x0, obj.global_minima[0] + 0.3])
    batch = run_batch(obj, make_optimizer(name, lrs, 0.8), starts, 60, record_state=True)
    assert np.all(batch.diverged_step < 0)  # a divergence would freeze the batch's copy
    for i in range(3):
        points, states = _plain_run(obj, make_optimizer(name, lrs[i], 0.8), starts[i], 60)
        np.testing.assert_allclose(batch.positions[:, i], points, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(batch.losses[:, i], obj.value(points), rtol=1e-12)
        for field, recorded in zip(states[0]._fields, batch.states, strict=True):
            if field == "hyper":  # run i's hyperparameters are row i of the batch's
                for key, value in recorded.items():
                    one = states[0].hyper[key]
                    mine = value[i] if len(value) > 1 else value[0]
                    np.testing.assert_array_equal(mine[0], one[0, 0])
                continue
            want = np.array([getattr(s, field) for s in states])
            got = recorded[:, i] if want.ndim == 3 else recorded
            np.testing.assert_allclose(got, want.reshape(got.shape), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("fn", list(FACTORIES))
def test_value_and_gradient_equals_value_and_gradient(fn):
    obj = get_objective(fn)
    (x0, x1), (y0, y1) = obj.domain
    points = np.random.default_rng(1).uniform((x0, y0), (x1, y1), (50, 2))
    value, gradient = obj.value_and_gradient(points)
    np.testing.assert_array_equal(value, obj.value(points))
    np.testing.assert_array_equal(gradient, obj.gradient(points))


def test_divergence_in_a_later_chunk_freezes_every_later_row():
    # On the bowl (largest curvature 1) lr 2.02 grows the error 2 % a step: it leaves the
    # bound only after several of the runner's chunks of steps.
    bowl = get_objective("quadratic")
    lrs = np.array([2.02, 1.0])
    result = run_batch(bowl, heavy_ball(lrs, 0.0), bowl.x0, 2000, record_state=True)
    k = int(result.diverged_step[0])
    assert 300 < k < 2000 and result.diverged_step[1] == -1
    assert np.all(result.positions[k:, 0] == result.positions[k - 1, 0])
    assert np.all(result.losses[k:, 0] == result.losses[k - 1, 0])
    assert np.all(result.states.buffer[k:, 0] == result.states.buffer[k - 1, 0])
    assert np.all(np.abs(result.positions[: k - 1, 0]) <= DEFAULT_BOUND)
    assert np.all(np.isfinite(result.states.buffer))
