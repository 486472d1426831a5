"""The sweep page's figure: a learning rate x momentum map of how each run went."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from momentum_app.settings import SWEEP_METRICS
from momentum_core import SweepResult, best_cell, grid_of, largest_stable_lr

DIVERGED_COLOR = "#3b0a0a"
#: Index of the invisible trace of cell centres that carries hover text and selection.
CELLS_TRACE = 3
NOT_REACHED_COLOR = "#d9d9d9"


def cell_text(result: SweepResult, tol: float) -> np.ndarray:
    """Hover text per cell, saying in words how the run ended."""
    s = result.summary
    text = np.empty(s.final_loss.shape, dtype=object)
    for i in range(len(text)):
        head = f"α = {result.lr.flat[i]:.3g}, β = {result.momentum.flat[i]:.2f}<br>"
        if s.diverged_step[i] >= 0:
            text[i] = head + f"<b>diverged</b> at step {s.diverged_step[i]}"
        elif s.tol_step[i] >= 0:
            text[i] = head + f"f − f* < {tol:g} from step {s.tol_step[i]}"
        else:
            loss = s.final_loss[i]
            text[i] = head + f"not within {tol:g} after {s.num_steps} steps (f = {loss:.3g})"
    return grid_of(result, text)


def sweep_figure(
    result: SweepResult, metric: str, tol: float, f_star: float, font_size: int = 14
) -> go.Figure:
    """Heatmap over (learning rate, momentum) of steps to tolerance or final loss.

    Diverged cells get a colour of their own, the best cell a star, and a line traces
    the largest stable learning rate for each momentum.

    Args:
        result: From :func:`momentum_core.sweep_grid`.
        metric: One of :data:`~momentum_app.settings.SWEEP_METRICS`.
        tol: The tolerance on f - f* that "steps to tolerance" counts to.
        f_star: The function's minimum, for the final-loss gap.
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
        gap = np.maximum(grid_of(result, s.final_loss) - f_star, 1e-16)
        shown = ~diverged
        z, title = np.log10(gap), "log10(final f − f*)"
    text = cell_text(result, tol)
    fig = go.Figure()
    # Cells outside a layer are None: plotly leaves them empty (no NaN is sent).
    fig.add_trace(
        go.Heatmap(
            x=lrs, y=momenta, z=np.where(shown, z, None), hoverinfo="skip",
            colorscale="Viridis_r" if metric == SWEEP_METRICS[0] else "Viridis",
            colorbar={"title": {"text": title, "side": "right"}},
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
    # Invisible markers on the cell centres: clicking one selects that cell.
    lr_grid, mu_grid = result.lr.ravel(), result.momentum.ravel()
    fig.add_trace(
        go.Scatter(
            x=lr_grid, y=mu_grid, mode="markers", name="cells", showlegend=False,
            marker={"size": 8, "opacity": 0}, customdata=np.arange(lr_grid.size),
            text=text.ravel(), hovertemplate="%{text}<extra></extra>",
        )
    )  # fmt: skip
    row, col = best_cell(result)
    fig.add_trace(
        go.Scatter(
            x=[lrs[col]], y=[momenta[row]], mode="markers", name="best cell",
            marker={"symbol": "star", "size": 20, "color": "gold",
                    "line": {"color": "black", "width": 1.5}},
            hovertemplate="best: α = %{x:.3g}, β = %{y:.2f}<extra></extra>",
        )
    )  # fmt: skip
    fig.update_layout(
        height=560,
        font={"size": font_size},
        margin={"l": 70, "r": 20, "t": 40, "b": 60},
        plot_bgcolor=NOT_REACHED_COLOR,
        xaxis={
            "type": "log",
            "title": {"text": "learning rate α (log scale)"},
            "exponentformat": "power",
        },
        yaxis={"title": {"text": "momentum β"}},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
    )
    return fig
