"""Numbers for the theory page: predicted against measured, on a rotated quadratic bowl.

Pure functions (no Streamlit): each returns plain arrays or a frozen record, and every
sentence the page shows is built here from them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from momentum_app.config.settings import LABELS
from momentum_app.race.figures import COLORS
from momentum_app.race.race_data import COARSE_POINTS, Track, part_data
from momentum_app.race.runs import TOLERANCE, map_spec, view
from momentum_app.studies.theory_figures import rate_map_figure
from momentum_core import (
    MAX_STEPS,
    BatchResult,
    Family,
    get_objective,
    heavy_ball,
    run_batch,
    theory,
)
from momentum_core.outcome import outcome as outcome_of
from momentum_core.spaces import grid_runs, run_space

Array = np.ndarray
#: "Converged" on the theory page: the distance to the minimum shrank by this factor.
RATIO = 1e-6
#: A run's length when theory expects it never to get there (and the least length).
SHORT_RUN = 3000


@dataclass(frozen=True)
class Prediction:
    """One (alpha, beta) on a bowl: the rate and steps theory predicts, and what a run did."""

    alpha: float
    beta: float
    rate: float
    predicted_steps: float  # inf if the rate is >= 1
    measured_rate: float  # inf if the run diverged
    measured_steps: int  # -1 if the run did not get there in its num_steps (or diverged)
    num_steps: int  # how long the run was
    diverged_step: int  # -1 if it never diverged


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


def run_length(predicted_steps: float) -> int:
    """Steps to simulate for a setting theory says needs ``predicted_steps``.

    Twice the prediction (a double root, as at the optimum, takes longer than its rate
    says), at least 3,000, at most the core's :data:`~momentum_core.MAX_STEPS`; 3,000 for a
    setting that should never get there. Measured steps beyond the run read "> N".
    """
    if not np.isfinite(predicted_steps):
        return SHORT_RUN
    return int(min(MAX_STEPS, max(SHORT_RUN, 2 * predicted_steps + 100)))


def predict(condition: float, alpha: float, beta: float) -> Prediction:
    """Theory and a simulated run, long enough to reach the ratio, side by side."""
    lam_min, lam_max = 1.0 / condition, 1.0
    rate = float(theory.bowl_rate(alpha, beta, lam_min, lam_max))
    predicted = float(theory.steps_to_tolerance(rate, RATIO))
    num_steps = run_length(predicted)
    dist, diverged = distances(condition, np.array([alpha]), np.array([beta]), num_steps)
    ok = diverged[0] < 0
    return Prediction(
        alpha=alpha,
        beta=beta,
        rate=rate,
        predicted_steps=predicted,
        measured_rate=float(theory.measured_rate(dist)[0]) if ok else float("inf"),
        measured_steps=int(theory.steps_below(dist, RATIO)[0]) if ok else -1,
        num_steps=num_steps,
        diverged_step=int(diverged[0]),
    )


def measured_steps_text(p: Prediction) -> str:
    """The table's measured-steps cell: a count, "> N" or where the run diverged."""
    if p.diverged_step >= 0:
        return f"diverges at step {p.diverged_step:,}"
    return f"{p.measured_steps:,}" if p.measured_steps >= 0 else f"> {p.num_steps:,}"


def predicted_steps_text(p: Prediction) -> str:
    """The table's predicted-steps cell: a count, or "never" for a rate >= 1."""
    return f"{p.predicted_steps:,.0f}" if np.isfinite(p.predicted_steps) else "never (rate ≥ 1)"


def table(rows: dict[str, Prediction]) -> dict[str, list]:
    """The theory page's table, one row per named setting."""
    preds = list(rows.values())
    return {
        "setting": list(rows),
        "α": [p.alpha for p in preds],
        "β": [p.beta for p in preds],
        "predicted rate": [p.rate for p in preds],
        "measured rate": [p.measured_rate for p in preds],
        # Short headers: the long one pushed "measured steps" off a laptop's table.
        f"predicted steps (distance ÷ {1 / RATIO:.0e})".replace("e+0", "e"): [
            predicted_steps_text(p) for p in preds
        ],
        "measured steps": [measured_steps_text(p) for p in preds],
    }


def _count(k: float) -> str:
    """``"1 step"``, ``"6,908 steps"``."""
    return f"{k:,.0f} step" + ("" if round(k) == 1 else "s")


def _needs(p: Prediction) -> str:
    """What a run needed, as a phrase after "needs" (or what it did instead)."""
    if p.diverged_step >= 0:
        return f"diverges at step {p.diverged_step:,} instead"
    if p.measured_steps >= 0:
        return _count(p.measured_steps)
    return f"more than {_count(p.num_steps)} (its run stops there)"


