"""The compiled loop against its numpy twin: every optimizer, landscape, noise and schedule.

The two loops are the two formulations of every update rule and of every landscape's
tape, and they agree bit for bit. Where a landscape calls a maths function (``exp``,
``cos``, ``pow``...) the compiled loop takes the C library's and numpy its own, which on a
processor with AVX-512 differ in the last bit; on a chaotic run (Ackley's bouncing) one bit
becomes a different path within a hundred steps. So the comparisons run numpy's evaluator
with the C library's functions (:data:`C_LIBRARY`, the one thing that differs), and
separately: numpy's own functions are within an ulp or two of the C library's, and on the
landscapes of exactly rounded arithmetic alone numpy's loop, as the app runs it, equals the
compiled one bit for bit.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from types import SimpleNamespace

import numpy as np
import pytest

from momentum_core import FACTORIES, OPTIMIZER_NAMES, engine, get_objective, make_optimizer
from momentum_core import runner as runner_module
from momentum_core import tape as T
from momentum_core.formula import custom_objective
from momentum_core.optimizers import heavy_ball, keras_momentum, momentum_ramp, rmsprop
from momentum_core.runner import run_batch

kernels = pytest.importorskip("momentum_core.kernels")

FIELDS = ("final_position", "final_loss", "diverged_step", "converged_step", "tol_step")
PATHS = ("positions", "losses", "grad_norms")


@pytest.fixture(scope="module", autouse=True)
def compiled_loop():
    assert engine.warm(wait=True) is not None, engine.failure()


def _c_function(name: str, arity: int = 1):
    """The C library's ``name`` over numpy arrays, element by element."""
    function = getattr(ctypes.CDLL(ctypes.util.find_library("m")), name)
    function.restype, function.argtypes = ctypes.c_double, [ctypes.c_double] * arity
    return np.vectorize(function, otypes=[float])


#: The numpy evaluator's maths library replaced by the C library's (as the compiled loop's).
C_LIBRARY = SimpleNamespace(
    **{name: _c_function(name) for name in ("sin", "cos", "tan", "exp", "log", "tanh")},
    sinh=_c_function("sinh"), cosh=_c_function("cosh"), arctan=_c_function("atan"),
    power=_c_function("pow", 2),
)  # fmt: skip


@pytest.fixture(autouse=True)
def c_library(request, monkeypatch):
    """Every comparison here but those marked ``numpy_library`` runs numpy's loop with the
    C library's maths functions."""
    if "numpy_library" not in request.keywords:
        monkeypatch.setattr(T, "_lib", C_LIBRARY)


def both(objective, optimizer, x0, steps, **options):
    """The same runs by numpy's loop and by the compiled one."""
    numpy_run = run_batch(objective, optimizer, x0, steps, loop="numpy", **options)
    compiled_run = run_batch(objective, optimizer, x0, steps, loop="compiled", **options)
    return numpy_run, compiled_run


def assert_same(a, b, paths=True, rtol=0.0):
    names = FIELDS + (PATHS if paths else ())
    for name in names:
        want, got = getattr(a, name), getattr(b, name)
        if rtol and np.issubdtype(want.dtype, np.floating):
            # scaled to the run: values that shrink towards 0 differ by the bits lost
            # on their way down, not by their own last bit
            atol = rtol * float(np.max(np.abs(want)))
            np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=name)
        else:
            np.testing.assert_array_equal(got, want, err_msg=name)


def spread(objective, runs: int = 7) -> np.ndarray:
    """Rates from a tenth of the low end to 30x the high end: some runs crawl, some
    converge, some diverge."""
    low, high = objective.lr_range
    return np.geomspace(low / 10, high * 30, runs)


@pytest.mark.parametrize("summary", [False, True], ids=["paths", "summary"])
@pytest.mark.parametrize("noise", [0.0, 0.5], ids=["exact", "noisy"])
@pytest.mark.parametrize("name", OPTIMIZER_NAMES)
@pytest.mark.parametrize("function", list(FACTORIES))
def test_compiled_equals_numpy_bit_for_bit(function, name, noise, summary):
    objective = get_objective(function)
    lrs = spread(objective)
    momenta = np.linspace(0.0, 0.99, len(lrs))
    optimizer = make_optimizer(name, lrs, momenta if name != "nesterov" else 0.9)
    a, b = both(objective, optimizer, objective.x0, 300, noise=noise, summary_only=summary)
    assert_same(a, b, paths=not summary)
    if (function, name, noise) == ("booth", "momentum", 0.0):  # the spread reaches every fate
        assert (a.diverged_step >= 0).any() and (a.tol_step >= 0).any()


