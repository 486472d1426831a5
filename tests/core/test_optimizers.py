"""Update rules: the plain for-loop transcription of torch.optim's rules is the ground truth."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from momentum_core.optimizers import (
    OPTIMIZER_NAMES,
    adagrad,
    adam,
    batch_size,
    gradient_descent,
    heavy_ball,
    keras_momentum,
    make_optimizer,
    rmsprop,
    with_hyper,
)


def grad_fn(p: np.ndarray) -> np.ndarray:
    """A nonlinear, coupled gradient field, so that every rule sees changing gradients."""
    x, y = p[..., 0], p[..., 1]
    return np.stack([x**3 + 0.5 * y - 1.0, 2.0 * y - 0.3 * x + 0.1 * np.sin(x)], axis=-1)


def grad_scalar(x: float, y: float) -> tuple[float, float]:
    return x**3 + 0.5 * y - 1.0, 2.0 * y - 0.3 * x + 0.1 * math.sin(x)


# --- ground truth: one run, plain floats, the rules as torch.optim's docs print them ----


def loop_sgd(x0, steps, lr, momentum=0.0, dampening=0.0, nesterov=False):
    x, b, out = list(x0), [0.0, 0.0], [tuple(x0)]
    for t in range(1, steps + 1):
        g = grad_scalar(*x)
        for i in range(2):
            d = g[i]
            if momentum != 0:
                b[i] = g[i] if t == 1 else momentum * b[i] + (1 - dampening) * g[i]
                d = g[i] + momentum * b[i] if nesterov else b[i]
            x[i] -= lr * d
        out.append(tuple(x))
    return np.array(out)


def loop_keras(x0, steps, lr, momentum, nesterov=False):
    x, v, out = list(x0), [0.0, 0.0], [tuple(x0)]
    for _ in range(steps):
        g = grad_scalar(*x)
        for i in range(2):
            v[i] = momentum * v[i] - lr * g[i]
            x[i] += momentum * v[i] - lr * g[i] if nesterov else v[i]
        out.append(tuple(x))
    return np.array(out)


def loop_adam(x0, steps, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    x, m, v, out = list(x0), [0.0, 0.0], [0.0, 0.0], [tuple(x0)]
    for t in range(1, steps + 1):
        g = grad_scalar(*x)
        for i in range(2):
            m[i] = beta1 * m[i] + (1 - beta1) * g[i]
            v[i] = beta2 * v[i] + (1 - beta2) * g[i] ** 2
            m_hat, v_hat = m[i] / (1 - beta1**t), v[i] / (1 - beta2**t)
            x[i] -= lr * m_hat / (math.sqrt(v_hat) + eps)
        out.append(tuple(x))
    return np.array(out)


def loop_rmsprop(x0, steps, lr, alpha=0.99, eps=1e-8, momentum=0.0):
    x, v, b, out = list(x0), [0.0, 0.0], [0.0, 0.0], [tuple(x0)]
    for _ in range(steps):
        g = grad_scalar(*x)
        for i in range(2):
            v[i] = alpha * v[i] + (1 - alpha) * g[i] ** 2
            if momentum > 0:
                b[i] = momentum * b[i] + g[i] / (math.sqrt(v[i]) + eps)
                x[i] -= lr * b[i]
            else:
                x[i] -= lr * g[i] / (math.sqrt(v[i]) + eps)
        out.append(tuple(x))
    return np.array(out)


def loop_adagrad(x0, steps, lr, eps=1e-10):
    x, s, out = list(x0), [0.0, 0.0], [tuple(x0)]
    for _ in range(steps):
        g = grad_scalar(*x)
        for i in range(2):
            s[i] += g[i] ** 2
            x[i] -= lr * g[i] / (math.sqrt(s[i]) + eps)
        out.append(tuple(x))
    return np.array(out)


def trajectory(opt, x0: np.ndarray, steps: int) -> np.ndarray:
    """Drive an (init, update) optimizer by hand over a batch; (steps + 1, runs, 2)."""
    x = np.array(x0, dtype=float)
    state = opt.init(x)
    out = [x]
    for _ in range(steps):
        step, state = opt.update(grad_fn(x), state)
        x = x + step
        out.append(x)
    return np.stack(out)


STARTS = np.array([[0.5, -0.5], [1.5, 1.0], [-0.7, 0.3]])

CASES = [
    ("sgd", lambda lr: gradient_descent(lr), lambda x0, lr: loop_sgd(x0, 40, lr)),
    (
        "momentum",
        lambda lr: heavy_ball(lr, 0.9),
        lambda x0, lr: loop_sgd(x0, 40, lr, momentum=0.9),
    ),
    (
        "momentum-dampened",
        lambda lr: heavy_ball(lr, 0.8, dampening=0.3),
        lambda x0, lr: loop_sgd(x0, 40, lr, momentum=0.8, dampening=0.3),
    ),
    (
        "nesterov",
        lambda lr: heavy_ball(lr, 0.9, nesterov=True),
        lambda x0, lr: loop_sgd(x0, 40, lr, momentum=0.9, nesterov=True),
    ),
    (
        "keras",
        lambda lr: keras_momentum(lr, 0.85),
        lambda x0, lr: loop_keras(x0, 40, lr, 0.85),
    ),
    (
        "keras-nesterov",
        lambda lr: keras_momentum(lr, 0.85, nesterov=True),
        lambda x0, lr: loop_keras(x0, 40, lr, 0.85, nesterov=True),
    ),
    ("adam", lambda lr: adam(lr), lambda x0, lr: loop_adam(x0, 40, lr)),
    (
        "adam-betas",
        lambda lr: adam(lr, 0.5, 0.9, 1e-6),
        lambda x0, lr: loop_adam(x0, 40, lr, 0.5, 0.9, 1e-6),
    ),
    ("rmsprop", lambda lr: rmsprop(lr), lambda x0, lr: loop_rmsprop(x0, 40, lr)),
    (
        "rmsprop-momentum",
        lambda lr: rmsprop(lr, alpha=0.9, momentum=0.5),
        lambda x0, lr: loop_rmsprop(x0, 40, lr, alpha=0.9, momentum=0.5),
    ),
    ("adagrad", lambda lr: adagrad(lr), lambda x0, lr: loop_adagrad(x0, 40, lr)),
]


@pytest.mark.parametrize(("make", "loop"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_batch_matches_plain_loop(make, loop):
    # Different lr per run, so per-run hyperparameters are exercised too.
    lrs = np.array([0.01, 0.03, 0.02])
    got = trajectory(make(lrs), STARTS, 40)
    for run in range(len(STARTS)):
        want = loop(STARTS[run], lrs[run])
        np.testing.assert_allclose(got[:, run], want, rtol=1e-12, atol=1e-14)


def test_momentum_first_steps_by_hand():
    lr, mu, tau = 0.1, 0.9, 0.5
    x0 = np.array([[1.0, 2.0]])
    g1 = grad_fn(x0)
    x1 = x0 - lr * g1  # first step: buffer is the raw gradient, dampening not applied
    g2 = grad_fn(x1)
    x2 = x1 - lr * (mu * g1 + (1 - tau) * g2)
    got = trajectory(heavy_ball(lr, mu, dampening=tau), x0, 2)
    np.testing.assert_allclose(got[1], x1, rtol=1e-15)
    np.testing.assert_allclose(got[2], x2, rtol=1e-15)


def test_nesterov_first_steps_by_hand():
    lr, mu = 0.1, 0.9
    x0 = np.array([[1.0, 2.0]])
    g1 = grad_fn(x0)
    x1 = x0 - lr * (g1 + mu * g1)
    g2 = grad_fn(x1)
    b2 = mu * g1 + g2
    x2 = x1 - lr * (g2 + mu * b2)
    got = trajectory(heavy_ball(lr, mu, nesterov=True), x0, 2)
    np.testing.assert_allclose(got[1:], np.stack([x1, x2]), rtol=1e-15)


def test_adaptive_first_steps_by_hand():
    lr = 0.1
    x0 = np.array([[1.0, 2.0]])
    g = grad_fn(x0)
    # Bias correction makes Adam's first step lr * g / (|g| + eps): almost lr * sign(g).
    np.testing.assert_allclose(
        trajectory(adam(lr), x0, 1)[1], x0 - lr * g / (np.abs(g) + 1e-8), rtol=1e-15
    )
    np.testing.assert_allclose(
        trajectory(rmsprop(lr, alpha=0.99), x0, 1)[1],
        x0 - lr * g / (np.sqrt(0.01) * np.abs(g) + 1e-8),
        rtol=1e-15,
        atol=1e-15,  # x1 - x0 cancels to ~1e-7 here
    )
    np.testing.assert_allclose(
        trajectory(adagrad(lr), x0, 1)[1], x0 - lr * g / (np.abs(g) + 1e-10), rtol=1e-15
    )


@pytest.mark.parametrize("dampening", [0.0, 0.5], ids=["plain", "dampened"])
def test_momentum_zero_is_gradient_descent(dampening):
    lrs = np.array([0.01, 0.02, 0.03])
    want = trajectory(gradient_descent(lrs), STARTS, 30)
    got = trajectory(heavy_ball(lrs, 0.0, dampening=dampening), STARTS, 30)
    np.testing.assert_array_equal(got, want)


def test_momentum_zero_inside_a_batch_is_gradient_descent():
    # One run of a momentum sweep has beta = 0: PyTorch skips the buffer for it.
    got = trajectory(heavy_ball(0.02, np.array([0.0, 0.9, 0.0]), dampening=0.5), STARTS, 30)
    want = trajectory(gradient_descent(0.02), STARTS, 30)
    np.testing.assert_array_equal(got[:, [0, 2]], want[:, [0, 2]])
    assert not np.allclose(got[:, 1], want[:, 1])


def test_keras_and_pytorch_agree_at_constant_lr():
    lrs, mus = np.array([0.01, 0.02, 0.03]), np.array([0.5, 0.9, 0.99])
    torch_like = trajectory(heavy_ball(lrs, mus), STARTS, 60)
    keras_like = trajectory(keras_momentum(lrs, mus), STARTS, 60)
    np.testing.assert_allclose(keras_like, torch_like, rtol=1e-10, atol=1e-12)


def test_keras_and_pytorch_differ_once_lr_changes():
    # Ten steps at lr 0.02, then switch to 0.002 keeping the state: PyTorch rescales the
    # whole buffer by the new lr, Keras keeps the velocity it already has.
    x0 = STARTS[:1]

    def run(make):
        opt = make(0.02)
        x, state = x0.copy(), opt.init(x0)
        for t in range(20):
            if t == 10:  # the learning rate lives in the state: change it there
                state = with_hyper(state, learning_rate=0.002)
            step, state = opt.update(grad_fn(x), state)
            x = x + step
        return x

    torch_x = run(lambda lr: heavy_ball(lr, 0.9))
    keras_x = run(lambda lr: keras_momentum(lr, 0.9))
    assert np.max(np.abs(torch_x - keras_x)) > 1e-3


def test_ema_form_is_heavy_ball_with_scaled_lr():
    # Course notes' v = b v + (1 - b) g; x -= a v equals heavy ball at lr a (1 - b).
    a, b = 0.05, 0.9
    x, v = STARTS.copy(), np.zeros_like(STARTS)
    ema = [x]
    for _ in range(50):
        v = b * v + (1 - b) * grad_fn(x)
        x = x - a * v
        ema.append(x)
    got = trajectory(heavy_ball(a * (1 - b), b), STARTS, 50)
    np.testing.assert_allclose(got, np.stack(ema), rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("name", OPTIMIZER_NAMES)
def test_update_does_not_mutate_state(name):
    opt = make_optimizer(name, 0.01, 0.9)
    x = STARTS.copy()
    state = opt.init(x)
    _, state = opt.update(grad_fn(x), state)
    before = [np.copy(f) for f in state]
    opt.update(grad_fn(x), state)
    for old, now in zip(before, state, strict=True):
        np.testing.assert_array_equal(old, now)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: heavy_ball(0.0, 0.9), "learning rate must be in (0, inf), got 0"),
        (lambda: heavy_ball(float("nan"), 0.9), "learning rate"),
        (lambda: heavy_ball(0.1, 1.5), "momentum must be in [0, 1], got 1.5"),
        (lambda: heavy_ball(0.1, np.array([0.5, -0.1])), "momentum must be in [0, 1], got -0.1"),
        (lambda: heavy_ball(0.1, 0.0, nesterov=True), "Nesterov"),
        (lambda: heavy_ball(0.1, 0.9, dampening=0.1, nesterov=True), "Nesterov"),
        (lambda: adam(0.1, beta1=1.0), "beta1 must be in [0, 1)"),
        (lambda: adam(0.1, eps=0.0), "eps"),
        (lambda: rmsprop(0.1, alpha=-0.5), "alpha"),
        (lambda: heavy_ball(np.ones(3), np.ones(4) * 0.5), "different lengths"),
        (lambda: make_optimizer("lion", 0.1), "unknown optimizer 'lion'"),
    ],
    ids=[
        "lr-zero",
        "lr-nan",
        "momentum-high",
        "momentum-negative-in-batch",
        "nesterov-no-momentum",
        "nesterov-dampening",
        "beta1",
        "eps",
        "alpha",
        "lengths",
        "unknown",
    ],
)
def test_bad_hyperparameters_are_named(call, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        call()


def test_make_optimizer_names():
    for name in OPTIMIZER_NAMES:
        assert make_optimizer(name, 0.01, 0.5).name == name
    state = make_optimizer("momentum", np.full(7, 0.01), 0.5).init(np.zeros((1, 2)))
    assert batch_size(state) == 7 and state.hyper["learning_rate"].shape == (7, 1)
