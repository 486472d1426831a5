"""The sweep page's figure and words: a learning rate x momentum map of how each run went.

Pure functions (no Streamlit): the figure, its caption and the selected cell's sentence,
each computed from the sweep's runs.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from urllib.parse import urlencode

import numpy as np
import plotly.graph_objects as go

from momentum_app.config.links import to_query
from momentum_app.config.settings import (
    SWEEP_METRICS,
    RaceSettings,
    SweepSettings,
    default_settings,
)
from momentum_app.race.runs import TOLERANCE, grid_part
from momentum_app.studies.theory_figures import figure_fonts
from momentum_core import (
    Objective,
    SweepResult,
    best_cell,
    grid_of,
    largest_stable_lr,
    robust_best,
    sweep_grid,
)
from momentum_core.outcome import outcome, outcomes
from momentum_core.sweeps import ROBUST_FACTOR

#: The sweep page's caption (``[[pointer|touch]]``: the words for a mouse and for a finger).
INTRO = (
    "Every cell is one run from the same start: its learning rate α across, its momentum β "
    "up, coloured by how it did. Read it for where each β is fast, where it diverges (the "
    "dotted line is the largest stable α) and whether any β beats plain gradient descent "
    "(the bottom row, β = 0). [[Point at a cell to see its path; click it to open it.|Tap a "
    "cell to see its path and open it.]]"
)
DIVERGED_COLOR = "#3b0a0a"
#: Runs that stayed finite but never got within the tolerance: grey, from light (ended just
#: short of it) to dark (ended far from f*), by log10 of their final f − f*. The race's
#: (α, β) pad (race.js) paints them with the same two greys.
NOT_REACHED_NEAR, NOT_REACHED_FAR = "#e0e0e0", "#8a8a8a"
#: The reached cells' ramp, fast to slow (Viridis reversed): yellow is fastest.
REACHED_RAMP = ("#fde725", "#5ec962", "#21918c", "#3b528b", "#440154")
#: Where the not-reached part of the combined scale starts (the reached part ends at 0.5):
#: a jump from the slowest purple to the lightest grey, so the two ramps never blend.
_SPLIT = 0.51


def cell_text(result: SweepResult, tol: float, objective: Objective) -> np.ndarray:
    """Hover text per cell: its α and β, then how its run ended, in :class:`Outcome`'s
    words (the same as the race's and the tables')."""
    s = result.summary
    text = np.empty(s.final_loss.shape, dtype=object)
    for i, happened in enumerate(outcomes(objective, s)):
        head = f"α = {result.lr.flat[i]:.3g}, β = {result.momentum.flat[i]:.2f}<br>"
        text[i] = head + "the run " + happened.phrase(tol)
    return grid_of(result, text)


def _decades(z: np.ndarray, shown: np.ndarray, metric: str) -> dict:
    """Colour-bar ticks for a log10 map: one a decade, labelled with the value (1e-06), not
    its logarithm; nothing for the steps map."""
    if metric == SWEEP_METRICS[0] or not shown.any():
        return {}
    lo, hi = np.floor(z[shown].min()), np.ceil(z[shown].max())
    ticks = np.arange(lo, hi + 1, max(1, np.ceil((hi - lo) / 8)))
    return {"tickvals": ticks.tolist(), "ticktext": [f"{10.0**t:.0e}" for t in ticks]}


def _nice_ticks(lo: float, hi: float, count: int = 4) -> np.ndarray:
    """About ``count`` round values (1, 2 or 5 times a power of ten apart) in [lo, hi]."""
    if hi <= lo:
        return np.array([lo])
    raw = (hi - lo) / count
    power = 10.0 ** np.floor(np.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    ticks = np.arange(np.ceil(lo / step) * step, hi + step / 2, step)
    return ticks[(ticks >= lo) & (ticks <= hi)] if len(ticks) else np.array([lo])


def outcome_scale(result: SweepResult, tol: float, f_star: float) -> tuple[np.ndarray, dict]:
    """Every cell that did not diverge on one colour scale from 0 to 1, and its colour bar.

    Cells that got within ``tol`` fill the lower half by their steps to it (yellow fast,
    purple slow); cells that did not, the upper part from :data:`_SPLIT` by log10 of their
    final f − f* (light grey just short of ``tol``, dark grey far from f*): how far each
    run got, read on one bar. Diverged cells are None.

    Returns:
        The cells' positions on the scale (an object array, None where diverged) and the
        heatmap's ``colorscale``, ``zmin``, ``zmax``, ``tickvals`` and ``ticktext``.
    """
    s = result.summary
    diverged = grid_of(result, s.diverged_step) >= 0
    steps = grid_of(result, s.tol_step).astype(float)
    reached = ~diverged & (steps >= 0)
    missed = ~diverged & ~reached
    z = np.zeros(steps.shape)
    tickvals: list[float] = []
    ticktext: list[str] = []
    if reached.any():
        lo, hi = float(steps[reached].min()), float(steps[reached].max())
        span = hi - lo if hi > lo else 1.0
        z[reached] = 0.5 * (steps[reached] - lo) / span
        for v in _nice_ticks(lo, hi):
            tickvals.append(0.5 * (v - lo) / span)
            ticktext.append(f"{v:,.0f}")
    if missed.any():
        floor = np.log10(tol)
        gap = np.log10(np.maximum(grid_of(result, s.final_loss) - f_star, tol))
        top = max(float(gap[missed].max()), floor + 1.0)
        to_scale = lambda g: _SPLIT + (1.0 - _SPLIT) * (g - floor) / (top - floor)  # noqa: E731
        z[missed] = to_scale(gap[missed])
        decades = np.arange(np.ceil(floor), np.floor(top) + 1)
        for t in decades[:: max(1, int(np.ceil(len(decades) / 4)))]:
            tickvals.append(float(to_scale(t)))
            ticktext.append(_power(t))
    reached_stops = np.linspace(0.0, 0.5, len(REACHED_RAMP))
    scale = [[float(p), c] for p, c in zip(reached_stops, REACHED_RAMP, strict=True)]
    scale += [[_SPLIT, NOT_REACHED_NEAR], [1.0, NOT_REACHED_FAR]]
    bar = {"colorscale": scale, "zmin": 0.0, "zmax": 1.0, "tickvals": tickvals,
           "ticktext": ticktext}  # fmt: skip
    return np.where(diverged, None, z), bar


def _power(t: float) -> str:
    """10**t for a whole t, short: 1e-6, 0.01, 1, 100, 1e+3."""
    return f"{10.0**t:g}" if -2 <= t <= 2 else f"1e{int(t):+d}"


def _foot(font_size: int, titled: bool) -> tuple[int, int, float]:
    """The map's bottom margin (px), the room under the plot for its x axis (px), and where
    its colour bar's top goes (from the figure's foot, px): the bar lies along the foot under
    the axis' title and one or two lines of words (the map keeps its width: a bar beside it
    took a third of it). ``titled``: the words are the bar's own title (one line)."""
    axis = 3.6 * font_size + 8
    words = (1 if titled else 2) * 1.35 * font_size + 6
    bottom = round(axis + words + 14 + 1.6 * font_size + 10)
    return bottom, round(axis), bottom - axis - (0 if titled else words)


