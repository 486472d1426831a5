"""The step inspector's numbers: one run, every update taken apart into its terms.

The race shows where a run went; the inspector shows why each step went there. For one
run (an optimizer at one learning rate, momentum and start, with the runner's noise) it
records, per update ``t = 1 .. m``, the point it starts from, the gradient the optimizer
saw there, its state before and after, the step it returned, and the terms the step is
made of, in the rule's own (``torch.optim``) form:

* the gradient step ``-alpha g_t``, for every rule;
* for heavy ball ``b_t = beta b_{t-1} + g_t``, ``x_t = x_{t-1} - alpha b_t``: the carried
  velocity ``-alpha beta b_{t-1}`` (so the step is the gradient step plus it); for
  Nesterov, ``x_t = x_{t-1} - alpha (g_t + beta b_t)``: its momentum part
  ``-alpha beta b_t``; for Keras' ``v_t = beta v_{t-1} - alpha g_t``: ``beta v_{t-1}``;
* for Adam, RMSprop and Adagrad, the moments and denominators that scale the step.

The loop is the runner's numpy loop for a single run (the same value-and-gradient, the same
noise draws, the same update), so its points equal :func:`~momentum_core.run_batch`'s bit
for bit, and so those of every family, line and grid member with these settings (a member
equals its single run; see :mod:`momentum_core.spaces`). It stops at the run's divergence
step, as the runner defines it: the updates shipped are those that lead to finite points.

Example:
    >>> from momentum_core import get_objective
    >>> rosen = get_objective("rosenbrock")
    >>> ins = inspect_run(rosen, "momentum", 1.5e-3, 0.9, rosen.x0, 100)
    >>> ins.updates, ins.terms["carry"].shape
    (100, (100, 2))
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from momentum_core.objectives import Objective
from momentum_core.optimizers import (
    ADAGRAD,
    ADAM,
    HEAVY_BALL,
    KERAS,
    RMSPROP,
    SGD,
    _c_pow,
    make_optimizer,
)
from momentum_core.runner import DEFAULT_BOUND, MAX_STEPS, _norm

Array = np.ndarray

#: The state arrays each rule's inspection records (after every update; row 0 the start),
#: by the names the guide writes them with, and the optimizer state's field for each.
STATE_FIELDS = {
    SGD: {},
    HEAVY_BALL: {"b": "buffer"},
    KERAS: {"v": "velocity"},
    ADAM: {"m": "exp_avg", "v": "exp_avg_sq"},
    RMSPROP: {"v": "square_avg", "b": "buffer"},
    ADAGRAD: {"s": "sum_sq"},
}


@dataclass(frozen=True, eq=False)
class Inspection:
    """One run, update by update. Update ``t`` (1-based) is row ``t - 1`` of the per-update
    arrays and goes from ``positions[t - 1]`` to ``positions[t]``.

    Attributes:
        name: The optimizer's name (``sgd``, ``momentum``, ``nesterov``, ...).
        hyper: Its hyperparameters as used (``learning_rate``, ``momentum``, ...).
        num_steps: The steps the run was asked for.
        updates: ``m``, the updates recorded: ``num_steps``, or the updates before the run's
            divergence step.
        diverged_step: The step at which the run left the finite region (as
            :func:`~momentum_core.run_batch` says), -1 if it never did.
        positions: ``(m + 1, d)`` the points ``x_0 .. x_m``.
        gradients: ``(m, d)`` the gradient each update saw (the noise included).
        steps: ``(m, d)`` the step each update returned (``x_t = x_{t-1} + step``).
        states: Per state array of the rule (:data:`STATE_FIELDS`), ``(m + 1, d)``: before
            the first update (zeros), then after each.
        terms: ``(m, d)`` arrays: ``grad_step`` (``-alpha g_t``), and per rule ``carry``
            (heavy ball, Nesterov, Keras), ``m_hat``, ``v_hat`` and ``denom`` (Adam:
            ``sqrt(v_hat) + eps``), ``denom`` (RMSprop, Adagrad).
        betas: ``(m,)`` beta at each update when it varies (a momentum schedule), else None.
    """

    name: str
    hyper: dict[str, float]
    num_steps: int
    updates: int
    diverged_step: int
    positions: Array
    gradients: Array
    steps: Array
    states: dict[str, Array]
    terms: dict[str, Array]
    betas: Array | None = None


def inspect_run(
    objective: Objective,
    name: str,
    learning_rate: float,
    momentum: float,
    x0: Array | tuple[float, ...],
    num_steps: int,
    *,
    noise: float = 0.0,
    seed: int | None = 0,
    momentum_schedule: Array | None = None,
    bound: float = DEFAULT_BOUND,
) -> Inspection:
    """Run one optimizer from ``x0`` and record every update's terms (see the module).

    Args:
        objective: The function.
        name: The optimizer (:func:`~momentum_core.make_optimizer`'s names, its defaults).
        learning_rate: alpha.
        momentum: beta, for the momentum optimizers (others ignore it).
        x0: The start, ``(d,)``.
        num_steps: Steps, 1 to :data:`~momentum_core.runner.MAX_STEPS`.
        noise: The gradient noise's sigma (as :func:`~momentum_core.run_batch`).
        seed: Its seed.
        momentum_schedule: beta per step (heavy ball), overriding ``momentum``.
        bound: A point beyond it has diverged.

    Raises:
        ValueError: On a bad setting (the optimizer's own checks), a bad start or steps.
    """
    num_steps = int(num_steps)
    if not 1 <= num_steps <= MAX_STEPS:
        raise ValueError(f"num_steps must be in [1, {MAX_STEPS}], got {num_steps}")
    x = np.array(x0, dtype=float).reshape(1, -1)
    if x.shape[1] != objective.dim or not np.all(np.isfinite(x)):
        raise ValueError(f"x0 must be {objective.dim} finite numbers, got {x0}")
    if not (np.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be >= 0 and finite, got {noise}")
    optimizer = make_optimizer(name, learning_rate, momentum, momentum_schedule=momentum_schedule)
    code = optimizer.rule.code
    fields = STATE_FIELDS[code]
    value_and_gradient = objective.value_and_gradient
    rng = np.random.default_rng(seed)
    sigma = np.asarray(noise, dtype=float).reshape(-1, 1)
    noisy = bool(np.any(sigma > 0))
    state = optimizer.init(x)
    hyper = {k: float(v.ravel()[0]) for k, v in state.hyper.items()}
    points, seen_all, steps_all = [x[0]], [], []
    states = {key: [getattr(state, field)[0]] for key, field in fields.items()}
    terms: dict[str, list] = {"grad_step": []}
    betas = []
    diverged = -1
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        loss, grad = value_and_gradient(x)
        for t in range(1, num_steps + 1):
            # The runner's loop: the same draws in the same order, the same arithmetic.
            seen = grad + sigma * rng.standard_normal(x.shape) if noisy else grad
            before = state
            step, state = optimizer.update(seen, state)
            x = x + step
            loss, grad = value_and_gradient(x)
            gnorm = _norm(grad)
            if not (np.all(np.isfinite(loss)) and np.all(np.isfinite(gnorm))
                    and np.all(np.abs(x) <= bound)):  # fmt: skip
                diverged = t
                break
            points.append(x[0])
            seen_all.append(seen[0])
            steps_all.append(step[0])
            for key, field in fields.items():
                states[key].append(getattr(state, field)[0])
            beta = _terms(code, optimizer.rule.nesterov, seen, before, state, t, terms)
            betas.append(beta)
    m = len(steps_all)
    d = objective.dim

    def rows(values: list) -> Array:
        return np.array(values, dtype=float).reshape(len(values), d)

    return Inspection(
        name=name,
        hyper=hyper,
        num_steps=num_steps,
        updates=m,
        diverged_step=diverged,
        positions=rows(points),
        gradients=rows(seen_all),
        steps=rows(steps_all),
        states={key: rows(v) for key, v in states.items()},
        terms={key: rows(v) for key, v in terms.items()},
        betas=np.array(betas, dtype=float) if momentum_schedule is not None else None,
    )


def _terms(code: int, nesterov: bool, g: Array, before, after, t: int, out: dict) -> float:
    """Append update ``t``'s terms (each as the rule computes it) to ``out``; returns the
    beta it used (heavy ball with a schedule reads it from the state after)."""
    h = after.hyper
    lr = h["learning_rate"]
    out["grad_step"].append(-(lr * g)[0])
    beta = float(np.ravel(h.get("momentum", 0.0))[0])
    if code == HEAVY_BALL:
        # the buffer the step multiplies: the previous one carried (Nesterov: the new one)
        carried = after.buffer if nesterov else before.buffer
        out.setdefault("carry", []).append(-(lr * (h["momentum"] * carried))[0])
    elif code == KERAS:
        out.setdefault("carry", []).append((h["momentum"] * before.velocity)[0])
    elif code == ADAM:
        m_hat = after.exp_avg / (1.0 - _c_pow(h["beta1"], t))
        v_hat = after.exp_avg_sq / (1.0 - _c_pow(h["beta2"], t))
        out.setdefault("m_hat", []).append(m_hat[0])
        out.setdefault("v_hat", []).append(v_hat[0])
        out.setdefault("denom", []).append((np.sqrt(v_hat) + h["eps"])[0])
    elif code == RMSPROP:
        out.setdefault("denom", []).append((np.sqrt(after.square_avg) + h["eps"])[0])
    elif code == ADAGRAD:
        out.setdefault("denom", []).append((np.sqrt(after.sum_sq) + h["eps"])[0])
    return beta
