"""The batch runner: many runs at once, vectorised over runs, looping only over steps.

Each run has its own start point and hyperparameters (see :mod:`momentum_core.optimizers`).
A run that diverges is frozen at its last finite point, so no NaN or inf ever leaves the
runner and numpy prints no overflow warnings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from momentum_core.objectives import Objective
from momentum_core.optimizers import Optimizer

Array = np.ndarray

#: Hard cap on the number of steps of one run, for the CLI and the pages.
MAX_STEPS = 100_000

#: A run whose coordinates leave [-bound, bound] counts as diverged.
DEFAULT_BOUND = 1e6


@dataclass(frozen=True, eq=False)
class BatchResult:
    """What :func:`run_batch` returns. Step 0 is the start; run ``i`` is column ``i``.

    Attributes:
        positions: ``(num_steps + 1, runs, 2)``, or None in summary mode. From a run's
            divergence step on, it repeats the run's last finite point.
        losses: ``(num_steps + 1, runs)`` true (noise-free) loss, or None in summary mode.
        grad_norms: ``(num_steps + 1, runs)`` true gradient norms, or None.
        states: Optimizer state per step (each array field stacked along a new first
            axis), or None unless asked for.
        final_position: ``(runs, 2)``, the last finite point of each run.
        final_loss: ``(runs,)``.
        diverged_step: ``(runs,)`` the step at which the run left the finite region, -1
            if it never did.
        converged_step: ``(runs,)`` the first step from which ``f - f*`` stays below
            ``loss_tol`` or the gradient norm stays below ``grad_tol`` to the end; -1 if
            none (always -1 for a diverged run).
        tol_step: ``(runs,)`` the same with only the ``f - f* < loss_tol`` criterion:
            the "steps to tolerance" reported on the pages; -1 if never.
        nearest_minimum: ``(runs,)`` index into ``objective.minima`` of the known
            minimiser nearest to the final point.
        minimum_distance: ``(runs,)`` distance from the final point to that minimiser.
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

    @property
    def status(self) -> Array:
        """Per run: ``"diverged"``, ``"converged"`` or ``"running"`` (still moving)."""
        return np.where(
            self.diverged_step >= 0,
            "diverged",
            np.where(self.converged_step >= 0, "converged", "running"),
        )

    @property
    def event_step(self) -> Array:
        """Per run: the step of its divergence or convergence, -1 if still running."""
        return np.where(self.diverged_step >= 0, self.diverged_step, self.converged_step)


def _norm(g: Array) -> Array:
    """Row norms of ``(runs, 2)``; ~10x faster than np.hypot on the strided columns."""
    gx, gy = g[:, 0], g[:, 1]
    return np.sqrt(gx * gx + gy * gy)


def _all_fine(x: Array, loss: Array, grad: Array, gnorm: Array | None, bound: float) -> bool:
    """One cheap test for the whole batch (a huge but finite sum only costs a recheck)."""
    total = loss.sum() + grad.sum() + (0.0 if gnorm is None else gnorm.sum())
    return bool(np.isfinite(total) and np.abs(x).max() <= bound)


def _fine(x: Array, loss: Array, grad: Array, gnorm: Array | None, bound: float) -> Array:
    """Per run: finite point, loss and gradient (and norm), inside the bound."""
    ok = np.isfinite(loss) & np.isfinite(grad).all(axis=1) & (np.abs(x).max(axis=1) <= bound)
    return ok if gnorm is None else ok & np.isfinite(gnorm)


def _per_run_fields(state: Any) -> list[int]:
    """Indices of a state's per-run array fields (shape ``(runs, 2)``)."""
    if not isinstance(state, tuple):
        return []
    return [i for i, f in enumerate(state) if isinstance(f, np.ndarray) and f.ndim == 2]


def _take(state: Any, keep: Array) -> Any:
    """The state of the runs in ``keep`` only."""
    fields = list(state) if isinstance(state, tuple) else []
    for i in _per_run_fields(state):
        fields[i] = fields[i][keep]
    return type(state)(*fields) if fields else state


def _fill(state: Any, previous: Any, live: Array, runs: int) -> Any:
    """A full-size state: the live runs' new values, the others' frozen ones."""
    if len(live) == runs:
        return state
    fields = list(state)
    for i in _per_run_fields(state):
        full = previous[i].copy()
        full[live] = state[i]
        fields[i] = full
    return type(state)(*fields)


