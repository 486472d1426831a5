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

#: Each kind's words after a run's name, with its numbers as fields. Python fills them in
#: (:meth:`Outcome.phrase`); the race's readout in the browser fills the same templates, so
#: the words are written here once. ``settling`` is a stuck run that has not stopped yet.
PHRASES = {
    "converged": "reaches f − f* < {tol} in {step} steps",
    "diverged": "diverges at step {step}",
    "stuck": "stops in the local minimum {where} after {step} steps",
    "settling": "stops in the local minimum {where}",
    "moving": "is still at f − f* = {gap} after {steps} steps",
}


def kinds(objective: Objective, result: BatchResult) -> np.ndarray:
    """The outcome kind of every run of a batch (vectorised; see the module docstring)."""
    return np.asarray(KINDS)[codes(objective, result)[0]]


def codes(objective: Objective, result: BatchResult) -> tuple[np.ndarray, np.ndarray]:
    """Every run's outcome as numbers, for arrays and the browser: its kind's index in
    :data:`KINDS` (uint8) and :attr:`Outcome.step` (int32)."""
    diverged = result.diverged_step >= 0
    converged = ~diverged & (result.tol_step >= 0)
    near_local = ~result.reached_global & (
        (result.minimum_distance < STUCK_DISTANCE) | (result.converged_step >= 0)
    )
    stuck = ~diverged & ~converged & near_local
    kind = np.select([converged, stuck, diverged], [0, 1, 2], 3).astype(np.uint8)
    step = np.select(
        [converged, stuck, diverged],
        [result.tol_step, result.converged_step, result.diverged_step],
        -1,
    ).astype(np.int32)
    return kind, step


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
        """The nearest minimum as ``(x, y)``, three significant digits (``(unknown)`` where
        the landscape lists none, as a network's loss)."""
        if not np.isfinite(self.minimum).all():
            return "(unknown)"
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
        """What happened, as words that follow the run's name (:data:`PHRASES`)."""
        key = "settling" if self.kind == "stuck" and self.step < 0 else self.kind
        return PHRASES[key].format(
            tol=f"{tol:g}",
            step=f"{self.step:,}",
            where=self.where,
            gap=f"{self.gap:.3g}",
            steps=f"{self.num_steps:,}",
        )


def outcome(objective: Objective, result: BatchResult, i: int = 0) -> Outcome:
    """The outcome of run ``i`` of a batch."""
    return outcomes(objective, result, [i])[0]


def outcomes(objective: Objective, result: BatchResult, runs=None) -> list[Outcome]:
    """The outcomes of runs ``runs`` of a batch (all by default), classified together."""
    kind, step = codes(objective, result)
    runs = range(len(kind)) if runs is None else runs
    out = []
    minima = objective.minima if len(objective.minima) else np.full((1, 2), np.nan)
    for i in runs:
        x, y = minima[int(result.nearest_minimum[i])]
        out.append(
            Outcome(
                kind=KINDS[kind[i]],
                step=int(step[i]),
                gap=float(result.final_loss[i] - objective.f_star),
                minimum=(float(x), float(y)),
                is_global=bool(result.reached_global[i]),
                num_steps=result.num_steps,
            )
        )
    return out
