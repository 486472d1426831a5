"""The step inspector's numbers against the runner's runs and the torch rules."""

from __future__ import annotations

import numpy as np
import pytest

from momentum_core import OPTIMIZER_NAMES, get_objective, make_optimizer, momentum_ramp, run_batch
from momentum_core.inspector import inspect_run


@pytest.fixture
def rosen():
    return get_objective("rosenbrock")


@pytest.mark.parametrize("name", OPTIMIZER_NAMES)
@pytest.mark.parametrize("noise", [0.0, 0.5])
def test_points_equal_the_runners(rosen, name, noise):
    lr = 1e-3 if name in ("sgd", "momentum", "nesterov", "keras-momentum") else 0.02
    ins = inspect_run(rosen, name, lr, 0.8, (-1.2, 1.5), 400, noise=noise, seed=3)
    run = run_batch(rosen, make_optimizer(name, lr, 0.8), (-1.2, 1.5), 400, noise=noise, seed=3)
    assert ins.updates == 400 and ins.diverged_step == -1
    np.testing.assert_array_equal(ins.positions, run.positions[:, 0])
    # each point is the last one plus the step the update returned, bit for bit
    np.testing.assert_array_equal(ins.positions[1:], ins.positions[:-1] + ins.steps)
    if noise == 0:  # the gradient seen is the landscape's at the point the update left
        np.testing.assert_array_equal(ins.gradients, rosen.gradient(ins.positions[:-1]))
    else:
        assert not np.allclose(ins.gradients, rosen.gradient(ins.positions[:-1]))
    lr_used = ins.hyper["learning_rate"]
    np.testing.assert_array_equal(ins.terms["grad_step"], -(lr_used * ins.gradients))


def test_a_family_member_equals_its_inspection(rosen):
    momenta = np.array([0.0, 0.5, 0.9])
    family = run_batch(rosen, make_optimizer("momentum", 1.5e-3, momenta), rosen.x0, 300,
                       shared_noise=True, noise=0.2, seed=1)  # fmt: skip
    for i, beta in enumerate(momenta):
        ins = inspect_run(rosen, "momentum", 1.5e-3, beta, rosen.x0, 300, noise=0.2, seed=1)
        np.testing.assert_array_equal(ins.positions, family.positions[:, i])


@pytest.mark.parametrize("nesterov", [False, True])
def test_heavy_ball_follows_torch(rosen, nesterov):
    alpha, beta = 1.5e-3, 0.9
    name = "nesterov" if nesterov else "momentum"
    ins = inspect_run(rosen, name, alpha, beta, rosen.x0, 500)
    g, b = ins.gradients, ins.states["b"]
    assert np.all(b[0] == 0)
    # torch: b_1 = g_1, then b_t = beta b_{t-1} + g_t
    np.testing.assert_array_equal(b[1], g[0])
    np.testing.assert_array_equal(b[2:], beta * b[1:-1] + g[1:])
    d = g + beta * b[1:] if nesterov else b[1:]
    np.testing.assert_array_equal(ins.steps, -(alpha * d))
    carried = b[1:] if nesterov else b[:-1]
    np.testing.assert_array_equal(ins.terms["carry"], -(alpha * (beta * carried)))
    # the step taken is the gradient step plus the carried part (to rounding)
    total = ins.terms["grad_step"] + ins.terms["carry"]
    np.testing.assert_allclose(total, ins.steps, rtol=1e-12, atol=1e-15)
    assert np.abs(ins.terms["carry"][-1]).max() > 0  # not a trivial comparison


def test_keras_velocity_is_its_two_terms(rosen):
    ins = inspect_run(rosen, "keras-momentum", 1e-3, 0.9, rosen.x0, 300)
    v = ins.states["v"]
    np.testing.assert_array_equal(v[1:], ins.terms["carry"] + ins.terms["grad_step"])
    np.testing.assert_array_equal(ins.terms["carry"], 0.9 * v[:-1])
    np.testing.assert_array_equal(ins.steps, v[1:])


def test_adam_rmsprop_adagrad_scale_the_gradient(rosen):
    adam = inspect_run(rosen, "adam", 0.02, 0.0, rosen.x0, 200)
    m, v = adam.states["m"], adam.states["v"]
    np.testing.assert_array_equal(m[1:], 0.9 * m[:-1] + (1.0 - 0.9) * adam.gradients)
    t = np.arange(1, 201)[:, None]
    np.testing.assert_allclose(adam.terms["m_hat"], m[1:] / (1 - 0.9**t), rtol=1e-14)
    np.testing.assert_allclose(adam.terms["v_hat"], v[1:] / (1 - 0.999**t), rtol=1e-12)
    np.testing.assert_array_equal(adam.steps, -0.02 * adam.terms["m_hat"] / adam.terms["denom"])
    for name, key in (("rmsprop", "v"), ("adagrad", "s")):
        ins = inspect_run(rosen, name, 0.02, 0.0, rosen.x0, 200)
        denom = np.sqrt(ins.states[key][1:]) + ins.hyper["eps"]
        np.testing.assert_allclose(ins.terms["denom"], denom, rtol=1e-15)
        np.testing.assert_allclose(ins.steps, -0.02 * ins.gradients / ins.terms["denom"],
                                   rtol=1e-14)  # fmt: skip


