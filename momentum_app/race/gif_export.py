"""The race as an animated GIF, drawn by matplotlib's Agg renderer (offline, no browser).

The picture follows :func:`momentum_app.race.figures.race_figure`: the landscape with each run's
path growing and its current point marked (left), f - f* against the step on a log axis
(right), the same landscape image, axis ranges, path thinning and frames
(:func:`~momentum_app.race.figures.frame_steps`), so a GIF shows the same key steps, divergences
included, as the interactive chart.

Why matplotlib rather than drawing with Pillow by hand: ticks, clipping, markers, legend
layout and fonts (its bundled DejaVu) are a plotting library's job; only the animation
loop is ours. The figure is a bare :class:`~matplotlib.figure.Figure` on its own Agg
canvas: no pyplot, so no global figure registry, and rcParams are only read.

Speed: the figure is laid out and drawn once without what moves (paths, current points,
loss curves, the step number, the legend texts of runs that diverge); a frame restores
that picture and draws only the moving artists over it (blitting). A full redraw per
frame (or ``matplotlib.animation.PillowWriter``, which also redraws) resamples the
landscape and lays out every tick again: about 20 times slower. Frames are mapped onto
one palette as they are drawn, without dithering, so consecutive frames differ only
where something moved and the GIF's delta frames stay small.
"""

from __future__ import annotations

import base64
import io
import math
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from momentum_app.race.figures import COLORS, frame_steps, landscape_image, path_indices
from momentum_app.race.race_data import GAP_FLOOR, RaceRun
from momentum_core import Objective

if TYPE_CHECKING:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import LineCollection, PathCollection
    from matplotlib.text import Text

Array = np.ndarray
Box = tuple[float, float, float, float]

#: How long the last frame stays up before the GIF loops, in milliseconds.
LAST_FRAME_MS = 1500
#: Share of the plots' width given to the landscape panel; the loss panel gets the rest.
LANDSCAPE_SHARE = 0.6
#: Colour of runs whose optimizer has no entry in ``COLORS`` (as in the chart).
FALLBACK_COLOR = "#333333"

#: Pixels per inch. Sizes are chosen in pixels (text scales with the image) and given to
#: matplotlib in points, 72 to the inch.
_DPI = 100
_TEXT = "#111111"
_AXIS = "#6e6e6e"
_LOCAL_MIN = "#444444"
_GRID = "#e1e1e1"
#: The plot areas must keep at least this many pixels of width and height.
_MIN_PLOT = 60
#: matplotlib's FAQ: "Matplotlib is not thread-safe"; separate figures on Agg "may" be. A
#: GIF is drawn rarely (on a download), so two sessions' GIFs simply take turns.
_LOCK = threading.Lock()


def _pt(pixels: float) -> float:
    return pixels * 72 / _DPI


def _run_color(run: RaceRun) -> str:
    return run.color or COLORS.get(run.name, FALLBACK_COLOR)


@dataclass(frozen=True)
class Layout:
    """Where the plot areas of a race GIF are.

    Attributes:
        width: Image width in pixels.
        height: Image height in pixels.
        landscape: The landscape's plot area ``(left, top, right, bottom)`` in image
            pixels, row 0 at the top; the domain's corners map to its corners.
        loss: The loss panel's plot area, same convention.
    """

    width: int
    height: int
    landscape: Box
    loss: Box

    def to_pixel(self, obj: Objective, points: Array) -> Array:
        """Map points of ``obj``'s plane to ``(column, row)`` image coordinates.

        The domain fills the landscape panel exactly (the axes' limits), with y growing
        upward. Round the result to index a pixel.
        """
        left, top, right, bottom = self.landscape
        (x0, x1), (y0, y1) = obj.domain
        p = np.asarray(points, dtype=float)
        col = left + (p[..., 0] - x0) / (x1 - x0) * (right - left)
        row = bottom - (p[..., 1] - y0) / (y1 - y0) * (bottom - top)
        return np.stack([col, row], axis=-1)


