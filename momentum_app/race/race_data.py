"""The race as data for the browser: every run once, thinned to what the screen can show.

The race component (``race_component/index.html``) gets the static chart (landscape, minima,
start, axes, legend) as a plotly spec and, per optimizer, its runs as compact typed arrays:
a family of momenta for the momentum optimizers, one run for the others. It builds every
frame itself, so the server sends a race once and a new momentum costs no round trip.

Thinning keeps a point when the path turns there by more than :data:`TURN_PX` pixels
(zig-zags, corners), whenever it has covered another :data:`CHORD_PX` pixels, and always at
the start, the last step and the steps around a divergence. Pure functions, no Streamlit.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

import numpy as np
import plotly.io as pio

from momentum_core import Family, Objective

Array = np.ndarray

#: About the size in pixels of the landscape plot and of the loss plot on a laptop.
PATH_BOX = (640.0, 460.0)
LOSS_BOX = (330.0, 460.0)
#: A point is kept where the line turns by more than this many pixels...
TURN_PX = 0.5
#: ...and at least every this many pixels along the line.
CHORD_PX = 12.0
#: Gaps f - f* below this are drawn at this value on the log-scale loss axis.
GAP_FLOOR = 1e-16


@dataclass(frozen=True, eq=False)
class RaceRun:
    """One optimizer's run, as the figure needs it.

    Attributes:
        name: The optimizer's CLI name (picks the colour).
        label: The legend label.
        positions: ``(steps + 1, 2)``, finite (the runner guarantees it).
        gaps: ``(steps + 1,)`` loss minus f*.
        diverged_step: The divergence step, or -1.
        color: The line colour; empty for the optimizer's own (:data:`COLORS`).
    """

    name: str
    label: str
    positions: Array
    gaps: Array
    diverged_step: int
    color: str = ""


@dataclass(frozen=True, eq=False)
class Track:
    """One optimizer of a race as drawn: its runs (one per momentum, or a single run)."""

    name: str
    label: str
    color: str
    family: Family


def keep_mask(points: Array, turn: float = TURN_PX, chord: float = CHORD_PX) -> Array:
    """Which points of paths ``(steps + 1, runs, 2)`` (in pixels) to keep, per run.

    Vectorised over steps and runs: a point is kept where it lies more than ``turn`` off
    the midpoint of its neighbours (a zig-zag flips there), where the distance travelled
    crosses a multiple of ``chord``, and at the first and last step.
    """
    n = len(points)
    keep = np.zeros(points.shape[:2], dtype=bool)
    keep[0] = keep[-1] = True
    if n > 2:
        bend = points[2:] - 2 * points[1:-1] + points[:-2]  # twice the offset
        keep[1:-1] |= bend[..., 0] ** 2 + bend[..., 1] ** 2 > (2 * turn) ** 2
    step = np.diff(points, axis=0)
    travelled = np.cumsum(np.sqrt(step[..., 0] ** 2 + step[..., 1] ** 2), axis=0)
    lap = np.floor(travelled / chord)
    keep[1:] |= lap != np.vstack([np.zeros((1, lap.shape[1])), lap[:-1]])
    return keep


def _b64(values: Array, dtype: str) -> str:
    data = np.ascontiguousarray(values, dtype=np.dtype(dtype).newbyteorder("<"))
    return base64.b64encode(data.tobytes()).decode("ascii")


def _packed(keep: Array, steps: Array, **columns: Array) -> dict:
    """Kept points of every run, run after run, with each run's offset into them: the
    steps as unsigned ints and each column (``(steps + 1, runs)``) as float32."""
    cols, rows = np.nonzero(keep.T)  # run-major order
    offsets = np.concatenate([[0], np.cumsum(keep.sum(axis=0))])
    packed = {
        "offsets": offsets.tolist(),
        "steps": _b64(steps[rows], "<u2" if len(steps) <= 65536 else "<u4"),
    }
    packed.update({name: _b64(v[rows, cols], "<f4") for name, v in columns.items()})
    return packed


def log_gaps(losses: Array, f_star: float) -> Array:
    """``log10(f - f*)``, floored at :data:`GAP_FLOOR` so that it is always finite."""
    return np.log10(np.maximum(losses - f_star, GAP_FLOOR))


def gap_range(obj: Objective, tracks: list[Track]) -> tuple[float, float]:
    """The loss axis range (log10 units): every run's lowest gap, and the highest of the
    runs that stay finite and of the start. A diverging run's climb is left off the top
    (its curve leaves the plot there), so that one wild member of a family does not flatten
    everyone else's curve."""
    lows, highs = [], []
    for t in tracks:
        r = t.family.result
        g = log_gaps(r.losses, obj.f_star)
        lows.append(float(g.min()))
        highs.append(float(g[0].max()))
        stays = r.diverged_step < 0
        if stays.any():
            highs.append(float(g[:, stays].max()))
    return min(lows), max(highs)


def track_data(obj: Objective, track: Track, log_range: tuple[float, float]) -> dict:
    """One track's runs for the browser (see the module docstring)."""
    r = track.family.result
    n = r.num_steps
    steps = np.arange(n + 1)
    (x0, x1), (y0, y1) = obj.domain
    px = np.empty_like(r.positions)
    px[..., 0] = (r.positions[..., 0] - x0) * (PATH_BOX[0] / (x1 - x0))
    px[..., 1] = (r.positions[..., 1] - y0) * (PATH_BOX[1] / (y1 - y0))
    gaps = log_gaps(r.losses, obj.f_star)
    lo, hi = log_range
    curve = np.empty_like(r.positions)
    curve[..., 0] = steps[:, None] * (LOSS_BOX[0] / max(n, 1))
    curve[..., 1] = (gaps - lo) * (LOSS_BOX[1] / max(hi - lo, 1e-9))
    path_keep, loss_keep = keep_mask(px), keep_mask(curve)
    # A divergence shows where it happened: the last finite point and the step after it.
    for i, k in enumerate(r.diverged_step):
        if k > 0:
            path_keep[k - 1 : k + 1, i] = loss_keep[k - 1 : k + 1, i] = True
    momenta = track.family.momenta
    return {
        "name": track.name,
        "label": track.label,
        "color": track.color,
        "momenta": None if momenta is None else [float(m) for m in momenta],
        "path": _packed(path_keep, steps, x=r.positions[..., 0], y=r.positions[..., 1]),
        "loss": _packed(loss_keep, steps, gap=gaps),
        "diverged": r.diverged_step.tolist(),
        "tolStep": r.tol_step.tolist(),
        "finalGap": [float(g) for g in r.final_loss - obj.f_star],
    }


def race_data(
    obj: Objective,
    tracks: list[Track],
    figure: dict,
    log_range: tuple[float, float],
    tolerance: float,
) -> str:
    """The whole race as the component's JSON: the still chart and every track.

    Args:
        obj: The function.
        tracks: The racers.
        figure: The still chart (:func:`momentum_app.race.figures.race_figure`).
        log_range: The loss axis range, :func:`gap_range`.
        tolerance: The tolerance on f - f* that the readout names.

    Raises:
        ValueError: If a number is not finite (the runner never gives one; a guard).
    """
    data = {
        "steps": tracks[0].family.result.num_steps,
        "tolerance": tolerance,
        "gapRange": list(log_range),
        "tracks": [track_data(obj, t, log_range) for t in tracks],
    }
    text = json.dumps(data, separators=(",", ":"), allow_nan=False)
    figure_text = pio.to_json(figure, validate=False, pretty=False)
    return '{"figure":' + figure_text + "," + text[1:]
