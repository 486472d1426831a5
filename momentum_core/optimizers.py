"""Optimizers as explicit ``(init, update)`` pairs, with the update rules of ``torch.optim``.

Notation, used the same way in the whole project: ``alpha`` is the learning rate
(``learning_rate``, "lr" in the UI), ``beta`` (PyTorch's ``mu``) is the momentum, ``tau``
the dampening and ``g`` the gradient at the current point; steps count ``t = 1, 2, ...``.

Every hyperparameter may be a scalar or an array of shape ``(runs,)``, so a single optimizer
drives a whole sweep; parameters and gradients have shape ``(runs, d)`` (``d = 2`` on the
test functions, 71 for the network of :mod:`momentum_core.model`). ``update`` returns
the *step* to add to the parameters (optax's convention) and a new state; it never mutates
the state it was given.

Example:
    >>> import numpy as np
    >>> opt = heavy_ball(learning_rate=0.1, momentum=0.9)
    >>> x = np.array([[1.0, 2.0]])
    >>> state = opt.init(x)
    >>> step, state = opt.update(2 * x, state)  # gradient of |x|^2
    >>> (x + step).tolist()
    [[0.8, 1.6]]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

Array = np.ndarray


class Optimizer(NamedTuple):
    """An optimizer: ``state = init(params)``; ``step, state = update(grads, state)``.

    Hyperparameters live in the state (its ``hyper`` field, as optax's
    ``InjectHyperparamsState``), each of shape ``(1, 1)`` or ``(runs, 1)``, so that a state
    describes its runs whole (:func:`batch_size`, :func:`with_hyper`).

    Attributes:
        name: The command-line name (one of :data:`OPTIMIZER_NAMES`).
        init: Builds the initial state for parameters of shape ``(runs, d)``.
        update: Maps gradients and a state to the step to add and the next state.
    """

    name: str
    init: Callable[[Array], Any]
    update: Callable[[Array, Any], tuple[Array, Any]]
    rule: Rule | None = None


class Rule(NamedTuple):
    """What the compiled loop (:mod:`momentum_core.kernels`) needs to run an optimizer:
    which rule, its hyperparameters' names in the kernel's order, and its switches.

    Attributes:
        code: One of :data:`SGD`, :data:`HEAVY_BALL`, :data:`KERAS`, :data:`ADAM`,
            :data:`RMSPROP`, :data:`ADAGRAD`.
        hyper: The names of the hyperparameters, in the order the kernel takes them.
        nesterov: Nesterov's look-ahead (heavy ball and Keras).
        schedule: Beta per step (heavy ball), or None.
    """

    code: int
    hyper: tuple[str, ...]
    nesterov: bool = False
    schedule: Array | None = None


#: The compiled loop's rules.
SGD, HEAVY_BALL, KERAS, ADAM, RMSPROP, ADAGRAD = range(6)

Hyper = dict[str, Array]


def batch_size(state: Any) -> int:
    """How many runs a state's hyperparameters describe (1 when all are shared)."""
    return max((len(v) for v in state.hyper.values()), default=1)


def with_hyper(state: Any, **values: float | Array) -> Any:
    """The state with some hyperparameters changed (optax's ``inject_hyperparams``): the
    next update uses them, e.g. a learning rate changed mid-run.

    Raises:
        ValueError: For a name the optimizer does not have.
    """
    unknown = set(values) - set(state.hyper)
    if unknown:
        raise ValueError(f"no hyperparameter {', '.join(sorted(unknown))} in {sorted(state.hyper)}")
    shaped = {k: np.asarray(v, dtype=float).reshape(-1, 1) for k, v in values.items()}
    return state._replace(hyper={**state.hyper, **shaped})


class GradientDescentState(NamedTuple):
    """Plain gradient descent keeps nothing but its hyperparameters."""

    hyper: Hyper


class HeavyBallState(NamedTuple):
    """PyTorch's momentum buffer ``b`` and the number of steps taken."""

    buffer: Array
    count: int
    hyper: Hyper


