"""A race: the same start, learning rate and momentum for several optimizers.

Pure functions (no Streamlit): run the race through the core, then describe it in a table,
a one-line verdict and a CSV, every number computed from the runs themselves.
"""

from __future__ import annotations

import functools
import io
import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from momentum_app.config.settings import LABELS, RaceSettings
from momentum_app.race.figures import COLORS, heatmaps_as_image, race_figure
from momentum_app.race.inspect_data import run_inspection, with_inspection
from momentum_app.race.race_data import (
    COARSE_POINTS,
    START_POINTS,
    RaceRun,
    Track,
    gap_range,
    part_data,
    race_data,
    start_gap_range,
)
from momentum_core import (
    FAMILY_GRID,
    MOMENTUM_OPTIMIZERS,
    BatchResult,
    Family,
    Objective,
    Tuned,
    get_objective,
    make_optimizer,
    momentum_ramp,
    outcome,
    run_batch,
    run_family,
    spaces,
    take_run,
    tune,
)
from momentum_core.spaces import (
    LINE_POINTS,
    PAD_MOMENTA,
    PAD_RATES,
    grid_runs,
    line_rates,
    lr_line,
    pad_base,
    pad_momenta,
    pad_rates,
    run_space,
    start_grid,
    start_runs,
)
from momentum_core.sweeps import ROBUST_FACTOR
from momentum_core.theory import bowl_rate

#: The playground's caption (``[[pointer|touch]]``: the words for a mouse and for a finger).
INTRO = (
    "Pick a landscape, set the learning rate α and momentum β, press **Play**. Scrub α and β "
    "in the chart, or [[move over|drag across]] the (α, β) pad, to switch paths at once; "
    "drag the start marker, or [[click|tap]] the landscape, to start somewhere else."
)

#: "Reached the minimum" means f - f* fell below this and stayed below.
TOLERANCE = 1e-6
#: A run whose gradient norm stays below this has stopped (in a minimum, maybe a local one).
GRAD_TOLERANCE = 1e-6


def solo(s: RaceSettings, name: str) -> RaceSettings:
    """The settings that decide optimizer ``name``'s run alone: the others dropped and,
    for an optimizer without momentum, the momentum zeroed, so that caching on these
    settings reuses SGD's run when only the momentum changes."""
    momentum = s.momentum if name in MOMENTUM_OPTIMIZERS else 0.0
    return replace(s, optimizers=(name,), momentum=momentum)


def run_one(s: RaceSettings) -> BatchResult:
    """The run of the single optimizer in ``s.optimizers`` (see :func:`solo`)."""
    (name,) = s.optimizers
    schedule = momentum_ramp(*s.ramp) if s.ramp else None
    return run_batch(
        s.objective,
        make_optimizer(name, s.lr, s.momentum, momentum_schedule=schedule),
        s.start,
        s.steps,
        noise=s.noise,
        seed=s.seed,  # the same seed for every optimizer: they see the same noise
        loss_tol=TOLERANCE,
        grad_tol=GRAD_TOLERANCE,
    )


def run_race(
    s: RaceSettings, run: Callable[[RaceSettings], BatchResult] = run_one
) -> dict[str, BatchResult]:
    """One run per optimizer in ``s.optimizers``, all seeing the same gradient noise.

    Args:
        s: The race.
        run: Runs one optimizer's :func:`solo` settings (a cached wrapper in the app).
    """
    return {name: run(own(s, name)) for name in s.optimizers}


def family_key(s: RaceSettings) -> RaceSettings:
    """The settings that decide a race's families: every momentum on the families' grid
    gives the same families, so the momentum is kept only when it is off the grid."""
    if s.tuned:  # each racer's own α and β: the chosen ones decide nothing
        return tuning_key(s)
    on_grid = bool(np.isclose(FAMILY_GRID, s.momentum, rtol=0, atol=1e-12).any())
    return replace(s, momentum=0.0 if on_grid else s.momentum)