def _stack_states(states: list[Any]) -> Any:
    first = states[0]
    if not isinstance(first, tuple) or not first:
        return first
    return type(first)(*(np.stack([s[i] for s in states]) for i in range(len(first))))


def run_batch(
    objective: Objective,
    optimizer: Optimizer,
    x0: Array | tuple[float, float],
    num_steps: int,
    *,
    noise: float | Array = 0.0,
    seed: int | None = 0,
    loss_tol: float = 1e-6,
    grad_tol: float = 0.0,
    bound: float = DEFAULT_BOUND,
    summary_only: bool = False,
    record_state: bool = False,
) -> BatchResult:
    """Simulate ``runs`` optimisation runs of ``num_steps`` steps each, all at once.

    The number of runs is the common length of ``x0`` (shape ``(runs, 2)``, or ``(2,)``
    for one start shared by all) and of the optimizer's per-run hyperparameters.

    Args:
        objective: The function to minimise.
        optimizer: From :mod:`momentum_core.optimizers`, hyperparameters per run or shared.
        x0: Start points, ``(runs, 2)`` or ``(2,)``.
        num_steps: Steps per run, 1 to :data:`MAX_STEPS`.
        noise: Standard deviation sigma of Gaussian noise added to every gradient the
            optimizer sees (scalar or per run); 0 for exact gradients.
        seed: Seed of the noise. The noise of run ``i`` at step ``t`` depends on the seed,
            ``t``, ``i`` and the number of runs, so two batches of the same shape and seed
            see the same noise (a fair race between optimizers).
        loss_tol: Convergence tolerance on ``f - f*``.
        grad_tol: Convergence tolerance on the gradient norm (0 turns it off).
        bound: A run whose coordinates leave ``[-bound, bound]`` has diverged.
        summary_only: Keep only the per-run summary, not the trajectories (for sweeps).
        record_state: Also return the optimizer state at every step (not in summary mode).

    Returns:
        A :class:`BatchResult`.

    Raises:
        ValueError: On a bad start point, step count, noise level or tolerance.
    """
    num_steps = int(num_steps)
    if not 1 <= num_steps <= MAX_STEPS:
        raise ValueError(f"num_steps must be in [1, {MAX_STEPS}], got {num_steps}")
    x = np.array(x0, dtype=float)
    if x.ndim == 1:
        x = x[None, :]
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(f"x0 must have shape (runs, 2) or (2,), got {np.shape(x0)}")
    if not np.all(np.isfinite(x)) or np.any(np.abs(x) > bound):
        raise ValueError(f"start points must be finite and within +-{bound:g}")
    runs = max(len(x), optimizer.size)
    if len(x) not in (1, runs) or optimizer.size not in (1, runs):
        raise ValueError(f"{len(x)} start points for {optimizer.size} hyperparameter sets")
    x = np.broadcast_to(x, (runs, 2)).copy()
    sigma = np.asarray(noise, dtype=float).reshape(-1, 1)
    if not np.all(np.isfinite(sigma)) or np.any(sigma < 0) or len(sigma) not in (1, runs):
        raise ValueError(f"noise must be >= 0 and finite (scalar or per run), got {noise}")
    if not (loss_tol >= 0 and grad_tol >= 0):
        raise ValueError("tolerances must be >= 0")
    noisy = bool(np.any(sigma > 0))
    rng = np.random.default_rng(seed)
    if summary_only:
        record_state = False

    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        loss = objective.value(x)
        grad = objective.gradient(x)
        gnorm = _norm(grad)
        if not (np.all(np.isfinite(loss)) and np.all(np.isfinite(gnorm))):
            raise ValueError("the objective is not finite at a start point")
        state = optimizer.init(x)

        if not summary_only:
            positions = np.empty((num_steps + 1, runs, 2))
            losses = np.empty((num_steps + 1, runs))
            grad_norms = np.empty((num_steps + 1, runs))
            positions[0], losses[0], grad_norms[0] = x, loss, gnorm
        states = [state] if record_state else None

        # The loop steps only the live runs: `live` holds their indices, and x, loss, grad,
        # gnorm, state, sigma and the optimizer describe just them. A diverging run leaves
        # the batch with its last finite values written to the full-size arrays below.
        final_x, final_loss, final_gnorm = x.copy(), loss.copy(), gnorm.copy()
        live = np.arange(runs)
        opt = optimizer
        diverged_step = np.full(runs, -1)
        # The last step at which a run was NOT within tolerance; converged = that + 1.
        last_out = np.full(runs, -1)
        last_out_loss = np.full(runs, -1)
        # Norms are needed to record them or to test them; summary sweeps skip them.
        need_norm = not summary_only or grad_tol > 0
        threshold = objective.f_star + loss_tol
        if not need_norm:
            gnorm = None
        _mark_tolerance(loss, gnorm, threshold, grad_tol, 0, live, last_out, last_out_loss)

        for t in range(1, num_steps + 1):
            if noisy:
                # Drawn for every run, so a run's noise does not depend on the others' fate.
                draw = rng.standard_normal((runs, 2))
                seen = grad + sigma * (draw if len(live) == runs else draw[live])
            else:
                seen = grad
            step, new_state = opt.update(seen, state)
            new_x = x + step
            new_loss = objective.value(new_x)
            new_grad = objective.gradient(new_x)
            new_gnorm = _norm(new_grad) if need_norm else None
            # One cheap test for the whole batch first: divergence is rare.
            if not _all_fine(new_x, new_loss, new_grad, new_gnorm, bound):
                ok = _fine(new_x, new_loss, new_grad, new_gnorm, bound)
                gone = live[~ok]
                diverged_step[gone] = t
                final_x[gone], final_loss[gone] = x[~ok], loss[~ok]
                if need_norm:
                    final_gnorm[gone] = gnorm[~ok]
                    new_gnorm = new_gnorm[ok]
                live = live[ok]
                new_x, new_loss, new_grad = new_x[ok], new_loss[ok], new_grad[ok]
                new_state = _take(new_state, ok)
                opt = opt.select(ok)
                if len(sigma) > 1:
                    sigma = sigma[ok]
                if not len(live):  # every run has stopped: the rest repeats their ends
                    if not summary_only:
                        positions[t:], losses[t:], grad_norms[t:] = final_x, final_loss, final_gnorm
                    if record_state:
                        states += [states[-1]] * (num_steps - t + 1)
                    break
            x, loss, grad, gnorm, state = new_x, new_loss, new_grad, new_gnorm, new_state
            _mark_tolerance(loss, gnorm, threshold, grad_tol, t, live, last_out, last_out_loss)
            if not summary_only:
                if len(live) == runs:
                    positions[t], losses[t], grad_norms[t] = x, loss, gnorm
                else:
                    positions[t], losses[t], grad_norms[t] = final_x, final_loss, final_gnorm
                    positions[t, live], losses[t, live], grad_norms[t, live] = x, loss, gnorm
            if record_state:
                states.append(_fill(state, states[-1], live, runs))
        final_x[live], final_loss[live] = x, loss

    diverged = diverged_step >= 0
    converged_step = np.where((last_out < num_steps) & ~diverged, last_out + 1, -1)
    tol_step = np.where((last_out_loss < num_steps) & ~diverged, last_out_loss + 1, -1)
    minima = objective.minima
    dist = np.linalg.norm(final_x[:, None, :] - minima[None, :, :], axis=-1)
    nearest = np.argmin(dist, axis=1)
    return BatchResult(
        positions=None if summary_only else positions,
        losses=None if summary_only else losses,
        grad_norms=None if summary_only else grad_norms,
        states=_stack_states(states) if record_state else None,
        final_position=final_x,
        final_loss=final_loss,
        diverged_step=diverged_step,
        converged_step=converged_step,
        tol_step=tol_step,
        nearest_minimum=nearest,
        minimum_distance=dist[np.arange(runs), nearest],
        reached_global=objective.is_global[nearest],
        num_steps=num_steps,
    )


def _mark_tolerance(
    loss: Array,
    gnorm: Array | None,
    threshold: float,
    grad_tol: float,
    t: int,
    live: Array,
    last_out: Array,
    last_out_loss: Array,
) -> None:
    """Record step ``t`` as the latest one outside tolerance for the live runs that are.

    A run is within tolerance when ``f < f* + loss_tol`` (``threshold``), or, for
    ``last_out`` only, when its gradient norm is below ``grad_tol``.
    """
    outside = loss >= threshold
    if len(live) < len(last_out):
        last_out_loss[live[outside]] = t
        if grad_tol > 0:
            outside &= gnorm >= grad_tol
        last_out[live[outside]] = t
    else:  # every run is live: a boolean mask is cheaper than fancy indexing
        last_out_loss[outside] = t
        if grad_tol > 0:
            outside &= gnorm >= grad_tol
        last_out[outside] = t
