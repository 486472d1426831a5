"""The local-minima page's figures and words: basin maps and success rates against momentum.

Pure functions (no Streamlit). The page counts two populations of starts, an even grid
(the basin maps and their shares) and seeded random starts (the success study and its
sentences); the labels here say which number comes from which.
"""

from __future__ import annotations

import base64
import io
from dataclasses import replace

import numpy as np
import plotly.graph_objects as go
from PIL import Image

from momentum_app.config.settings import MinimaSettings
from momentum_app.race.figures import heatmaps_as_image
from momentum_app.studies.theory_figures import figure_fonts
from momentum_core import Objective
from momentum_core.basins import BasinMap, SuccessStudy, basin_maps, success_rates

GLOBAL_COLOR = "#f4c20d"
DIVERGED_COLOR = "#000000"
#: Muted, distinct colours for the local basins (repeating).
LOCAL_COLORS = ("#9ecae1", "#c7e9c0", "#d9d9d9", "#fdd0a2", "#dadaeb", "#c6dbef", "#bcbddc")


def colours_note() -> str:
    """What the basin maps' colours mean, with a swatch of each (markdown, HTML spans)."""

    def swatch(colour: str) -> str:
        return (f'<span style="background:{colour};border:1px solid #888;display:inline-block;'
                f'width:0.9em;height:0.9em;vertical-align:-0.1em"></span>')  # fmt: skip

    pale = " ".join(swatch(c) for c in LOCAL_COLORS)
    return (
        f"{swatch(GLOBAL_COLOR)} gold: the start ends at the global minimum; "
        f"{swatch(DIVERGED_COLOR)} black: the run diverged; {pale} each pale colour: the "
        f"start ends at one local minimum (a colour per minimum; the {len(LOCAL_COLORS)} "
        "colours repeat on landscapes with more minima)."
    )


def _codes(obj: Objective, ended: np.ndarray) -> np.ndarray:
    """Colour index per start: 0 diverged, 1 global basin, 2.. local basins."""
    local = 2 + np.maximum(ended, 0) % len(LOCAL_COLORS)
    return np.where(ended < 0, 0, np.where(obj.is_global[np.maximum(ended, 0)], 1, local))


def basin_figure(
    obj: Objective, basins: BasinMap, title: str, *, font_size: int = 14, presenting: bool = False
) -> go.Figure:
    """Which minimum each start ends in: global basin gold, local basins muted, diverged black
    (``font_size``, ``presenting``: see
    :func:`~momentum_app.studies.theory_figures.figure_fonts`)."""
    palette = [DIVERGED_COLOR, GLOBAL_COLOR, *LOCAL_COLORS]
    n = len(palette)
    scale = [[edge, c] for i, c in enumerate(palette) for edge in (i / n, (i + 1) / n)]
    names = np.array(
        [("global" if g else "local") + f" minimum ({x:.3g}, {y:.3g})"
         for (x, y), g in zip(obj.minima, obj.is_global, strict=True)] + ["diverged"]
    )  # fmt: skip
    text = names[np.where(basins.ended < 0, len(obj.minima), basins.ended)]
    fig = go.Figure(
        go.Heatmap(
            x=basins.xs, y=basins.ys, z=_codes(obj, basins.ended), zmin=-0.5, zmax=n - 0.5,
            colorscale=scale, showscale=False, text=text,
            hovertemplate="start (%{x:.3g}, %{y:.3g})<br>ends at the %{text}<extra></extra>",
        )
    )  # fmt: skip
    fig.add_trace(
        go.Scatter(
            x=obj.global_minima[:, 0], y=obj.global_minima[:, 1], mode="markers",
            name="global minimum", hoverinfo="skip",
            marker={"symbol": "star", "size": 16, "color": GLOBAL_COLOR,
                    "line": {"color": "black", "width": 1.5}},
        )
    )  # fmt: skip
    (x0, x1), (y0, y1) = obj.domain
    fig.update_layout(
        title={"text": title},
        height=460,
        margin={"l": 50, "r": 10, "t": 50, "b": 40},
        xaxis={"range": [x0, x1], "title": {"text": "start x"}},
        yaxis={"range": [y0, y1], "title": {"text": "start y"}, "scaleanchor": "x"},
        showlegend=False,
    )
    return fig.update_layout(figure_fonts(font_size, presenting))