def race_families(s: RaceSettings) -> dict[str, Family]:
    """Every optimizer of the race as a :class:`~momentum_core.Family`: the momentum
    optimizers at every momentum of the grid (and ``s.momentum``), the others as one run.

    SGD is the first family's momentum-0 member (the same numbers), not a run of its own.
    With ``s.tuned``, each racer is one run, at its own best α and β (see :func:`at_best`).
    """
    if s.tuned:
        return {name: Family(name, None, run_one(at_best(s, name))) for name in s.optimizers}
    options = {"noise": s.noise, "seed": s.seed, "loss_tol": TOLERANCE, "grad_tol": GRAD_TOLERANCE}
    families = {
        name: run_family(s.objective, name, s.lr, s.momentum, s.start, s.steps, **options)
        for name in s.optimizers
        if name in MOMENTUM_OPTIMIZERS
    }
    out = {}
    for name in s.optimizers:
        if name in families:
            out[name] = families[name]
        elif name == "sgd" and families:
            first = next(iter(families.values()))
            out[name] = Family("sgd", None, take_run(first.result, first.index(0.0)))
        else:
            out[name] = Family(name, None, run_one(solo(s, name)))
    return out


def selected(families: dict[str, Family], momentum: float) -> dict[str, BatchResult]:
    """Each optimizer's run at ``momentum`` (its only run, for those without momentum)."""
    return {name: f.member(momentum) for name, f in families.items()}


def tracks(families: dict[str, Family], s: RaceSettings | None = None) -> list[Track]:
    """The families as the race component draws them (a tuned race ``s``'s labelled with
    each racer's own α and β)."""
    named = (lambda n: racer_label(n, s)) if s is not None and s.tuned else LABELS.get
    return [Track(n, named(n), COLORS[n], f) for n, f in families.items()]


@dataclass(frozen=True, eq=False)
class RaceView:
    """A race as a page shows it: each optimizer's family, as summaries (the outcome of
    every run, no trajectories, so a cache of many races stays small), the race
    component's data (every run, thinned)."""

    families: dict[str, Family]
    data: str


def _summary(family: Family) -> Family:
    result = replace(family.result, positions=None, losses=None, grad_norms=None)
    return replace(family, result=result)


def view(
    obj: Objective,
    start: tuple[float, float],
    racers: list[Track],
    font_size: int,
    lr: float | None = None,
    map_spec: dict | None = None,
    momentum: float | None = None,
    tolerance: float = TOLERANCE,
    axes: dict | None = None,
    runs: bool = True,
) -> str:
    """The race component's data for these racers (the still chart included); ``lr`` is
    the learning rate every racer shares (None when they differ, as in a scene);
    ``map_spec`` a page's map drawn beside the race (see :func:`map_spec`); ``momentum``
    the momentum of a single racer (a family's arrives from the page's feed);
    ``tolerance`` the ``f - f*`` the readout names (a network's loss has its own scale);
    ``axes`` the still chart's axis titles and ticks where x, y and steps are not what
    it shows (see :func:`~momentum_app.race.figures.race_figure`)); without ``runs``,
    the chart with none of them, nor a loss range of theirs (a room's question before its
    reveal, see :func:`~momentum_app.race.race_data.no_runs`)."""
    log_range = gap_range(obj, racers) if runs else start_gap_range(obj, start)
    legend = [(t.label, t.color) for t in racers]
    steps = racers[0].family.result.num_steps
    figure = race_figure(obj, legend, start, steps, log_range, font_size=font_size, axes=axes)
    chosen = {"start": [float(v) for v in start], "alpha": lr, "beta": momentum}
    return race_data(obj, racers, figure, log_range, tolerance, chosen, map_spec, runs)


def map_spec(figure: go.Figure, lrs: np.ndarray, momenta: np.ndarray) -> dict:
    """A page's (α, β) map for the race component: its figure and the centres of its
    cells (the pointer picks the nearest; a ``pad`` part holds their runs)."""
    shown = go.Figure(figure)  # the readout says what the cell under the pointer did
    if shown.layout.xaxis.type == "log":  # a third of the page: decades only
        shown.update_xaxes(dtick=1)
    return {
        "figure": heatmaps_as_image(shown),
        "alphas": np.asarray(lrs, dtype=float).tolist(),
        "betas": np.asarray(momenta, dtype=float).tolist(),
        "xlog": figure.layout.xaxis.type == "log",
    }


