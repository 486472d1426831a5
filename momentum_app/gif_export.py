"""The race as an animated GIF, drawn with Pillow alone (no browser, no kaleido, no network).

The picture follows :func:`momentum_app.figures.race_figure`: the landscape with each run's
path growing and its current point marked (left), f - f* against the step on a log axis
(right), the same axis ranges, path thinning and frames
(:func:`~momentum_app.figures.frame_steps`), so a GIF shows the same key steps, divergences
included, as the interactive chart.

Speed: everything that does not move (landscape, axes, ticks, minima, start point) is drawn
once; a frame only copies it and draws the paths, dots, curves and header text. Frames are
then mapped onto one fixed palette holding exactly the colours drawn: no dithering noise,
so consecutive frames differ only where something moved and the GIF's delta frames stay
small, and the mapping is one table lookup per pixel.
"""

from __future__ import annotations

import base64
import functools
import io
import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from momentum_app.figures import (
    COLORS,
    LANDSCAPE_COLORS,
    frame_steps,
    landscape_image,
    path_indices,
)
from momentum_app.race_data import GAP_FLOOR, RaceRun
from momentum_core import Objective

Array = np.ndarray
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont
Box = tuple[int, int, int, int]
Color = tuple[int, int, int]

#: How long the last frame stays up before the GIF loops, in milliseconds.
LAST_FRAME_MS = 1500
#: Share of the width taken by the landscape panel; the loss panel gets the rest.
LANDSCAPE_SHARE = 0.6
#: Colour of runs whose optimizer has no entry in ``COLORS`` (as in the chart).
FALLBACK_COLOR = "#333333"

_TEXT: Color = (17, 17, 17)
_WHITE: Color = (255, 255, 255)
_AXIS: Color = (110, 110, 110)
_GRID: Color = (225, 225, 225)
_GOLD: Color = (255, 215, 0)
_LOCAL_MIN: Color = (68, 68, 68)
#: Pixels a path may run past its panel before it is cut: keeps the numbers handed to
#: Pillow small (a diverging run may stop 1e6 units away, ~1e8 pixels off the panel).
_CLIP_MARGIN = 16
#: The plot areas must keep at least this many pixels of height.
_MIN_PLOT = 60


def _rgb(color: str) -> Color:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def _run_color(run: RaceRun) -> Color:
    return _rgb(run.color or COLORS.get(run.name, FALLBACK_COLOR))


@functools.lru_cache(maxsize=8)
def _font(size: int) -> Font:
    """Pillow's bundled font at ``size`` (FreeType), or its bitmap font without FreeType."""
    try:
        return ImageFont.load_default(size=size)
    except ImportError:  # Pillow built without FreeType: only the fixed-size bitmap font
        return ImageFont.load_default()


def _legend_items(runs: list[RaceRun]) -> list[str]:
    """Legend texts: one per run, then the two markers. A run that diverges gets its note
    from the start, so that the layout (reserved room) never jumps mid-animation."""
    texts = []
    for run in runs:
        note = f" (diverged at step {run.diverged_step:,})" if run.diverged_step >= 0 else ""
        texts.append(run.label + note)
    return [*texts, "global minimum", "start"]


@dataclass(frozen=True)
class Layout:
    """Where things go in a race GIF.

    Attributes:
        width: Image width in pixels.
        height: Image height in pixels.
        font_size: Header and legend text size; tick labels are two points smaller.
        legend: Top-left corner of each legend item (runs in order, then "global minimum"
            and "start"); items wrap onto as many lines as the width needs.
        landscape: The landscape's plot area ``(left, top, right, bottom)``, ``right`` and
            ``bottom`` exclusive. The domain's corners map to this box's corners.
        loss: The loss panel's plot area, same convention.
    """

    width: int
    height: int
    font_size: int
    legend: tuple[tuple[float, float], ...]
    landscape: Box
    loss: Box

    def to_pixel(self, obj: Objective, points: Array) -> Array:
        """Map points of ``obj``'s plane to pixel coordinates in the whole image.

        The domain fills the landscape panel exactly (as the chart's axis ranges do), with
        y growing upward.

        Args:
            obj: The function; its ``domain`` is the mapped box.
            points: Shape ``(..., 2)`` data coordinates.

        Returns:
            Shape ``(..., 2)`` float ``(column, row)``; round them to index a pixel.
        """
        left, top, right, bottom = self.landscape
        (x0, x1), (y0, y1) = obj.domain
        p = np.asarray(points, dtype=float)
        # right/bottom are exclusive: the domain's far edges land on the last pixel.
        col = left + (p[..., 0] - x0) / (x1 - x0) * (right - 1 - left)
        row = (bottom - 1) - (p[..., 1] - y0) / (y1 - y0) * (bottom - 1 - top)
        return np.stack([col, row], axis=-1)


