"""Figure builders: arrays in, plotly figures out, no Streamlit inside.

The race's still chart (:func:`race_figure`) is a plain plotly spec: the landscape as a
layout image pinned to the axes, minima, start, axes and legend. The race component draws
the growing paths on a canvas over it (see ``race_component/index.html``), so the chart
has no frames and plotly never redraws while the race plays. The GIF export
(:mod:`momentum_app.race.gif_export`) samples the same steps as :func:`frame_steps`.
"""

from __future__ import annotations

import base64
import functools
import io
import math

import numpy as np
import plotly.colors as pc
import plotly.graph_objects as go
from PIL import Image

from momentum_app.race.race_data import RaceRun
from momentum_core import Objective

Array = np.ndarray

#: The race has at most this many frames; the last step and divergence steps are kept.
MAX_FRAMES = 150
#: Light, low-contrast landscape (high = white), so coloured paths stand out on a projector.
LANDSCAPE_COLORS = ("#2f5f8a", "#6f9fc6", "#b3d0e6", "#e4eef6", "#ffffff")
LEVELS = 24

#: Okabe-Ito colours, safe for colour-blind viewers, one per optimizer.
COLORS = {
    "sgd": "#D55E00",
    "momentum": "#0072B2",
    "nesterov": "#CC79A7",
    "keras-momentum": "#009E73",
    "adam": "#000000",
    "rmsprop": "#E69F00",
    "adagrad": "#56B4E9",
}


def landscape_values(obj: Objective, n: int = 240) -> tuple[Array, Array, Array]:
    """The values shown as the landscape on an ``n x n`` grid over the domain.

    Returns:
        ``xs (n,)``, ``ys (n,)`` and ``z (n, n)`` with ``z[i, j]`` at ``(xs[j], ys[i])``:
        ``log10(f - f* + 1e-3)`` for functions whose values span decades, else ``f``.
    """
    (x0, x1), (y0, y1) = obj.domain
    xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
    grid = np.stack(np.meshgrid(xs, ys), axis=-1)
    with np.errstate(over="ignore", invalid="ignore"):
        z = obj.value(grid)
    z = np.nan_to_num(z, nan=np.nanmax(z[np.isfinite(z)]), posinf=np.nanmax(z[np.isfinite(z)]))
    if obj.log_scale:
        z = np.log10(np.maximum(z - obj.f_star, 0.0) + 1e-3)
    return xs, ys, z


def landscape_label(obj: Objective) -> str:
    # A visitor reads "f − f*, log scale"; the formula behind the colours
    # (log10(f - f* + 0.001)) is for the docstring, not the colour bar.
    return "f − f* (log scale)" if obj.log_scale else "f(x, y)"


def _bar_ticks(obj: Objective, z_min: float, z_max: float) -> dict:
    """The landscape colour bar's ticks as the loss axis prints them (10^k): on a log
    landscape its values are log10 of f − f* (+ 0.001), so a bare "−2" meant 10^−2."""
    if not obj.log_scale:
        return {}
    ks = list(range(math.ceil(z_min), math.floor(z_max) + 1))
    if len(ks) > 6:  # every other decade on a long bar
        ks = ks[:: math.ceil(len(ks) / 5)]
    power = {0: "1", 1: "10"}
    text = [power.get(k, f"10<sup>{k}</sup>".replace("-", "−")) for k in ks]
    return {"tickmode": "array", "tickvals": ks, "ticktext": text}


def _ramp(t: Array, colors: tuple[str, ...]) -> Array:
    """Map ``t`` in [0, 1] linearly through ``colors``; returns uint8 RGB."""
    stops = np.array([[int(c[i : i + 2], 16) for i in (1, 3, 5)] for c in colors], dtype=float)
    pos = np.linspace(0.0, 1.0, len(colors))
    rgb = np.stack([np.interp(t, pos, stops[:, k]) for k in range(3)], axis=-1)
    return np.round(rgb).astype(np.uint8)


