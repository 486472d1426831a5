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

Two loops give it, as two give a run (:func:`~momentum_core.run_batch`), and the tests hold
them to each other bit for bit: the runner's numpy loop for a single run (the same
value-and-gradient, the same noise draws, the same update, a step at a time), and the
compiled one (the run by the compiled loop, then its updates again from its points by the
compiled rule, :func:`~momentum_core.kernels.replay`: ~1 ms a 1,000-step run against numpy's
~45). Either way its points equal :func:`~momentum_core.run_batch`'s, and so those of every
family, line and grid member with these settings (a member equals its single run; see
:mod:`momentum_core.spaces`). It stops at the run's divergence step, as the runner defines
it: the updates shipped are those that lead to finite points. The terms are computed from
the recorded gradients and states at once, elementwise, so each row is what its update
computed.

Example:
    >>> from momentum_core import get_objective
    >>> rosen = get_objective("rosenbrock")
    >>> ins = inspect_run(rosen, "momentum", 1.5e-3, 0.9, rosen.x0, 100)
    >>> ins.updates, ins.terms["carry"].shape
    (100, (100, 2))
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from momentum_core import engine
from momentum_core.objectives import Objective
from momentum_core.optimizers import (
    ADAGRAD,
    ADAM,
    HEAVY_BALL,
    KERAS,
    RMSPROP,
    SGD,
    make_optimizer,
)
from momentum_core.runner import (
    DEFAULT_BOUND,
    MAX_STEPS,
    _norm,
    check_loop,
    kernel_rule,
    run_batch,
)

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