def race_layout(runs: list[RaceRun], width: int = 720, height: int = 480) -> Layout:
    """The :class:`Layout` of the race GIF of ``runs`` (text scales with the size; the
    header grows by a line when the legend does not fit on one).

    Raises:
        ValueError: If the image is too small to hold both panels.
    """
    size = max(9, round(min(width / 52, height / 34)))
    small = size - 2
    font = _font(size)
    line = size + 8
    x, y = 10.0, 6.0 + line  # the title takes the first line
    corners = []
    for text in _legend_items(runs):
        item = 28 + font.getlength(text)
        if x > 10 and x + item > width - 10:
            x, y = 10.0, y + line
        corners.append((x, y))
        x += item + 18
    top = round(y + line + small + 6)  # below the legend: a caption line over each panel
    bottom = height - (small + 12)  # room for the x tick labels
    split = round(width * LANDSCAPE_SHARE)
    tick_room = round(small * 2.6) + 10  # "-2.5" or "1e-16" beside the y axes
    if width < 200 or bottom - top < _MIN_PLOT:
        raise ValueError(f"{width} x {height} pixels are too few for this race's GIF")
    return Layout(
        width=width,
        height=height,
        font_size=size,
        legend=tuple(corners),
        landscape=(tick_room, top, split - 12, bottom),
        loss=(split + tick_room + 8, top, width - 14, bottom),
    )


def data_to_pixel(
    obj: Objective, runs: list[RaceRun], points: Array, width: int = 720, height: int = 480
) -> Array:
    """Where ``points`` of ``obj``'s plane are drawn in :func:`race_gif`'s image of ``runs``
    (a shorthand for :meth:`Layout.to_pixel` of :func:`race_layout`)."""
    return race_layout(runs, width, height).to_pixel(obj, points)


def _nice_ticks(lo: float, hi: float, count: int = 5) -> Array:
    """Round tick values (1, 2, 2.5 or 5 times a power of ten apart) inside [lo, hi]."""
    span = hi - lo
    if not span > 0:
        return np.array([lo])
    raw = span / count
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.ceil(lo / step - 1e-9)
    ticks = np.arange(first, math.floor(hi / step + 1e-9) + 1) * step
    return np.round(ticks, 12) + 0.0  # + 0.0 turns -0.0 into 0.0 for the label


def _log_ticks(e_lo: float, e_hi: float) -> list[tuple[str, float]]:
    """Log-axis ticks between exponents ``e_lo`` and ``e_hi`` as ``(label, exponent)``: at
    most ~6 whole decades, or 1, 2 and 5 times each decade when fewer than 3 fit."""
    decades = range(math.floor(e_lo), math.floor(e_hi) + 1)
    whole = [e for e in decades if e >= e_lo]
    if len(whole) >= 3:
        return [(f"1e{e}", float(e)) for e in whole[:: math.ceil(len(whole) / 6)]]
    ticks = [(f"{m}e{e}", e + math.log10(m)) for e in decades for m in (1, 2, 5)]
    return [(label, t) for label, t in ticks if e_lo <= t <= e_hi]


