"""Where runs end: basin maps over a grid of starts, and success rates against momentum.

Each map or study is one :func:`~momentum_core.runner.run_batch` call: every start and
every (learning rate, momentum) pair is a run of the same batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from momentum_core.objectives import Objective
from momentum_core.optimizers import make_optimizer
from momentum_core.runner import run_batch

Array = np.ndarray

MAX_BASIN_GRID = 400
MAX_STARTS = 5000


@dataclass(frozen=True, eq=False)
class BasinMap:
    """Which minimum each start of a grid ends nearest to.

    Attributes:
        xs: ``(grid,)`` start x (cell centres across the domain).
        ys: ``(grid,)`` start y.
        ended: ``(grid, grid)`` index into ``objective.minima`` (row = y), -1 if diverged.
        counts: ``(len(minima) + 1,)`` starts per minimum; the last entry counts divergences.
        share_global: Fraction of starts ending at a global minimum.
    """

    xs: Array
    ys: Array
    ended: Array
    counts: Array
    share_global: float


def _check(name: str, value: int, low: int, high: int) -> int:
    if not low <= int(value) <= high:
        raise ValueError(f"{name} must be in [{low}, {high}], got {value}")
    return int(value)


def basin_map(
    objective: Objective,
    optimizer: str,
    lr: float,
    momentum: float,
    grid: int,
    num_steps: int,
    noise: float = 0.0,
    seed: int | None = 0,
) -> BasinMap:
    """Run one optimizer from every start of a ``grid x grid`` lattice over the domain.

    Args:
        objective: The landscape.
        optimizer: An optimizer name for :func:`make_optimizer`.
        lr: Learning rate.
        momentum: Momentum (for the momentum optimizers).
        grid: Starts per axis, 2 to :data:`MAX_BASIN_GRID`.
        num_steps: Steps per run.
        noise: Gradient noise sigma.
        seed: Noise seed.
    """
    grid = _check("grid", grid, 2, MAX_BASIN_GRID)
    (x0, x1), (y0, y1) = objective.domain
    xs = x0 + (np.arange(grid) + 0.5) * (x1 - x0) / grid
    ys = y0 + (np.arange(grid) + 0.5) * (y1 - y0) / grid
    starts = np.stack(np.meshgrid(xs, ys), -1).reshape(-1, 2)
    opt = make_optimizer(optimizer, np.full(len(starts), lr), momentum)
    result = run_batch(objective, opt, starts, num_steps, noise=noise, seed=seed, summary_only=True)
    ended = np.where(result.diverged_step >= 0, -1, result.nearest_minimum)
    n_minima = len(objective.minima)
    counts = np.bincount(np.where(ended < 0, n_minima, ended), minlength=n_minima + 1)
    share = float(np.mean((ended >= 0) & objective.is_global[np.maximum(ended, 0)]))
    return BasinMap(xs, ys, ended.reshape(grid, grid), counts, share)


@dataclass(frozen=True, eq=False)
class SuccessStudy:
    """Success rates (ending at a global minimum) from random starts.

    Attributes:
        lrs: ``(n_lr,)`` learning rates.
        momenta: ``(n_momentum,)`` momenta.
        n_starts: Starts per (lr, momentum) pair (the same starts for every pair).
        successes: ``(n_lr, n_momentum)`` starts that ended at a global minimum.
        rate: ``successes / n_starts``.
        low: Lower end of the Wilson 95 % interval of each rate.
        high: Upper end.
    """

    lrs: Array
    momenta: Array
    n_starts: int
    successes: Array
    rate: Array
    low: Array
    high: Array


def wilson(successes: Array, n: int, z: float = 1.959964) -> tuple[Array, Array]:
    """Wilson score interval of a binomial proportion (95 % for the default z)."""
    p = np.asarray(successes, dtype=float) / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def success_rates(
    objective: Objective,
    lrs: Array,
    momenta: Array,
    n_starts: int,
    num_steps: int,
    noise: float = 0.0,
    seed: int = 0,
) -> SuccessStudy:
    """The share of seeded random starts that end at a global minimum, per (lr, momentum).

    Uses PyTorch's heavy ball (momentum 0 is plain gradient descent); all runs, for every
    pair and start, go in one batch.
    """
    n_starts = _check("n_starts", n_starts, 1, MAX_STARTS)
    lrs, momenta = np.atleast_1d(np.asarray(lrs, float)), np.atleast_1d(np.asarray(momenta, float))
    (x0, x1), (y0, y1) = objective.domain
    rng = np.random.default_rng(seed)
    starts = np.column_stack([rng.uniform(x0, x1, n_starts), rng.uniform(y0, y1, n_starts)])
    lr, mu, _ = np.meshgrid(lrs, momenta, np.arange(n_starts), indexing="ij")
    all_starts = np.broadcast_to(starts, (*lr.shape, 2)).reshape(-1, 2)
    opt = make_optimizer("momentum", lr.ravel(), mu.ravel())
    result = run_batch(
        objective, opt, all_starts, num_steps, noise=noise, seed=seed, summary_only=True
    )
    good = (result.diverged_step < 0) & result.reached_global
    successes = good.reshape(lr.shape).sum(axis=-1)
    low, high = wilson(successes, n_starts)
    return SuccessStudy(lrs, momenta, n_starts, successes, successes / n_starts, low, high)


def describe_effect(study: SuccessStudy) -> list[str]:
    """One sentence per learning rate on what momentum did to the success rate.

    "Helps" or "hurts" only where the 95 % intervals of momentum 0.9 (the nearest value
    studied) and of momentum 0 do not overlap; otherwise "no clear difference".
    """
    zero = int(np.argmin(np.abs(study.momenta)))
    usual = int(np.argmin(np.abs(study.momenta - 0.9)))
    sentences = []
    for i, lr in enumerate(study.lrs):
        rate, low, high = study.rate[i], study.low[i], study.high[i]
        best = int(np.argmax(rate))
        if low[usual] > high[zero]:
            verdict = "momentum helps"
        elif high[usual] < low[zero]:
            verdict = "momentum hurts"
        else:
            verdict = "momentum makes no clear difference"
        sentences.append(
            f"At α = {lr:.3g}, {verdict}: {rate[usual]:.0%} of starts reach the global minimum "
            f"with β = {study.momenta[usual]:.2f} against {rate[zero]:.0%} with "
            f"β = {study.momenta[zero]:.2f} (95 % intervals {low[usual]:.0%}-{high[usual]:.0%} "
            f"and {low[zero]:.0%}-{high[zero]:.0%}); the best, {rate[best]:.0%}, "
            f"at β = {study.momenta[best]:.2f}."
        )
    return sentences