EXACT = [name for name in FACTORIES if T.exactly_rounded(get_objective(name).tape)]
LIBRARY = [name for name in FACTORIES if name not in EXACT]


def test_the_landscapes_split_into_exact_and_library_ones():
    assert {"rosenbrock", "booth", "quadratic", "styblinski-tang"} <= set(EXACT)
    assert {"ackley", "rastrigin"} <= set(LIBRARY)


@pytest.mark.numpy_library
@pytest.mark.parametrize("name", OPTIMIZER_NAMES)
@pytest.mark.parametrize("function", EXACT)
def test_numpy_loop_as_the_app_runs_it_on_exact_landscapes(function, name):
    """No library function in the landscape (and Adam's bias correction by the C library's
    pow in both): numpy's loop with numpy's own functions is the compiled loop's twin on
    any processor."""
    objective = get_objective(function)
    lrs = spread(objective)
    optimizer = make_optimizer(
        name, lrs, np.linspace(0.0, 0.99, len(lrs)) if name != "nesterov" else 0.9
    )
    assert_same(*both(objective, optimizer, objective.x0, 300, noise=0.5))


@pytest.mark.numpy_library
@pytest.mark.parametrize(
    "name", ["sin", "cos", "tan", "exp", "log", "tanh", "sinh", "cosh", "arctan"]
)
def test_numpy_functions_are_the_c_library_s_to_the_last_bits(name):
    """What the C-library substitution above stands in for: numpy's functions and the C
    library's differ by a few units in the last place (numpy's own tanh by 3 here)."""
    rng = np.random.default_rng(0)
    a = np.concatenate([rng.uniform(-30, 30, 50_000), rng.uniform(1e-6, 5, 50_000)])
    if name == "log":
        a = np.abs(a) + 1e-300
    numpy_values = getattr(np, name)(a)
    c_values = getattr(C_LIBRARY, name)(a)
    ulps = np.abs(numpy_values - c_values) / np.spacing(np.abs(c_values))
    assert np.isfinite(c_values).all() and ulps.max() <= 4.0, (name, float(ulps.max()))


@pytest.mark.parametrize("nesterov", [False, True], ids=["heavy-ball", "nesterov"])
def test_momentum_schedule_dampening_and_shared_noise(nesterov):
    objective = get_objective("rosenbrock")
    lrs = spread(objective, 5)
    ramp = heavy_ball(lrs, 0.9, nesterov=nesterov, momentum_schedule=momentum_ramp(0.5, 0.99, 80))
    assert_same(*both(objective, ramp, objective.x0, 400, noise=0.3, shared_noise=True))
    if not nesterov:  # beta = 0 under dampening is plain descent, in both loops
        damped = heavy_ball(lrs, np.array([0.0, 0.5, 0.9, 0.95, 0.99]), dampening=0.3)
        assert_same(*both(objective, damped, objective.x0, 400))


def test_per_run_noise_starts_and_tolerances():
    objective = get_objective("himmelblau")
    rng = np.random.default_rng(7)
    starts = rng.uniform(-5, 5, (40, 2))
    optimizer = keras_momentum(np.full(40, 5e-3), rng.uniform(0, 0.99, 40), nesterov=True)
    options = {"noise": rng.uniform(0, 1, 40), "seed": 3, "grad_tol": 1e-3, "loss_tol": 1e-8}
    assert_same(*both(objective, optimizer, starts, 500, **options))
    assert_same(*both(objective, optimizer, starts, 500, summary_only=True, **options), False)
    rms = rmsprop(np.full(40, 1e-2), momentum=rng.uniform(0, 0.9, 40))
    assert_same(*both(objective, rms, starts, 300, **options))


def test_noise_drawn_in_blocks_is_the_noise_drawn_a_step_at_a_time(monkeypatch):
    objective = get_objective("rastrigin")
    optimizer = make_optimizer("momentum", spread(objective, 6), 0.9)
    whole = run_batch(objective, optimizer, objective.x0, 250, noise=0.4, loop="compiled")
    monkeypatch.setattr(runner_module, "NOISE_BLOCK", 12)  # one step of 6 runs a block
    blocks = run_batch(objective, optimizer, objective.x0, 250, noise=0.4, loop="compiled")
    assert_same(whole, blocks)
    assert_same(run_batch(objective, optimizer, objective.x0, 250, noise=0.4, loop="numpy"),
                blocks)  # fmt: skip