#: The momenta the right-hand basin map scrubs through (the chosen one joins them).
SCRUB_MOMENTA = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99)


def scrub_momenta(chosen: float) -> np.ndarray:
    """:data:`SCRUB_MOMENTA` with ``chosen`` added (sorted, no duplicates)."""
    return np.unique(np.append(SCRUB_MOMENTA, float(chosen)))


def basin_scrub(
    obj: Objective, maps: list[BasinMap], momenta: np.ndarray, chosen: float, lr: float,
    share_label: str, *, font_size: int = 14, presenting: bool = False,
) -> dict:  # fmt: skip
    """The right-hand basin map for the race component's scrub: the figure once (axes,
    minima, the chosen β's cells as its picture) and, per β of ``momenta``, the picture of
    its cells and the share of starts that reach the global minimum (``share_label`` says
    which starts: :func:`grid_share_label`)."""
    index = int(np.abs(momenta - chosen).argmin())
    title = f"Momentum, α = {lr:.3g}"
    figure = heatmaps_as_image(
        basin_figure(obj, maps[index], title, font_size=font_size, presenting=presenting)
    )
    images = basin_images(obj, dict(zip(momenta.tolist(), maps, strict=True)))
    items = [
        {
            "src": images[float(b)][0],
            "label": f"β = {b:g}",
            "note": f"{share_label}: <b>{m.share_global:.1%}</b>",
        }
        for m, b in zip(maps, momenta, strict=True)
    ]
    return {"name": "Momentum β", "figure": figure, "items": items, "chosen": index}


def success_figure(
    study: SuccessStudy, *, font_size: int = 14, presenting: bool = False
) -> go.Figure:
    """Percent of starts reaching the global minimum against momentum, one line per lr,
    with its Wilson 95 % band (``font_size``, ``presenting``: see
    :func:`~momentum_app.studies.theory_figures.figure_fonts`)."""
    fig = go.Figure()
    colors = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00")
    mu = study.momenta
    for i, lr in enumerate(study.lrs):
        color = colors[i % len(colors)]
        fig.add_trace(
            go.Scatter(
                x=np.concatenate([mu, mu[::-1]]),
                y=100 * np.concatenate([study.high[i], study.low[i][::-1]]),
                fill="toself", fillcolor=color, opacity=0.18, line={"width": 0},
                hoverinfo="skip", showlegend=False,
            )
        )  # fmt: skip
        fig.add_trace(
            go.Scatter(
                x=mu, y=100 * study.rate[i], mode="lines+markers", name=f"α = {lr:.3g}",
                line={"color": color, "width": 2.5},
                hovertemplate="β = %{x:.2f}: %{y:.1f} % reach the global minimum<extra></extra>",
            )
        )  # fmt: skip
    fig.update_layout(
        height=420,
        margin={"l": 60, "r": 10, "t": 30, "b": 50},
        xaxis={"title": {"text": "momentum β"}, "range": [0, 1]},
        yaxis={"title": {"text": "starts reaching the global minimum (%)"}, "range": [0, 100]},
        legend={"orientation": "h", "y": 1.08},
    )
    return fig.update_layout(figure_fonts(font_size, presenting))


#: The most run steps one setting of the page may cost: its basin maps (every β of the
#: scrub, as when the pointer reaches in) and, apart, its success study. About 5 s each
#: with the compiled loop on Rastrigin; the largest legal settings asked 1.6 billion and
#: 306 million, minutes of a core.
MAP_WORK = 80_000_000
STUDY_WORK = 80_000_000
#: The success study's momenta, at each of its three learning rates (see
#: :func:`success_study`): its runs a start.
STUDY_MOMENTA = np.round(np.arange(0.0, 1.0, 0.03), 2)
STUDY_RUNS_PER_START = 3 * len(STUDY_MOMENTA)