class KerasMomentumState(NamedTuple):
    """Keras' velocity ``v`` (a step, with the learning rate already inside)."""

    velocity: Array
    hyper: Hyper


class AdamState(NamedTuple):
    """First and second moment estimates and the number of steps taken."""

    exp_avg: Array
    exp_avg_sq: Array
    count: int
    hyper: Hyper


class RMSpropState(NamedTuple):
    """The running mean of squared gradients and the (optional) momentum buffer."""

    square_avg: Array
    buffer: Array
    hyper: Hyper


class AdagradState(NamedTuple):
    """The running sum of squared gradients."""

    sum_sq: Array
    hyper: Hyper


def _per_run(
    value: float | Array,
    name: str,
    low: float,
    high: float,
    *,
    open_low: bool = False,
    open_high: bool = False,
) -> Array:
    """Return ``value`` as shape ``(1, 1)`` or ``(runs, 1)`` (a column that broadcasts over
    the coordinates) after checking its range."""
    arr = np.asarray(value, dtype=float)
    if arr.ndim > 1:
        raise ValueError(f"{name} must be a scalar or have shape (runs,), got shape {arr.shape}")
    too_low = arr <= low if open_low else arr < low
    too_high = arr >= high if open_high else arr > high
    bad = ~np.isfinite(arr) | too_low | too_high
    if np.any(bad):
        left, right = "(" if open_low else "[", ")" if open_high else "]"
        shown = arr[bad].flat[0] if arr.ndim else float(arr)
        raise ValueError(f"{name} must be in {left}{low:g}, {high:g}{right}, got {shown:g}")
    return arr.reshape(-1, 1)


def _size(*columns: Array) -> int:
    try:
        return int(np.broadcast_shapes(*(c.shape for c in columns))[0])
    except ValueError:
        shapes = ", ".join(str(c.shape[0]) for c in columns)
        raise ValueError(f"per-run hyperparameters have different lengths: {shapes}") from None


def _learning_rate(learning_rate: float | Array) -> Array:
    return _per_run(learning_rate, "learning rate", 0.0, np.inf, open_low=True, open_high=True)


def gradient_descent(learning_rate: float | Array) -> Optimizer:
    r"""Plain gradient descent ("SGD" with momentum 0): :math:`x_t = x_{t-1} - \alpha g_t`.

    Args:
        learning_rate: alpha > 0, scalar or shape ``(runs,)``.

    Returns:
        The optimizer.
    """
    lr = _learning_rate(learning_rate)
    hyper = {"learning_rate": lr}

    def init(params: Array) -> GradientDescentState:
        return GradientDescentState(hyper)

    def update(grads: Array, state: GradientDescentState) -> tuple[Array, GradientDescentState]:
        step = state.hyper["learning_rate"] * grads
        np.negative(step, out=step)
        return step, state

    return Optimizer("sgd", init, update, Rule(SGD, ("learning_rate",)))