FORMULAS = [
    "x^2 + 10*sin(y)",
    "abs(x) + sqrt(x^2 + y^2)",  # kinks and the cone's tip at the origin
    "exp(-(x^2 + y^2)) * cos(3*x) + log(1 + x^2) - arctan(y)*x",
    "(x^2 + 1)^(y/4) + sinh(x/3) + cosh(y/3) + tan(x/5)",
    "x^3/9 - x*y^2/3 + (x + 4.5)^0.5 + 1/(1 + y^2)",
    "x^0 + x^-1*0 + y^1 + 2^x",
]


@pytest.mark.parametrize("formula", FORMULAS)
def test_typed_formulas_run_the_same_in_both_loops(formula):
    objective = custom_objective(formula)
    lrs = np.geomspace(objective.lr_range[0], objective.lr_range[1] * 10, 6)
    candidates = np.array([objective.x0, [0.0, 0.0], [0.5, -0.0], [1e-300, 2.0], [3.0, 3.0],
                           [-2.0, 1.0], [0.75, 0.25]])  # fmt: skip
    with np.errstate(all="ignore"):
        f, g = objective.value_and_gradient(candidates)
    starts = candidates[np.isfinite(f) & np.isfinite(g).all(axis=1)][:6]
    assert len(starts) >= 3
    lrs = lrs[: len(starts)]
    for name in ("momentum", "adam"):
        assert_same(*both(objective, make_optimizer(name, lrs, 0.9), starts, 200))


def test_tanh_agrees_to_the_last_bits():
    # numpy has its own tanh; the compiled loop takes the C library's: the last bit of
    # some values differs, nothing else.
    objective = custom_objective("tanh(x)^2 + (y - tanh(x*y))^2")
    optimizer = make_optimizer("momentum", np.full(4, 0.1), 0.5)
    starts = np.array([[1.0, 2.0], [-2.0, 0.5], [0.3, -1.0], [2.0, 2.0]])
    assert_same(*both(objective, optimizer, starts, 100), rtol=1e-12)


@pytest.mark.parametrize(
    "formula",
    [*FORMULAS, "tanh(x) * y", *(get_objective(n).code for n in FACTORIES)],
)
def test_the_tape_gives_the_same_values_and_gradients_in_both_evaluators(formula):
    tape = T.tape_of(formula)
    rng = np.random.default_rng(11)
    x = np.concatenate([rng.uniform(-4, 4, 300), [0.0, -0.0, 1.0, 0.5]])
    y = np.concatenate([rng.uniform(-4, 4, 300), [0.0, 0.0, -1.0, 0.0]])
    with np.errstate(all="ignore"):
        want = T.evaluate(tape, x, y)
    got = kernels.evaluate(tape.op, tape.a, tape.b, tape.c, x, y)
    close = 1e-14 if "tanh" in formula else 0.0  # 1 - tanh^2 keeps tanh's last bit, absolute
    for w, g in zip(want, got, strict=True):
        np.testing.assert_allclose(g, w, rtol=close, atol=close, equal_nan=True)


@pytest.mark.parametrize("formula", [*FORMULAS, *(get_objective(n).code for n in FACTORIES)])
def test_the_tapes_hessian_is_the_gradients_derivative(formula):
    tape = T.tape_of(formula)
    rng = np.random.default_rng(5)
    x, y = rng.uniform(0.6, 2.5, 50), rng.uniform(-2.0, 2.0, 50)
    hxx, hxy, hyy = T.hessian(tape, x, y)
    h = 1e-6
    _, gx_px, gy_px = T.evaluate(tape, x + h, y)
    _, gx_mx, gy_mx = T.evaluate(tape, x - h, y)
    _, gx_py, gy_py = T.evaluate(tape, x, y + h)
    _, gx_my, gy_my = T.evaluate(tape, x, y - h)
    for exact, diff in [
        (hxx, (gx_px - gx_mx) / (2 * h)),
        (hxy, (gx_py - gx_my) / (2 * h)),
        (hxy, (gy_px - gy_mx) / (2 * h)),
        (hyy, (gy_py - gy_my) / (2 * h)),
    ]:
        scale = 1 + np.abs(exact)
        assert np.all(np.abs(exact - diff) / scale < 1e-5)


