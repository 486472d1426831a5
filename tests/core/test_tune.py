"""sweeps.tune: an optimizer's own best setting, the sweep's robust best, from real runs."""

from __future__ import annotations

import numpy as np
import pytest

from momentum_core import get_objective, tune
from momentum_core.spaces import PAD_MOMENTA, grid_runs, line_rates, run_space
from momentum_core.sweeps import ROBUST_FACTOR


def _robust_by_hand(steps: np.ndarray) -> np.ndarray:
    """Each cell: it got there, and each neighbour within one grid step (the border's
    missing ones aside) got there too within ROBUST_FACTOR times its steps."""
    rows, cols = steps.shape
    out = np.zeros(steps.shape, dtype=bool)
    for r in range(rows):
        for c in range(cols):
            k = steps[r, c]
            near = [steps[i, j] for i in range(max(r - 1, 0), min(r + 2, rows))
                    for j in range(max(c - 1, 0), min(c + 2, cols))]  # fmt: skip
            out[r, c] = k >= 0 and all(0 <= n <= ROBUST_FACTOR * max(k, 1) for n in near)
    return out


def _robust_best_by_hand(steps: np.ndarray) -> tuple[int, int] | None:
    """The robust cell with the fewest steps, the first in row-major order of a tie."""
    robust = _robust_by_hand(steps)
    cells = [(int(steps[r, c]), r, c) for r, c in np.argwhere(robust)]
    return min(cells)[1:] if cells else None


@pytest.mark.parametrize(
    ("fn", "optimizer", "momenta", "steps"),
    [
        ("quadratic", "sgd", [0.0], 300),
        ("quadratic", "momentum", PAD_MOMENTA, 300),
        ("rosenbrock", "momentum", PAD_MOMENTA, 3000),
        ("himmelblau", "nesterov", PAD_MOMENTA, 500),
    ],
)
def test_tune_picks_the_robust_best_of_its_runs(fn, optimizer, momenta, steps):
    obj = get_objective(fn)
    lrs = line_rates(obj)
    lr, mu = grid_runs(lrs, momenta)
    runs = run_space(obj, optimizer, lr, mu, obj.x0, steps, loss_tol=1e-6, summary_only=True)
    grid = runs.tol_step.reshape(len(momenta), len(lrs))
    expected = _robust_best_by_hand(grid)
    assert expected is not None, "each case has a robust region"
    got = tune(obj, optimizer, lrs, momenta, steps, loss_tol=1e-6)
    r, c = expected
    assert (got.lr, got.momentum) == (lrs[c], momenta[r])
    assert got.steps == grid[r, c] and got.robust and got.runs == lr.size


@pytest.mark.parametrize(("fn", "params"), [("quadratic", {"condition": 1.0}), ("himmelblau", {})])
def test_ties_go_to_the_smaller_momentum_then_the_smaller_rate(fn, params):
    """On a round bowl two rates tie in one row; on Himmelblau cells of two rows tie."""
    obj = get_objective(fn, **params)
    lrs = line_rates(obj)
    lr, mu = grid_runs(lrs, PAD_MOMENTA)
    runs = run_space(obj, "momentum", lr, mu, obj.x0, 300, loss_tol=1e-6, summary_only=True)
    grid = runs.tol_step.reshape(len(PAD_MOMENTA), len(lrs))
    r, c = _robust_best_by_hand(grid)
    tied = [(i, j) for i, j in np.argwhere(_robust_by_hand(grid) & (grid == grid[r, c]))
            if (i, j) != (r, c)]  # fmt: skip
    assert tied, "the case has a tie"
    # Given in any order, the axes are sorted: the tie goes to the smaller β, then α.
    got = tune(obj, "momentum", lrs[::-1], PAD_MOMENTA[::-1], 300, loss_tol=1e-6)
    assert (got.momentum, got.lr) == (PAD_MOMENTA[r], lrs[c])
    assert all((PAD_MOMENTA[r], lrs[c]) < (PAD_MOMENTA[i], lrs[j]) for i, j in tied)


def test_without_any_run_reaching_tolerance_the_lowest_final_gap_wins():
    obj = get_objective("rosenbrock")
    lrs = line_rates(obj)
    runs = run_space(obj, "sgd", lrs, 0.0, obj.x0, 200, loss_tol=1e-6, summary_only=True)
    assert (runs.tol_step < 0).all()
    stable = np.where(runs.diverged_step < 0, runs.final_loss, np.inf)
    got = tune(obj, "sgd", lrs, [0.0], 200, loss_tol=1e-6)
    assert got.lr == lrs[int(np.argmin(stable))] and got.steps == -1 and not got.robust