def heavy_ball(
    learning_rate: float | Array,
    momentum: float | Array,
    dampening: float | Array = 0.0,
    nesterov: bool = False,
    momentum_schedule: Sequence[float] | Array | None = None,
) -> Optimizer:
    r"""Heavy-ball momentum exactly as ``torch.optim.SGD`` (also TF.js ``tf.train.momentum``).

    .. math::
        b_1 = g_1, \qquad b_t = \beta b_{t-1} + (1 - \tau) g_t \\
        d_t = g_t + \beta b_t \text{ if nesterov else } b_t, \qquad x_t = x_{t-1} - \alpha d_t

    The learning rate multiplies the whole buffer (PyTorch's convention: changing alpha
    mid-run rescales the momentum already gathered), and the first step stores the raw
    gradient, so dampening only acts from the second step. As in PyTorch, a run with
    momentum 0 is plain gradient descent whatever its dampening.

    Args:
        learning_rate: alpha > 0, scalar or shape ``(runs,)``.
        momentum: beta in [0, 1], scalar or shape ``(runs,)``. beta = 1 never settles.
        dampening: tau in [0, 1].
        nesterov: Use Nesterov's look-ahead; needs beta > 0 and tau = 0, as in PyTorch
            (per-run betas may include 0: those runs are plain gradient descent).
        momentum_schedule: beta for steps 1, 2, ... (every run alike; after the last
            value, the last value), overriding ``momentum``: what a PyTorch loop does that
            sets ``param_group["momentum"]`` before each ``step()`` (raise beta gradually).

    Returns:
        The optimizer, named ``"nesterov"`` or ``"momentum"``.

    Raises:
        ValueError: On an out-of-range hyperparameter or Nesterov without momentum.
    """
    lr = _learning_rate(learning_rate)
    schedule = None
    if momentum_schedule is not None:
        schedule = np.asarray(momentum_schedule, dtype=float).ravel()
        if not len(schedule):
            raise ValueError("momentum_schedule must hold at least one value")
        _per_run(schedule, "momentum_schedule", 0.0, 1.0)  # checks the range
        momentum = float(schedule.max())  # Nesterov's check below: some momentum at all
    mu = _per_run(momentum, "momentum", 0.0, 1.0)
    tau = _per_run(dampening, "dampening", 0.0, 1.0)
    # As PyTorch, Nesterov needs momentum; in a batch, runs with beta = 0 are plain
    # gradient descent (g + 0 b = g), so a family of momenta may start at 0.
    if nesterov and (np.all(mu <= 0) or np.any(tau != 0)):
        raise ValueError("Nesterov momentum requires a momentum > 0 and zero dampening")
    _size(lr, mu, tau)
    damped = bool(np.any(tau))
    # Undamped, beta = 0 already gives b = g (and Nesterov's g + 0 b = g) bit for bit;
    # only dampening needs the runs with beta = 0 switched back to the raw gradient.
    any_plain = damped and bool(np.any(mu == 0))
    hyper = {"learning_rate": lr, "momentum": mu, "dampening": tau}

    def init(params: Array) -> HeavyBallState:
        return HeavyBallState(buffer=np.zeros_like(params), count=0, hyper=hyper)

    def update(grads: Array, state: HeavyBallState) -> tuple[Array, HeavyBallState]:
        h = state.hyper
        if schedule is not None:  # step count + 1 is this step's number
            h = {**h, "momentum": schedule[min(state.count, len(schedule) - 1)].reshape(1, 1)}
        mu = h["momentum"]
        if state.count == 0:  # PyTorch's first step stores the raw gradient
            buffer = grads.copy()
        else:  # b = mu b + (1 - tau) g, with no temporaries beyond the new buffer
            buffer = mu * state.buffer
            buffer += (1.0 - h["dampening"]) * grads if damped else grads
        direction = grads + mu * buffer if nesterov else buffer
        if any_plain:
            direction = np.where(mu == 0, grads, direction)
        step = h["learning_rate"] * direction
        np.negative(step, out=step)  # in place: this runs every step of every sweep
        return step, HeavyBallState(buffer, state.count + 1, h)

    rule = Rule(HEAVY_BALL, ("learning_rate", "momentum", "dampening"), nesterov, schedule)
    return Optimizer("nesterov" if nesterov else "momentum", init, update, rule)


def momentum_ramp(start: float, end: float, over: int) -> Array:
    """A momentum schedule for :func:`heavy_ball`: beta rising linearly from ``start`` at
    step 1 to ``end`` at step ``over`` (and ``end`` after it).

    Raises:
        ValueError: On a momentum outside [0, 1] or ``over`` < 1.
    """
    if not (0 <= start <= 1 and 0 <= end <= 1) or int(over) < 1:
        raise ValueError(f"a ramp needs momenta in [0, 1] and at least 1 step, got "
                         f"{start}, {end}, {over}")  # fmt: skip
    return np.linspace(float(start), float(end), int(over))