def within_limits(s: MinimaSettings) -> tuple[MinimaSettings, list[str]]:
    """``s`` lightened to the page's limits on work (:data:`MAP_WORK`, :data:`STUDY_WORK`):
    the maps' grid and the study's starts shrink until they fit, and a line says so.

    Returns:
        The settings to compute, and one sentence per setting that was lightened.
    """
    notes, maps = [], len(scrub_momenta(s.momentum))
    grid = s.grid
    while grid > 10 and maps * grid * grid * s.steps > MAP_WORK:
        grid -= 10
    if grid != s.grid:
        notes.append(
            f"{s.grid} × {s.grid} starts × {s.steps:,} steps for {maps} maps is "
            f"{maps * s.grid**2 * s.steps:,} run steps, over this page's limit of "
            f"{MAP_WORK:,}: the maps use {grid} × {grid} starts (fewer steps allow more)."
        )
    starts = s.starts
    if STUDY_RUNS_PER_START * starts * s.steps > STUDY_WORK:
        starts = max(10, STUDY_WORK // (STUDY_RUNS_PER_START * s.steps))
    if starts != s.starts:
        notes.append(
            f"{s.starts:,} random starts × {s.steps:,} steps for {STUDY_RUNS_PER_START} "
            f"(α, β) is {STUDY_RUNS_PER_START * s.starts * s.steps:,} run steps, over this "
            f"page's limit of {STUDY_WORK:,}: the study uses {starts:,} starts."
        )
    return replace(s, grid=grid, starts=starts), notes


def grid_share_label(s: MinimaSettings) -> str:
    """The label of a basin map's share: it counts the grid's starts."""
    return f"Of the {s.grid} × {s.grid} grid starts, reaching the global minimum"


def _interval(study: SuccessStudy, i: int, j: int) -> str:
    return (
        f"{study.rate[i, j]:.1%} (95 %: {study.low[i, j]:.1%} to {study.high[i, j]:.1%}) "
        f"of the {study.n_starts:,} random starts"
    )


def populations_note(
    s: MinimaSettings, grid_shares: dict[float, float], study: SuccessStudy
) -> str:
    """Which starts each number counts, and both numbers side by side for each map's β.

    Args:
        s: The page's settings (the study runs at ``s.lr`` among others).
        grid_shares: Momentum -> share of the grid's starts reaching the global minimum.
        study: The success study over random starts.
    """
    i = int(np.argmin(np.abs(np.asarray(study.lrs) - s.lr)))
    parts = []
    for beta, share in grid_shares.items():
        j = int(np.argmin(np.abs(study.momenta - beta)))
        studied = study.momenta[j]
        nearest = "" if abs(studied - beta) < 1e-9 else f" (the study's nearest β, {studied:.2f})"
        parts.append(
            f"at β = {beta:.2f}, {share:.1%} of the {s.grid * s.grid:,} grid starts against "
            f"{_interval(study, i, j)}{nearest}"
        )
    return (
        f"Two samples of starts: the shares under the maps count an even {s.grid} × {s.grid} "
        f"grid over the plot; the curves and the sentences below count {study.n_starts:,} "
        f"random starts (seed {s.seed}), so the two can differ. At α = {s.lr:.3g}: "
        + "; ".join(parts)
        + "."
    )


def _rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def basin_png(obj: Objective, basins: BasinMap) -> str:
    """A basin map as a PNG data URI in :func:`basin_figure`'s colours, one pixel per
    start, row 0 at the top (high y), for the browser to swap maps without a rerun."""
    palette = np.array([_rgb(c) for c in (DIVERGED_COLOR, GLOBAL_COLOR, *LOCAL_COLORS)])
    rgb = palette[_codes(obj, basins.ended)[::-1]].astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(rgb, "RGB").save(buffer, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def basin_images(obj: Objective, maps: dict[float, BasinMap]) -> dict[float, tuple[str, float]]:
    """Per beta: the map as a PNG data URI (:func:`basin_png`) and its share of grid starts
    that reach a global minimum."""
    return {beta: (basin_png(obj, m), m.share_global) for beta, m in maps.items()}


# --- heavy results, computed as a visitor's job (see momentum_app.ui.compute) -----------


def basin_maps_at(s: MinimaSettings, betas: tuple[float, ...]) -> dict[float, BasinMap]:
    """The basin maps of heavy ball at each momentum of ``betas`` on ``s``'s grid of
    starts, all in one call of the runner (see :func:`~momentum_core.basins.basin_maps`)."""
    return basin_maps(s.objective, s.lr, list(betas), s.grid, s.steps, s.noise, s.seed)


def success_study(s: MinimaSettings) -> SuccessStudy:
    """Success rates at half, once and twice the learning rate, momentum 0 to 0.99."""
    return success_rates(
        s.objective, s.study_lrs, STUDY_MOMENTA, s.starts, s.steps, s.noise, s.seed
    )
