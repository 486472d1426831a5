"""Grids of runs: learning rate x momentum sweeps, all simulated in one batch."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from momentum_core.objectives import Objective
from momentum_core.optimizers import make_optimizer
from momentum_core.runner import BatchResult, run_batch
from momentum_core.spaces import grid_runs, run_space

Array = np.ndarray

#: Most values along one axis of a grid (so a sweep has at most MAX_GRID**2 runs).
MAX_GRID = 400


def parse_grid(text: str, name: str = "grid") -> Array:
    """Parse ``LOW:HIGH:COUNT[:log]`` into ``COUNT`` values from LOW to HIGH inclusive.

    Args:
        text: e.g. ``"1e-5:3e-3:60:log"`` (log-spaced) or ``"0:0.99:60"`` (linear). A single
            number is a grid of one value.
        name: Names the option in error messages.

    Returns:
        The values, shape ``(COUNT,)``.

    Raises:
        ValueError: On a malformed spec, a count outside [1, MAX_GRID], non-finite bounds or
            a log grid that does not stay positive.

    Example:
        >>> parse_grid("1:100:3:log").tolist()
        [1.0, 10.0, 100.0]
    """
    parts = text.split(":")
    try:
        if len(parts) == 1:
            return np.array([float(parts[0])])
        if len(parts) not in (3, 4) or (len(parts) == 4 and parts[3] not in ("log", "lin")):
            raise ValueError
        low, high, count = float(parts[0]), float(parts[1]), int(parts[2])
    except ValueError:
        raise ValueError(f"{name} must be LOW:HIGH:COUNT[:log], got {text!r}") from None
    log = len(parts) == 4 and parts[3] == "log"
    if not (np.isfinite(low) and np.isfinite(high)):
        raise ValueError(f"{name} bounds must be finite, got {text!r}")
    if not 1 <= count <= MAX_GRID:
        raise ValueError(f"{name} count must be in [1, {MAX_GRID}], got {count}")
    if log:
        if low <= 0 or high <= 0:
            raise ValueError(f"{name} log grid needs positive bounds, got {text!r}")
        return np.geomspace(low, high, count)
    return np.linspace(low, high, count)


@dataclass(frozen=True, eq=False)
class SweepResult:
    """A learning rate x momentum sweep.

    Attributes:
        lr: ``(n_momentum, n_lr)`` learning rate of each cell (rows: momentum).
        momentum: ``(n_momentum, n_lr)`` momentum of each cell.
        summary: The summary-mode :class:`BatchResult` of the flattened grid (run ``i`` is
            cell ``np.unravel_index(i, lr.shape)``).
    """

    lr: Array
    momentum: Array
    summary: BatchResult


def sweep_grid(
    objective: Objective,
    optimizer: str,
    lrs: Array,
    momenta: Array,
    num_steps: int,
    *,
    x0: tuple[float, float] | None = None,
    noise: float = 0.0,
    seed: int | None = 0,
    loss_tol: float = 1e-6,
    grad_tol: float = 0.0,
    **options: float | None,
) -> SweepResult:
    """Run every (learning rate, momentum) pair from one start, in one batch.

    Args:
        objective: The function.
        optimizer: An optimizer name (see :func:`momentum_core.optimizers.make_optimizer`).
        lrs: Learning rates, shape ``(n_lr,)``.
        momenta: Momenta, shape ``(n_momentum,)``.
        num_steps: Steps per run.
        x0: Start point (default: the function's).
        noise: Gradient noise sigma.
        seed: Noise seed.
        loss_tol: Tolerance on ``f - f*``.
        grad_tol: Tolerance on the gradient norm (0: off).
        **options: Passed to :func:`make_optimizer` (dampening, beta1, ...).

    Returns:
        A :class:`SweepResult`.
    """
    lr, mu = np.meshgrid(np.asarray(lrs, float), np.asarray(momenta, float))
    opt = make_optimizer(optimizer, lr.ravel(), mu.ravel(), **options)
    start = objective.x0 if x0 is None else x0
    summary = run_batch(
        objective,
        opt,
        start,
        num_steps,
        noise=noise,
        seed=seed,
        loss_tol=loss_tol,
        grad_tol=grad_tol,
        summary_only=True,
    )
    return SweepResult(lr, mu, summary)


def grid_of(result: SweepResult, values: Array) -> Array:
    """Reshape per-run ``values`` of a sweep to its ``(n_momentum, n_lr)`` grid."""
    return np.asarray(values).reshape(result.lr.shape)


def largest_stable_lr(result: SweepResult) -> Array:
    """Per momentum (row): the largest learning rate whose run did not diverge, 0 if all did.

    Returns:
        Shape ``(n_momentum,)``.
    """
    stable = grid_of(result, result.summary.diverged_step) < 0
    return np.where(stable, result.lr, 0.0).max(axis=1)


def best_cell(result: SweepResult) -> tuple[int, int]:
    """The (row, column) of the best run: fewest steps to tolerance; if no run reached
    tolerance, the lowest final loss among the stable.

    Ties go to the first row, then to the first column of that row (``argmin`` reads the
    grid row by row): on a grid whose momenta and learning rates ascend, as every grid
    of the app does, the smaller β first, then the smaller α. A tie at a smaller β wins
    even with a larger α."""
    steps = grid_of(result, result.summary.tol_step)
    if np.any(steps >= 0):
        score = np.where(steps >= 0, steps, np.iinfo(np.int64).max).astype(float)
    else:
        loss = grid_of(result, result.summary.final_loss)
        diverged = grid_of(result, result.summary.diverged_step) >= 0
        score = np.where(diverged, np.inf, loss)
    row, col = np.unravel_index(int(np.argmin(score)), score.shape)
    return int(row), int(col)


#: A converged cell is robust when every neighbour within one grid step converges in at
#: most this many times its steps.
ROBUST_FACTOR = 2.0
#: Momentum helps when its best robust cell needs this many times fewer steps than the
#: lowest-momentum row's.
HELPS_FACTOR = 1.25


@dataclass(frozen=True)
class RobustBest:
    """The best region of a sweep, not just its best cell.

    Attributes:
        row: Row (momentum) of the best robust cell, -1 if no cell is robust.
        col: Column (learning rate) of the best robust cell, -1 if none.
        steps: Its steps to tolerance, -1 if none.
        region: ``(n_momentum, n_lr)`` bool, the robust cells within ``ROBUST_FACTOR`` of
            the best robust cell's steps.
        best_is_fragile: Whether :func:`best_cell` is not robust (a fluke beside cells that
            diverge or crawl).
        momentum_helps: Whether the best robust cell needs ``HELPS_FACTOR`` times fewer
            steps than every robust cell of the lowest-momentum row (None when no cell is
            robust).
    """

    row: int
    col: int
    steps: int
    region: Array
    best_is_fragile: bool
    momentum_helps: bool | None


def robust_best(result: SweepResult, factor: float = ROBUST_FACTOR) -> RobustBest:
    """The best cell whose neighbours agree with it, and the region around it.

    A cell is robust when it reaches tolerance and so does every cell within one grid
    step (diagonals too), each in at most ``factor`` times its steps. The single best
    cell of a fine grid is often a fluke (first steps that fling the point near the
    minimum, next to cells that diverge); a robust cell's answer survives a small change
    of alpha or beta, so it does not flip between a 60 x 60 and a 200 x 200 grid.

    Robust cells with equally few steps tie as in :func:`best_cell`: the first row, then
    the first column (on ascending grids, the smaller β, then the smaller α).
    """
    steps = grid_of(result, result.summary.tol_step).astype(float)
    steps[steps < 0] = np.inf  # never reached: no neighbour is within a factor of it
    padded = np.pad(steps, 1, mode="edge")  # at the border, the cell stands in for itself
    rows, cols = steps.shape
    shifts = [(i, j) for i in range(3) for j in range(3)]
    worst = np.max([padded[i : i + rows, j : j + cols] for i, j in shifts], axis=0)
    robust = np.isfinite(steps) & (worst <= factor * np.maximum(steps, 1))
    row, col = best_cell(result)
    fragile = bool(np.isfinite(steps[row, col]) and not robust[row, col])
    if not robust.any():
        return RobustBest(-1, -1, -1, robust, fragile, None)
    score = np.where(robust, steps, np.inf)
    r, c = np.unravel_index(int(np.argmin(score)), score.shape)  # ties: first row, then column
    best = float(steps[r, c])
    region = robust & (steps <= factor * max(best, 1))
    # Helps: clearly fewer steps than the lowest-momentum row's best robust cell (a few
    # percent is grid noise: Himmelblau's 200 x 200 best sits at beta = 0.015, one step
    # ahead of beta = 0), or that row has no robust cell at all.
    low_row = score[int(np.argmin(result.momentum[:, 0]))]
    helps = bool(best * HELPS_FACTOR <= low_row.min())
    return RobustBest(int(r), int(c), int(best), region, fragile, helps)


def chosen_cell(result: SweepResult) -> tuple[int, int, bool]:
    """The sweep's choice of one cell: :func:`robust_best`'s, or when no cell is robust
    :func:`best_cell`'s (fewest steps; else the lowest final loss among the stable), with
    whether it was robust. Ties as in both: the first row, then the first column.

    Returns:
        ``(row, column, robust)``.
    """
    best = robust_best(result)
    if best.row >= 0:
        return best.row, best.col, True
    row, col = best_cell(result)
    return row, col, False


def stack_rows(parts: list[SweepResult]) -> SweepResult:
    """Join sweeps over consecutive momentum rows (same learning rates) into one."""
    summaries = [p.summary for p in parts]
    joined = {}
    for f in dataclasses.fields(BatchResult):
        values = [getattr(s, f.name) for s in summaries]
        joined[f.name] = np.concatenate(values) if isinstance(values[0], np.ndarray) else values[0]
    return SweepResult(
        lr=np.concatenate([p.lr for p in parts]),
        momentum=np.concatenate([p.momentum for p in parts]),
        summary=BatchResult(**joined),
    )


@dataclass(frozen=True)
class Tuned:
    """One optimizer's own best setting over a grid of runs (see :func:`tune`).

    Attributes:
        lr: The chosen learning rate.
        momentum: The chosen momentum (0 for a line, which has no momentum axis).
        steps: Its steps to tolerance, -1 if it never got there.
        robust: Whether it is :func:`robust_best`'s cell (False: no cell was robust and
            :func:`best_cell`'s was taken instead).
        runs: How many runs the choice was made from.
    """

    lr: float
    momentum: float
    steps: int
    robust: bool
    runs: int


def tune(
    objective: Objective,
    optimizer: str,
    lrs: Array,
    momenta: Array,
    num_steps: int,
    *,
    x0: tuple[float, float] | None = None,
    noise: float = 0.0,
    seed: int | None = 0,
    loss_tol: float = 1e-6,
    grad_tol: float = 0.0,
) -> Tuned:
    """Run ``optimizer`` at every learning rate of ``lrs`` and momentum of ``momenta`` (one
    momentum, ``[0.0]``, for an α line) and pick its best setting, as the sweep page does.

    The runs are :func:`~momentum_core.spaces.run_space`'s (every run sees the noise of a
    single run with this seed, so the chosen run is the run a race at those values makes),
    laid out as a :class:`SweepResult` grid (rows: momenta, columns: learning rates).

    The choice, in order:

    1. :func:`robust_best`: the fewest steps to ``f - f* < loss_tol`` among the robust
       cells (every neighbour within one grid step reaches it too, in at most
       ``ROBUST_FACTOR`` times the steps);
    2. when no cell is robust, :func:`best_cell`: the fewest steps among all that reached
       the tolerance (a fragile best), or, when none did, the lowest final ``f - f*``
       among the runs that did not diverge (``robust`` is False either way).

    Ties (equal steps, or equal final loss) go to the first row, then the first column:
    with ascending ``momenta`` and ``lrs``, the smaller momentum, then the smaller learning
    rate (a tie at a smaller β wins even with a larger α). ``lrs`` and ``momenta`` are
    sorted first, so the rule holds whatever order they are given in.
    """
    lrs = np.unique(np.asarray(lrs, dtype=float))
    momenta = np.unique(np.asarray(momenta, dtype=float))
    lr, mu = grid_runs(lrs, momenta)
    start = objective.x0 if x0 is None else x0
    summary = run_space(objective, optimizer, lr, mu, start, num_steps, noise=noise, seed=seed,
                        loss_tol=loss_tol, grad_tol=grad_tol, summary_only=True)  # fmt: skip
    grid = SweepResult(lr.reshape(len(momenta), len(lrs)), mu.reshape(len(momenta), len(lrs)),
                       summary)  # fmt: skip
    row, col, robust = chosen_cell(grid)
    i = row * len(lrs) + col
    return Tuned(float(lrs[col]), float(momenta[row]), int(summary.tol_step[i]), robust, lr.size)