def sweep_figure(
    result: SweepResult,
    metric: str,
    tol: float,
    objective: Objective,
    font_size: int = 14,
    presenting: bool = False,
) -> go.Figure:
    """Heatmap over (learning rate, momentum) of steps to tolerance or final loss.

    Diverged cells get a colour of their own, the best cell a star, and a line traces
    the largest stable learning rate for each momentum. By steps, the cells that never
    got within ``tol`` are grey by how far they got (see :func:`outcome_scale`).

    Args:
        result: From :func:`momentum_core.sweep_grid`.
        metric: One of :data:`~momentum_app.config.settings.SWEEP_METRICS`.
        tol: The tolerance on f - f* that "steps to tolerance" counts to.
        objective: The function (its minimum, for the final-loss gap and outcomes).
        font_size: Base font size.
        presenting: Presenter mode's look (see
            :func:`~momentum_app.studies.theory_figures.figure_fonts`).
    """
    s = result.summary
    lrs, momenta = result.lr[0], result.momentum[:, 0]
    diverged = grid_of(result, s.diverged_step) >= 0
    # The bottom margin holds the x axis (ticks, title), the colour bar's labels, the bar
    # and its ticks; the plot is at least 6 px a cell at 60 x 60 (360 px high).
    bottom, axis, bar_top = _foot(font_size, titled=metric != SWEEP_METRICS[0])
    height = 130 + 370 + bottom
    bar = {"orientation": "h", "thickness": 14, "len": 1.0, "x": 0.5, "xanchor": "center",
           "yref": "container", "y": bar_top / height, "yanchor": "top", "ypad": 0,
           "outlinewidth": 0}  # fmt: skip
    if metric == SWEEP_METRICS[0]:
        z, scale = outcome_scale(result, tol, objective.f_star)
        ticks = {k: scale.pop(k) for k in ("tickvals", "ticktext")}
        heat = {"z": z, **scale, "colorbar": {**bar, **ticks}}
    else:
        gap = np.maximum(grid_of(result, s.final_loss) - objective.f_star, 1e-16)
        shown = ~diverged
        z = np.log10(gap)
        title = {"text": f"final f − f* after {s.num_steps:,} steps (log scale)", "side": "top"}
        heat = {"z": np.where(shown, z, None), "colorscale": "Viridis",
                "colorbar": {**bar, "title": title, **_decades(z, shown, metric)}}  # fmt: skip
    fig = go.Figure()
    # Cells outside a layer are None: plotly leaves them empty (no NaN is sent).
    fig.add_trace(go.Heatmap(x=lrs, y=momenta, hoverinfo="skip", name=metric, **heat))
    fig.add_trace(
        go.Heatmap(
            x=lrs, y=momenta, z=np.where(diverged, 1.0, None), hoverinfo="skip",
            showscale=False, name="diverged",
            colorscale=[[0, DIVERGED_COLOR], [1, DIVERGED_COLOR]],
        )
    )  # fmt: skip
    stable = largest_stable_lr(result)
    has = stable > 0
    fig.add_trace(
        go.Scatter(
            x=stable[has], y=momenta[has], mode="lines", name="largest stable α",
            line={"color": "black", "width": 3, "dash": "dot"},
            hovertemplate="β = %{y:.2f}: stable up to α = %{x:.3g}<extra></extra>",
        )
    )  # fmt: skip
    row, col = best_robust_cell(result)
    fig.add_trace(
        go.Scatter(
            x=[lrs[col]], y=[momenta[row]], mode="markers", name="best cell",
            marker={"symbol": "star", "size": 20, "color": "gold",
                    "line": {"color": "black", "width": 1.5}},
            hovertemplate="best: α = %{x:.3g}, β = %{y:.2f}<extra></extra>",
        )
    )  # fmt: skip
    # Heatmaps have no legend entries: a square for the flat colour, with what it means.
    fig.add_trace(
        go.Scatter(
            x=[None], y=[None], mode="markers", name="diverged", hoverinfo="skip",
            marker={"symbol": "square", "size": 14, "color": DIVERGED_COLOR,
                    "line": {"color": "#666666", "width": 1}},
        )
    )  # fmt: skip
    if metric == SWEEP_METRICS[0]:  # over the bar: which part counts steps, which the gap
        words = ((0.0, f"reached: steps to<br>f − f* < {tol:g}"),
                 (_SPLIT, f"not reached: f − f*<br>after {s.num_steps:,} steps"))  # fmt: skip
        for x, text in words:
            fig.add_annotation(
                text=text, xref="paper", yref="paper", x=x, y=0, xanchor="left",
                yanchor="top", yshift=-axis, showarrow=False, align="left",
                font={"size": font_size},
            )  # fmt: skip
    fig.update_layout(
        height=height,
        font={"size": font_size},
        margin={"l": 64, "r": 16, "t": 40, "b": bottom, "pad": 0},
        plot_bgcolor="#ffffff",
        xaxis={
            "type": "log",
            "title": {"text": "learning rate α (log scale)"},
            "exponentformat": "power",
            "range": _edges(np.log10(lrs)),
        },
        yaxis={"title": {"text": "momentum β"}, "range": _edges(momenta)},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
    )
    fig.update_layout(figure_fonts(font_size, presenting))
    return fig