def race_view(s: RaceSettings, font_size: int = 14) -> RaceView:
    """Run the race's families and describe them (see :class:`RaceView`)."""
    families = race_families(s)
    data = view(s.objective, s.start, tracks(families, s), font_size, None if s.tuned else s.lr)
    if s.tuned:  # a race of single runs at their own α and β: their numbers travel with it
        data = with_inspection(data, [_inspection(at_best(s, name)) for name in s.optimizers])
    return RaceView({name: _summary(f) for name, f in families.items()}, data)


# --- the sets of runs that join a race after it is drawn ---------------------------------
# Each is keyed on the settings that decide it (see *_key), so that every learning rate on
# the line, and every momentum on the pad's axis, shares one computation for every visitor.


def _options(s: RaceSettings) -> dict:
    return {"noise": s.noise, "seed": s.seed, "loss_tol": TOLERANCE, "grad_tol": GRAD_TOLERANCE}


def _on(values: np.ndarray, value: float) -> bool:
    return bool(np.isclose(values, value, rtol=1e-12, atol=0).any())


#: The α line and the grid of starts are as fine as the data sent allows: the finest
#: (:data:`~momentum_core.spaces.LINE_POINTS` rates, ``spaces.START_POINTS`` starts a side)
#: for up to this many racers (the default race); with more, the line takes the pad's
#: rates and the grid keeps about as many runs in all, coarser (1.5 MB at most in all).
FINE_RACERS = 2


def line_points(racers: int) -> int:
    """Learning rates on the α line of a race of ``racers`` (the chosen one not counted)."""
    return LINE_POINTS if racers <= FINE_RACERS else PAD_RATES