#: Where the compiled loop keeps each of those arrays: its slot of the run's ``(2, d)``
#: state (:func:`~momentum_core.kernels.step`).
SLOTS = {
    SGD: {},
    HEAVY_BALL: {"b": 0},
    KERAS: {"v": 0},
    ADAM: {"m": 0, "v": 1},
    RMSPROP: {"v": 0, "b": 1},
    ADAGRAD: {"s": 0},
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
    loop: str = "auto",
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
        loop: ``"numpy"`` (the runner's numpy loop, a step at a time: ~45 ms a 1,000-step
            run), ``"compiled"`` (the run by :func:`~momentum_core.run_batch`'s compiled
            loop, then its updates again from its points by
            :func:`~momentum_core.kernels.replay`: ~1 ms; a landscape with a tape), or
            ``"auto"``: compiled once it is loaded, numpy until then. Both give the same
            numbers, bit for bit (the tests hold them to each other).

    Raises:
        ValueError: On a bad setting (the optimizer's own checks), a bad start or steps.
    """
    check_loop(loop, ("auto", "compiled", "numpy"))
    num_steps = int(num_steps)
    if not 1 <= num_steps <= MAX_STEPS:
        raise ValueError(f"num_steps must be in [1, {MAX_STEPS}], got {num_steps}")
    x = np.array(x0, dtype=float).reshape(1, -1)
    if x.shape[1] != objective.dim or not np.all(np.isfinite(x)):
        raise ValueError(f"x0 must be {objective.dim} finite numbers, got {x0}")
    if not (np.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be >= 0 and finite, got {noise}")
    optimizer = make_optimizer(name, learning_rate, momentum, momentum_schedule=momentum_schedule)
    kernels = None
    if loop != "numpy" and objective.tape is not None:
        kernels = engine.for_loop(loop == "compiled")
    elif loop == "compiled":
        raise ValueError("the compiled inspector needs a landscape with a tape")
    record = _Record if kernels is None else _Replayed
    run = record(objective, optimizer, x, num_steps, float(noise), seed, bound, kernels)
    code = optimizer.rule.code
    hyper = {k: float(v.ravel()[0]) for k, v in optimizer.init(x).hyper.items()}
    terms = _terms(code, optimizer.rule.nesterov, hyper, run.betas, run.seen, run.states)
    return Inspection(
        name=name,
        hyper=hyper,
        num_steps=num_steps,
        updates=len(run.steps),
        diverged_step=run.diverged,
        positions=run.points,
        gradients=run.seen,
        steps=run.steps,
        states=run.states,
        terms=terms,
        betas=run.betas if momentum_schedule is not None else None,
    )


class _Record:
    """One run's updates by the runner's numpy loop, a step at a time: ``points`` ``(m + 1,
    d)``, ``seen`` and ``steps`` ``(m, d)``, ``states`` per :data:`STATE_FIELDS` key ``(m +
    1, d)``, ``betas`` ``(m,)`` (heavy ball's and Keras' beta per update; read for those
    rules only) and ``diverged`` (the runner's divergence step, -1 if none)."""

    def __init__(self, objective, optimizer, x, num_steps, noise, seed, bound, _kernels):
        fields = STATE_FIELDS[optimizer.rule.code]
        value_and_gradient = objective.value_and_gradient
        rng = np.random.default_rng(seed)
        noisy = noise > 0
        sigma = np.full((1, 1), noise)
        state = optimizer.init(x)
        points, seen_all, steps_all, betas = [x[0]], [], [], []
        states = {key: [getattr(state, field)[0]] for key, field in fields.items()}
        self.diverged = -1
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            loss, grad = value_and_gradient(x)
            for t in range(1, num_steps + 1):
                # The runner's loop: the same draws in the same order, the same arithmetic.
                seen = grad + sigma * rng.standard_normal(x.shape) if noisy else grad
                step, state = optimizer.update(seen, state)
                x = x + step
                loss, grad = value_and_gradient(x)
                gnorm = _norm(grad)
                if not (np.all(np.isfinite(loss)) and np.all(np.isfinite(gnorm))
                        and np.all(np.abs(x) <= bound)):  # fmt: skip
                    self.diverged = t
                    break
                points.append(x[0])
                seen_all.append(seen[0])
                steps_all.append(step[0])
                for key, field in fields.items():
                    states[key].append(getattr(state, field)[0])
                betas.append(float(np.ravel(state.hyper.get("momentum", 0.0))[0]))
        d = objective.dim

        def rows(values: list) -> Array:
            return np.array(values, dtype=float).reshape(len(values), d)

        self.points, self.seen, self.steps = rows(points), rows(seen_all), rows(steps_all)
        self.states = {key: rows(v) for key, v in states.items()}
        self.betas = np.array(betas, dtype=float)


class _Replayed(_Record):
    """The same record from the compiled loop: the run's points by
    :func:`~momentum_core.run_batch`, the gradient each update saw from those points at once
    (the landscape's by the compiled loop's own evaluation, plus the noise drawn in the
    runner's order), and the steps, states and betas by
    :func:`~momentum_core.kernels.replay` (the compiled loop's own rule). A 2-D landscape
    with a tape."""

    def __init__(self, objective, optimizer, x, num_steps, noise, seed, bound, kernels):
        run = run_batch(objective, optimizer, x, num_steps, noise=noise, seed=seed,
                        bound=bound)  # fmt: skip
        self.diverged = int(run.diverged_step[0])
        m = num_steps if self.diverged < 0 else self.diverged - 1
        self.points = np.ascontiguousarray(run.positions[: m + 1, 0])
        tape, at = objective.tape, self.points[:m]
        _, gx, gy = kernels.evaluate(tape.op, tape.a, tape.b, tape.c, at[:, 0].copy(),
                                     at[:, 1].copy())  # fmt: skip
        grad = np.stack([gx, gy], axis=1)
        if noise > 0:
            drawn = np.random.default_rng(seed).standard_normal((m, 1, x.shape[1]))
            grad = grad + np.full((1, 1), noise) * drawn[:, 0]
        self.seen = np.ascontiguousarray(grad, dtype=float)
        hyper_rows, flags, schedule = kernel_rule(optimizer, x)
        self.steps = np.empty((m, x.shape[1]))
        slots = np.zeros((m + 1, 2, x.shape[1]))
        self.betas = np.empty(m)
        kernels.replay(optimizer.rule.code, flags, hyper_rows, schedule, self.seen, self.steps,
                       slots, self.betas)  # fmt: skip
        code = optimizer.rule.code
        self.states = {key: slots[:, slot].copy() for key, slot in SLOTS[code].items()}


def _terms(code: int, nesterov: bool, hyper: dict, betas: Array, g: Array,
           states: dict[str, Array]) -> dict[str, Array]:  # fmt: skip
    """Every update's terms at once, each as the rule computes it (elementwise, so row ``t -
    1`` is what update ``t`` computed): ``g`` the gradients seen, ``states`` as recorded
    (row 0 the start), ``betas`` each update's beta."""
    lr = hyper["learning_rate"]
    out = {"grad_step": -(lr * g)}
    beta = betas[:, None]
    if code == HEAVY_BALL:
        # the buffer the step multiplies: the previous one carried (Nesterov: the new one)
        b = states["b"]
        carried = b[1:] if nesterov else b[:-1]
        out["carry"] = -(lr * (beta * carried))
    elif code == KERAS:
        out["carry"] = beta * states["v"][:-1]
    elif code == ADAM:
        m_hat = states["m"][1:] / (1.0 - _powers(hyper["beta1"], len(g)))
        v_hat = states["v"][1:] / (1.0 - _powers(hyper["beta2"], len(g)))
        out.update(m_hat=m_hat, v_hat=v_hat, denom=np.sqrt(v_hat) + hyper["eps"])
    elif code in (RMSPROP, ADAGRAD):
        out["denom"] = np.sqrt(states["v" if code == RMSPROP else "s"][1:]) + hyper["eps"]
    return out


def _powers(base: float, m: int) -> Array:
    """``base ** t`` for ``t = 1 .. m`` as a column, by the C library's ``pow`` (as Adam's
    bias correction is computed: :func:`~momentum_core.optimizers._c_pow`)."""
    return np.array([math.pow(base, t) for t in range(1, m + 1)])[:, None]