def keras_momentum(
    learning_rate: float | Array, momentum: float | Array, nesterov: bool = False
) -> Optimizer:
    r"""Momentum in the Keras convention (``keras.optimizers.SGD``).

    .. math::
        v_t = \beta v_{t-1} - \alpha g_t, \qquad
        x_t = x_{t-1} + v_t \quad (\text{nesterov: } x_{t-1} + \beta v_t - \alpha g_t)

    The velocity carries the learning rate inside it, so this equals :func:`heavy_ball`
    step for step while alpha is constant and differs once alpha changes during a run.

    Args:
        learning_rate: alpha > 0, scalar or shape ``(runs,)``.
        momentum: beta in [0, 1].
        nesterov: Keras' Nesterov variant.

    Returns:
        The optimizer, named ``"keras-momentum"``.
    """
    lr = _learning_rate(learning_rate)
    mu = _per_run(momentum, "momentum", 0.0, 1.0)

    _size(lr, mu)
    hyper = {"learning_rate": lr, "momentum": mu}

    def init(params: Array) -> KerasMomentumState:
        return KerasMomentumState(velocity=np.zeros_like(params), hyper=hyper)

    def update(grads: Array, state: KerasMomentumState) -> tuple[Array, KerasMomentumState]:
        lr, mu = state.hyper["learning_rate"], state.hyper["momentum"]
        velocity = mu * state.velocity - lr * grads
        step = mu * velocity - lr * grads if nesterov else velocity
        return step, KerasMomentumState(velocity, state.hyper)

    rule = Rule(KERAS, ("learning_rate", "momentum"), nesterov)
    return Optimizer("keras-momentum", init, update, rule)


def _c_pow(base: Array, t: int) -> Array:
    """``base ** t`` by the C library's ``pow``, as torch (a Python float's power) and the
    compiled loop compute Adam's bias correction; numpy's vectorised power differs from it in
    the last bit on processors with AVX-512. One call per distinct base (usually one)."""
    values, inverse = np.unique(base, return_inverse=True)
    return np.array([math.pow(v, t) for v in values.tolist()])[inverse].reshape(base.shape)


def adam(
    learning_rate: float | Array,
    beta1: float | Array = 0.9,
    beta2: float | Array = 0.999,
    eps: float | Array = 1e-8,
) -> Optimizer:
    r"""Adam as ``torch.optim.Adam`` (no weight decay, no AMSGrad).

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \qquad
        v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2 \\
        x_t = x_{t-1} - \alpha \, \hat m_t / (\sqrt{\hat v_t} + \epsilon), \quad
        \hat m_t = m_t / (1-\beta_1^t), \quad \hat v_t = v_t / (1-\beta_2^t)

    Args:
        learning_rate: alpha > 0.
        beta1: Decay of the first moment, in [0, 1).
        beta2: Decay of the second moment, in [0, 1).
        eps: Added to the denominator, > 0.

    Returns:
        The optimizer, named ``"adam"``.
    """
    lr = _learning_rate(learning_rate)
    b1 = _per_run(beta1, "beta1", 0.0, 1.0, open_high=True)
    b2 = _per_run(beta2, "beta2", 0.0, 1.0, open_high=True)
    eps_ = _per_run(eps, "eps", 0.0, np.inf, open_low=True, open_high=True)

    _size(lr, b1, b2, eps_)
    hyper = {"learning_rate": lr, "beta1": b1, "beta2": b2, "eps": eps_}

    def init(params: Array) -> AdamState:
        return AdamState(np.zeros_like(params), np.zeros_like(params), 0, hyper)

    def update(grads: Array, state: AdamState) -> tuple[Array, AdamState]:
        h = state.hyper
        lr, b1, b2, eps_ = h["learning_rate"], h["beta1"], h["beta2"], h["eps"]
        t = state.count + 1
        exp_avg = b1 * state.exp_avg + (1.0 - b1) * grads
        exp_avg_sq = b2 * state.exp_avg_sq + (1.0 - b2) * grads * grads
        m_hat = exp_avg / (1.0 - _c_pow(b1, t))
        v_hat = exp_avg_sq / (1.0 - _c_pow(b2, t))
        return -lr * m_hat / (np.sqrt(v_hat) + eps_), AdamState(exp_avg, exp_avg_sq, t, h)

    rule = Rule(ADAM, ("learning_rate", "beta1", "beta2", "eps"))
    return Optimizer("adam", init, update, rule)


