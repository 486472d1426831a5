"""What became of a run, decided in one place: every sentence, table cell and colour asks.

A run either

- **diverged** at step k (its point or loss left the finite region or the bound),
- **converged**: f - f* fell below the tolerance and stayed there (step = steps to
  tolerance),
- got **stuck** in a local minimum: it never reached f*, and ended within
  :data:`STUCK_DISTANCE` of a known local minimum or with a vanishing gradient there
  (step = the step from which the gradient stayed below its tolerance, -1 if it is still
  settling), or
- is **moving**: none of these within its steps.

Example:
    >>> from momentum_core import get_objective, heavy_ball, run_batch
    >>> rosen = get_objective("rosenbrock")
    >>> r = run_batch(rosen, heavy_ball(1.5e-3, 0.9), rosen.x0, 1000, loss_tol=1e-6)
    >>> outcome(rosen, r).kind, outcome(rosen, r).step
    ('converged', 917)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from momentum_core.objectives import Objective
from momentum_core.runner import BatchResult

#: A run that ends this close to a known local minimum (and never reached f*) is stuck.
STUCK_DISTANCE = 1e-3

KINDS = ("converged", "stuck", "diverged", "moving")


def kinds(objective: Objective, result: BatchResult) -> np.ndarray:
    """The outcome kind of every run of a batch (vectorised; see the module docstring)."""
    diverged = result.diverged_step >= 0
    converged = ~diverged & (result.tol_step >= 0)
    near_local = ~result.reached_global & (
        (result.minimum_distance < STUCK_DISTANCE) | (result.converged_step >= 0)
    )
    stuck = ~diverged & ~converged & near_local
    return np.select([diverged, converged, stuck], ["diverged", "converged", "stuck"], "moving")


@dataclass(frozen=True)
class Outcome:
    """One run's outcome.

    Attributes:
        kind: One of :data:`KINDS`.
        step: Steps to tolerance (converged), the divergence step (diverged), the step
            from which it stayed stopped (stuck; -1 while still settling), or -1.
        gap: The final f - f* (at the last finite point for a diverged run).
        minimum: The known minimum nearest to the final point.
        is_global: Whether that minimum is a global one.
        num_steps: Steps simulated.
    """

    kind: str
    step: int
    gap: float
    minimum: tuple[float, float]
    is_global: bool
    num_steps: int

    @property
    def where(self) -> str:
        """The nearest minimum as ``(x, y)``, three significant digits."""
        return f"({self.minimum[0]:.3g}, {self.minimum[1]:.3g})"

    def status(self) -> str:
        """A short table cell: ``converged at step 917``, ``diverged at step 13``,
        ``stuck in local min (0.995, 0.995)``, ``still moving``."""
        if self.kind == "converged":
            return f"converged at step {self.step:,}"
        if self.kind == "diverged":
            return f"diverged at step {self.step:,}"
        if self.kind == "stuck":
            return f"stuck in local min {self.where}"
        return "still moving"

    def phrase(self, tol: float) -> str:
        """What happened, as words that follow the run's name."""
        if self.kind == "converged":
            return f"reaches f − f* < {tol:g} in {self.step:,} steps"
        if self.kind == "diverged":
            return f"diverges at step {self.step:,}"
        if self.kind == "stuck":
            after = f" after {self.step:,} steps" if self.step >= 0 else ""
            return f"stops in the local minimum {self.where}{after}"
        return f"is still at f − f* = {self.gap:.3g} after {self.num_steps:,} steps"


def outcome(objective: Objective, result: BatchResult, i: int = 0) -> Outcome:
    """The outcome of run ``i`` of a batch."""
    kind = str(kinds(objective, result)[i])
    step = {
        "converged": result.tol_step[i],
        "diverged": result.diverged_step[i],
        "stuck": result.converged_step[i],
    }.get(kind, -1)
    x, y = objective.minima[int(result.nearest_minimum[i])]
    return Outcome(
        kind=kind,
        step=int(step),
        gap=float(result.final_loss[i] - objective.f_star),
        minimum=(float(x), float(y)),
        is_global=bool(result.reached_global[i]),
        num_steps=result.num_steps,
    )