def _polylines(points: Array, box: Box) -> list[list[float]]:
    """The parts of the polyline ``points`` (pixels) inside ``box`` grown by a margin, each
    as a flat ``[x0, y0, x1, y1, ...]`` list for ``ImageDraw.line``.

    Segments are clipped (Liang-Barsky) rather than their ends clamped, so a segment that
    leaves the panel keeps its direction; non-finite points break the line instead of
    reaching Pillow.
    """
    if len(points) < 2:
        return []
    lo = np.array(box[:2], dtype=float) - _CLIP_MARGIN
    hi = np.array(box[2:], dtype=float) + _CLIP_MARGIN
    finite = np.isfinite(points).all(axis=1)
    safe = np.where(finite[:, None], points, 0.0)
    a, b = safe[:-1], safe[1:]
    d = b - a
    ok = finite[:-1] & finite[1:]
    t0, t1 = np.zeros(len(d)), np.ones(len(d))
    for k in (0, 1):
        for p, q in ((-d[:, k], a[:, k] - lo[k]), (d[:, k], hi[k] - a[:, k])):
            ok &= ~((p == 0) & (q < 0))  # parallel to this edge and outside it
            r = q / np.where(p != 0, p, 1.0)
            t0 = np.where(p < 0, np.maximum(t0, r), t0)
            t1 = np.where(p > 0, np.minimum(t1, r), t1)
    ok &= t0 <= t1
    start, end = a + t0[:, None] * d, a + t1[:, None] * d
    # A segment continues the previous line only if both are kept and neither was cut at
    # their shared joint; every other segment starts a new line.
    joined = np.zeros(len(d), dtype=bool)
    joined[1:] = ok[:-1] & ok[1:] & (t1[:-1] >= 1) & (t0[1:] <= 0)
    firsts = np.flatnonzero(~joined)
    lines = []
    for n, i in enumerate(firsts):
        if ok[i]:
            j = firsts[n + 1] if n + 1 < len(firsts) else len(d)  # one past its last segment
            lines.append(np.concatenate([start[i], end[i:j].ravel()]).tolist())
    return lines


def _star(cx: float, cy: float, radius: float) -> list[tuple[float, float]]:
    """A five-pointed star's outline, point up."""
    angles = -math.pi / 2 + np.arange(10) * math.pi / 5
    radii = np.where(np.arange(10) % 2 == 0, radius, radius * 0.45)
    return [
        (cx + r * math.cos(t), cy + r * math.sin(t)) for r, t in zip(radii, angles, strict=True)
    ]


def _dot(
    draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float, fill: Color, outline: Color
) -> None:
    draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=fill, outline=outline, width=2)


def _near(point: Array, box: Box, margin: float) -> bool:
    """Whether ``point`` is finite and within ``margin`` pixels of ``box``."""
    x, y = point
    return bool(
        np.isfinite(point).all()
        and box[0] - margin <= x <= box[2] + margin
        and box[1] - margin <= y <= box[3] + margin
    )


def _landscape_panel(obj: Objective, size: tuple[int, int]) -> Image.Image:
    """The chart's landscape image stretched over the plot area.

    The PNG from :func:`landscape_image` has row 0 at the domain's top (y max), the GIF's
    orientation too, so it is only resized.
    """
    uri, _, _ = landscape_image(obj)
    png = base64.b64decode(uri.split(",", 1)[1])
    # Nearest keeps the bands crisp and every pixel one of the palette's band colours.
    return Image.open(io.BytesIO(png)).convert("RGB").resize(size, Image.Resampling.NEAREST)


def _palette(runs: list[RaceRun], landscape: Image.Image) -> Image.Image:
    """A palette image holding every colour the GIF draws, plus tints of the text colours
    over white, where the font's anti-aliased edges fall."""
    colors: list[Color] = [c for _, c in landscape.getcolors(1024) or []]
    colors += [_rgb(c) for c in LANDSCAPE_COLORS]
    inks = [_TEXT, *(_run_color(r) for r in runs)]
    colors += [_WHITE, _AXIS, _GRID, _GOLD, _LOCAL_MIN, *inks]
    for ink in inks:
        for w in (0.2, 0.4, 0.6, 0.8):
            colors.append(tuple(round(c * (1 - w) + 255 * w) for c in ink))
    # Sorted for determinism; one index stays free for the GIF's transparency.
    unique = sorted(set(colors))[:255]
    image = Image.new("P", (1, 1))
    image.putpalette([v for c in unique for v in c])
    return image


@dataclass(frozen=True)
class _Scene:
    """What every frame shares: the static picture and the runs' points in pixels."""

    layout: Layout
    background: Image.Image
    landscape: Image.Image  # the landscape plot area with minima and start drawn
    paths: list[Array]  # per run, every step's point in landscape-panel pixels
    curves: list[Array]  # per run, every step's (step, gap) in loss-panel pixels
    keep: Array  # the steps drawn in paths and curves (thinned as the chart does)


