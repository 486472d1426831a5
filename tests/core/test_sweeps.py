"""Sweeps: a grid equals its runs done one at a time; its summaries say what they claim."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from momentum_core import (
    best_cell,
    get_objective,
    grid_of,
    heavy_ball,
    largest_stable_lr,
    parse_grid,
    robust_best,
    run_batch,
    stack_rows,
    sweep_grid,
)

LRS = np.geomspace(1e-4, 4e-3, 7)
MOMENTA = np.linspace(0.0, 0.99, 5)


@pytest.fixture(scope="module")
def sweep():
    return sweep_grid(get_objective("rosenbrock"), "momentum", LRS, MOMENTA, 400)


def test_sweep_equals_runs_one_at_a_time(sweep):
    rosen = get_objective("rosenbrock")
    for row, mu in enumerate(MOMENTA):
        for col, lr in enumerate(LRS):
            one = run_batch(rosen, heavy_ball(lr, mu), rosen.x0, 400, summary_only=True)
            i = row * len(LRS) + col
            assert sweep.lr[row, col] == lr and sweep.momentum[row, col] == mu
            np.testing.assert_array_equal(sweep.summary.final_position[i], one.final_position[0])
            assert sweep.summary.diverged_step[i] == one.diverged_step[0]
            assert sweep.summary.tol_step[i] == one.tol_step[0]


def test_largest_stable_lr_is_brute_force(sweep):
    diverged = grid_of(sweep, sweep.summary.diverged_step) >= 0
    got = largest_stable_lr(sweep)
    for row in range(len(MOMENTA)):
        stable = LRS[~diverged[row]]
        assert got[row] == (stable.max() if len(stable) else 0.0)
    assert diverged.any() and (~diverged).any()  # the grid spans both


def test_best_cell_has_the_fewest_steps():
    booth = sweep_grid(get_objective("booth"), "momentum", np.geomspace(1e-3, 0.1, 9), MOMENTA, 500)
    steps = grid_of(booth, booth.summary.tol_step)
    row, col = best_cell(booth)
    assert steps[row, col] >= 0
    assert steps[row, col] == steps[steps >= 0].min()


def test_best_cell_without_convergence_has_the_lowest_stable_loss(sweep):
    assert np.all(sweep.summary.tol_step < 0)
    loss = grid_of(sweep, sweep.summary.final_loss)
    stable = grid_of(sweep, sweep.summary.diverged_step) < 0
    row, col = best_cell(sweep)
    assert stable[row, col] and loss[row, col] == loss[stable].min()


def test_stacked_row_slices_equal_the_whole(sweep):
    rosen = get_objective("rosenbrock")
    parts = [sweep_grid(rosen, "momentum", LRS, MOMENTA[a:b], 400) for a, b in ((0, 2), (2, 5))]
    whole = stack_rows(parts)
    np.testing.assert_array_equal(whole.lr, sweep.lr)
    np.testing.assert_array_equal(whole.momentum, sweep.momentum)
    for field in ("final_position", "final_loss", "diverged_step", "tol_step", "nearest_minimum"):
        np.testing.assert_array_equal(getattr(whole.summary, field), getattr(sweep.summary, field))


@pytest.mark.parametrize(
    ("text", "want"),
    [("1:100:3:log", [1.0, 10.0, 100.0]), ("0:1:5", [0, 0.25, 0.5, 0.75, 1.0]), ("0.3", [0.3])],
)
def test_parse_grid(text, want):
    np.testing.assert_allclose(parse_grid(text), want)


def _default_sweep(name, grid):
    obj = get_objective(name)
    lrs, momenta = np.geomspace(*obj.lr_range, grid), np.linspace(0.0, 0.99, grid)
    return sweep_grid(obj, "momentum", lrs, momenta, 1000, x0=obj.x0, loss_tol=1e-6)


@pytest.mark.parametrize("name", ["rosenbrock", "himmelblau", "booth"])
def test_robust_verdict_is_the_same_on_a_60_and_a_200_grid(name):
    coarse, fine = robust_best(_default_sweep(name, 60)), robust_best(_default_sweep(name, 200))
    assert coarse.momentum_helps == fine.momentum_helps


def test_rosenbrocks_fluke_best_cell_is_fragile_and_the_robust_one_has_high_momentum():
    result = _default_sweep("rosenbrock", 200)
    best = robust_best(result)
    assert best.best_is_fragile  # best_cell: beta = 0.02 beside the diverged region
    assert result.momentum[best.row, best.col] > 0.8 and best.region[best.row, best.col]
    assert best.momentum_helps


def _with_steps(sweep, steps):
    """``sweep`` with its steps to tolerance replaced by the grid ``steps``."""
    return replace(sweep, summary=replace(sweep.summary, tol_step=steps.ravel().copy()))


def test_ties_go_to_the_smaller_momentum_first_then_to_the_smaller_learning_rate(sweep):
    """What best_cell's and robust_best's docstrings say: a tie at a smaller β wins even
    with a larger α; within a row, the smaller α wins."""
    steps = np.full(sweep.lr.shape, 20, dtype=np.int64)
    steps[1, 5] = steps[3, 2] = 10  # a smaller β with a larger α, and the reverse
    for best in _both(_with_steps(sweep, steps)):
        assert best == (1, 5)
        assert sweep.momentum[1, 5] < sweep.momentum[3, 2] and sweep.lr[1, 5] > sweep.lr[3, 2]
    steps[1, 5] = 20
    steps[3, 4] = 10  # the same β: the smaller α
    for best in _both(_with_steps(sweep, steps)):
        assert best == (3, 2) and sweep.lr[3, 2] < sweep.lr[3, 4]


def _both(result):
    """best_cell's and robust_best's cells of ``result``."""
    robust = robust_best(result)
    return best_cell(result), (robust.row, robust.col)
