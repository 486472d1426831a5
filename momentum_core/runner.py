"""The batch runner: many runs at once, vectorised over runs, looping only over steps.

Each run has its own start point and hyperparameters (see :mod:`momentum_core.optimizers`).
A run that diverges is frozen at its last finite point, so no NaN or inf ever leaves the
runner and numpy prints no overflow warnings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from momentum_core import engine, jobs, specialised
from momentum_core.objectives import Objective
from momentum_core.optimizers import Optimizer, batch_size

Array = np.ndarray

#: Hard cap on the number of steps of one run, for the CLI and the pages.
MAX_STEPS = 100_000

#: Steps of runs the numpy loop takes between two :func:`~momentum_core.jobs.checkpoint`
#: calls (at most 256 steps).
CHECK_POINTS = 50_000

#: A run whose coordinates leave [-bound, bound] counts as diverged.
DEFAULT_BOUND = 1e6

#: Runs whose nearest known minimiser is found at once (the distances to every minimiser
#: of 4,096 runs: 12 MB of temporaries for Rastrigin's 121).
NEAREST_CHUNK = 4096


@dataclass(frozen=True, eq=False)
class BatchResult:
    """What :func:`run_batch` returns. Step 0 is the start; run ``i`` is column ``i``.

    Attributes:
        positions: ``(num_steps + 1, runs, d)`` (``d = objective.dim``, 2 for the test
            functions), or None in summary mode. From a run's
            divergence step on, it repeats the run's last finite point.
        losses: ``(num_steps + 1, runs)`` true (noise-free) loss, or None in summary mode.
        grad_norms: ``(num_steps + 1, runs)`` true gradient norms, or None.
        states: Optimizer state per step (each array field stacked along a new first
            axis), or None unless asked for.
        final_position: ``(runs, d)``, the last finite point of each run.
        final_loss: ``(runs,)``.
        diverged_step: ``(runs,)`` the step at which the run left the finite region, -1
            if it never did.
        converged_step: ``(runs,)`` the first step from which ``f - f*`` stays below
            ``loss_tol`` or the gradient norm stays below ``grad_tol`` to the end; -1 if
            none (always -1 for a diverged run).
        tol_step: ``(runs,)`` the same with only the ``f - f* < loss_tol`` criterion:
            the "steps to tolerance" reported on the pages; -1 if never.
        nearest_minimum: ``(runs,)`` index into ``objective.minima`` of the known
            minimiser nearest to the final point; -1 if the objective lists none (a
            network's loss).
        minimum_distance: ``(runs,)`` distance from the final point to that minimiser
            (inf if there is none).
        reached_global: ``(runs,)`` whether that minimiser is a global one.
        num_steps: The number of steps simulated.
    """

    positions: Array | None
    losses: Array | None
    grad_norms: Array | None
    states: Any
    final_position: Array
    final_loss: Array
    diverged_step: Array
    converged_step: Array
    tol_step: Array
    nearest_minimum: Array
    minimum_distance: Array
    reached_global: Array
    num_steps: int


def _norm(g: Array) -> Array:
    """Norms over the last axis of ``(..., d)``; in 2D from the two columns, ~10x faster
    than np.hypot on strided columns. Overflows to inf for huge gradients, which then
    count as not finite."""
    if g.shape[-1] != 2:
        return np.sqrt(np.einsum("...i,...i->...", g, g))
    gx, gy = g[..., 0], g[..., 1]
    return np.sqrt(gx * gx + gy * gy)


def _freeze_states(states: Any, diverged_step: Array) -> Any:
    """Recorded states from each run's divergence step on repeat its last finite one."""
    arrays = [f for f in states if isinstance(f, np.ndarray)]
    if not arrays or not np.any(diverged_step >= 0):
        return states
    n = len(arrays[0])
    d = np.where(diverged_step >= 0, diverged_step, n)
    frozen = np.arange(n)[:, None] >= d[None, :]
    fields = []
    for f in states:
        if isinstance(f, np.ndarray) and f.ndim == 3 and f.shape[1] == len(d):
            last = f[np.maximum(d - 1, 0), np.arange(len(d))]
            f = np.where(frozen[..., None], last[None], f)
        fields.append(f)
    return type(states)(*fields)


def _stack_states(states: list[Any]) -> Any:
    """One state whose fields hold every step (a new first axis); the hyperparameters,
    the same at every step, stay as they are."""
    first = states[0]
    stacked = (np.stack([s[i] for s in states]) for i in range(len(first) - 1))
    return type(first)(*stacked, first.hyper)


def run_batch(
    objective: Objective,
    optimizer: Optimizer,
    x0: Array | tuple[float, ...],
    num_steps: int,
    *,
    noise: float | Array = 0.0,
    seed: int | None = 0,
    shared_noise: bool = False,
    loss_tol: float = 1e-6,
    grad_tol: float = 0.0,
    bound: float = DEFAULT_BOUND,
    summary_only: bool = False,
    record_state: bool = False,
    loop: str = "auto",
) -> BatchResult:
    """Simulate ``runs`` optimisation runs of ``num_steps`` steps each, all at once.

    The number of runs is the common length of ``x0`` (shape ``(runs, d)``, or ``(d,)``
    for one start shared by all, with ``d = objective.dim``: 2 for the test functions)
    and of the optimizer's per-run hyperparameters.

    Both loops, compiled and numpy, check every run after each step: a run diverges
    (and stays at its last finite point) the step its point leaves ``[-bound, bound]`` or
    its value or gradient norm stops being finite, and the last step outside tolerance
    gives its convergence steps. Summary mode keeps only the current step.

    Args:
        objective: The function to minimise.
        optimizer: From :mod:`momentum_core.optimizers`, hyperparameters per run or shared.
        x0: Start points, ``(runs, d)`` or ``(d,)``.
        num_steps: Steps per run, 1 to :data:`MAX_STEPS`.
        noise: Standard deviation sigma of Gaussian noise added to every gradient the
            optimizer sees (scalar or per run); 0 for exact gradients.
        seed: Seed of the noise. The noise of run ``i`` at step ``t`` depends on the seed,
            ``t``, ``i`` and the number of runs, so two batches of the same shape and seed
            see the same noise (a fair race between optimizers).
        shared_noise: Every run sees the same noise sequence, the one a single run with
            this seed sees (a family of momenta racing on equal terms).
        loss_tol: Convergence tolerance on ``f - f*``.
        grad_tol: Convergence tolerance on the gradient norm (0 turns it off).
        bound: A run whose coordinates leave ``[-bound, bound]`` has diverged.
        summary_only: Keep only the per-run summary, not the trajectories (for sweeps).
        record_state: Also return the optimizer state at every step (not in summary mode).
        loop: ``"compiled"`` (:mod:`momentum_core.kernels`: a formula's landscape, not
            with ``record_state``; for a built-in landscape its straight-line loop,
            :mod:`momentum_core.specialised`, once that is loaded), ``"tape"`` (the
            compiled loop that reads the tape, never the straight-line one), ``"numpy"``,
            or ``"auto"``: compiled once it is loaded (:mod:`momentum_core.engine`), numpy
            until then and where it cannot run. All give the same numbers.

    Returns:
        A :class:`BatchResult`.

    Raises:
        ValueError: On a bad start point, step count, noise level or tolerance, or a
            compiled loop asked for where it cannot run.
    """
    check_loop(loop, ("auto", "compiled", "tape", "numpy"))
    num_steps = int(num_steps)
    if not 1 <= num_steps <= MAX_STEPS:
        raise ValueError(f"num_steps must be in [1, {MAX_STEPS}], got {num_steps}")
    x = batch_starts(x0, objective.dim, bound, optimizer, "x0", "start points")
    runs, dim = x.shape
    sigma = np.asarray(noise, dtype=float).reshape(-1, 1)
    if not np.all(np.isfinite(sigma)) or np.any(sigma < 0) or len(sigma) not in (1, runs):
        raise ValueError(f"noise must be >= 0 and finite (scalar or per run), got {noise}")
    if not (loss_tol >= 0 and grad_tol >= 0):
        raise ValueError("tolerances must be >= 0")
    noisy = bool(np.any(sigma > 0))
    draws = (1, dim) if shared_noise else (runs, dim)
    rng = np.random.default_rng(seed)
    record_state = record_state and not summary_only

    compilable = objective.tape is not None and optimizer.rule is not None and not record_state
    forced = loop in ("compiled", "tape")
    if forced and not compilable:
        raise ValueError("the compiled loop runs formula landscapes without recorded states")
    kernels = None
    if compilable and loop != "numpy":
        kernels = engine.for_loop(forced)
        if kernels is not None and loop != "tape" and objective.name != "custom":
            kernels = specialised.kernel_for(objective.tape) or kernels

    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        loss, grad = objective.value_and_gradient(x)
        gnorm = _norm(grad)
        if not (np.all(np.isfinite(loss)) and np.all(np.isfinite(gnorm))):
            raise ValueError("the objective is not finite at a start point")
        limits = (objective.f_star + loss_tol, grad_tol, bound)
        start, noise_of = (loss, grad, gnorm), (sigma if noisy else None, rng, draws)
        if kernels is not None:
            return _run_compiled(kernels, objective, optimizer, x, start, num_steps, limits,
                                 noise_of, summary_only)  # fmt: skip
        return _run_numpy(objective, optimizer, x, start, num_steps, limits, noise_of,
                          summary_only, record_state)  # fmt: skip


def check_loop(loop: str, loops: tuple[str, ...]) -> None:
    """Refuse a ``loop`` argument that is none of ``loops`` (:func:`run_batch`,
    :func:`~momentum_core.model.train_batch`)."""
    if loop not in loops:
        raise ValueError(f"loop must be {', '.join(loops[:-1])} or {loops[-1]}, got {loop!r}")


def batch_starts(
    points: Array | tuple[float, ...],
    dim: int,
    bound: float,
    optimizer: Optimizer,
    name: str,
    what: str,
) -> Array:
    """The batch's start points (``name``, ``what`` in messages), ``(runs, dim)``: one
    for every run, or one shared by all, as many runs as the optimizer's per-run
    hyperparameters say (:func:`run_batch`, :func:`~momentum_core.model.train_batch`).

    Raises:
        ValueError: On a wrong shape, a point not finite or outside ``+-bound``, or a
            number of points that is neither 1 nor the hyperparameters' number of runs.
    """
    x = np.array(points, dtype=float)
    if x.ndim == 1:
        x = x[None, :]
    if x.ndim != 2 or x.shape[1] != dim:
        raise ValueError(
            f"{name} must have shape (runs, {dim}) or ({dim},), got {np.shape(points)}"
        )
    if not np.all(np.isfinite(x)) or np.any(np.abs(x) > bound):
        raise ValueError(f"{what} must be finite and within +-{bound:g}")
    hyper_runs = batch_size(optimizer.init(x[:1]))
    runs = max(len(x), hyper_runs)
    if len(x) not in (1, runs) or hyper_runs not in (1, runs):
        raise ValueError(f"{len(x)} {what} for {hyper_runs} hyperparameter sets")
    return np.broadcast_to(x, (runs, dim)).copy()


def freeze(fine: Array, diverged: Array, t: int, new: tuple, old: tuple) -> tuple:
    """One step's divergence, as the compiled loops do it: a run that is not ``fine`` at
    step ``t`` and had not diverged takes ``t`` in ``diverged`` (in place), and every run
    not ``fine`` keeps its ``old`` values (each array of ``new`` and ``old`` per run along
    its first axis) instead of its ``new`` ones."""
    diverged[~fine & (diverged < 0)] = t
    return tuple(
        np.where(fine.reshape(-1, *[1] * (n.ndim - 1)), n, o) for n, o in zip(new, old, strict=True)
    )


def _run_numpy(
    objective: Objective,
    optimizer: Optimizer,
    x: Array,
    start: tuple[Array, Array, Array],
    num_steps: int,
    limits: tuple[float, float, float],
    noise: tuple[Array | None, np.random.Generator, tuple[int, int]],
    summary_only: bool,
    record_state: bool,
) -> BatchResult:
    """:func:`run_batch` by numpy (its arguments, checked; see there), all runs a step at
    a time, with the compiled loop's checks after each step: a run whose point leaves the
    bound or whose value (or recorded gradient norm) is not finite has diverged and stays
    at its last finite point; ``last_out`` steps as the compiled loop keeps them."""
    runs, dim = x.shape
    loss, grad, gnorm = start
    threshold, grad_tol, bound = limits
    sigma, rng, draws = noise
    # Sweeps need no gradient norms unless they test them. Without them a non-finite
    # gradient is caught one step later, as the non-finite point it leads to.
    check_grad = not summary_only or grad_tol > 0
    value_and_gradient, update = objective.value_and_gradient, optimizer.update
    diverged = np.full(runs, -1)
    last_out_loss = np.where(loss >= threshold, 0, -1)
    last_out = np.where((loss >= threshold) & (gnorm >= grad_tol), 0, -1)
    if not summary_only:
        positions = np.empty((num_steps + 1, runs, dim))
        losses = np.empty((num_steps + 1, runs))
        grad_norms = np.empty((num_steps + 1, runs))
        positions[0], losses[0], grad_norms[0] = x, loss, gnorm
    state = optimizer.init(x)
    states = [state] if record_state else None
    every = max(1, min(256, CHECK_POINTS // runs))
    frozen = False  # whether some run has diverged
    for t in range(1, num_steps + 1):
        seen = grad if sigma is None else grad + sigma * rng.standard_normal(draws)
        step, state = update(seen, state)
        new = x + step
        f, g = value_and_gradient(new)
        gn = _norm(g) if check_grad else gnorm
        if frozen or not _all_fine(new, f, gn, bound):  # rare: a run diverges, or has
            fine = (diverged < 0) & np.isfinite(f) & np.all(np.abs(new) <= bound, axis=-1)
            if check_grad:
                fine &= np.isfinite(gn)
            new, f, g, gn = freeze(fine, diverged, t, (new, f, g, gn), (x, loss, grad, gnorm))
            frozen = True
        x, loss, grad, gnorm = new, f, g, gn
        above = loss >= threshold
        if frozen:
            above &= diverged < 0
        last_out_loss = np.where(above, t, last_out_loss)
        if grad_tol > 0:
            last_out = np.where(above & (gnorm >= grad_tol), t, last_out)
        if not summary_only:
            positions[t], losses[t], grad_norms[t] = x, loss, gnorm
        if record_state:
            states.append(state)
        if t % every == 0:
            jobs.checkpoint()  # the asker may have left, or another be waiting
        if frozen and t < num_steps and np.all(diverged >= 0):  # the rest repeats their ends
            if not summary_only:
                positions[t + 1 :], losses[t + 1 :], grad_norms[t + 1 :] = x, loss, gnorm
            if record_state:
                states += [states[-1]] * (num_steps - t)
            break
    if grad_tol <= 0:  # the same flags from the start: the same steps
        last_out = last_out_loss
    return _result(
        objective, num_steps, x, loss, diverged, last_out, last_out_loss,
        None if summary_only else (positions, losses, grad_norms),
        _freeze_states(_stack_states(states), diverged) if record_state else None,
    )  # fmt: skip


def _all_fine(x: Array, loss: Array, gnorm: Array, bound: float) -> bool:
    """Whether every point is within the bound and every value finite, from a few
    reductions (NaN and inf carry through a max and a sum)."""
    return bool(np.abs(x).max() <= bound) and math.isfinite(loss.sum() + gnorm.sum())


def _result(
    objective: Objective,
    num_steps: int,
    final_x: Array,
    final_loss: Array,
    diverged_step: Array,
    last_out: Array,
    last_out_loss: Array,
    paths: tuple[Array, Array, Array] | None,
    states: Any,
) -> BatchResult:
    """The :class:`BatchResult` of finished runs: convergence steps from the last steps
    outside tolerance, and each final point's nearest known minimiser."""
    runs = len(final_x)
    diverged = diverged_step >= 0
    converged_step = np.where((last_out < num_steps) & ~diverged, last_out + 1, -1)
    tol_step = np.where((last_out_loss < num_steps) & ~diverged, last_out_loss + 1, -1)
    minima = objective.minima
    if len(minima):
        nearest, distance = np.empty(runs, dtype=np.intp), np.empty(runs)
        # A chunk of runs at a time: 130,000 runs (a basin map's β set) by Rastrigin's 121
        # minima were 380 MB of temporaries, and a fifth of the set's time.
        for lo in range(0, runs, NEAREST_CHUNK):
            part = final_x[lo : lo + NEAREST_CHUNK]
            dist = np.linalg.norm(part[:, None, :] - minima[None, :, :], axis=-1)
            near = np.argmin(dist, axis=1)
            nearest[lo : lo + len(part)] = near
            distance[lo : lo + len(part)] = dist[np.arange(len(part)), near]
        reached = objective.is_global[nearest]
    else:  # no known minimiser (a network's loss): nothing to be near
        nearest, distance = np.full(runs, -1), np.full(runs, np.inf)
        reached = np.zeros(runs, dtype=bool)
    positions, losses, grad_norms = paths if paths is not None else (None, None, None)
    return BatchResult(
        positions=positions,
        losses=losses,
        grad_norms=grad_norms,
        states=states,
        final_position=final_x,
        final_loss=final_loss,
        diverged_step=diverged_step,
        converged_step=converged_step,
        tol_step=tol_step,
        nearest_minimum=nearest,
        minimum_distance=distance,
        reached_global=reached,
        num_steps=num_steps,
    )


#: Noise drawn ahead for the compiled loop, at most this many numbers at a time.
NOISE_BLOCK = 1 << 21
#: Steps of runs the compiled loop takes between two :func:`~momentum_core.jobs.checkpoint`
#: calls (about 10-40 ms of a core).
CHECK_WORK = 1 << 20


def kernel_rule(optimizer: Optimizer, x: Array) -> tuple[Array, Array, Array]:
    """What a compiled loop takes of an optimizer with a ``rule``, for the runs ``x``:
    ``(hyper, flags, schedule)``, its hyperparameters ``(runs or 1, 4)`` in the rule's
    order (unused ones 0), ``[dampened, nesterov]``, and heavy ball's beta per step (empty
    without a schedule)."""
    rule = optimizer.rule
    hyper = optimizer.init(x).hyper
    columns = np.broadcast_arrays(*(hyper[name][:, 0] for name in rule.hyper))
    hyper_rows = np.zeros((len(columns[0]), 4))  # the kernel takes four, used or not
    hyper_rows[:, : len(columns)] = np.stack(columns, axis=1)
    damped = bool(np.any(hyper.get("dampening", 0.0)))
    flags = np.array([damped, rule.nesterov])
    schedule = np.empty(0) if rule.schedule is None else np.ascontiguousarray(rule.schedule)
    return hyper_rows, flags, schedule


def _run_compiled(
    kernels: Any,
    objective: Objective,
    optimizer: Optimizer,
    x: Array,
    start: tuple[Array, Array, Array],
    num_steps: int,
    limits: tuple[float, float, float],
    noise: tuple[Array | None, np.random.Generator, tuple[int, int]],
    summary_only: bool,
) -> BatchResult:
    """:func:`run_batch` by the compiled loop (its arguments, checked; see there).

    The noise is the numpy loop's: drawn from the same generator in the same order, a
    block of steps at a time, so both loops see the same gradients."""
    runs, dim = x.shape
    rule = optimizer.rule
    hyper_rows, flags, schedule = kernel_rule(optimizer, x)
    tape = objective.tape
    loss, grad, gnorm = (np.ascontiguousarray(a, dtype=float).copy() for a in start)
    x = np.ascontiguousarray(x).copy()
    threshold, grad_tol, _ = limits
    outside = loss >= threshold
    last_out_loss = np.where(outside, 0, -1)
    last_out = np.where(outside & (gnorm >= grad_tol), 0, -1) if grad_tol > 0 else last_out_loss
    last_out = last_out.copy()
    diverged = np.full(runs, -1)
    state = np.zeros((runs, 2, dim))
    sigma, rng, draws = noise
    check_grad = not summary_only or grad_tol > 0
    if summary_only:
        out_x, out_loss, out_gnorm = np.empty((0, 1, dim)), np.empty((0, 1)), np.empty((0, 1))
        positions = losses = grad_norms = None
    else:
        positions = np.empty((num_steps + 1, runs, dim))
        losses = np.empty((num_steps + 1, runs))
        grad_norms = np.empty((num_steps + 1, runs))
        positions[0], losses[0], grad_norms[0] = x, loss, gnorm
    block = max(1, min(num_steps, CHECK_WORK // runs))
    if sigma is not None:
        block = max(1, min(block, NOISE_BLOCK // (2 * draws[0])))
    sigmas = np.zeros(1) if sigma is None else np.ascontiguousarray(sigma[:, 0])
    t0 = 1
    while t0 <= num_steps:
        c = min(block, num_steps + 1 - t0)
        drawn = np.empty((0, 1, dim)) if sigma is None else rng.standard_normal((c, *draws))
        if not summary_only:
            out_x, out_loss = positions[t0 : t0 + c], losses[t0 : t0 + c]
            out_gnorm = grad_norms[t0 : t0 + c]
        kernels.advance(
            rule.code, flags, hyper_rows, schedule, state, t0, c, tape.op, tape.a, tape.b,
            tape.c, x, grad, loss, gnorm, drawn, sigmas, np.array(limits), check_grad,
            diverged, last_out, last_out_loss, out_x, out_loss, out_gnorm,
        )  # fmt: skip
        t0 += c
        jobs.checkpoint()
    return _result(
        objective, num_steps, x, loss, diverged, last_out, last_out_loss,
        None if summary_only else (positions, losses, grad_norms), None,
    )  # fmt: skip
