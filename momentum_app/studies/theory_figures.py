"""The theory page's figures: convergence-rate maps over (learning rate, momentum)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

RATE_COLORSCALE = "Magma"
#: The optima: small filled markers, drawn last so nothing covers them.
OPTIMUM_SYMBOLS = ("circle", "star")
OPTIMUM_MARKER = {"size": 15, "color": "white", "line": {"color": "black", "width": 2}}
#: The user's setting: a large open ring, drawn first, so an optimum shows inside it.
YOURS_MARKER = {
    "symbol": "circle-open",
    "size": 30,
    "color": "#00e5ff",
    "line": {"width": 4, "color": "#00e5ff"},
}


def figure_fonts(font_size: int, presenting: bool) -> dict:
    """Layout fonts shared by the study figures (sweep, basins, theory, model): usually
    12-16 px grey tick labels; ``presenting`` (presenter mode, the page layer's
    ``state.presenting()``) every label ``font_size`` and dark, for the back of the room.

    Example: ``fig.update_layout(figure_fonts(20, presenting=True))``.
    """
    ink = "#111" if presenting else "#444"
    tick = {"size": font_size if presenting else min(16, max(12, font_size - 1)),
            "color": "#111" if presenting else "#666"}  # fmt: skip
    axis = {"tickfont": tick, "title": {"font": {"size": font_size, "color": ink}}}
    return {
        "font": {"size": font_size, "color": ink},
        "title": {"font": {"size": font_size + 2, "color": "#111"}},
        "legend": {"font": {"size": font_size, "color": ink}},
        "xaxis": axis,
        "yaxis": axis,
    }


def rate_map_figure(
    alphas: np.ndarray,
    betas: np.ndarray,
    rates: np.ndarray,
    title: str,
    *,
    lam_max: float,
    optima: dict[str, tuple[float, float]],
    yours: tuple[float, float] | None = None,
    x_range: tuple[float, float] | None = None,
    y_range: tuple[float, float] | None = None,
    zmin: float = 0.0,
    font_size: int = 14,
    presenting: bool = False,
) -> go.Figure:
    """A heatmap of linear convergence rates (lower is faster; >= 1 never converges).

    Args:
        alphas: Learning rates, shape ``(n_alpha,)`` (columns).
        betas: Momenta, shape ``(n_beta,)`` (rows).
        rates: ``(n_beta, n_alpha)`` rates; cells at or above 1 are drawn as "no convergence".
        title: The figure title.
        lam_max: The largest curvature, for the stability boundary ``alpha lam < 2 + 2 beta``.
        optima: Label -> (alpha, beta) points to mark (filled markers, drawn on top).
        yours: The user's (alpha, beta): a large open ring under the optima, so an optimum
            at the same place stays visible inside it.
        x_range: The alpha axis range (give two maps the same one); default ``[0, max]``.
        y_range: The beta axis range; default ``[0, max]``.
        zmin: The rate at the bottom of the colour scale (share it between maps).
        font_size: Base font size.
        presenting: Presenter mode's look (see :func:`figure_fonts`).
    """
    x_range = x_range or (0.0, float(alphas.max()))
    y_range = y_range or (0.0, float(betas.max()))
    converging = rates < 1
    fig = go.Figure(
        go.Heatmap(
            x=alphas, y=betas, z=np.where(converging, rates, None), zmin=zmin, zmax=1,
            colorscale=RATE_COLORSCALE, colorbar={"title": {"text": "rate", "side": "right"}},
            hovertemplate="α = %{x:.3g}, β = %{y:.3f}<br>rate %{z:.4f}<extra></extra>",
        )
    )  # fmt: skip
    line_betas = np.linspace(*y_range, 101)
    boundary = (2 + 2 * line_betas) / lam_max
    inside = boundary <= x_range[1]
    fig.add_trace(
        go.Scatter(
            x=boundary[inside], y=line_betas[inside], mode="lines", name="αλ_max = 2 + 2β",
            line={"color": "#00b4d8", "width": 3, "dash": "dash"},
        )
    )  # fmt: skip
    marks = [("yours", yours, YOURS_MARKER)] if yours is not None else []
    marks += [
        (label, point, {**OPTIMUM_MARKER, "symbol": symbol})
        for (label, point), symbol in zip(optima.items(), OPTIMUM_SYMBOLS, strict=False)
    ]
    for label, (a, b), marker in marks:
        fig.add_trace(
            go.Scatter(
                x=[a], y=[b], mode="markers", name=label, marker=marker, cliponaxis=False,
                hovertemplate=f"{label}: α = %{{x:.4g}}, β = %{{y:.4f}}<extra></extra>",
            )
        )  # fmt: skip
    fig.update_layout(
        title={"text": title},
        height=480,
        font={"size": font_size},
        plot_bgcolor="#e9ecef",
        margin={"l": max(60, round(4.2 * font_size)), "r": 10, "t": 60, "b": 50},
        xaxis={"title": {"text": "learning rate α"}, "range": list(x_range)},
        # clear of the x axis' first label where the axes meet ("0" over "0")
        yaxis={
            "title": {"text": "momentum β", "standoff": round(font_size * 0.4)},
            "range": list(y_range),
            "ticklabelstandoff": round(font_size * 0.6),
        },
        # In the plot's top-left corner, the slowest rates (small steps, much momentum; the
        # optima lie elsewhere): under the plot it printed over the axis title once the
        # type grew (a projector), and beside it a half-width column has no room.
        legend={
            "x": 0.01,
            "xanchor": "left",
            "y": 0.99,
            "yanchor": "top",
            "bgcolor": "rgba(255,255,255,0.85)",
            "bordercolor": "#999",
            "borderwidth": 1,
        },
    )
    fonts = figure_fonts(font_size, presenting)
    fig.update_layout(fonts)
    fig.update_traces(colorbar_tickfont=fonts["xaxis"]["tickfont"],
                      selector={"type": "heatmap"})  # fmt: skip
    return fig