def _edges(centres: np.ndarray) -> list[float]:
    """The outer edges of a heatmap's cells along one axis (half a step beyond the ends)."""
    half = (centres[-1] - centres[0]) / (2 * (len(centres) - 1)) if len(centres) > 1 else 0.5
    return [float(centres[0] - half), float(centres[-1] + half)]


def _span(values: np.ndarray) -> str:
    """``from a to b`` (or just ``a``) for final f − f* values."""
    low, high = float(values.min()), float(values.max())
    return f"{low:.3g}" if f"{low:.3g}" == f"{high:.3g}" else f"from {low:.3g} to {high:.3g}"


def colour_caption(result: SweepResult, metric: str, tol: float, f_star: float) -> str:
    """What each colour of :func:`sweep_figure` means, with how many runs it holds.

    The grey cells are runs that neither diverged nor got within ``tol``, darker the
    farther from f* they ended: those whose next larger learning rate diverged sit at the
    edge of stability, the rest fell short of the step budget at smaller rates.
    """
    s = result.summary
    steps = f"{s.num_steps:,} steps"
    diverged = grid_of(result, s.diverged_step) >= 0
    reached = grid_of(result, s.tol_step) >= 0
    gap = grid_of(result, s.final_loss) - f_star
    head = f"Each cell is one run from the same start, {diverged.size:,} in all. "
    dark = f"Dark red: diverged ({diverged.sum():,} runs). "
    tail = (
        "The dotted line is the largest learning rate that did not diverge, for each "
        "momentum; the star is the fastest run. Click a cell to take it to the playground."
    )
    if metric != SWEEP_METRICS[0]:
        return head + f"Colour: log10 of f − f\\* after {steps}. " + dark + tail
    grey = ~diverged & ~reached
    edge = grey & np.pad(diverged[:, 1:], ((0, 0), (0, 1)))
    slow = grey & ~edge
    text = (
        f"{head}Colour: steps to f − f\\* < {tol:g} ({reached.sum():,} runs). {dark}"
        f"Grey, darker the farther from f\\* it ended (the bar's right part): stayed finite "
        f"but not within {tol:g} after {steps} ({grey.sum():,} runs)"
    )
    parts = []
    if edge.any():
        parts.append(
            f"{edge.sum():,} of them next to a diverged run at the next larger α, on the edge "
            f"of stability (final f − f\\* {_span(gap[edge])})"
        )
    if slow.any():
        parts.append(f"{slow.sum():,} at smaller α end with f − f\\* {_span(gap[slow])}")
    return text + (": " + "; ".join(parts) if parts else "") + ". " + tail