@dataclass(eq=False)
class _Racers:
    """The laid-out figure, its still pictures and the artists that move.

    Attributes:
        canvas: The figure's Agg canvas.
        layout: Where the plot areas are.
        colors: Per run, its colour as RGBA.
        paths, curves: Every run's path and loss curve, one collection each: drawn in one
            call whatever the number of runs (with 7 runs, half the time of a line each).
        dots, crosses: The runs' current points: a dot, or a cross once it has diverged.
        counter: The header's step number, right-aligned so that the rest stays put.
        notes: Per run that diverges: its legend text, its label, the label with the
            divergence note, and the step the note appears at. Laid out with the note,
            so that it has room from the start.
        stills: The still picture per set of notes shown; the one with none shown (key
            ``()``) has no legend text of a diverging run at all.
    """

    canvas: FigureCanvasAgg
    layout: Layout
    colors: Array
    paths: LineCollection
    curves: LineCollection
    dots: PathCollection
    crosses: PathCollection
    counter: Text
    notes: list[tuple[Text, str, str, int]]
    stills: dict[tuple[bool, ...], object] = field(default_factory=dict)

    def still(self, step: int) -> object:
        """The still picture at ``step`` (legend texts as they read then), made once."""
        shown = tuple(0 <= at <= step for *_, at in self.notes)
        if shown not in self.stills:
            self.canvas.restore_region(self.stills[()])
            for (text, label, noted, _), note in zip(self.notes, shown, strict=True):
                text.set_text(noted if note else label)
                text.set_visible(True)
                self.canvas.figure.draw_artist(text)
            self.stills[shown] = self.canvas.copy_from_bbox(self.canvas.figure.bbox)
        return self.stills[shown]


def _landscape_rgb(obj: Objective) -> Array:
    """The chart's banded landscape image (row 0 at the domain's top), decoded."""
    uri, _, _ = landscape_image(obj)
    png = base64.b64decode(uri.split(",", 1)[1])
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def _legend(obj: Objective, runs: list[RaceRun], px: int) -> tuple[list, list[str], list[str]]:
    """Handles, texts (a divergence note included) and text colours of the legend: the
    runs, then the global minimum, the local minima (if any) and the start."""
    from matplotlib.lines import Line2D

    line, mark = _pt(max(2, px / 6)), _pt(px)
    handles: list = [
        Line2D([], [], color=_run_color(r), lw=line, marker="o", ms=mark * 0.7) for r in runs
    ]
    texts = [
        r.label + (f" (diverged at step {r.diverged_step:,})" if r.diverged_step >= 0 else "")
        for r in runs
    ]
    colors = [_run_color(r) for r in runs]
    style = {"ls": "", "marker": "o", "mec": _TEXT}
    handles.append(Line2D([], [], **(style | {"marker": "*", "ms": mark * 1.4, "mfc": "gold"})))
    texts.append("global minimum")
    if len(obj.local_minima):
        handles.append(
            Line2D([], [], **(style | {"ms": mark * 0.6, "mfc": "none", "mec": _LOCAL_MIN}))
        )
        texts.append("local minima")
    handles.append(Line2D([], [], **(style | {"ms": mark * 0.8, "mfc": "white", "mew": 1.5})))
    texts.append("start")
    return handles, texts, colors + [_TEXT] * (len(texts) - len(colors))


