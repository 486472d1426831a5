"""The race's thinning, compiled and in numpy: the same points kept, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from momentum_app.race import race_data
from momentum_core import FACTORIES, engine, get_objective, make_optimizer, run_batch
from momentum_core.spaces import lr_line, pad_momenta, start_grid, start_runs


@pytest.fixture(scope="module", autouse=True)
def compiled_loop():
    assert engine.warm(wait=True) is not None, engine.failure()


def packed_both_ways(obj, result, coarse, monkeypatch):
    screen = race_data.Screen.of(obj)
    compiled = race_data.runs_data(obj, result, screen, coarse)
    with monkeypatch.context() as m:
        m.setenv("MOMENTUM_ENGINE", "numpy")
        plain = race_data.runs_data(obj, result, screen, coarse)
    return compiled, plain


@pytest.mark.parametrize("coarse", [0, race_data.COARSE_POINTS], ids=["race", "coarse"])
@pytest.mark.parametrize("function", list(FACTORIES))
def test_compiled_thinning_keeps_the_same_points(function, coarse, monkeypatch):
    obj = get_objective(function)
    lrs = lr_line(obj, obj.lr_default)[::4]
    lr, mu = np.repeat(lrs, 3), np.tile(pad_momenta(0.9)[::8][:3], len(lrs))
    result = run_batch(obj, make_optimizer("momentum", lr, mu), obj.x0, 600)
    compiled, plain = packed_both_ways(obj, result, coarse, monkeypatch)
    assert compiled == plain
    if function == "rosenbrock":
        assert (result.diverged_step > 0).any()  # the marks of a divergence are compared too


def test_compiled_thinning_of_a_start_grid_with_noise(monkeypatch):
    obj = get_objective("rastrigin")
    starts = start_runs(*start_grid(obj))
    optimizer = make_optimizer("momentum", obj.lr_range[1] * 3, 0.9)
    result = run_batch(obj, optimizer, starts, 400, noise=2.0)
    compiled, plain = packed_both_ways(obj, result, race_data.START_POINTS, monkeypatch)
    assert compiled == plain
