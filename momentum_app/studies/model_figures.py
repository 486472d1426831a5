"""Figures of the article's-model page (plotly only, no Streamlit)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from momentum_app.race.figures import COLORS
from momentum_app.studies.model_view import BAND, ModelRace, band
from momentum_app.studies.theory_figures import figure_fonts


def _fill(color: str) -> str:
    """``#rrggbb`` as a translucent fill."""
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},0.18)"


#: At most this many labelled decades on a loss axis (more overlap at a presenter's font).
MAX_DECADES_LABELLED = 6


def _log_dtick(values: np.ndarray) -> str | int:
    """A log axis' ticks for these values: 1, 2 and 5 a decade over a few decades, else
    every decade or every few, so that labels never crowd (a divergence's spike to 1e18
    gave ~60 of them)."""
    v = values[np.isfinite(values) & (values > 0)]
    decades = float(np.log10(v.max() / v.min())) if len(v) else 0.0
    return "D2" if decades <= 3 else max(1, int(np.ceil(decades / MAX_DECADES_LABELLED)))


def loss_bands_figure(race: ModelRace, font_size: int = 14, presenting: bool = False) -> go.Figure:
    """Training and validation loss per epoch, SGD against momentum at the chosen β: the
    median over seeds and the :data:`~momentum_app.studies.model_view.BAND` percentiles
    (``presenting``: taller, its labels large and dark, see
    :func:`~momentum_app.studies.theory_figures.figure_fonts`).

    Diverged runs count as an infinite loss from the epoch they diverged in, so a curve
    stops where too many seeds diverged for it to have a value; nothing plotted is NaN.
    """
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Training loss", "Validation loss"),
                        horizontal_spacing=0.08)  # fmt: skip
    racers = [("sgd", "SGD", 0), ("momentum", f"Momentum β = {race.momenta[race.chosen]:g}",
                                   race.chosen)]  # fmt: skip
    for col, which in enumerate(("train", "val"), start=1):
        shown = []  # every loss drawn in this panel, for its ticks
        for name, label, index in racers:
            median, low, high = band(race.losses(which, index))
            shown += [median, low, high]
            color = COLORS[name]
            if len(low) and len(high):
                n = min(len(low), len(high))
                xs = np.arange(n)
                fig.add_trace(go.Scatter(
                    x=np.r_[xs, xs[::-1]], y=np.r_[high[:n], low[:n][::-1]], fill="toself",
                    mode="lines",  # no marker dots on a short band (a divergence's spike)
                    fillcolor=_fill(color), line={"width": 0}, hoverinfo="skip",
                    name=f"{label}: {BAND[0]}th–{BAND[1]}th percentile", legendgroup=name,
                    showlegend=col == 1,
                ), row=1, col=col)  # fmt: skip
            fig.add_trace(go.Scatter(
                x=np.arange(len(median)), y=median, mode="lines",
                line={"color": color, "width": 2.5},
                name=f"{label}: median of {race.seeds} seeds", legendgroup=name,
                showlegend=col == 1,
                hovertemplate="epoch %{x}: %{y:.4g}<extra>" + label + "</extra>",
            ), row=1, col=col)  # fmt: skip
        fig.update_xaxes(title_text="epoch", row=1, col=col)
        fig.update_yaxes(
            type="log",
            dtick=_log_dtick(np.concatenate(shown)),
            exponentformat="power",
            row=1,
            col=col,
        )  # 10¹², not "1T"
    fonts = figure_fonts(font_size, presenting)
    fig.update_layout(
        height=440 if presenting else 380, margin={"l": 10, "r": 10, "t": 40, "b": 10},
        font=fonts["font"], legend={"orientation": "h", "y": -0.25, **fonts["legend"]},
        template="plotly_white",
    )  # fmt: skip
    axis = fonts["xaxis"]
    fig.update_xaxes(tickfont=axis["tickfont"], title_font=axis["title"]["font"])
    fig.update_yaxes(tickfont=axis["tickfont"], title_font=axis["title"]["font"])
    fig.update_annotations(font=fonts["title"]["font"])  # the two panels' titles
    return fig