def _build(obj: Objective, runs: list[RaceRun], width: int, height: int, title: str) -> _Racers:
    """Lay the figure out and draw its still picture.

    The layout is computed once with every changing text at its longest (the last
    step's number, every divergence note), then frozen, so nothing jumps mid-animation.

    Raises:
        ValueError: If the image is too small to hold both panels.
    """
    # matplotlib is imported here rather than on top: the app imports this module when it
    # starts, most sessions never make a GIF, and importing matplotlib takes ~0.5 s.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import LineCollection
    from matplotlib.colors import to_rgba_array
    from matplotlib.figure import Figure
    from matplotlib.ticker import (
        FuncFormatter,
        LogFormatterSciNotation,
        LogLocator,
        MaxNLocator,
        NullLocator,
    )
    from matplotlib.transforms import IdentityTransform

    too_small = f"{width} x {height} pixels are too few for this race's GIF"
    if width < 200 or height < 160:
        raise ValueError(too_small)
    num_steps = len(runs[0].positions) - 1
    px = max(9, round(min(width / 52, height / 34)))  # header and legend text, in pixels
    font, small = _pt(px), _pt(px - 2)
    line, mark = _pt(max(2, px / 6)), _pt(px)
    (x0, x1), (y0, y1) = obj.domain

    fig = Figure(figsize=(width / _DPI, height / _DPI), dpi=_DPI, layout="constrained")
    canvas = FigureCanvasAgg(fig)
    fig.get_layout_engine().set(w_pad=6 / _DPI, h_pad=4 / _DPI, wspace=0.02)
    land, loss = fig.subplots(1, 2, width_ratios=[LANDSCAPE_SHARE, 1 - LANDSCAPE_SHARE])

    # Landscape: the chart's image over the domain, then, below the paths as in the chart,
    # the local minima, the global minima and the start.
    land.imshow(
        _landscape_rgb(obj), extent=(x0, x1, y0, y1), origin="upper", aspect="auto",
        interpolation="nearest",
    )  # fmt: skip
    land.set(xlim=(x0, x1), ylim=(y0, y1))
    for axis in (land.xaxis, land.yaxis):
        axis.set_major_locator(MaxNLocator(5, steps=[1, 2, 2.5, 5, 10]))
    local, best = obj.local_minima.reshape(-1, 2), obj.global_minima
    land.plot(*local.T, ls="", marker="o", ms=mark * 0.6, mfc="none", mec=_LOCAL_MIN)
    land.plot(*best.T, ls="", marker="*", ms=mark * 1.7, mfc="gold", mec=_TEXT, mew=0.8)
    land.plot(*runs[0].positions[0], marker="o", ms=mark * 0.9, mfc="white", mec=_TEXT, mew=1.5)

    # Loss: a log axis over every run's finite gap +- 0.3 decades, as the chart sets it.
    gaps = np.concatenate([np.maximum(r.gaps, GAP_FLOOR) for r in runs])
    gaps = gaps[np.isfinite(gaps)]
    lo, hi = (float(gaps.min()), float(gaps.max())) if len(gaps) else (GAP_FLOOR, GAP_FLOOR)
    # Capped at 1e200: gaps above leave the plot at its top, and the ticks stay finite.
    e_hi = min(math.log10(hi) + 0.3, 200.0)
    e_lo = min(math.log10(lo) - 0.3, e_hi - 0.6)
    loss.set_yscale("log")
    loss.set(xlim=(0, max(num_steps, 1)), ylim=(10**e_lo, 10**e_hi))
    few = e_hi - e_lo < 3  # then 2 and 5 times each decade are ticked and labelled too
    loss.yaxis.set_major_locator(LogLocator(subs=(1, 2, 5) if few else (1,), numticks=7))
    every = LogFormatterSciNotation(labelOnlyBase=False, minor_thresholds=(math.inf, math.inf))
    loss.yaxis.set_major_formatter(every)
    loss.yaxis.set_minor_locator(NullLocator())
    loss.xaxis.set_major_locator(MaxNLocator(4, steps=[1, 2, 2.5, 5, 10], integer=True))
    loss.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    loss.grid(axis="y", which="both", color=_GRID, lw=0.8)
    loss.set_axisbelow(True)
    # Captions as plain texts: an Axes title would be moved clear of the ticks on every
    # layout pass, which costs more than the rest of the layout.
    captions = {land: "x-y plane (darker = lower f)", loss: "f - f* (log scale) vs step"}
    for ax, caption in captions.items():
        ax.text(0, 1.01, caption, transform=ax.transAxes, fontsize=small, va="bottom")
        ax.tick_params(which="both", labelsize=small, length=3, pad=2, color=_AXIS)
        for spine in ax.spines.values():
            spine.set_color(_AXIS)

    # Header: the title line and the legend, wrapped onto as few lines as the width
    # allows (items fill it column by column), laid out with the longest texts.
    handles, texts, colors = _legend(obj, runs, px)
    renderer = canvas.get_renderer()
    longest = f"{title}    step {num_steps:,} / {num_steps:,}"
    for ncols in range(len(texts), 0, -1):
        legend = fig.legend(
            handles, texts, loc="outside upper left", ncols=ncols, frameon=False,
            fontsize=font, labelcolor=colors, title=longest, title_fontsize=font,
            alignment="left", handlelength=1.8, handletextpad=0.5, columnspacing=1.4,
            borderaxespad=0.5, borderpad=0.2, labelspacing=0.3,
        )  # fmt: skip
        header = legend.get_window_extent(renderer)
        if ncols == 1 or header.width <= width - 8:
            break
        legend.remove()
    # Room for the captions and tick labels, so that the layout is not asked to squeeze
    # the plots to nothing (it would warn and leave them be).
    if height - header.height - 3 * px - 16 < _MIN_PLOT:
        raise ValueError(too_small)
    fig.get_layout_engine().execute(fig)
    fig.set_layout_engine("none")  # keeps the axes where the layout put them

    boxes = []
    for ax in (land, loss):
        b = ax.get_window_extent(renderer)  # y from the bottom, in pixels
        boxes.append((b.x0, height - b.y1, b.x1, height - b.y0))
    if min(min(r - left, b - t) for left, t, r, b in boxes) < _MIN_PLOT:
        raise ValueError(too_small)

    # The still picture: the title without the step number, and no legend text of a run
    # that diverges (hidden texts keep their room: the legend packs them by their text).
    heading = legend.get_title()
    heading.set_text(f"{title}    step")
    notes = []
    for run, text, noted in zip(runs, legend.get_texts(), texts, strict=False):
        if run.diverged_step >= 0:
            text.set_visible(False)
            notes.append((text, run.label, noted, run.diverged_step))
    canvas.draw()
    # The step number, right-aligned where the longest one ends, then " / steps".
    y = heading.get_transform().transform(heading.get_position())[1]  # its baseline
    number = f" {num_steps:,}"
    right = heading.get_window_extent(renderer).x1
    right += renderer.get_text_width_height_descent(number, heading.get_fontproperties(), False)[0]
    style = {"transform": IdentityTransform(), "fontproperties": heading.get_fontproperties()}
    counter = fig.text(right, y, "", ha="right", color=_TEXT, animated=True, **style)
    fig.draw_artist(fig.text(right, y, f" / {num_steps:,}", color=_TEXT, **style))

    colors = to_rgba_array([_run_color(r) for r in runs])
    racers = _Racers(
        canvas=canvas,
        layout=Layout(width, height, *boxes),
        colors=colors,
        paths=land.add_collection(LineCollection([], colors=colors, lw=line, animated=True)),
        curves=loss.add_collection(LineCollection([], colors=colors, lw=line, animated=True)),
        dots=land.scatter([], [], s=mark**2, marker="o", edgecolors="white", linewidths=1.5,
                          animated=True),
        crosses=land.scatter([], [], s=(mark * 1.3) ** 2, marker="x", linewidths=2.2,
                             animated=True),
        counter=counter,
        notes=notes,
    )  # fmt: skip
    racers.stills[()] = canvas.copy_from_bbox(fig.bbox)
    return racers