def test_the_runner_can_be_told_which_loop():
    objective = get_objective("rosenbrock")
    with pytest.raises(ValueError, match="loop must be"):
        run_batch(objective, make_optimizer("sgd", 1e-3), objective.x0, 3, loop="fast")
    with pytest.raises(ValueError, match="without recorded states"):
        run_batch(objective, make_optimizer("sgd", 1e-3), objective.x0, 3, loop="compiled",
                  record_state=True)  # fmt: skip


#: Landscapes whose straight-line loops the tests build (each a few seconds, once per
#: machine): a polynomial, one with functions (cos) and constants folded, a bowl.
SPECIALISED = ["rosenbrock", "rastrigin", "booth"]


@pytest.fixture(scope="module")
def straight_lines():
    specialised = pytest.importorskip("momentum_core.specialised")
    return {n: specialised.kernel_for(get_objective(n).tape, wait=True) for n in SPECIALISED}


@pytest.mark.parametrize("noise", [0.0, 0.5], ids=["exact", "noisy"])
@pytest.mark.parametrize("name", OPTIMIZER_NAMES)
@pytest.mark.parametrize("function", SPECIALISED)
def test_straight_line_loops_equal_the_tape_and_numpy(straight_lines, function, name, noise):
    assert straight_lines[function] is not None
    objective = get_objective(function)
    optimizer = make_optimizer(name, spread(objective), np.linspace(0.0, 0.99, 7)
                               if name != "nesterov" else 0.9)  # fmt: skip
    numpy_run = run_batch(objective, optimizer, objective.x0, 300, noise=noise, loop="numpy")
    for loop in ("tape", "compiled"):  # compiled: the straight line, now that it is built
        assert_same(numpy_run, run_batch(objective, optimizer, objective.x0, 300, noise=noise,
                                         loop=loop))  # fmt: skip
    summary = run_batch(objective, optimizer, objective.x0, 300, noise=noise, loop="compiled",
                        summary_only=True, grad_tol=1e-4)  # fmt: skip
    want = run_batch(objective, optimizer, objective.x0, 300, noise=noise, loop="numpy",
                     summary_only=True, grad_tol=1e-4)  # fmt: skip
    assert_same(want, summary, paths=False)


@pytest.mark.parametrize("shared", [False, True], ids=["own-rates", "shared-rates"])
@pytest.mark.parametrize("runs", [1, 8, 9], ids=["one", "even", "odd"])
@pytest.mark.parametrize("function", SPECIALISED)
def test_a_sweeps_runs_two_at_a_time_equal_numpy(straight_lines, monkeypatch, function, runs,
                                                 shared):  # fmt: skip
    """The sweep page's case (heavy ball, exact gradients, summary mode, no gradient
    tolerance) takes the straight-line loop's pairs of runs: an odd run alone, runs that
    diverge beside runs that go on, and blocks of steps after a run diverged."""
    assert straight_lines[function] is not None
    objective = get_objective(function)
    if shared:  # one rate and momentum for all, the runs from starts around the default
        optimizer = make_optimizer("momentum", objective.lr_range[1] * 3, 0.9)
        x0 = np.asarray(objective.x0) * np.linspace(0.5, 2.0, runs)[:, None]
    else:
        optimizer = make_optimizer("momentum", spread(objective, runs),
                                   np.linspace(0.0, 0.99, runs))  # fmt: skip
        x0 = objective.x0
    monkeypatch.setattr(runner_module, "CHECK_WORK", 40 * runs)  # blocks of 40 steps
    want = run_batch(objective, optimizer, x0, 300, loop="numpy", summary_only=True)
    got = run_batch(objective, optimizer, x0, 300, loop="compiled", summary_only=True)
    assert_same(want, got, paths=False)
    if (function, runs, shared) == ("booth", 9, False):  # the spread reaches every fate
        assert (got.diverged_step >= 0).any() and (got.tol_step >= 0).any()
        assert (got.diverged_step < 0).sum() > (got.tol_step >= 0).sum()  # and crawls


def test_a_landscapes_parameters_share_its_straight_line_loop(straight_lines):
    specialised = pytest.importorskip("momentum_core.specialised")
    bent = get_objective("rosenbrock", a=2.0, b=30.0)
    assert specialised.kernel_for(bent.tape) is straight_lines["rosenbrock"]
    optimizer = make_optimizer("momentum", spread(bent), 0.9)
    assert_same(run_batch(bent, optimizer, bent.x0, 200, loop="numpy"),
                run_batch(bent, optimizer, bent.x0, 200, loop="compiled"))  # fmt: skip