def _predicts(p: Prediction) -> str:
    """What theory says of a setting: its rate per step and the steps that rate means."""
    if p.rate <= 0:
        return "removes the error in one step"
    if not np.isfinite(p.predicted_steps):
        return f"shrinks the error by {p.rate:.4f} per step, which never gets there"
    return f"shrinks the error by {p.rate:.4f} per step: {_count(max(p.predicted_steps, 1))}"


def comparison(condition: float, gd: Prediction, hb: Prediction) -> str:
    """The sentences under the table: what theory predicts for optimal gradient descent and
    optimal momentum, then what their runs measured; never one number of each kind in a
    sentence (0.8182 per step means 69 steps, and the run's 90 is another sentence)."""
    text = (
        f"**Predicted** at κ = {condition:g}: optimal gradient descent (α\\* = {gd.alpha:.4g})"
        f" {_predicts(gd)}; optimal momentum (α\\* = {hb.alpha:.4g}, β\\* = {hb.beta:.4g})"
        f" {_predicts(hb)}. **Measured:** gradient descent needs {_needs(gd)} and momentum"
        f" needs {_needs(hb)}"
    )
    if hb.measured_steps <= 0 or gd.diverged_step >= 0:
        return text + "."
    if gd.measured_steps == hb.measured_steps:
        return text + ": as many."
    if gd.measured_steps >= 0:
        return text + f": {gd.measured_steps / hb.measured_steps:.1f}× fewer."
    return text + f": more than {gd.num_steps / hb.measured_steps:.1f}× fewer."


@dataclass(frozen=True, eq=False)
class RateMaps:
    """Predicted rates on a fine (alpha, beta) grid and measured ones on a coarse one."""

    alphas: Array
    betas: Array
    predicted: Array
    coarse_alphas: Array
    coarse_betas: Array
    measured: Array

    @property
    def zmin(self) -> float:
        """The bottom of both maps' colour scale: the best predicted rate, rounded down to
        a multiple of 0.05 (rates crowd near 1)."""
        return float(np.floor(self.predicted.min() * 20) / 20)

    @property
    def alpha_range(self) -> tuple[float, float]:
        """The x range of both maps (the fine grid's), so the two line up."""
        return 0.0, float(self.alphas.max())

    @property
    def beta_range(self) -> tuple[float, float]:
        """The y range of both maps: momentum 0 to 1."""
        return 0.0, 1.0


#: The predicted map's cells (the same for every condition number).
MAP_ALPHAS, MAP_BETAS = np.linspace(0.02, 4.0, 100), np.linspace(0.0, 0.995, 100)
#: The pad's runs: every third cell of the map each way (34 x 34), this many steps each.
PAD_EVERY, PAD_STEPS = 3, 400


def cell_setting(cell: list) -> dict[str, float] | None:
    """The (alpha, beta) of the predicted map's cell ``[row, col]`` (a click on the map),
    or None for anything else."""
    if not (isinstance(cell, list) and len(cell) == 2 and all(isinstance(v, int) for v in cell)):
        return None
    row, col = cell
    if not (0 <= row < len(MAP_BETAS) and 0 <= col < len(MAP_ALPHAS)):
        return None
    return {"alpha": float(MAP_ALPHAS[col]), "beta": float(MAP_BETAS[row])}


def _rate_note(predicted: float, measured: float, diverged: int) -> str:
    said = f"predicted rate {predicted:.4f}" if predicted < 1 else "predicted: no convergence"
    if diverged >= 0:
        seen = f"measured: diverged at step {diverged:,}"
    elif np.isfinite(measured):
        seen = f"measured rate {measured:.4f}"
    else:
        seen = "measured: no rate"
    return f"<i>{said} · {seen}</i>"


def pad_part(condition: float) -> str:
    """Heavy ball on the bowl from its start over every third cell of the predicted map
    (a part of kind ``pad``), each run's readout line its predicted and measured rate."""
    obj = bowl(condition)
    alphas, betas = MAP_ALPHAS[::PAD_EVERY], MAP_BETAS[::PAD_EVERY]
    lr, mu = grid_runs(alphas, betas)
    result = run_space(obj, "momentum", lr, mu, obj.x0, PAD_STEPS, loss_tol=TOLERANCE)
    measured = np.asarray(theory.measured_rate(np.linalg.norm(result.positions, axis=-1)))
    predicted = theory.bowl_rate(lr, mu, 1.0 / condition, 1.0)
    notes = [
        _rate_note(p, m, k)
        for p, m, k in zip(predicted, measured, result.diverged_step, strict=True)
    ]
    axes = {"alphas": alphas.tolist(), "betas": betas.tolist(), "notes": notes}
    return part_data(obj, "pad", {"momentum": result}, axes, coarse=COARSE_POINTS)