@functools.lru_cache(maxsize=32)
def landscape_image(obj: Objective) -> tuple[str, float, float]:
    """The landscape of ``obj`` as a PNG data URI, with its value range (cached: records
    from ``get_objective`` are shared, so this is drawn once per function)."""
    _, _, z = landscape_values(obj)
    return landscape_png(z), float(z.min()), float(z.max())


def landscape_png(z: Array, levels: int = LEVELS) -> str:
    """A banded (filled-contour look) PNG of ``z`` as a data URI; row 0 is the top."""
    lo, hi = float(z.min()), float(z.max())
    t = (z - lo) / (hi - lo) if hi > lo else np.zeros_like(z)
    banded = np.floor(t * levels).clip(0, levels - 1) / (levels - 1)
    rgb = _ramp(banded[::-1], LANDSCAPE_COLORS)
    buffer = io.BytesIO()
    Image.fromarray(rgb, "RGB").save(buffer, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _colorscale(scale) -> tuple[Array, Array]:
    """A plotly colorscale (a name, or ``[[position, colour], ...]``) as stop positions
    and RGB rows."""
    stops = pc.get_colorscale(scale) if isinstance(scale, str) else scale
    pos = np.array([float(p) for p, _ in stops])
    rgb = np.array([pc.unlabel_rgb(pc.convert_colors_to_same_type(c, "rgb")[0][0])
                    for _, c in stops])  # fmt: skip
    return pos, rgb


def heatmaps_as_image(figure: go.Figure) -> dict:
    """The figure with its heatmap traces drawn into one PNG layout image (a plotly spec).

    The race component's plotly.js bundle draws no heatmap, and a picture of a grid of
    cells is what a heatmap is: each cell keeps its colour (later traces over earlier
    ones, empty cells clear), the first heatmap's colour bar is carried by an invisible
    marker, and the cells' edges become the image's edges. The x axis may be a log axis.
    """
    spec = figure.to_plotly_json()
    layout = dict(spec["layout"])
    maps = [t.to_plotly_json() for t in figure.data if t.type == "heatmap"]
    # numpy arrays as they are (the spec encodes them as base64 typed arrays)
    for trace, source in zip(maps, [t for t in figure.data if t.type == "heatmap"], strict=True):
        trace.update(x=np.asarray(source.x), y=np.asarray(source.y), z=np.asarray(source.z))
    x, y = np.asarray(maps[0]["x"], dtype=float), np.asarray(maps[0]["y"], dtype=float)
    rgba = np.zeros((len(y), len(x), 4), dtype=np.uint8)
    carrier = None
    for trace in maps:
        z = np.array(trace["z"], dtype=object)
        has = np.vectorize(lambda v: v is not None)(z) if z.size else z.astype(bool)
        values = np.where(has, z, 0).astype(float)
        lo = trace.get("zmin", values[has].min() if has.any() else 0.0)
        hi = trace.get("zmax", values[has].max() if has.any() else 1.0)
        scale = trace.get("colorscale", "Viridis")
        pos, rgb = _colorscale(scale)
        frac = (values - lo) / (hi - lo) if hi > lo else np.zeros_like(values)
        for k in range(3):
            rgba[..., k] = np.where(has, np.round(np.interp(frac, pos, rgb[:, k])), rgba[..., k])
        rgba[..., 3] = np.where(has, 255, rgba[..., 3])
        if carrier is None and trace.get("showscale", True):
            carrier = {
                "type": "scatter", "x": [None], "y": [None], "mode": "markers",
                "hoverinfo": "skip", "showlegend": False,
                "marker": {"color": [lo], "cmin": lo, "cmax": hi, "showscale": True,
                           "colorscale": list(map(list, zip(pos.tolist(), _css(rgb),
                                                            strict=True))),
                           "colorbar": trace.get("colorbar", {})},
            }  # fmt: skip
    log_x = (layout.get("xaxis") or {}).get("type") == "log"
    ex = _edges(np.log10(x) if log_x else x)
    ey = _edges(y)
    buffer = io.BytesIO()
    Image.fromarray(rgba[::-1], "RGBA").save(buffer, format="PNG", optimize=True)
    source = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
    image = {"source": source, "xref": "x", "yref": "y", "x": ex[0], "y": ey[1],
             "sizex": ex[1] - ex[0], "sizey": ey[1] - ey[0], "sizing": "stretch",
             "xanchor": "left", "yanchor": "top", "layer": "below"}  # fmt: skip
    layout["images"] = [*layout.get("images", []), image]
    # A heatmap hides the grid under its cells; a picture below the plot does not.
    for axis in ("xaxis", "yaxis"):
        layout[axis] = {**layout.get(axis, {}), "showgrid": False, "zeroline": False}
    rest = [t for t in spec["data"] if t.get("type") != "heatmap"]
    return {"data": ([carrier] if carrier else []) + rest, "layout": layout}


def _css(rgb: Array) -> list[str]:
    return [f"rgb({r:.0f},{g:.0f},{b:.0f})" for r, g, b in rgb]


def _edges(centres: Array) -> tuple[float, float]:
    half = (centres[-1] - centres[0]) / (2 * (len(centres) - 1)) if len(centres) > 1 else 0.5
    return float(centres[0] - half), float(centres[-1] + half)


def frame_steps(num_steps: int, events: list[int], max_frames: int = MAX_FRAMES) -> Array:
    """The steps the animation shows: at most ~``max_frames``, evenly spread, always
    including step 0, the last step and every event step (e.g. a divergence)."""
    if num_steps + 1 <= max_frames:
        return np.arange(num_steps + 1)
    base = np.round(np.linspace(0, num_steps, max_frames)).astype(int)
    extra = [e for e in events if 0 <= e <= num_steps]
    return np.unique(np.concatenate([base, extra]).astype(int))


def path_indices(num_steps: int, max_points: int) -> Array:
    """Steps kept in drawn paths: every ``stride``-th, with an odd stride so that a
    zig-zag that flips sign every step still shows as a zig-zag after thinning."""
    stride = max(1, math.ceil(num_steps / max_points))
    if stride > 1 and stride % 2 == 0:
        stride += 1
    return np.arange(0, num_steps + 1, stride)


def race_figure(
    obj: Objective,
    legend: list[tuple[str, str]],
    start: tuple[float, float],
    num_steps: int,
    log_range: tuple[float, float],
    *,
    font_size: int = 14,
    height: int = 540,
    axes: dict | None = None,
) -> dict:
    """The still part of the race: landscape (left), loss axes (right), legend.

    The race component draws the growing paths and loss curves over it, on a canvas
    pinned to the two plot areas (see ``race_component/index.html``).

    Args:
        obj: The function (domain, minima, landscape).
        legend: ``(label, colour)`` per racer, for the legend.
        start: The common start point, marked on the landscape.
        num_steps: Steps per run (the loss plot's x range).
        log_range: ``log10(f - f*)`` range of the loss plot.
        font_size: Base font size (larger for presenting).
        height: Figure height in pixels.
        axes: Layout updates of the axes where ``x``, ``y`` and ``step`` are not what they
            show (a network's plane: its two directions; its clock: epochs).

    Returns:
        A plotly spec dict with ``data`` and ``layout`` (shared with other calls in part:
        read it, do not change it).
    """
    if axes:  # a network's plane: its own axes, drawn for the scene that shows it
        return _race_figure(obj, legend, start, num_steps, log_range, font_size, height, axes)
    still = _still_figure(obj, tuple(legend), font_size, height)
    return _placed(still, start, num_steps, log_range)


#: Where :func:`_race_figure` puts the parts of a race's chart that change with its runs:
#: the start marker's trace and the trace that holds the loss axes.
_START_TRACE, _LOSS_TRACE = 3, 4


@functools.lru_cache(maxsize=32)
def _still_figure(obj: Objective, legend: tuple, font_size: int, height: int) -> dict:
    """A landscape's race chart with a placeholder start, steps and loss range (see
    :func:`_placed`): built once (its plotly figure costs ~12 ms, a new setting's runs a
    few)."""
    return _race_figure(obj, list(legend), (0.0, 0.0), 1, (0.0, 1.0), font_size, height, None)


def _placed(still: dict, start: tuple[float, float], num_steps: int,
            log_range: tuple[float, float]) -> dict:  # fmt: skip
    """``still`` with this race's start, steps and loss range, as :func:`_race_figure`
    writes them; ``still`` itself unchanged (its other parts shared)."""
    lo, hi = log_range
    data = list(still["data"])
    data[_START_TRACE] = {**data[_START_TRACE], "x": [start[0]], "y": [start[1]]}
    data[_LOSS_TRACE] = {**data[_LOSS_TRACE], "y": [10**hi]}
    layout = dict(still["layout"])
    layout["xaxis2"] = {**layout["xaxis2"], "range": [0, num_steps]}
    layout["yaxis2"] = {**layout["yaxis2"], "range": [lo - 0.3, hi + 0.3]}
    return {**still, "data": data, "layout": layout}


def _race_figure(obj: Objective, legend: list, start: tuple[float, float], num_steps: int,
                 log_range: tuple[float, float], font_size: int, height: int,
                 axes: dict | None) -> dict:  # fmt: skip
    """:func:`race_figure`, built (see there)."""
    (x0, x1), (y0, y1) = obj.domain
    image, z_min, z_max = landscape_image(obj)
    big = max(11, round(font_size * 0.9))
    width = max(2.5, font_size / 6)  # thicker paths when presenting
    gap = round(font_size * 0.45)  # between an axis and its labels, its labels and title
    traces = [
        # One invisible point carries the landscape's colour bar (the image has none).
        go.Scatter(
            x=[x0], y=[y0], mode="markers", hoverinfo="skip", showlegend=False,
            marker={
                "size": 0.1, "opacity": 0, "color": [z_min],
                "colorscale": [[i / 4, c] for i, c in enumerate(LANDSCAPE_COLORS)],
                "cmin": z_min, "cmax": z_max, "showscale": True,
                # Title along the bar ("right"): a title on top ran into the loss axis.
                "colorbar": {"title": {"text": landscape_label(obj), "side": "right",
                                       "font": {"size": big}},
                             "x": 0.545, "len": 1, "thickness": 12, "y": 0.5,
                             "ypad": 0, "tickfont": {"size": big}, **_bar_ticks(obj, z_min, z_max)},
            },
        ),
        go.Scatter(
            x=obj.global_minima[:, 0], y=obj.global_minima[:, 1], mode="markers",
            name="global minimum",
            marker={"symbol": "star", "size": 2 * big, "color": "gold",
                    "line": {"color": "black", "width": 1.5}},
            hovertemplate="global minimum (%{x:.4g}, %{y:.4g})<extra></extra>",
        ),
        go.Scatter(
            x=obj.local_minima[:, 0], y=obj.local_minima[:, 1], mode="markers",
            name="local minima", visible=True if len(obj.local_minima) else "legendonly",
            marker={"symbol": "circle-open", "size": big // 2 + 2, "color": "#444"},
            hovertemplate="local minimum (%{x:.4g}, %{y:.4g})<extra></extra>",
        ),
        go.Scatter(
            x=[start[0]], y=[start[1]], mode="markers", name="start",
            marker={"symbol": "circle", "size": big, "color": "white",
                    "line": {"color": "black", "width": 2}},
            hovertemplate="start (%{x:.4g}, %{y:.4g})<extra></extra>",
        ),
    ]  # fmt: skip
    lo, hi = log_range
    # Holds the loss plot's axes in place (plotly hides axes without a trace).
    traces.append(
        go.Scatter(x=[0], y=[10**hi], xaxis="x2", yaxis="y2", mode="markers", showlegend=False,
                   hoverinfo="skip", marker={"opacity": 0})
    )  # fmt: skip
    # Legend entries only: the component draws the runs themselves.
    traces += [
        go.Scatter(
            x=[None], y=[None], mode="lines+markers", name=label, hoverinfo="skip",
            line={"color": color, "width": width}, marker={"size": big, "color": color},
        )
        for label, color in legend
    ]  # fmt: skip
    layout = go.Layout(
        height=height,
        # Room for the labels, their standoff and the title under and left of the plots.
        margin={"l": max(60, round(4.6 * font_size)), "r": 20, "t": 40,
                "b": max(50, round(3.3 * font_size))},
        font={"size": font_size, "color": "#111"},
        plot_bgcolor="white",
        paper_bgcolor="white",
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom",
                "itemclick": False, "itemdoubleclick": False},
        # The axes' labels stand off from the plot (and their titles from them): where the
        # two axes meet, the x axis' first label and the y axis' lowest printed as one
        # ("−2−1") on a projector, and "y" ran into "−0.5".
        xaxis={"domain": [0, 0.53], "range": [x0, x1], "title": {"text": "x", "standoff": gap},
               "showgrid": False, "zeroline": False, "constrain": "domain",
               "fixedrange": True},
        yaxis={"range": [y0, y1], "title": {"text": "y", "standoff": gap}, "showgrid": False,
               # clear of half the x axis' first label
               "zeroline": False, "fixedrange": True, "ticklabelstandoff": round(font_size * 0.9)},
        # The component moves x2 to clear the colour bar at its real width (and stacks
        # the plots on narrow screens); these are the defaults for about 1000 px.
        xaxis2={"domain": [0.76, 1], "range": [0, num_steps],
                "title": {"text": "step", "standoff": gap},
                "anchor": "y2", "fixedrange": True, "tickangle": 0, "nticks": 5},
        yaxis2={"type": "log", "anchor": "x2",
                # clear of the tick labels (10⁻¹⁴ touched the title on a projector)
                "title": {"text": "f(x) − f*  (log scale)", "standoff": gap},
                "range": [lo - 0.3, hi + 0.3], "exponentformat": "power", "fixedrange": True,
                "ticklabelstandoff": gap},
        images=[{"source": image, "xref": "x", "yref": "y", "x": x0, "y": y1,
                 "sizex": x1 - x0, "sizey": y1 - y0, "sizing": "stretch",
                 "xanchor": "left", "yanchor": "top", "layer": "below"}],
        hovermode="closest",
        dragmode=False,
    )  # fmt: skip
    return go.Figure(data=traces, layout=layout).update_layout(axes or {}).to_plotly_json()


#: Surface samples per axis: fine enough that a narrow valley's floor is smooth (at 60,
#: Rosenbrock's curved floor crossed the grid as a saw-tooth of spikes).
SURFACE_N = 160


def surface_values(obj: Objective, n: int = SURFACE_N, fine: int = 4) -> tuple[Array, Array, Array]:
    """:func:`landscape_values` for the 3D surface: ``n x n`` vertices, each the lowest
    value within half a grid step of it (from a grid ``fine`` times finer). On a log
    scale a narrow valley is a deep trench that a plain grid hits only here and there,
    which drew its floor as a row of spikes; with the lowest value around each vertex the
    floor runs unbroken."""
    xs_f, ys_f, z_f = landscape_values(obj, n=n * fine)
    pad = fine // 2  # a vertex's block: the fine points within half a step each way
    zp = np.pad(z_f, pad, mode="edge")
    blocks = np.lib.stride_tricks.sliding_window_view(zp, (fine + 1, fine + 1))
    centre = np.linspace(0, len(xs_f) - 1, n).round().astype(int)
    z = blocks[centre][:, centre].min(axis=(-2, -1))
    return xs_f[centre], ys_f[centre], z


def surface_z(xs: Array, ys: Array, z: Array, points: Array) -> Array:
    """The drawn surface's height over each of ``points`` ``(k, 2)``: bilinear between the
    corners of the grid cell holding it (clamped to the grid)."""
    i = np.clip(np.searchsorted(ys, points[:, 1]) - 1, 0, len(ys) - 2)
    j = np.clip(np.searchsorted(xs, points[:, 0]) - 1, 0, len(xs) - 2)
    u = np.clip((points[:, 0] - xs[j]) / (xs[j + 1] - xs[j]), 0.0, 1.0)
    v = np.clip((points[:, 1] - ys[i]) / (ys[i + 1] - ys[i]), 0.0, 1.0)
    bottom = z[i, j] * (1 - u) + z[i, j + 1] * u
    top = z[i + 1, j] * (1 - u) + z[i + 1, j + 1] * u
    return bottom * (1 - v) + top * v


def surface_figure(obj: Objective, runs: list[RaceRun], font_size: int = 14) -> go.Figure:
    """A static 3D view: the landscape as a translucent surface with each optimizer's
    whole path laid on it, never under it: a point is drawn at its own height or the
    surface's over it, whichever is higher (between grid points the drawn surface can
    pass above a narrow valley's floor), lifted by 1 % of the height. Its hover says the
    run's own f − f*. The surface's vertices come from :func:`surface_values`."""
    xs, ys, z = surface_values(obj)
    lift = 0.01 * float(z.max() - z.min())
    (x0, x1), (y0, y1) = obj.domain
    fig = go.Figure(
        go.Surface(
            x=xs, y=ys, z=z, colorscale=[[i / 4, c] for i, c in enumerate(LANDSCAPE_COLORS)],
            opacity=0.75, showscale=False, hoverinfo="skip",
        )
    )  # fmt: skip
    for run in runs:
        keep = path_indices(len(run.positions) - 1, 600)
        pts = run.positions[keep]
        inside = (pts[:, 0] >= x0) & (pts[:, 0] <= x1) & (pts[:, 1] >= y0) & (pts[:, 1] <= y1)
        pts, gap = pts[inside], run.gaps[keep][inside]
        own = np.log10(np.maximum(gap, 0.0) + 1e-3) if obj.log_scale else gap + obj.f_star
        zs = np.maximum(own, surface_z(xs, ys, z, pts)) + lift
        color = run.color or COLORS.get(run.name, "#333")
        fig.add_trace(
            go.Scatter3d(
                x=pts[:, 0], y=pts[:, 1], z=zs, mode="lines", name=run.label,
                line={"color": color, "width": 7}, customdata=gap,
                hovertemplate="(%{x:.4g}, %{y:.4g}): f − f* = %{customdata:.3g}<extra></extra>",
            )
        )  # fmt: skip
    tick = {"size": max(10, font_size - 3)}
    fig.update_layout(
        height=620,
        margin={"l": 0, "r": 0, "t": 10, "b": 0},
        font={"size": font_size},
        scene={
            "xaxis": {"title": {"text": "x"}, "range": [x0, x1], "tickfont": tick},
            "yaxis": {"title": {"text": "y"}, "range": [y0, y1], "tickfont": tick},
            "zaxis": {"title": {"text": "log f" if obj.log_scale else "f"}, "tickfont": tick},
            "aspectmode": "manual",
            "aspectratio": {"x": 1, "y": 1, "z": 0.55},
            # Close enough that the box fills the frame (at 1.6 it sat small in its middle).
            "camera": {"eye": {"x": 1.0, "y": -1.0, "z": 0.7}},
        },
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom"},
    )
    return fig