def rmsprop(
    learning_rate: float | Array,
    alpha: float | Array = 0.99,
    eps: float | Array = 1e-8,
    momentum: float | Array = 0.0,
) -> Optimizer:
    r"""RMSprop as ``torch.optim.RMSprop`` (not centered, no weight decay).

    .. math::
        v_t = a v_{t-1} + (1-a) g_t^2, \qquad
        b_t = \beta b_{t-1} + g_t / (\sqrt{v_t} + \epsilon), \qquad x_t = x_{t-1} - \alpha b_t

    With momentum beta = 0 (the default) the step is simply
    :math:`\alpha g_t / (\sqrt{v_t} + \epsilon)`. Here ``alpha`` is PyTorch's name for the
    smoothing constant ``a``; the learning rate is ``learning_rate``.

    Args:
        learning_rate: The learning rate, > 0.
        alpha: Smoothing constant a in [0, 1).
        eps: Added to the denominator, > 0.
        momentum: beta in [0, 1].

    Returns:
        The optimizer, named ``"rmsprop"``.
    """
    lr = _learning_rate(learning_rate)
    a = _per_run(alpha, "alpha", 0.0, 1.0, open_high=True)
    eps_ = _per_run(eps, "eps", 0.0, np.inf, open_low=True, open_high=True)
    mu = _per_run(momentum, "momentum", 0.0, 1.0)

    _size(lr, a, eps_, mu)
    hyper = {"learning_rate": lr, "alpha": a, "eps": eps_, "momentum": mu}

    def init(params: Array) -> RMSpropState:
        return RMSpropState(np.zeros_like(params), np.zeros_like(params), hyper)

    def update(grads: Array, state: RMSpropState) -> tuple[Array, RMSpropState]:
        h = state.hyper
        lr, a, eps_, mu = h["learning_rate"], h["alpha"], h["eps"], h["momentum"]
        square_avg = a * state.square_avg + (1.0 - a) * grads * grads
        buffer = mu * state.buffer + grads / (np.sqrt(square_avg) + eps_)
        return -lr * buffer, RMSpropState(square_avg, buffer, h)

    rule = Rule(RMSPROP, ("learning_rate", "alpha", "eps", "momentum"))
    return Optimizer("rmsprop", init, update, rule)


def adagrad(learning_rate: float | Array, eps: float | Array = 1e-10) -> Optimizer:
    r"""Adagrad as ``torch.optim.Adagrad`` (no learning-rate decay, accumulator starts at 0).

    .. math::
        s_t = s_{t-1} + g_t^2, \qquad x_t = x_{t-1} - \alpha g_t / (\sqrt{s_t} + \epsilon)

    Args:
        learning_rate: alpha > 0.
        eps: Added to the denominator, > 0.

    Returns:
        The optimizer, named ``"adagrad"``.
    """
    lr = _learning_rate(learning_rate)
    eps_ = _per_run(eps, "eps", 0.0, np.inf, open_low=True, open_high=True)

    _size(lr, eps_)
    hyper = {"learning_rate": lr, "eps": eps_}

    def init(params: Array) -> AdagradState:
        return AdagradState(np.zeros_like(params), hyper)

    def update(grads: Array, state: AdagradState) -> tuple[Array, AdagradState]:
        lr, eps_ = state.hyper["learning_rate"], state.hyper["eps"]
        sum_sq = state.sum_sq + grads * grads
        return -lr * grads / (np.sqrt(sum_sq) + eps_), AdagradState(sum_sq, state.hyper)

    return Optimizer("adagrad", init, update, Rule(ADAGRAD, ("learning_rate", "eps")))