def start_points(racers: int) -> int:
    """Starts per axis of the grid of starts of a race of ``racers``."""
    most = spaces.START_POINTS
    return min(most, math.isqrt(FINE_RACERS * most**2 // max(racers, 1)))


def _line_base(s: RaceSettings) -> np.ndarray:
    fine = line_points(len(s.optimizers)) == LINE_POINTS
    return line_rates(s.objective) if fine else pad_base(s.objective)


def race_line(s: RaceSettings) -> np.ndarray:
    """The α line of race ``s``: :func:`line_points` rates (the pad's are some of them),
    with the chosen one."""
    if line_points(len(s.optimizers)) == LINE_POINTS:
        return lr_line(s.objective, s.lr)
    return pad_rates(s.objective, s.lr)


def line_key(s: RaceSettings) -> RaceSettings:
    """The settings that decide the learning-rate line: a learning rate on the line gives
    the same line (kept as the line's first value), optimizers without momentum ignore β."""
    base = _line_base(s)
    momentum = s.momentum if any(n in MOMENTUM_OPTIMIZERS for n in s.optimizers) else 0.0
    return replace(s, lr=float(base[0]) if _on(base, s.lr) else s.lr, momentum=momentum)


def line_part(s: RaceSettings, coarse: int = 0) -> str:
    """Every racer at every learning rate of the line (:func:`line_points` of them, with
    the chosen one; at the chosen momentum), as a part of the race (kind ``alpha``);
    ``coarse``: at most this many points a run (0: the race's own thinning)."""
    obj = s.objective
    lrs = race_line(s)
    results = {
        name: run_space(obj, name, lrs, s.momentum, s.start, s.steps, **_options(s))
        for name in s.optimizers
    }
    axes = {"alphas": lrs.tolist(), "beta": s.momentum}
    return part_data(obj, "alpha", results, axes, coarse)


def pad_key(s: RaceSettings) -> RaceSettings:
    """The settings that decide the (α, β) pad: every α on the pad's axis gives the same
    pad (kept as its first value), and so does every β on it."""
    base = pad_base(s.objective)
    return replace(s, lr=float(base[0]) if _on(base, s.lr) else s.lr,
                   momentum=0.0 if _on(PAD_MOMENTA, s.momentum) else s.momentum)  # fmt: skip


def grid_result(
    obj: Objective,
    name: str,
    lrs: np.ndarray,
    momenta: np.ndarray,
    start: tuple[float, float],
    steps: int,
    **options,
) -> BatchResult:
    """Optimizer ``name`` over an (α, β) grid, run ``j * len(lrs) + i`` at ``lrs[i]``,
    ``momenta[j]`` (the pad's layout)."""
    lr, mu = grid_runs(lrs, momenta)
    return run_space(obj, name, lr, mu, start, steps, **options)


def grid_part(
    obj: Objective,
    name: str,
    lrs: np.ndarray,
    momenta: np.ndarray,
    start: tuple[float, float],
    steps: int,
    notes: list[str] | None = None,
    result: BatchResult | None = None,
    track: int | None = None,
    runs: bool = True,
    **options,
) -> str:
    """Optimizer ``name`` over an (α, β) grid (:func:`grid_result`, or its ``result`` when
    already run) as a part of kind ``pad`` (thinned coarsely: it is seen while scrubbing),
    with an optional line of text per run for the readout; ``track``: the index of the one
    racer it belongs to (a scene's racers may share an optimizer), else every racer
    ``name``. Without ``runs``: the grid alone, its cells' runs left out (a room's
    question before its reveal; nothing is run)."""
    if not runs:
        result = None
    elif result is None:
        result = grid_result(obj, name, lrs, momenta, start, steps, **options)
    axes = {"alphas": np.asarray(lrs).tolist(), "betas": np.asarray(momenta).tolist()}
    if notes is not None:
        axes["notes"] = notes
    if track is not None:
        axes["track"] = track
    return part_data(obj, "pad", {name: result}, axes, coarse=COARSE_POINTS, runs=runs)


def pad_part(s: RaceSettings) -> str | None:
    """The first momentum racer over the (α, β) grid (:func:`~momentum_core.spaces.pad_rates`
    x :func:`~momentum_core.spaces.pad_momenta`) as a part of the race (see
    :func:`grid_part`); None without a momentum racer. One racer's pad only: a pad is the
    sweep in miniature, and three momentum racers would triple the largest part for a view
    of one point."""
    name = next((n for n in s.optimizers if n in MOMENTUM_OPTIMIZERS), None)
    if name is None:
        return None
    obj = s.objective
    lrs, momenta = pad_rates(obj, s.lr), pad_momenta(s.momentum)
    return grid_part(obj, name, lrs, momenta, s.start, s.steps, **_options(s))


def start_key(s: RaceSettings) -> RaceSettings:
    """The settings that decide the grid of starts: all but the start."""
    return replace(s, start=tuple(float(v) for v in s.objective.x0))


def start_part(s: RaceSettings) -> str:
    """Every racer from every start of :func:`~momentum_core.spaces.start_grid`
    (:func:`start_points` a side) at the chosen α and β, as a part of the race (kind
    ``start``)."""
    obj = s.objective
    xs, ys = start_grid(obj, start_points(len(s.optimizers)))
    starts = start_runs(xs, ys)
    results = {
        name: run_space(obj, name, s.lr, s.momentum, starts, s.steps, **_options(s))
        for name in s.optimizers
    }
    axes = {"xs": xs.tolist(), "ys": ys.tolist(), "alpha": s.lr, "beta": s.momentum}
    return part_data(obj, "start", results, axes, coarse=START_POINTS)


def racer_label(name: str, s: RaceSettings) -> str:
    """``Momentum (α = 0.0015, β = 0.9)``: an optimizer with the settings it ran at
    (``Momentum (best α = 0.001956, β = 0.9)`` in a tuned race: its own, see :func:`at_best`)."""
    if s.tuned:
        best = at_best(s, name)
        values = [f"best α = {best.lr:g}"]
        if name in MOMENTUM_OPTIMIZERS:
            values.append(f"β = {best.momentum:g}")
        return f"{LABELS[name]} ({', '.join(values)})"
    values = [f"α = {s.lr:g}"]
    if name in MOMENTUM_OPTIMIZERS:
        ramp = s.ramp
        values.append(f"β = {ramp[0]:g}→{ramp[1]:g}" if ramp else f"β = {s.momentum:g}")
    return f"{LABELS[name]} ({', '.join(values)})"


def export_title(s: RaceSettings) -> str:
    """What an exported race shows, for its title: the function with its formula and the
    start (each racer's α and β are in its label, see :func:`racer_label`)."""
    obj = s.objective
    name = obj.title.split(":")[0]  # a typed formula's title repeats its formula
    formula = obj.formula if len(obj.formula) <= 48 else obj.formula[:47] + "…"
    x, y = s.start
    return f"{name}: f = {formula}, start ({x:g}, {y:g})"


def race_runs(
    obj: Objective, results: dict[str, BatchResult], s: RaceSettings | None = None
) -> list[RaceRun]:
    """The figure's view of the race (labelled with α and β when ``s`` is given)."""
    return [
        RaceRun(
            name=name,
            label=LABELS[name] if s is None else racer_label(name, s),
            positions=r.positions[:, 0],
            gaps=r.losses[:, 0] - obj.f_star,
            diverged_step=int(r.diverged_step[0]),
        )
        for name, r in results.items()
    ]


def results_table(obj: Objective, results: dict[str, BatchResult]) -> pd.DataFrame:
    """Per optimizer: final loss, distance to the nearest global minimum, the minimum it
    ended nearest to (none for a diverged run), its outcome and steps to tolerance; the
    numbers as numbers (see :func:`shown_table` for the page's text)."""
    rows = []
    for name, r in results.items():
        happened = outcome(obj, r)
        dist = np.linalg.norm(obj.global_minima - r.final_position[0], axis=1).min()
        kind = "global " if happened.is_global else "local "
        rows.append(
            {
                "optimizer": LABELS[name],
                "final f": float(r.final_loss[0]),
                "f - f*": happened.gap,
                "distance to global min": float(dist),
                "nearest minimum": None if happened.kind == "diverged" else kind + happened.where,
                # Which local minimum: the column before says (the cell was cut off).
                "status": "stuck in a local min" if happened.kind == "stuck" else happened.status(),
                f"steps to f - f* < {TOLERANCE:g}": int(r.tol_step[0])
                if r.tol_step[0] >= 0
                else None,
            }
        )
    # Nullable integers: with a None among them plain pandas makes the steps floats, and
    # the results CSV wrote 917 as "917.0".
    steps = f"steps to f - f* < {TOLERANCE:g}"
    return pd.DataFrame(rows).astype({steps: "Int64"}).set_index("optimizer")


def number(value: float | None) -> str:
    """The app's one number format: four significant digits, "—" for none."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "—"
    return f"{value:,}" if isinstance(value, int) else f"{value:.4g}"


def _plain(value: object) -> int | float:
    """A numpy or pandas scalar as the Python int or float :func:`number` formats."""
    return int(value) if isinstance(value, (int, np.integer)) else float(value)


def shown_table(table: pd.DataFrame) -> pd.DataFrame:
    """The results table as the page shows it: every number in :func:`number`'s format,
    the headers with a true minus sign, as in the verdict."""
    rows = [
        [v if isinstance(v, str) else number(None if pd.isna(v) else _plain(v)) for v in row]
        for row in table.itertuples(index=False)
    ]
    columns = [c.replace("f - f*", "f − f*") for c in table.columns]
    return pd.DataFrame(rows, index=table.index, columns=columns, dtype=object)


#: Pixel widths of the shown table's columns (the optimizer first, pinned): each holds its
#: header and its longest value ("Momentum (Keras form)", "converged at step 3,000") in the
#: app's font; the status column was "large" and cut the others.
TABLE_WIDTHS = {
    "optimizer": 165, "final f": 85, "f − f*": 85, "distance to global min": 150,
    "nearest minimum": 135, "status": 165, f"steps to f − f* < {TOLERANCE:g}": 170,
}  # fmt: skip


def verdict(obj: Objective, results: dict[str, BatchResult], s: RaceSettings | None = None) -> str:
    """One sentence on who reached the minimum, how fast, and what became of the rest (a
    tuned race ``s``: :func:`fair_verdict`)."""
    if s is not None and s.tuned and not _no_minimum(obj):
        return fair_verdict(obj, results, s)
    steps = next(iter(results.values())).num_steps
    outcomes = {name: outcome(obj, r) for name, r in results.items()}
    lacking = _no_minimum(obj)
    if lacking:
        return lacking
    reached = sorted((o.step, LABELS[n]) for n, o in outcomes.items() if o.kind == "converged")
    parts = [f"{label} reached f − f* < {TOLERANCE:g} in {_steps(k)}" for k, label in reached]
    for name, o in outcomes.items():
        label = LABELS[name]
        if o.kind == "diverged":
            parts.append(f"{label} diverged at step {o.step:,}")
        elif o.kind == "stuck":
            parts.append(f"{label} got stuck in the local minimum {o.where}")
        elif o.kind == "moving":
            parts.append(f"{label} did not get there within {_steps(steps)} (f − f* = {o.gap:.3g})")
    sentence = "; ".join(parts) + "."
    if len(reached) >= 2 and reached[0][0] > 0:
        (k0, fastest), (k1, second) = reached[0], reached[1]
        if k0 == k1:
            sentence += f" {fastest} was as fast as {second}."
        else:
            sentence += f" {fastest} needed {k1 / k0:.1f}× fewer steps than {second}."
    return sentence[0].upper() + sentence[1:]


def why_sgd_wins(
    obj: Objective,
    results: dict[str, BatchResult],
    s: RaceSettings,
    whole: Callable[[], dict[str, BatchResult]] | None = None,
) -> str:
    """When plain gradient descent reaches the tolerance sooner than heavy-ball momentum,
    why, from the runs: momentum overshoots (its loss goes up and down; counted); and, when
    the theory of momentum on a quadratic agrees, from the landscape's curvatures at its
    global minimum (a smooth minimum is a quadratic up close): there gradient descent's
    factor per step beats momentum's, which is never below √β once it swings. Else ``""``.
    ``results`` may be summaries: ``whole`` then gives the runs with their loss curves
    (asked for only when SGD won).
    """
    sgd, heavy = results.get("sgd"), results.get("momentum")
    if s.tuned:  # each at its own α and β: the fair verdict says who wins (fair_verdict)
        return ""
    if sgd is None or heavy is None or not 0 < s.momentum < 1:
        return ""
    k_sgd, k_heavy = (outcome(obj, r) for r in (sgd, heavy))
    if k_sgd.kind != "converged" or (k_heavy.kind == "converged" and k_heavy.step <= k_sgd.step):
        return ""
    if heavy.losses is None or sgd.losses is None:
        if whole is None:
            return ""
        full = whole()
        sgd, heavy = full["sgd"], full["momentum"]
    upto = k_heavy.step if k_heavy.kind == "converged" else heavy.num_steps
    rises = int(np.sum(np.diff(heavy.losses[: upto + 1, 0]) > 0))
    sgd_rises = int(np.sum(np.diff(sgd.losses[: k_sgd.step + 1, 0]) > 0))
    if rises <= sgd_rises:
        return ""
    text = (
        f"Why plain gradient descent wins here: momentum β = {s.momentum:g} overshoots and "
        f"swings back, its loss rising {_times(rises)} on the way (SGD's: {_times(sgd_rises)})."
    )
    spread = _curvature_spread(obj)
    if spread is not None:
        lo, hi = spread
        gd, hb = (float(bowl_rate(s.lr, b, lo, hi)) for b in (0.0, s.momentum))
        if gd < hb < 1:
            text += (
                f" Near the minimum this landscape is a bowl whose curvatures differ "
                f"{hi / lo:.3g}×: at α = {s.lr:g} gradient descent shrinks the error by a "
                f"factor {gd:.3g} a step, momentum by {hb:.3g} at best (theory for a quadratic)."
            )
    rosenbrock = _curvature_spread(get_objective("rosenbrock"))
    return text + (
        " Momentum pays off in long, narrow valleys, whose curvatures are far apart: "
        f"Rosenbrock's differ {rosenbrock[1] / rosenbrock[0]:,.0f}×."
    )


def _curvature_spread(obj: Objective) -> tuple[float, float] | None:
    """The smallest and largest curvature at the global minimum, or None (not a bowl there,
    or a typed formula's estimated minimum)."""
    if obj.minima_estimated or obj.hessian is None:
        return None
    with np.errstate(all="ignore"):
        hessian = obj.hessian(np.asarray(obj.global_minima[0], dtype=float)[None])[0]
        curvatures = np.linalg.eigvalsh(hessian)
    if not np.all(np.isfinite(curvatures)) or curvatures[0] <= 0:
        return None
    return float(curvatures[0]), float(curvatures[-1])


def _times(k: int) -> str:
    return {0: "never", 1: "once"}.get(k, f"{k:,} times")


def _steps(k: int) -> str:
    """``"1 step"``, ``"1,000 steps"``."""
    return f"{k:,} step" + ("" if k == 1 else "s")


def _no_minimum(obj: Objective) -> str:
    """The sentence for a landscape with nothing to race to, else ``""``.

    A flat landscape (``0``) gave a learning rate of 5e11 and "reached in 0 steps"; a plane
    (``y``) has its lowest point on the domain's edge, which a run "reaches" by flying off.
    """
    (x0, x1), (y0, y1) = obj.domain
    with np.errstate(all="ignore"):
        grid = np.stack(np.meshgrid(np.linspace(x0, x1, 9), np.linspace(y0, y1, 9)), -1)
        values = obj.value(grid.reshape(-1, 2))
    if np.ptp(values[np.isfinite(values)]) <= 1e-12 * (1 + abs(obj.f_star)):
        return "This landscape is flat: every point is a minimum, so there is nothing to race to."
    inside = [x0 < x < x1 and y0 < y < y1 for x, y in np.asarray(obj.global_minima, dtype=float)]
    if obj.minima_estimated and not any(inside):
        return (
            "This landscape has no minimum inside its domain: f keeps falling toward the edge,"
            " so no run can reach f*; the table shows where each run went."
        )
    return ""


def trajectories_csv(obj: Objective, results: dict[str, BatchResult]) -> str:
    """Every step of every run: ``optimizer,step,x,y,loss``."""
    frames = []
    for name, r in results.items():
        n = r.num_steps + 1
        frames.append(
            pd.DataFrame(
                {
                    "optimizer": name,
                    "step": np.arange(n),
                    "x": r.positions[:, 0, 0],
                    "y": r.positions[:, 0, 1],
                    "loss": r.losses[:, 0],
                }
            )
        )
    out = io.StringIO()
    pd.concat(frames).to_csv(out, index=False, float_format="%.17g")
    return out.getvalue()


# --- each at its best: a fair race ---------------------------------------------------
# "Momentum wins" at one shared α often means "α was tuned for momentum". A tuned race runs
# every racer at its own best learning rate from the α line (and a momentum racer at its
# best β from the pad's momenta), chosen by the core from real runs (sweeps.tune).


def own(s: RaceSettings, name: str) -> RaceSettings:
    """The settings of racer ``name``'s run in race ``s``: :func:`solo`, or in a tuned race
    :func:`at_best`."""
    return at_best(s, name) if s.tuned else solo(s, name)


def tuning_key(s: RaceSettings) -> RaceSettings:
    """The settings that decide a tuned race: all but the chosen α and β (the landscape's
    own α stands in; no ramp)."""
    return replace(s, lr=s.objective.lr_default, momentum=0.0, ramp=())


def tuning_grid(s: RaceSettings, name: str) -> tuple[np.ndarray, np.ndarray]:
    """The learning rates and momenta racer ``name`` is tuned over: the whole α line
    (:func:`~momentum_core.spaces.line_rates`, the same for every racer, so that none gets
    a finer choice) and, for a momentum racer, the pad's momenta (β = 0 among them)."""
    momenta = PAD_MOMENTA if name in MOMENTUM_OPTIMIZERS else np.array([0.0])
    return line_rates(s.objective), momenta


@functools.lru_cache(maxsize=64)
def _tuning(key: RaceSettings, name: str) -> Tuned:
    lrs, momenta = tuning_grid(key, name)
    return tune(key.objective, name, lrs, momenta, key.steps, x0=key.start, noise=key.noise,
                seed=key.seed, loss_tol=TOLERANCE, grad_tol=GRAD_TOLERANCE)  # fmt: skip


def tuning(s: RaceSettings, name: str) -> Tuned:
    """Racer ``name``'s own best α (and β) from race ``s``'s start, over its
    :func:`tuning_grid` (see :func:`momentum_core.sweeps.tune`: robust best, then fewest
    steps, then lowest final gap; ties to the smaller β, then the smaller α)."""
    return _tuning(tuning_key(s), name)


def at_best(s: RaceSettings, name: str) -> RaceSettings:
    """Racer ``name``'s run in race ``s`` at its own best α and β (a plain, untuned run's
    settings: the cache of single runs serves it)."""
    best = tuning(s, name)
    momentum = best.momentum if name in MOMENTUM_OPTIMIZERS else 0.0
    return replace(s, optimizers=(name,), lr=best.lr, momentum=momentum, ramp=(), tuned=False)


def _inspection(s: RaceSettings) -> dict:
    """The step inspector's numbers of the single run ``s`` (see :func:`at_best`)."""
    (name,) = s.optimizers
    return run_inspection(s.objective, name, s.lr, s.momentum, s.start, s.steps,
                          noise=s.noise, seed=s.seed)  # fmt: skip


def _rank(o) -> tuple:
    """Better outcomes first: reached (fewer steps), then closer (lower final gap), then
    diverged."""
    if o.kind == "converged":
        return (0, o.step)
    return (2, 0.0) if o.kind == "diverged" else (1, o.gap)


def fair_verdict(obj: Objective, results: dict[str, BatchResult], s: RaceSettings) -> str:
    """A tuned race in words: each racer at its own α (and β) and what it did (its
    :class:`~momentum_core.Outcome`'s phrase), then whether the best momentum racer still
    beats the best of the others when both are tuned, with the numbers."""
    outcomes = {name: outcome(obj, r) for name, r in results.items()}
    parts = [f"{racer_label(n, s)} {o.phrase(TOLERANCE)}" for n, o in outcomes.items()]
    sentence = "Each at its best: " + "; ".join(parts) + "."
    heavy = [n for n in outcomes if n in MOMENTUM_OPTIMIZERS]
    plain = [n for n in outcomes if n not in MOMENTUM_OPTIMIZERS]
    if not heavy or not plain:
        return sentence
    m = min(heavy, key=lambda n: _rank(outcomes[n]))
    p = min(plain, key=lambda n: _rank(outcomes[n]))
    om, op = outcomes[m], outcomes[p]
    lm, lp = LABELS[m], LABELS[p]
    if om.kind == op.kind == "converged":
        if om.step == op.step:
            claim = f"{lm} does not beat {lp}: both need {_steps(om.step)}"
        elif om.step < op.step:
            claim = (f"{lm} still wins when both are tuned: {op.step / max(om.step, 1):.1f}× "
                     f"fewer steps than {lp} ({om.step:,} against {op.step:,})")  # fmt: skip
        else:
            claim = (f"Tuned, {lp} wins: {om.step / max(op.step, 1):.1f}× fewer steps than "
                     f"{lm} ({op.step:,} against {om.step:,})")  # fmt: skip
    elif _rank(om) < _rank(op):
        claim = f"{lm} still wins when both are tuned: " + _beats(lp, op, tuning(s, p).runs)
    elif _rank(op) < _rank(om):
        claim = f"Tuned, {lp} wins: " + _beats(lm, om, tuning(s, m).runs)
    else:
        claim = f"Neither wins: both {om.phrase(TOLERANCE)}"
    if m in MOMENTUM_OPTIMIZERS and tuning(s, m).momentum == 0:
        claim += f" ({lm}'s best β is 0: no momentum at all)"
    lone = [LABELS[n] for n in outcomes if tuning(s, n).steps >= 0 and not tuning(s, n).robust]
    if lone:
        claim += (f". {' and '.join(lone)}: a lone best run (a neighbour on the grid needs over "
                  f"{ROBUST_FACTOR:g}× its steps or never gets there; no setting is "
                  "robust)")  # fmt: skip
    return f"{sentence} {claim}."


def _beats(loser: str, o, runs: int) -> str:
    """Why ``loser`` (outcome ``o``, tuned over ``runs`` runs, none of which reached the
    tolerance: the tuning prefers any run that did) is behind."""
    if o.kind == "diverged":
        return f"{loser} diverges at every one of its {runs:,} settings"
    return (f"{loser} gets there at none of its {runs:,} settings (at its best, f − f* = "
            f"{o.gap:.3g} after {_steps(o.num_steps)})")  # fmt: skip