def race_layout(
    obj: Objective, runs: list[RaceRun], width: int = 720, height: int = 480, title: str = ""
) -> Layout:
    """The :class:`Layout` of :func:`race_gif`'s image of ``runs`` on ``obj`` (``title``
    as given to it).

    Raises:
        ValueError: If the image is too small to hold both panels.
    """
    with _LOCK:
        return _build(obj, runs, width, height, title or obj.title).layout


def data_to_pixel(
    obj: Objective, runs: list[RaceRun], points: Array, width: int = 720, height: int = 480
) -> Array:
    """Where ``points`` of ``obj``'s plane are drawn in :func:`race_gif`'s image of ``runs``
    (a shorthand for :meth:`Layout.to_pixel` of :func:`race_layout`)."""
    return race_layout(obj, runs, width, height).to_pixel(obj, points)


def _draw(runs: list[RaceRun], racers: _Racers, keep: Array, step: int) -> None:
    """Draw the picture at ``step`` on the canvas: the still one, the moving artists over.

    Non-finite values (an overflowing gap) are left out rather than handed to the
    renderer; finite points far off a panel are cut at its edge by Agg's clipping.
    """
    canvas = racers.canvas
    canvas.restore_region(racers.still(step))
    draw = canvas.figure.draw_artist
    # The chart's path at this step: the thinned steps before it, then the step itself.
    idx = np.append(keep[keep < step], step)
    paths, curves = [], []
    for run in runs:
        points = run.positions[idx]
        paths.append(points[np.isfinite(points).all(axis=1)])
        gap = np.maximum(run.gaps[idx], GAP_FLOOR)
        finite = np.isfinite(gap)
        curves.append(np.column_stack([idx[finite], gap[finite]]))
    racers.paths.set_segments(paths)
    racers.curves.set_segments(curves)
    # Every current point over all paths: a cross where a run left, as in the chart.
    points = np.array([run.positions[step] for run in runs])
    shown = np.isfinite(points).all(axis=1)
    gone = np.array([0 <= run.diverged_step <= step for run in runs])
    racers.dots.set_offsets(points[shown & ~gone])
    racers.dots.set_facecolor(racers.colors[shown & ~gone])
    racers.crosses.set_offsets(points[shown & gone])
    racers.crosses.set_color(racers.colors[shown & gone])
    for artist in (racers.paths, racers.curves, racers.dots, racers.crosses):
        draw(artist)
    racers.counter.set_text(f"{step:,}")
    draw(racers.counter)