def row_slices(grid: int, rows_per_slice: int = 40) -> list[tuple[int, int]]:
    """The momentum rows of a grid in about equal slices, so a progress bar can move."""
    count = max(1, grid // rows_per_slice)
    edges = [round(i * grid / count) for i in range(count + 1)]
    return list(itertools.pairwise(edges))


def best_robust_cell(result: SweepResult) -> tuple[int, int]:
    """The (row, column) the page calls best: :func:`robust_best`'s cell, not the single
    fastest one, which on a fine grid is often a fluke beside the diverged region
    (Rosenbrock 200 x 200: beta = 0.02 against 0.81 at 60 x 60); the fastest if no cell
    is robust."""
    best = robust_best(result)
    return (best.row, best.col) if best.row >= 0 else best_cell(result)


def robust_sentence(result: SweepResult, tol: float) -> str:
    """Markdown: the sweep's best region, whether its single best cell is a fluke, and
    whether momentum clearly helps, for the line under the heatmap."""
    best = robust_best(result)
    factor = f"{ROBUST_FACTOR:g}×"
    if best.row < 0:
        return (
            f"**No robust region:** no cell reaches f − f\\* < {tol:g} with every neighbour"
            f" one grid step away also reaching it within {factor} its steps, so no single"
            " (α, β) here is a safe choice."
        )
    lrs, momenta = result.lr[best.region], result.momentum[best.region]
    cells = int(best.region.sum())
    text = (
        f"**Best region:** {cells} cell{'s' if cells != 1 else ''} (α {lrs.min():.3g} to"
        f" {lrs.max():.3g}, β {momenta.min():.2f} to {momenta.max():.2f}) reach"
        f" f − f\\* < {tol:g} within {factor} of the best robust cell's"
        f" {best.steps:,} step{'s' if best.steps != 1 else ''}, and so does every neighbour"
        " one grid step away."
    )
    if best.best_is_fragile:
        row, col = best_cell(result)
        text += (
            f" The single fastest cell (α = {result.lr[row, col]:.4g},"
            f" β = {result.momentum[row, col]:.2f}) is fragile: a neighbour diverges or"
            " is much slower, so do not trust it."
        )
    if best.momentum_helps:
        text += " Momentum clearly helps here."
    else:
        text += " Momentum does not clearly beat β = 0 here."
    return text


def picked_cell(result: SweepResult, value: dict | None) -> tuple[int, int, bool]:
    """The cell the map sent back (``{"cell": [row, col]}``, after a click), else the best
    robust cell (:func:`best_robust_cell`); and whether it was picked. A value outside the
    grid counts as none."""
    rows, cols = result.lr.shape
    cell = (value or {}).get("cell")
    if isinstance(cell, list) and len(cell) == 2 and all(isinstance(v, int) for v in cell):
        row, col = cell
        if 0 <= row < rows and 0 <= col < cols:
            return row, col, True
    return (*best_robust_cell(result), False)


#: A grid a phone's finger can tap: at 390 px the map is about 170 px wide, so 60 cells a
#: side were 3 px each; 20 are about 9 px, and the readout names the cell under the finger.
PHONE_GRID = 20


def phone_grid_note(s: SweepSettings) -> str:
    """For a phone (HTML): the same sweep on a :data:`PHONE_GRID` grid, as a link."""
    query = urlencode(to_query(replace(s, grid=PHONE_GRID)))
    return (
        f"On a phone the {s.grid} × {s.grid} cells are tiny: "
        f'<a href="/sweep?{query}" target="_self">the same sweep on a {PHONE_GRID} × '
        f"{PHONE_GRID} grid</a> is easier to tap."
    )


#: Runs per axis whose paths the sweep's map shows (a larger grid: every n-th row, column).
PATH_GRID = 60


def path_cells(grid: int, limit: int = PATH_GRID) -> np.ndarray:
    """Indices along one axis of the cells whose paths the map shows."""
    return np.unique(np.round(np.linspace(0, grid - 1, min(grid, limit))).astype(int))


def cell_notes(result: SweepResult, tol: float, objective: Objective, cells: np.ndarray) -> list:
    """The readout's line for each path cell (rows of ``cells`` x columns of ``cells``)."""
    text = cell_text(result, tol, objective)[np.ix_(cells, cells)]
    return [f"<i>{line.replace('<br>', ': ')}</i>" for line in text.ravel()]


def cell_sentence(
    result: SweepResult, row: int, col: int, picked: bool, tol: float, objective: Objective
) -> str:
    """Markdown: the cell's learning rate and momentum and how its run ended."""
    index = row * result.lr.shape[1] + col
    ended = outcome(objective, result.summary, index).phrase(tol).replace("*", "\\*")
    lr, momentum = float(result.lr[row, col]), float(result.momentum[row, col])
    which = "Selected" if picked else "Best"
    return f"**{which} cell:** α = {lr:.4g}, β = {momentum:.2f}: the run {ended}."


def cell_race(s: SweepSettings, result: SweepResult, row: int, col: int) -> RaceSettings:
    """The playground race of one cell: SGD against the sweep's optimizer at its (α, β)."""
    return replace(
        default_settings(s.fn, s.params, s.formula, s.domain),
        lr=float(result.lr[row, col]),
        momentum=float(result.momentum[row, col]),
        steps=s.steps,
        start=s.start,
        optimizers=("sgd", s.optimizer),
    )


# --- heavy results, computed as a visitor's job (see momentum_app.ui.compute) -----------


def sweep_rows(s: SweepSettings, rows: tuple[int, int]) -> SweepResult:
    """Rows ``rows[0]:rows[1]`` (momentum values) of the sweep ``s``."""
    obj = s.objective
    lrs = np.geomspace(*obj.lr_range, s.grid)
    momenta = np.linspace(0.0, 0.99, s.grid)[rows[0] : rows[1]]
    return sweep_grid(obj, s.optimizer, lrs, momenta, s.steps, x0=s.start, loss_tol=TOLERANCE)


def paths_part(s: SweepSettings, result: SweepResult) -> str:
    """The paths of the sweep's cells (up to 60 x 60 of them) as the map's ``pad`` part."""
    obj = s.objective
    cells = path_cells(s.grid)
    notes = cell_notes(result, TOLERANCE, obj, cells)
    lrs, momenta = result.lr[0, cells], result.momentum[cells, 0]
    return grid_part(obj, s.optimizer, lrs, momenta, s.start, s.steps, notes, loss_tol=TOLERANCE)
