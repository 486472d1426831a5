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

DIVERGED_COLOR = "#3b0a0a"
NOT_REACHED_COLOR = "#d9d9d9"


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


def sweep_figure(
    result: SweepResult, metric: str, tol: float, objective: Objective, font_size: int = 14
) -> go.Figure:
    """Heatmap over (learning rate, momentum) of steps to tolerance or final loss.

    Diverged cells get a colour of their own, the best cell a star, and a line traces
    the largest stable learning rate for each momentum.

    Args:
        result: From :func:`momentum_core.sweep_grid`.
        metric: One of :data:`~momentum_app.config.settings.SWEEP_METRICS`.
        tol: The tolerance on f - f* that "steps to tolerance" counts to.
        objective: The function (its minimum, for the final-loss gap and outcomes).
        font_size: Base font size.
    """
    s = result.summary
    lrs, momenta = result.lr[0], result.momentum[:, 0]
    diverged = grid_of(result, s.diverged_step) >= 0
    if metric == "steps to tolerance":
        steps = grid_of(result, s.tol_step).astype(float)
        shown = ~diverged & (steps >= 0)
        z, title = steps, "steps to f − f* < " + f"{tol:g}"
    else:
        gap = np.maximum(grid_of(result, s.final_loss) - objective.f_star, 1e-16)
        shown = ~diverged
        z, title = np.log10(gap), "final f − f* (log scale)"
    fig = go.Figure()
    # Cells outside a layer are None: plotly leaves them empty (no NaN is sent).
    fig.add_trace(
        go.Heatmap(
            x=lrs, y=momenta, z=np.where(shown, z, None), hoverinfo="skip",
            colorscale="Viridis_r" if metric == SWEEP_METRICS[0] else "Viridis",
            colorbar={"title": {"text": title, "side": "right"}, **_decades(z, shown, metric)},
            name=metric,
        )
    )  # fmt: skip
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
    # Heatmaps have no legend entries: a square per flat colour, with what it means.
    flat = [(DIVERGED_COLOR, "diverged")]
    if metric == SWEEP_METRICS[0]:
        flat.append((NOT_REACHED_COLOR, f"not within {tol:g} in {s.num_steps:,} steps"))
    for color, name in flat:
        fig.add_trace(
            go.Scatter(
                x=[None], y=[None], mode="markers", name=name, hoverinfo="skip",
                marker={"symbol": "square", "size": 14, "color": color,
                        "line": {"color": "#666666", "width": 1}},
            )
        )  # fmt: skip
    fig.update_layout(
        height=560,
        font={"size": font_size},
        margin={"l": 70, "r": 20, "t": 40, "b": 60, "pad": 0},
        # Uncoloured cells show the background: the "not reached" grey. The axes end at
        # the grid's edges, so no grey shows outside it.
        plot_bgcolor=NOT_REACHED_COLOR,
        xaxis={
            "type": "log",
            "title": {"text": "learning rate α (log scale)"},
            "exponentformat": "power",
            "range": _edges(np.log10(lrs)),
        },
        yaxis={"title": {"text": "momentum β"}, "range": _edges(momenta)},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
    )
    fig.update_layout(figure_fonts(font_size))
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

    The light grey cells (which look white beside the dark red) are runs that neither
    diverged nor got within ``tol``: those whose next larger learning rate diverged sit
    at the edge of stability, the rest fell short of the step budget at smaller rates.
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
        f"Light grey (it looks white beside the dark red): stayed finite but not within "
        f"{tol:g} after {steps} ({grey.sum():,} runs)"
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


# --- computed in the server's compute pool (see momentum_app.ui.pool) ----------------------


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