def _palette(obj: Objective, runs: list[RaceRun], last: Image.Image) -> Image.Image:
    """One palette for every frame: the colours drawn flat (landscape bands, runs, text,
    markers) exactly, the rest from a median cut of ``last``, the fullest frame (every
    path and note), at half size (4 times quicker, same colours). A median cut alone
    merges a colour of few pixels, like the star's gold, into a neighbour. One index of
    256 stays free for the GIF's transparency."""
    from matplotlib.colors import to_rgb

    inks = [_TEXT, _AXIS, _LOCAL_MIN, _GRID, "white", "gold", *map(_run_color, runs)]
    rgb = np.round(255 * np.array([to_rgb(c) for c in inks])).astype(np.uint32)
    packed = _landscape_rgb(obj).reshape(-1, 3).astype(np.uint32) @ [65536, 256, 1]
    packed = np.unique(np.concatenate([packed, rgb @ [65536, 256, 1]]))[:128]
    flat = np.stack([packed >> 16, (packed >> 8) & 255, packed & 255], axis=-1)
    rest = 255 - len(flat)
    cut = last.reduce(2).quantize(rest, method=Image.Quantize.MEDIANCUT).getpalette()
    palette = Image.new("P", (1, 1))
    palette.putpalette([*flat.ravel().tolist(), *cut[: 3 * rest]])
    return palette


def race_gif(
    obj: Objective,
    runs: list[RaceRun],
    *,
    width: int = 720,
    height: int = 480,
    frame_ms: int = 60,
    max_frames: int = 100,
    title: str | None = None,
) -> bytes:
    """An animated GIF of the race: the landscape with each run's path growing and its
    current point marked, the global minima starred, and f - f* per step on a log axis.

    Pure: no file or network access, and the same inputs give the same bytes.

    Args:
        obj: The function (domain, minima, landscape, title).
        runs: One :class:`RaceRun` per optimizer, all with the same number of steps.
        width: Image width in pixels.
        height: Image height in pixels.
        frame_ms: Time per frame; GIF stores hundredths of a second, so this is rounded
            down to 10 ms (and browsers play delays under 20 ms much slower).
        max_frames: Frame budget (see :func:`~momentum_app.race.figures.frame_steps`; divergence
            steps are shown even beyond it).
        title: The header's text before the step counter (default: the function's title).

    Returns:
        The GIF file's bytes: one frame per step of ``frame_steps``, looping forever, the
        last frame held for :data:`LAST_FRAME_MS`. Pixel positions are those of
        :func:`race_layout`.

    Raises:
        ValueError: If there are no runs, their lengths differ, or the size is too small.
    """
    if not runs:
        raise ValueError("a race GIF needs at least one run")
    num_steps = len(runs[0].positions) - 1
    if any(len(r.positions) != num_steps + 1 or len(r.gaps) != num_steps + 1 for r in runs):
        raise ValueError("every run must have the same number of steps")
    steps = frame_steps(num_steps, [r.diverged_step for r in runs], max_frames)
    keep = path_indices(num_steps, max(60, 800 // len(runs)))
    with _LOCK:
        racers = _build(obj, runs, width, height, title or obj.title)
        picture = Image.new("RGB", (width, height))

        def shot(step: int) -> Image.Image:
            """The frame at ``step``, in ``picture`` (overwritten by the next one)."""
            _draw(runs, racers, keep, step)
            # Copied without the alpha ("RGBX" is how Pillow stores RGB) into one image:
            # 6x quicker than ``convert``, and no new memory per frame.
            picture.frombytes(racers.canvas.buffer_rgba(), "raw", "RGBX")
            return picture

        # The palette first, from the fullest frame (the last), so that each frame is
        # mapped onto it as soon as it is drawn and only the small mapped frames are kept.
        palette = _palette(obj, runs, shot(int(steps[-1])))
        frames = [shot(int(s)).quantize(palette=palette, dither=Image.Dither.NONE) for s in steps]
    out = io.BytesIO()
    frames[0].save(
        out,
        format="GIF",
        save_all=True,
        append_images=frames[1:],
        duration=[frame_ms] * (len(frames) - 1) + [LAST_FRAME_MS],
        loop=0,
        optimize=True,
    )
    return out.getvalue()
