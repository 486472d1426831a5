"""Momentum families: one optimizer at every momentum of a grid, in one vectorised batch.

A family costs about as much as a single run, because the runner's per-step overhead,
not the arithmetic, dominates a batch of a hundred runs. The app runs one family per
momentum-type optimizer in a race, so that any momentum can be shown without a new run.

Example:
    >>> from momentum_core import get_objective
    >>> rosen = get_objective("rosenbrock")
    >>> family = run_family(rosen, "momentum", 1.5e-3, 0.905, rosen.x0, 100)
    >>> len(family.momenta), float(family.momenta[91])
    (101, 0.905)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from momentum_core.objectives import Objective
from momentum_core.optimizers import MOMENTUM_OPTIMIZERS, make_optimizer
from momentum_core.runner import BatchResult, run_batch

Array = np.ndarray

#: The momenta every family holds: 0, 0.01, ..., 0.99.
FAMILY_GRID = np.round(np.arange(100) / 100, 2)


def family_momenta(chosen: float) -> Array:
    """The grid with the exact momentum ``chosen`` added (sorted, no duplicates)."""
    if not 0 <= chosen <= 1:
        raise ValueError(f"momentum must be in [0, 1], got {chosen}")
    return np.unique(np.append(FAMILY_GRID, float(chosen)))


@dataclass(frozen=True, eq=False)
class Family:
    """The runs of one optimizer at the momenta ``momenta`` (run ``i`` at ``momenta[i]``),
    or a single run (``momenta`` None) for an optimizer without momentum."""

    name: str
    momenta: Array | None
    result: BatchResult

    def index(self, momentum: float) -> int:
        """The run whose momentum is ``momentum`` (the nearest one; 0 for a single run)."""
        if self.momenta is None:
            return 0
        return int(np.abs(self.momenta - momentum).argmin())

    def member(self, momentum: float) -> BatchResult:
        """The run at ``momentum`` as a batch of one, as :func:`run_batch` returns it."""
        return take_run(self.result, self.index(momentum))


def take_run(result: BatchResult, i: int) -> BatchResult:
    """Run ``i`` of a batch, as a batch of one."""
    one = slice(i, i + 1)

    def cut(a: Array | None) -> Array | None:
        return None if a is None else a[:, one]

    return BatchResult(
        positions=cut(result.positions),
        losses=cut(result.losses),
        grad_norms=cut(result.grad_norms),
        states=None,
        final_position=result.final_position[one],
        final_loss=result.final_loss[one],
        diverged_step=result.diverged_step[one],
        converged_step=result.converged_step[one],
        tol_step=result.tol_step[one],
        nearest_minimum=result.nearest_minimum[one],
        minimum_distance=result.minimum_distance[one],
        reached_global=result.reached_global[one],
        num_steps=result.num_steps,
    )


def run_family(
    objective: Objective,
    name: str,
    learning_rate: float,
    momentum: float,
    x0: tuple[float, float],
    num_steps: int,
    **run_options,
) -> Family:
    """Optimizer ``name`` at every momentum of :func:`family_momenta`, in one batch.

    Every run sees the same gradient noise, the sequence a single run with this seed
    sees, so a member equals the single run with its settings. The member at momentum 0
    is plain gradient descent ("SGD"), for Nesterov and the Keras form too.

    Args:
        objective: The function.
        name: One of :data:`~momentum_core.optimizers.MOMENTUM_OPTIMIZERS`.
        learning_rate: alpha > 0, shared by the family.
        momentum: The momentum chosen; it joins the grid if it is not on it.
        x0: The start point.
        num_steps: Steps per run.
        **run_options: Passed to :func:`~momentum_core.runner.run_batch` (noise, seed,
            tolerances).

    Raises:
        ValueError: For an optimizer without momentum or a bad setting.
    """
    if name not in MOMENTUM_OPTIMIZERS:
        raise ValueError(f"{name!r} has no momentum; choose one of {MOMENTUM_OPTIMIZERS}")
    momenta = family_momenta(momentum)
    optimizer = make_optimizer(name, learning_rate, momenta)
    result = run_batch(objective, optimizer, x0, num_steps, shared_noise=True, **run_options)
    return Family(name, momenta, result)