@dataclass(frozen=True)
class OptimizerSpec:
    """One optimizer, everything about it in one record (as ``Objective`` is for a function).

    Attributes:
        name: The command-line and link name.
        label: The name people read.
        rule: The factory whose docstring states the update rule (shown by the guide).
        has_momentum: Whether it takes the heavy-ball momentum beta.
        defaults: PyTorch's defaults of its other hyperparameters.
        calls: The same optimizer built in PyTorch, Keras, TF.js and optax, as a template
            with ``{lr}`` and ``{mu}``; PyTorch's defaults are spelled out where a library's
            own differ.
        build: ``(learning_rate, momentum, options) -> Optimizer`` (options: ``defaults``
            overridden by what the caller gave).
    """

    name: str
    label: str
    rule: Callable[..., Optimizer]
    has_momentum: bool
    defaults: dict[str, float]
    calls: dict[str, str]
    build: Callable[[Any, Any, dict], Optimizer]


def _calls(pytorch: str, keras: str, tfjs: str, optax: str) -> dict[str, str]:
    return {"PyTorch": pytorch, "Keras": keras, "TF.js": tfjs, "optax": optax}


#: Every optimizer, in the order the app lists them.
SPECS = (
    OptimizerSpec(
        "sgd", "SGD", gradient_descent, False, {},
        _calls("torch.optim.SGD([p], lr={lr})", "keras.optimizers.SGD(learning_rate={lr})",
               "tf.train.sgd({lr})", "optax.sgd(learning_rate={lr})"),
        lambda lr, mu, o: gradient_descent(lr),
    ),
    OptimizerSpec(
        "momentum", "Momentum", heavy_ball, True, {"dampening": 0.0},
        _calls("torch.optim.SGD([p], lr={lr}, momentum={mu})",
               "keras.optimizers.SGD(learning_rate={lr}, momentum={mu})",
               "tf.train.momentum({lr}, {mu})",
               "optax.sgd(learning_rate={lr}, momentum={mu})"),
        lambda lr, mu, o: heavy_ball(lr, mu, o["dampening"]),
    ),
    OptimizerSpec(
        "nesterov", "Nesterov", heavy_ball, True, {"dampening": 0.0},
        _calls("torch.optim.SGD([p], lr={lr}, momentum={mu}, nesterov=True)",
               "keras.optimizers.SGD(learning_rate={lr}, momentum={mu}, nesterov=True)",
               "tf.train.momentum({lr}, {mu}, true)",
               "optax.sgd(learning_rate={lr}, momentum={mu}, nesterov=True)"),
        lambda lr, mu, o: heavy_ball(lr, mu, o["dampening"], nesterov=True),
    ),
    # Keras' convention gives the same trajectory as PyTorch's while lr is constant, so
    # the other libraries build their usual momentum optimizer for it.
    OptimizerSpec(
        "keras-momentum", "Momentum (Keras form)", keras_momentum, True, {},
        _calls("torch.optim.SGD([p], lr={lr}, momentum={mu})",
               "keras.optimizers.SGD(learning_rate={lr}, momentum={mu})",
               "tf.train.momentum({lr}, {mu})",
               "optax.sgd(learning_rate={lr}, momentum={mu})"),
        lambda lr, mu, o: keras_momentum(lr, mu),
    ),
    OptimizerSpec(
        "adam", "Adam", adam, False, {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
        _calls("torch.optim.Adam([p], lr={lr})",
               "keras.optimizers.Adam(learning_rate={lr}, epsilon=1e-8)",
               "tf.train.adam({lr}, 0.9, 0.999, 1e-8)",
               "optax.adam(learning_rate={lr}, b1=0.9, b2=0.999, eps=1e-8)"),
        lambda lr, mu, o: adam(lr, o["beta1"], o["beta2"], o["eps"]),
    ),
    OptimizerSpec(
        "rmsprop", "RMSprop", rmsprop, False, {"alpha": 0.99, "eps": 1e-8},
        _calls("torch.optim.RMSprop([p], lr={lr})",
               "keras.optimizers.RMSprop(learning_rate={lr}, rho=0.99, epsilon=1e-8)",
               "tf.train.rmsprop({lr}, 0.99, 0, 1e-8)",
               "optax.rmsprop(learning_rate={lr}, decay=0.99, eps=1e-8)"),
        lambda lr, mu, o: rmsprop(lr, o["alpha"], o["eps"]),
    ),
    OptimizerSpec(
        "adagrad", "Adagrad", adagrad, False, {"eps": 1e-10},
        _calls("torch.optim.Adagrad([p], lr={lr})",
               "keras.optimizers.Adagrad(learning_rate={lr}, "
               "initial_accumulator_value=0.0, epsilon=1e-10)",
               "tf.train.adagrad({lr})",
               "optax.adagrad(learning_rate={lr}, initial_accumulator_value=0.0, eps=1e-10)"),
        lambda lr, mu, o: adagrad(lr, o["eps"]),
    ),
)  # fmt: skip
#: The records by name.
SPEC = {spec.name: spec for spec in SPECS}
OPTIMIZER_NAMES = tuple(SPEC)
#: The optimizers that use the heavy-ball ``momentum`` argument of :func:`make_optimizer`.
MOMENTUM_OPTIMIZERS = tuple(spec.name for spec in SPECS if spec.has_momentum)


def make_optimizer(
    name: str,
    learning_rate: float | Array,
    momentum: float | Array = 0.9,
    *,
    dampening: float | Array = 0.0,
    beta1: float | Array = 0.9,
    beta2: float | Array = 0.999,
    eps: float | Array | None = None,
    alpha: float | Array = 0.99,
    momentum_schedule: Sequence[float] | Array | None = None,
) -> Optimizer:
    """Build an optimizer from its command-line name and torch-named options.

    ``momentum`` is for the three momentum methods: ``sgd`` is plain gradient descent and
    ignores it, and ``rmsprop`` runs with PyTorch's default momentum 0 (call :func:`rmsprop`
    for its own momentum). ``eps`` defaults to PyTorch's (1e-8, Adagrad 1e-10).

    Args:
        name: One of :data:`OPTIMIZER_NAMES`.
        learning_rate: alpha > 0, scalar or shape ``(runs,)``.
        momentum: beta in [0, 1] for the momentum methods.
        dampening: tau for ``momentum``.
        beta1: Adam's first-moment decay.
        beta2: Adam's second-moment decay.
        eps: Denominator constant; None for PyTorch's default.
        alpha: RMSprop's smoothing constant.
        momentum_schedule: beta per step for ``momentum`` and ``nesterov`` (see
            :func:`heavy_ball`), overriding ``momentum``.

    Returns:
        The optimizer.

    Raises:
        ValueError: On an unknown name or an out-of-range hyperparameter.
    """
    if name not in SPEC:
        raise ValueError(f"unknown optimizer {name!r}; choose one of: {', '.join(SPEC)}")
    spec = SPEC[name]
    if momentum_schedule is not None:
        if name not in ("momentum", "nesterov"):
            raise ValueError(f"a momentum schedule needs momentum or nesterov, not {name!r}")
        return heavy_ball(learning_rate, momentum, dampening, nesterov=name == "nesterov",
                          momentum_schedule=momentum_schedule)  # fmt: skip
    given = {"dampening": dampening, "beta1": beta1, "beta2": beta2, "alpha": alpha}
    options = {**spec.defaults, **{k: v for k, v in given.items() if k in spec.defaults}}
    if eps is not None and "eps" in spec.defaults:
        options["eps"] = eps
    return spec.build(learning_rate, momentum, options)