def test_a_schedule_records_each_steps_beta(rosen):
    ramp = momentum_ramp(0.5, 0.99, 100)
    ins = inspect_run(rosen, "momentum", 1e-3, 0.99, rosen.x0, 150, momentum_schedule=ramp)
    run = run_batch(rosen, make_optimizer("momentum", 1e-3, 0.99, momentum_schedule=ramp),
                    rosen.x0, 150)  # fmt: skip
    np.testing.assert_array_equal(ins.positions, run.positions[:, 0])
    np.testing.assert_array_equal(ins.betas[:100], ramp)
    assert np.all(ins.betas[100:] == 0.99)
    b = ins.states["b"]
    np.testing.assert_array_equal(b[2:], ins.betas[1:, None] * b[1:-1] + ins.gradients[1:])


def test_a_diverged_run_stops_before_its_divergence(rosen):
    ins = inspect_run(rosen, "momentum", 0.01, 0.9, rosen.x0, 200)
    run = run_batch(rosen, make_optimizer("momentum", 0.01, 0.9), rosen.x0, 200)
    k = int(run.diverged_step[0])
    assert 0 < k < 200 and ins.diverged_step == k
    assert ins.updates == k - 1 and len(ins.positions) == k
    np.testing.assert_array_equal(ins.positions, run.positions[:k, 0])
    for arrays in (ins.states, ins.terms):
        assert all(np.all(np.isfinite(a)) for a in arrays.values())


# --- the compiled inspector against the numpy one --------------------------------------


@pytest.fixture(scope="module")
def kernels():
    from momentum_core import engine

    module = engine.warm(wait=True)
    assert module is not None, engine.failure()
    return module


#: Landscapes whose arithmetic is the same in numpy and in the compiled loop (no maths
#: library function whose last bit may differ between the two): a polynomial, a bowl.
POLYNOMIAL = ["rosenbrock", "booth"]


def assert_same_inspection(a, b):
    assert (a.updates, a.diverged_step, a.hyper) == (b.updates, b.diverged_step, b.hyper)
    for name in ("positions", "gradients", "steps", "betas"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    assert a.states.keys() == b.states.keys() and a.terms.keys() == b.terms.keys()
    for key in a.states:
        np.testing.assert_array_equal(a.states[key], b.states[key], err_msg=key)
    for key in a.terms:
        np.testing.assert_array_equal(a.terms[key], b.terms[key], err_msg=key)


@pytest.mark.parametrize("function", POLYNOMIAL)
@pytest.mark.parametrize("noise", [0.0, 0.5], ids=["exact", "noisy"])
@pytest.mark.parametrize("name", OPTIMIZER_NAMES)
def test_the_compiled_inspector_equals_the_numpy_one(kernels, function, noise, name):
    obj = get_objective(function)
    lr = 1e-3 if name in ("sgd", "momentum", "nesterov", "keras-momentum") else 0.02
    options = dict(noise=noise, seed=4)
    numpy_one = inspect_run(obj, name, lr, 0.8, (-1.2, 1.5), 300, loop="numpy", **options)
    compiled = inspect_run(obj, name, lr, 0.8, (-1.2, 1.5), 300, loop="compiled", **options)
    assert compiled.updates == 300
    assert_same_inspection(numpy_one, compiled)


def test_the_compiled_inspector_stops_where_the_run_diverged(kernels, rosen):
    numpy_one = inspect_run(rosen, "momentum", 0.01, 0.9, rosen.x0, 200, loop="numpy")
    compiled = inspect_run(rosen, "momentum", 0.01, 0.9, rosen.x0, 200, loop="compiled")
    assert 0 < compiled.diverged_step < 200
    assert_same_inspection(numpy_one, compiled)


@pytest.mark.parametrize("name", ["momentum", "nesterov"])
def test_the_compiled_inspector_takes_each_steps_scheduled_beta(kernels, rosen, name):
    ramp = momentum_ramp(0.5, 0.99, 100)
    options = dict(momentum_schedule=ramp, noise=0.1, seed=2)
    numpy_one = inspect_run(rosen, name, 1e-3, 0.99, rosen.x0, 150, loop="numpy", **options)
    compiled = inspect_run(rosen, name, 1e-3, 0.99, rosen.x0, 150, loop="compiled", **options)
    np.testing.assert_array_equal(compiled.betas[:100], ramp)
    assert_same_inspection(numpy_one, compiled)


@pytest.mark.parametrize("name", OPTIMIZER_NAMES)
def test_the_compiled_inspector_retraces_a_straight_line_run(kernels, name):
    """Rastrigin's cosines: the compiled loop's maths library, not numpy's; the inspection
    is the compiled run's own (its straight-line loop, once built), each point the last one
    plus the step, bit for bit."""
    from momentum_core import specialised

    obj = get_objective("rastrigin")
    assert specialised.kernel_for(obj.tape, wait=True) is not None
    lr = 2e-3 if name in ("sgd", "momentum", "nesterov", "keras-momentum") else 0.05
    ins = inspect_run(obj, name, lr, 0.9, (2.3, -1.7), 400, noise=0.3, seed=1, loop="compiled")
    run = run_batch(obj, make_optimizer(name, lr, 0.9), (2.3, -1.7), 400, noise=0.3, seed=1)
    np.testing.assert_array_equal(ins.positions, run.positions[: ins.updates + 1, 0])
    np.testing.assert_array_equal(ins.positions[1:], ins.positions[:-1] + ins.steps)
    assert ins.updates > 100


def test_the_inspector_is_told_which_loop(rosen):
    with pytest.raises(ValueError, match="loop must be"):
        inspect_run(rosen, "sgd", 1e-3, 0.0, rosen.x0, 3, loop="tape")
