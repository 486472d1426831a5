"""Grids of runs: learning rate x momentum sweeps, all simulated in one batch."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from momentum_core.objectives import Objective
from momentum_core.optimizers import make_optimizer
from momentum_core.runner import BatchResult, run_batch

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
    """The (row, column) of the best run: fewest steps to tolerance, ties to the smaller
    learning rate; if no run reached tolerance, the lowest final loss among the stable."""
    steps = grid_of(result, result.summary.tol_step)
    if np.any(steps >= 0):
        score = np.where(steps >= 0, steps, np.iinfo(np.int64).max).astype(float)
    else:
        loss = grid_of(result, result.summary.final_loss)
        diverged = grid_of(result, result.summary.diverged_step) >= 0
        score = np.where(diverged, np.inf, loss)
    row, col = np.unravel_index(int(np.argmin(score)), score.shape)
    return int(row), int(col)


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
