"""Answer spaces: every member of a batch over settings equals the single run with them."""

from __future__ import annotations

import numpy as np
import pytest

from momentum_core import get_objective, make_optimizer, run_batch, sweep_grid
from momentum_core.spaces import (
    LINE_POINTS,
    PAD_MOMENTA,
    PAD_RATES,
    grid_runs,
    line_rates,
    lr_line,
    pad_base,
    pad_momenta,
    pad_rates,
    run_space,
    start_grid,
    start_runs,
)

OPTIONS = {"loss_tol": 1e-6, "grad_tol": 1e-6}


def single(obj, name, lr, mu, x0, steps, **options):
    return run_batch(obj, make_optimizer(name, lr, mu), x0, steps, **options)


def same_run(space, i, one):
    assert np.array_equal(space.positions[:, i], one.positions[:, 0])
    assert np.array_equal(space.losses[:, i], one.losses[:, 0])
    for field in ("diverged_step", "tol_step", "converged_step", "final_loss"):
        assert getattr(space, field)[i] == getattr(one, field)[0], field


def test_the_line_spans_the_range_and_holds_the_chosen_rate():
    rosen = get_objective("rosenbrock")
    lrs = lr_line(rosen, 0.00123)
    assert len(lrs) == LINE_POINTS + 1 and 0.00123 in lrs
    assert lrs[0] == rosen.lr_range[0] and np.isclose(lrs[-1], rosen.lr_range[1])
    assert np.all(np.diff(np.log(lrs)) > 0)
    assert len(lr_line(rosen, lrs[3])) == LINE_POINTS  # on the line: no duplicate
    with pytest.raises(ValueError, match="learning rate"):
        lr_line(rosen, 0.0)


@pytest.mark.parametrize("fn", ["rosenbrock", "rastrigin"])
def test_the_pads_rates_are_every_nth_of_the_lines_the_same_numbers(fn):
    obj = get_objective(fn)
    line, base = line_rates(obj), pad_base(obj)
    assert len(line) == LINE_POINTS and len(base) == PAD_RATES
    # Both ends shared and every pad rate a line rate, bit for bit (the browser finds an
    # optimizer without momentum's pad cell on its line by that number).
    assert base[0] == line[0] and base[-1] == line[-1]
    assert set(base.tolist()) <= set(line.tolist())
    chosen = pad_rates(obj, 0.00123)
    assert 0.00123 in chosen and len(chosen) == PAD_RATES + 1
    assert np.array_equal(pad_rates(obj, base[5]), base)  # on the pad: no duplicate
    with pytest.raises(ValueError, match="learning rate"):
        pad_rates(obj, -1.0)


@pytest.mark.parametrize("name", ["sgd", "momentum", "nesterov", "adam", "rmsprop"])
@pytest.mark.parametrize("noise", [0.0, 0.5], ids=["exact", "noisy"])
def test_every_member_of_the_line_is_its_single_run(name, noise):
    rosen = get_objective("rosenbrock")
    lrs = lr_line(rosen, 1.5e-3)
    space = run_space(rosen, name, lrs, 0.9, rosen.x0, 300, noise=noise, seed=3, **OPTIONS)
    for i in (0, 17, len(lrs) - 1):
        same_run(space, i, single(rosen, name, lrs[i], 0.9, rosen.x0, 300, noise=noise,
                                  seed=3, **OPTIONS))  # fmt: skip


def test_every_cell_of_the_pad_is_its_single_run_and_the_sweeps_cell():
    rast = get_objective("rastrigin")
    lrs, momenta = lr_line(rast, rast.lr_default)[::4], pad_momenta(0.9)[::5]
    lr, mu = grid_runs(lrs, momenta)
    space = run_space(rast, "momentum", lr, mu, rast.x0, 200, **OPTIONS)
    for j, i in ((0, 0), (1, 3), (len(momenta) - 1, len(lrs) - 1)):
        one = single(rast, "momentum", lrs[i], momenta[j], rast.x0, 200, **OPTIONS)
        same_run(space, j * len(lrs) + i, one)
    sweep = sweep_grid(rast, "momentum", lrs, momenta, 200, x0=rast.x0, loss_tol=1e-6)
    # The pad's cells, run for run, are the sweep's (the colour of a cell is its value).
    assert np.array_equal(sweep.lr.ravel(), lr) and np.array_equal(sweep.momentum.ravel(), mu)
    assert np.array_equal(space.tol_step, sweep.summary.tol_step)
    assert np.array_equal(space.diverged_step, sweep.summary.diverged_step)


def test_the_pad_axis_holds_the_chosen_momentum():
    assert 0.9 in PAD_MOMENTA and 0.99 in PAD_MOMENTA and 0.0 in PAD_MOMENTA
    assert 0.905 in pad_momenta(0.905) and len(pad_momenta(0.95)) == len(PAD_MOMENTA)
    with pytest.raises(ValueError, match="momentum"):
        pad_momenta(1.5)


def test_every_start_of_the_grid_is_its_single_run():
    himmel = get_objective("himmelblau")
    xs, ys = start_grid(himmel, 5)
    (x0, x1), (y0, y1) = himmel.domain
    assert x0 < xs[0] < xs[-1] < x1 and y0 < ys[0] < ys[-1] < y1
    starts = start_runs(xs, ys)
    assert np.array_equal(starts[2 * 5 + 3], [xs[3], ys[2]])
    space = run_space(himmel, "momentum", 0.01, 0.9, starts, 150, noise=0.2, seed=1)
    for k in (0, 13, 24):
        same_run(space, k, single(himmel, "momentum", 0.01, 0.9, starts[k], 150, noise=0.2,
                                  seed=1))  # fmt: skip
