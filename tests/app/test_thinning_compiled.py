"""The race's packing (thinning to the screen, 16-bit levels), compiled and in numpy: the
same points kept and the same levels, bit for bit.

The compiled packing takes the C library's ``log10`` for the loss gaps, numpy its own,
which on a processor with AVX-512 differ in the last bit; the bit-for-bit comparisons run
numpy's form with the C library's (as ``tests/core/test_kernels.py`` does for the
landscapes), and one comparison runs it as the app does, numpy's ``log10`` and all.
"""

from __future__ import annotations

import base64
import ctypes
import ctypes.util

import numpy as np
import pytest

from momentum_app.race import race_data
from momentum_core import FACTORIES, engine, get_objective, make_optimizer, run_batch
from momentum_core.spaces import lr_line, pad_momenta, start_grid, start_runs

_log10 = ctypes.CDLL(ctypes.util.find_library("m")).log10
_log10.restype, _log10.argtypes = ctypes.c_double, [ctypes.c_double]
C_LOG10 = np.vectorize(_log10, otypes=[float])


@pytest.fixture(scope="module", autouse=True)
def compiled_loop():
    assert engine.warm(wait=True) is not None, engine.failure()


def packed_both_ways(obj, result, coarse, monkeypatch, log10=C_LOG10):
    screen = race_data.Screen.of(obj)
    compiled = race_data.runs_data(obj, result, screen, coarse)
    with monkeypatch.context() as m:
        m.setenv("MOMENTUM_ENGINE", "numpy")
        m.setattr(race_data, "_log10", log10)
        plain = race_data.runs_data(obj, result, screen, coarse)
    return compiled, plain


def family(function: str, steps: int = 600):
    obj = get_objective(function)
    lrs = lr_line(obj, obj.lr_default)[::4]
    lr, mu = np.repeat(lrs, 3), np.tile(pad_momenta(0.9)[::8][:3], len(lrs))
    return obj, run_batch(obj, make_optimizer("momentum", lr, mu), obj.x0, steps)


@pytest.mark.parametrize("coarse", [0, race_data.COARSE_POINTS], ids=["race", "coarse"])
@pytest.mark.parametrize("function", list(FACTORIES))
def test_compiled_packing_keeps_the_same_points_and_levels(function, coarse, monkeypatch):
    obj, result = family(function)
    compiled, plain = packed_both_ways(obj, result, coarse, monkeypatch)
    assert compiled == plain
    if function == "rosenbrock":
        assert (result.diverged_step > 0).any()  # the marks of a divergence are compared too


def test_compiled_packing_of_a_start_grid_with_noise(monkeypatch):
    obj = get_objective("rastrigin")
    starts = start_runs(*start_grid(obj))
    optimizer = make_optimizer("momentum", obj.lr_range[1] * 3, 0.9)
    result = run_batch(obj, optimizer, starts, 400, noise=2.0)
    compiled, plain = packed_both_ways(obj, result, race_data.START_POINTS, monkeypatch)
    assert compiled == plain


def decoded(data: dict, part: str, column: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(data[part][column]), dtype="<u2").astype(int)


def test_numpy_packing_as_the_app_runs_it_differs_by_a_level_at_most(monkeypatch):
    """With numpy's own log10 the paths are the same bits (no logarithm in them), and the
    loss curves keep the same points at levels at most one apart."""
    obj, result = family("rosenbrock", 1000)
    compiled, plain = packed_both_ways(obj, result, 0, monkeypatch, log10=np.log10)
    assert compiled["path"] == plain["path"]
    assert compiled["loss"]["steps"] == plain["loss"]["steps"]
    gaps = decoded(compiled, "loss", "gap"), decoded(plain, "loss", "gap")
    assert np.abs(gaps[0] - gaps[1]).max() <= 1


def test_points_off_the_screen_are_pinned_to_its_edge_alike(monkeypatch):
    obj = get_objective("booth")
    screen = race_data.Screen.of(obj)
    far = [[screen.x[0] - 5.0, 0.0], [0.0, screen.y[1] + 5.0], [1.0, 3.0]]  # two off, one on
    result = run_batch(obj, make_optimizer("sgd", obj.lr_default), np.array(far), 50)
    compiled, plain = packed_both_ways(obj, result, 0, monkeypatch)
    assert compiled == plain
    x, y = decoded(compiled, "path", "x"), decoded(compiled, "path", "y")
    assert x.min() == 0 and y.max() == race_data.LEVELS  # pinned, not wrapped around