def map_race(
    maps: RateMaps,
    condition: float,
    alpha: float,
    beta: float,
    font_size: int,
    presenting: bool = False,
) -> str:
    """The race component's data for the theory page: the predicted-rate map beside the
    bowl with the run at (alpha, beta) (``presenting``: the map's presenter look)."""
    obj = bowl(condition)
    run = run_space(obj, "momentum", alpha, beta, obj.x0, PAD_STEPS, loss_tol=TOLERANCE)
    track = Track("momentum", LABELS["momentum"], COLORS["momentum"], Family("momentum", None, run))
    gd_alpha, _ = theory.optimal_gd(1.0 / condition, 1.0)
    hb_alpha, hb_beta, _ = theory.optimal_momentum(1.0 / condition, 1.0)
    optima = {"optimal GD": (gd_alpha, 0.0), "optimal momentum": (hb_alpha, hb_beta)}
    options = map_options(maps, optima, (alpha, beta), font_size, presenting)
    figure = rate_map_figure(maps.alphas, maps.betas, maps.predicted, "Predicted rate", **options)
    spec = map_spec(figure, maps.alphas, maps.betas)
    return view(obj, obj.x0, [track], font_size, alpha, spec, beta)


def rate_maps(condition: float) -> RateMaps:
    """Both maps of the theory page for the bowl with this condition number."""
    alphas, betas = MAP_ALPHAS, MAP_BETAS
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


#: The "reduce momentum" tip on Himmelblau: its learning rate, momenta and run length.
HIMMELBLAU_LR, HIMMELBLAU_MOMENTA, HIMMELBLAU_STEPS = 0.028, (0.9, 0.5, 0.0), 300


def himmelblau_runs() -> BatchResult:
    """Heavy ball on Himmelblau from its default start, one run per momentum of the tip
    (in one batch), with the playground's tolerance on f − f* (as the Scenes page)."""
    him = get_objective("himmelblau")
    opt = heavy_ball(HIMMELBLAU_LR, np.array(HIMMELBLAU_MOMENTA))
    return run_batch(him, opt, him.x0, HIMMELBLAU_STEPS, loss_tol=TOLERANCE)


def two_cycle(gaps: Array, rel: float = 1e-9) -> tuple[int, float, float] | None:
    """Whether a run ends bouncing between two values of f − f* on alternate steps.

    Returns:
        ``(first step of the cycle, low, high)`` if every value from that step on equals
        the one two steps before (to ``rel``) and the two differ; else None.
    """
    g = np.asarray(gaps, dtype=float)
    if len(g) < 5:
        return None
    same = np.abs(g[2:] - g[:-2]) <= rel * (1 + np.abs(g[2:]))
    low, high = sorted((float(g[-1]), float(g[-2])))
    if not same[-2:].all() or high - low <= rel * (1 + high):
        return None
    first = len(same) - int(np.argmin(same[::-1])) if not same.all() else 0
    return first, low, high


def outcome(runs: BatchResult, i: int) -> str:
    """What became of run ``i`` of :func:`himmelblau_runs`, as a phrase after its β."""
    steps = runs.num_steps
    him = get_objective("himmelblau")
    happened = outcome_of(him, runs, i)
    gaps = runs.losses[:, i] - him.f_star
    cycle = two_cycle(gaps) if happened.kind == "moving" else None
    if not cycle:
        return happened.phrase(TOLERANCE).replace("*", "\\*")
    first, low, high = cycle
    return (
        f"does not diverge but never converges either: from step {first:,} to the last "
        f"({steps:,}) it jumps between f − f\\* = {low:.2f} and {high:.2f} on alternate "
        f"steps, a 2-cycle"
    )


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
    him = himmelblau_runs()
    out.append(
        f"**“Reduce momentum when training diverges.”** On this bowl it does not help: at "
        f"α = {alpha:g}, β = 0.9 {high} and β = 0.2 {low}, because heavy ball is stable for "
        f"αλ < 2 + 2β, so less momentum leaves a smaller stable range. On a curved landscape "
        f"it can: on Himmelblau at α = {HIMMELBLAU_LR:g}, "
        + "; ".join(f"β = {b:g} {outcome(him, i)}" for i, b in enumerate(HIMMELBLAU_MOMENTA))
        + "."
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


def map_options(
    maps: RateMaps,
    optima: dict[str, tuple[float, float]],
    yours: tuple[float, float],
    font_size: int,
    presenting: bool = False,
) -> dict:
    """The options both rate maps share (colour scale, axes, markers), so that a cell
    means the same on either (keyword arguments of ``theory_figures.rate_map_figure``)."""
    return {
        "lam_max": 1.0,
        "optima": optima,
        "yours": yours,
        "x_range": maps.alpha_range,
        "y_range": maps.beta_range,
        "zmin": maps.zmin,
        "font_size": font_size,
        "presenting": presenting,
    }