def _static(obj: Objective, runs: list[RaceRun], lay: Layout) -> _Scene:
    """Draw the parts that never move and map every run's points once."""
    num_steps = len(runs[0].positions) - 1
    image = Image.new("RGB", (lay.width, lay.height), _WHITE)
    draw = ImageDraw.Draw(image)
    small = _font(lay.font_size - 2)
    (x0, x1), (y0, y1) = obj.domain

    # Landscape panel: below the paths (as in the chart) the local minima, the global
    # minima over them, and the start.
    left, top, right, bottom = lay.landscape
    panel = _landscape_panel(obj, (right - left, bottom - top))
    pdraw = ImageDraw.Draw(panel)
    for cx, cy in lay.to_pixel(obj, obj.minima[~obj.is_global]) - (left, top):
        pdraw.ellipse([cx - 3, cy - 3, cx + 3, cy + 3], outline=_LOCAL_MIN, width=1)
    for cx, cy in lay.to_pixel(obj, obj.minima[obj.is_global]) - (left, top):
        pdraw.polygon(_star(cx, cy, lay.font_size * 0.8), fill=_GOLD, outline=_TEXT)
    sx, sy = lay.to_pixel(obj, runs[0].positions[0]) - (left, top)
    _dot(pdraw, sx, sy, lay.font_size * 0.45, _WHITE, _TEXT)

    draw.rectangle([left - 1, top - 1, right, bottom], outline=_AXIS)
    for v in _nice_ticks(x0, x1):
        px = lay.to_pixel(obj, (v, y0))[0]
        draw.line([(px, bottom), (px, bottom + 4)], fill=_AXIS)
        draw.text((px, bottom + 5), f"{v:g}", fill=_TEXT, font=small, anchor="mt")
    for v in _nice_ticks(y0, y1):
        py = lay.to_pixel(obj, (x0, v))[1]
        draw.line([(left - 5, py), (left - 1, py)], fill=_AXIS)
        draw.text((left - 7, py), f"{v:g}", fill=_TEXT, font=small, anchor="rm")
    caption = "x-y plane (darker = lower f)"
    draw.text((left, top - 5), caption, fill=_TEXT, font=small, anchor="ld")

    # Loss panel: a log axis over every run's gap +- 0.3 decades, as the chart sets it.
    gaps = [np.maximum(r.gaps, GAP_FLOOR) for r in runs]
    finite = np.concatenate([g[np.isfinite(g)] for g in gaps])
    if not len(finite):  # not from the runner; keeps the axis defined all the same
        finite = np.array([GAP_FLOOR])
    e_lo = math.log10(float(finite.min())) - 0.3
    e_hi = math.log10(float(finite.max())) + 0.3
    l_left, l_top, l_right, l_bottom = lay.loss
    w, h = l_right - 1 - l_left, l_bottom - 1 - l_top
    span = max(num_steps, 1)

    draw.rectangle([l_left - 1, l_top - 1, l_right, l_bottom], outline=_AXIS)
    for label, e in _log_ticks(e_lo, e_hi):
        py = l_top + h - (e - e_lo) / (e_hi - e_lo) * h
        draw.line([(l_left, py), (l_right - 1, py)], fill=_GRID)
        draw.line([(l_left - 5, py), (l_left - 1, py)], fill=_AXIS)
        draw.text((l_left - 7, py), label, fill=_TEXT, font=small, anchor="rm")
    for v in _nice_ticks(0, span, 4):
        px = l_left + v / span * w
        draw.line([(px, l_bottom), (px, l_bottom + 4)], fill=_AXIS)
        draw.text((px, l_bottom + 5), f"{int(v):,}", fill=_TEXT, font=small, anchor="mt")
    caption = "f - f* (log scale) vs step"
    draw.text((l_left, l_top - 5), caption, fill=_TEXT, font=small, anchor="ld")

    # Legend markers for the minimum and the start (the run swatches are drawn per frame).
    font = _font(lay.font_size)
    mid = lay.font_size * 0.6
    for (x, y), text in zip(lay.legend[-2:], _legend_items(runs)[-2:], strict=True):
        draw.text((x + 28, y), text, fill=_TEXT, font=font)
    (gx, gy), (sx, sy) = lay.legend[-2:]
    draw.polygon(_star(gx + 11, gy + mid, lay.font_size * 0.6), fill=_GOLD, outline=_TEXT)
    _dot(draw, sx + 11, sy + mid, lay.font_size * 0.4, _WHITE, _TEXT)

    steps = np.arange(num_steps + 1)
    curves = []
    for gap in gaps:
        with np.errstate(divide="ignore"):  # an inf gap maps to inf, dropped when drawn
            e = np.log10(gap)
        curves.append(np.stack([steps / span * w, h - (e - e_lo) / (e_hi - e_lo) * h], -1))
    return _Scene(
        layout=lay,
        background=image,
        landscape=panel,
        paths=[lay.to_pixel(obj, r.positions) - (left, top) for r in runs],
        curves=curves,
        keep=path_indices(num_steps, max(60, 800 // len(runs))),
    )


def _frame(obj: Objective, runs: list[RaceRun], scene: _Scene, step: int) -> Image.Image:
    """The RGB picture at ``step``."""
    lay = scene.layout
    num_steps = len(runs[0].positions) - 1
    image = scene.background.copy()
    # The chart's path at this step: the thinned steps before it, then the step itself.
    idx = np.append(scene.keep[scene.keep < step], step)
    width = max(2, round(lay.font_size / 6))

    # Paths, then every current point over all paths. Drawing on the panel alone lets
    # Pillow cut whatever leaves the domain at its edge, as the chart's axes do.
    panel = scene.landscape.copy()
    draw = ImageDraw.Draw(panel)
    box = (0, 0, *panel.size)
    for run, path in zip(runs, scene.paths, strict=True):
        for part in _polylines(path[idx], box):
            draw.line(part, fill=_run_color(run), width=width)
    r = lay.font_size * 0.5
    for run, path in zip(runs, scene.paths, strict=True):
        if not _near(path[step], box, 2 * r):  # off the panel, e.g. a diverged run
            continue
        (cx, cy), color = path[step], _run_color(run)
        if 0 <= run.diverged_step <= step:  # a cross where it left, as in the chart
            arm = lay.font_size * 0.7
            draw.line([(cx - arm, cy - arm), (cx + arm, cy + arm)], fill=color, width=3)
            draw.line([(cx - arm, cy + arm), (cx + arm, cy - arm)], fill=color, width=3)
        else:
            _dot(draw, cx, cy, r, color, _WHITE)
    image.paste(panel, lay.landscape[:2])

    curves = image.crop(lay.loss)
    draw = ImageDraw.Draw(curves)
    box = (0, 0, *curves.size)
    for run, curve in zip(runs, scene.curves, strict=True):
        for part in _polylines(curve[idx], box):
            draw.line(part, fill=_run_color(run), width=width)
    image.paste(curves, lay.loss[:2])

    # Header: the title with the step counter, and the runs' legend entries (a divergence
    # note appears at its step; its room was reserved by the layout).
    draw = ImageDraw.Draw(image)
    font = _font(lay.font_size)
    title = f"{obj.title}    step {step:,} / {num_steps:,}"
    draw.text((10, 6), title, fill=_TEXT, font=font)
    mid = lay.font_size * 0.6
    for run, (x, y) in zip(runs, lay.legend, strict=False):
        color = _run_color(run)
        draw.line([(x, y + mid), (x + 22, y + mid)], fill=color, width=3)
        text = run.label
        if 0 <= run.diverged_step <= step:
            text += f" (diverged at step {run.diverged_step:,})"
        draw.text((x + 28, y), text, fill=color, font=font)
    return image


def race_gif(
    obj: Objective,
    runs: list[RaceRun],
    *,
    width: int = 720,
    height: int = 480,
    frame_ms: int = 60,
    max_frames: int = 100,
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
        max_frames: Frame budget (see :func:`~momentum_app.figures.frame_steps`; divergence
            steps are shown even beyond it).

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
    scene = _static(obj, runs, race_layout(runs, width, height))
    palette = _palette(runs, scene.landscape)
    steps = frame_steps(num_steps, [r.diverged_step for r in runs], max_frames)
    # Every frame differs from the one before (the step counter changes), so Pillow keeps
    # them all rather than merging identical neighbours.
    frames = [
        _frame(obj, runs, scene, int(s)).quantize(palette=palette, dither=Image.Dither.NONE)
        for s in steps
    ]
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
