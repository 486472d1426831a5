"""The theory page's figures: convergence-rate maps over (learning rate, momentum)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

RATE_COLORSCALE = "Magma"


def rate_map_figure(
    alphas: np.ndarray,
    betas: np.ndarray,
    rates: np.ndarray,
    title: str,
    *,
    lam_max: float,
    optima: dict[str, tuple[float, float]],
    zmin: float = 0.0,
    font_size: int = 14,
) -> go.Figure:
    """A heatmap of linear convergence rates (lower is faster; >= 1 never converges).

    Args:
        alphas: Learning rates, shape ``(n_alpha,)`` (columns).
        betas: Momenta, shape ``(n_beta,)`` (rows).
        rates: ``(n_beta, n_alpha)`` rates; cells at or above 1 are drawn as "no convergence".
        title: The figure title.
        lam_max: The largest curvature, for the stability boundary ``alpha lam < 2 + 2 beta``.
        optima: Label -> (alpha, beta) points to mark.
        zmin: The rate at the bottom of the colour scale (share it between maps).
        font_size: Base font size.
    """
    converging = rates < 1
    fig = go.Figure(
        go.Heatmap(
            x=alphas, y=betas, z=np.where(converging, rates, None), zmin=zmin, zmax=1,
            colorscale=RATE_COLORSCALE, colorbar={"title": {"text": "rate", "side": "right"}},
            hovertemplate="α = %{x:.3g}, β = %{y:.3f}<br>rate %{z:.4f}<extra></extra>",
        )
    )  # fmt: skip
    boundary = (2 + 2 * betas) / lam_max
    inside = boundary <= alphas.max()
    fig.add_trace(
        go.Scatter(
            x=boundary[inside], y=betas[inside], mode="lines", name="αλ_max = 2 + 2β",
            line={"color": "#00b4d8", "width": 3, "dash": "dash"},
        )
    )  # fmt: skip
    symbols = ["circle", "star", "diamond", "square"]
    for (label, (a, b)), symbol in zip(optima.items(), symbols, strict=False):
        fig.add_trace(
            go.Scatter(
                x=[a], y=[b], mode="markers", name=label,
                marker={"symbol": symbol, "size": 16, "color": "white",
                        "line": {"color": "black", "width": 2}},
                hovertemplate=f"{label}: α = %{{x:.4g}}, β = %{{y:.4f}}<extra></extra>",
            )
        )  # fmt: skip
    fig.update_layout(
        title={"text": title},
        height=480,
        font={"size": font_size},
        plot_bgcolor="#e9ecef",
        margin={"l": 60, "r": 10, "t": 60, "b": 50},
        xaxis={"title": {"text": "learning rate α"}, "range": [0, float(alphas.max())]},
        yaxis={"title": {"text": "momentum β"}, "range": [0, float(betas.max())]},
        legend={"orientation": "h", "y": -0.2},
    )
    return fig
