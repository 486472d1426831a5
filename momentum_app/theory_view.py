"""Numbers for the theory page: predicted against measured, on a rotated quadratic bowl.

Pure functions (no Streamlit): each returns plain arrays or a frozen record, and every
sentence the page shows is built here from them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from momentum_core import get_objective, heavy_ball, run_batch, theory

Array = np.ndarray
#: "Converged" on the theory page: the distance to the minimum shrank by this factor.
RATIO = 1e-6


@dataclass(frozen=True)
class Prediction:
    """One (alpha, beta) on a bowl: the rate and steps theory predicts, and what a run did."""

    alpha: float
    beta: float
    rate: float
    predicted_steps: float
    measured_rate: float
    measured_steps: int  # -1 if the run never got there (or diverged)


def bowl(condition: float):
    """The page's quadratic (eigenvalues 1 and 1/condition, rotated 30 degrees)."""
    return get_objective("quadratic", condition=condition, angle=30.0)


def distances(condition: float, alphas: Array, betas: Array, num_steps: int) -> tuple[Array, Array]:
    """Distance to the minimum per step for heavy-ball runs, one per (alpha, beta) pair.

    Returns:
        ``(num_steps + 1, runs)`` distances and the ``(runs,)`` divergence steps.
    """
    obj = bowl(condition)
    result = run_batch(obj, heavy_ball(alphas, betas), obj.x0, num_steps)
    return np.linalg.norm(result.positions, axis=-1), result.diverged_step


def predict(condition: float, alpha: float, beta: float, num_steps: int = 3000) -> Prediction:
    """Theory and a simulated run side by side for one setting."""
    lam_min, lam_max = 1.0 / condition, 1.0
    rate = float(theory.bowl_rate(alpha, beta, lam_min, lam_max))
    dist, diverged = distances(condition, np.array([alpha]), np.array([beta]), num_steps)
    measured = float(theory.measured_rate(dist)[0]) if diverged[0] < 0 else float("inf")
    return Prediction(
        alpha=alpha,
        beta=beta,
        rate=rate,
        predicted_steps=float(theory.steps_to_tolerance(rate, RATIO)),
        measured_rate=measured,
        measured_steps=int(theory.steps_below(dist, RATIO)[0]) if diverged[0] < 0 else -1,
    )


@dataclass(frozen=True, eq=False)
class RateMaps:
    """Predicted rates on a fine (alpha, beta) grid and measured ones on a coarse one."""

    alphas: Array
    betas: Array
    predicted: Array
    coarse_alphas: Array
    coarse_betas: Array
    measured: Array


def rate_maps(condition: float) -> RateMaps:
    """Both maps of the theory page for the bowl with this condition number."""
    alphas, betas = np.linspace(0.02, 4.0, 100), np.linspace(0.0, 0.995, 100)
    a, b = np.meshgrid(alphas, betas)
    predicted = theory.bowl_rate(a, b, 1.0 / condition, 1.0)
    coarse_a, coarse_b = alphas[::4], betas[::4]
    measured = measured_rate_map(condition, coarse_a, coarse_b)
    return RateMaps(alphas, betas, predicted, coarse_a, coarse_b, measured)


def measured_rate_map(condition: float, alphas: Array, betas: Array, num_steps: int = 400) -> Array:
    """Rates measured from simulated runs on the grid (rows: beta); 1 where none converges."""
    a, b = np.meshgrid(alphas, betas)
    dist, diverged = distances(condition, a.ravel(), b.ravel(), num_steps)
    rates = np.asarray(theory.measured_rate(dist), dtype=float)
    rates = np.where((diverged >= 0) | ~np.isfinite(rates), 1.0, np.minimum(rates, 1.0))
    return rates.reshape(a.shape)


def tips(condition: float) -> list[str]:
    """The article's tips, each checked on this bowl (and one on Himmelblau) by real runs."""
    lam_min, lam_max = 1.0 / condition, 1.0
    hb_alpha, _, _ = theory.optimal_momentum(lam_min, lam_max)
    gd_alpha, gd_rate = theory.optimal_gd(lam_min, lam_max)
    out = []

    dist, _ = distances(condition, np.array([hb_alpha]), np.array([1.0]), 2000)
    out.append(
        f"**β = 1 never settles.** At α = {hb_alpha:.3g} the run is still at distance "
        f"{dist[-1, 0]:.3g} from the minimum after 2,000 steps (it started at {dist[0, 0]:.3g}, "
        f"and swings up to {dist[:, 0].max():.3g}): nothing damps it."
    )

    alpha = 3.0 / lam_max
    dist, diverged = distances(condition, np.array([alpha, alpha]), np.array([0.9, 0.2]), 2000)
    high = "converges" if diverged[0] < 0 else f"diverges at step {diverged[0]}"
    low = "converges" if diverged[1] < 0 else f"diverges at step {diverged[1]}"
    him = get_objective("himmelblau")
    race = run_batch(him, heavy_ball(0.028, np.array([0.9, 0.0])), him.x0, 500, summary_only=True)
    him_high = race.diverged_step[0]
    him_low = "diverges too" if race.diverged_step[1] >= 0 else "does not"
    out.append(
        f"**“Reduce momentum when training diverges.”** On this bowl it does not help: at "
        f"α = {alpha:g}, β = 0.9 {high} and β = 0.2 {low}, because heavy ball is stable for "
        f"αλ < 2 + 2β, so less momentum leaves a smaller stable range. It does help on curved "
        f"landscapes: on Himmelblau at α = 0.028, β = 0.9 "
        + (f"diverges at step {him_high} and β = 0 {him_low}." if him_high >= 0 else "converges.")
    )

    alpha = gd_alpha / 20
    betas = np.array([0.0, 0.5, 0.9, 0.99])
    dist, _ = distances(condition, np.full(4, alpha), betas, 20_000)
    steps = theory.steps_below(dist, RATIO)
    said = ", ".join(
        f"{k:,} steps at β = {b:g}" if k >= 0 else f"over 20,000 steps at β = {b:g}"
        for k, b in zip(steps, betas, strict=True)
    )
    out.append(
        f"**Raise momentum when training is slow.** At a small α = {alpha:.3g}, shrinking the "
        f"distance {1 / RATIO:.0e}-fold takes {said}."
    )

    alphas = np.linspace(1e-3, 4.0, 4000)
    best_09 = float(theory.bowl_rate(alphas, 0.9, lam_min, lam_max).min())
    stable_09 = float(alphas[theory.bowl_rate(alphas, 0.9, lam_min, lam_max) < 1].max())
    stable_0 = float(alphas[theory.bowl_rate(alphas, 0.0, lam_min, lam_max) < 1].max())
    out.append(
        f"**β = 0.9 as a default.** It converges for α up to {stable_09:.3g} (β = 0: up to "
        f"{stable_0:.3g}) and at its best α shrinks the error by {best_09:.4f} per step, "
        f"against {gd_rate:.4f} for the best plain gradient descent"
        + (" — better." if best_09 < gd_rate else " — no better here: on a well-conditioned bowl "
           "momentum has little to gain.")
    )  # fmt: skip
    return out
