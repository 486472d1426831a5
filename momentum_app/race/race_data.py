"""The race as data for the browser: every run once, thinned to what the screen can show.

The race component (``race_component/``) gets the static chart (landscape, minima, axes,
legend) as a plotly spec and, per racer, *sets* of runs as compact typed arrays: its family
of momenta (the set ``beta``; one run for optimizers without momentum) in the race itself,
and the learning-rate line, the (α, β) pad and the grid of starts as parts that join it
later (:func:`part_data`). Coordinates travel as 16-bit levels of a :class:`Screen` that
depends on the landscape alone. The browser builds every frame itself, so a scrub costs no
round trip.

Thinning keeps a point when the path turns there by more than :data:`TURN_PX` pixels
(zig-zags, corners), whenever it has covered another :data:`CHORD_PX` pixels, and always at
the start, the last step and the steps around a divergence; sets seen only while scrubbing
are thinned coarsely (:data:`COARSE`), their loss curves keeping their paths' points. Pure
functions, no Streamlit.
"""

from __future__ import annotations

import base64
import functools
import json
from dataclasses import dataclass

import numpy as np
import plotly.io as pio

from momentum_core import MOMENTUM_OPTIMIZERS, BatchResult, Family, Objective, engine
from momentum_core.outcome import KINDS, PHRASES, codes

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
    return keep_xy(points[..., 0], points[..., 1], turn, chord)


def keep_xy(x: Array, y: Array, turn: float = TURN_PX, chord: float = CHORD_PX) -> Array:
    """:func:`keep_mask` of paths given as ``x`` and ``y``, each ``(steps + 1, runs)``.

    Worked in float32 on contiguous arrays, with few temporaries: the pad's and the start
    grid's thousands of runs are thinned on every new race.
    """
    x = np.ascontiguousarray(x, dtype=np.float32)
    y = np.ascontiguousarray(y, dtype=np.float32)
    keep = np.zeros(x.shape, dtype=bool)
    keep[0] = keep[-1] = True
    if len(x) > 2:
        bx = x[2:] + x[:-2]
        bx -= 2 * x[1:-1]  # twice the offset from the neighbours' midpoint
        by = y[2:] + y[:-2]
        by -= 2 * y[1:-1]
        bx *= bx
        by *= by
        bx += by
        keep[1:-1] |= bx > np.float32((2 * turn) ** 2)
    dx, dy = np.diff(x, axis=0), np.diff(y, axis=0)
    dx *= dx
    dy *= dy
    dx += dy
    np.sqrt(dx, out=dx)
    lap = np.floor(np.cumsum(dx, axis=0, dtype=np.float64) / chord)
    keep[1] |= lap[0] > 0
    keep[2:] |= lap[1:] != lap[:-1]
    return keep


def _b64(values: Array, dtype: str) -> str:
    data = np.ascontiguousarray(values, dtype=np.dtype(dtype).newbyteorder("<"))
    return base64.b64encode(data.tobytes()).decode("ascii")


#: Coordinates travel as unsigned 16-bit fractions of a range (see :class:`Screen`).
LEVELS = 65535


def _levels(values: Array, lo: float, scale: float) -> Array:
    """``values`` as uint16 levels, ``scale`` levels a unit from ``lo`` (clipped)."""
    return np.clip(np.rint((values - lo) * scale), 0, LEVELS).astype(np.uint16)


@dataclass(frozen=True)
class Screen:
    """The ranges that paths and loss curves are quantised over, shared by every part of
    a race so that the browser decodes them alike.

    The path range is the domain widened by one domain width each side (a path that leaves
    the plot still leaves it in the right direction; farther points are pinned there), so
    one level is about 0.03 px of a 640 px plot. The loss range runs from
    :data:`GAP_FLOOR` to two decades above the landscape's highest gap over that widened
    domain: about 5e-4 decades a level, whatever part of it the loss axis shows. It depends
    on the landscape alone, so a part of a race computed once serves every race on it.
    """

    x: tuple[float, float]
    y: tuple[float, float]
    gap: tuple[float, float]

    @classmethod
    def of(cls, obj: Objective) -> Screen:
        return _screen(obj)

    def scales(self) -> Array:
        """Each axis's ``(lo, levels per unit)``, for x, y and gap in a row."""
        return np.array(
            [v for lo, hi in (self.x, self.y, self.gap) for v in (lo, LEVELS / (hi - lo))]
        )

    def quantised(self, values: Array, axis: str) -> Array:
        """``values`` as uint16 levels of this screen's ``axis`` range (clipped)."""
        lo, hi = getattr(self, axis)
        return _levels(values, lo, LEVELS / (hi - lo))

    def decoded(self, levels: Array, axis: str) -> Array:
        """What the browser computes back from ``levels`` (see ``decode.js``)."""
        lo, hi = getattr(self, axis)
        return lo + levels * ((hi - lo) / LEVELS)

    def as_json(self) -> dict:
        return {"x": list(self.x), "y": list(self.y), "gap": list(self.gap)}


@functools.lru_cache(maxsize=256)
def _screen(obj: Objective) -> Screen:
    (x0, x1), (y0, y1) = obj.domain
    w, h = x1 - x0, y1 - y0
    xs, ys = np.linspace(x0 - w, x1 + w, 61), np.linspace(y0 - h, y1 + h, 61)
    gx, gy = np.meshgrid(xs, ys)
    with np.errstate(all="ignore"):
        f = obj.value(np.column_stack([gx.ravel(), gy.ravel()]))
    top = float(np.max(log_gaps(f[np.isfinite(f)], obj.f_star), initial=0.0))
    return Screen((x0 - w, x1 + w), (y0 - h, y1 + h), (np.log10(GAP_FLOOR), min(top, 300) + 2))


def _kept(keep: Array, steps: Array, **columns) -> tuple[Array, ...]:
    """Kept points of every run, run after run: each run's offset into them, their steps,
    and each column as uint16 levels. A column is a function of the kept points' ``(rows,
    cols)`` (so only they are computed and quantised)."""
    cols, rows = np.nonzero(keep.T)  # run-major order
    offsets = np.concatenate([[0], np.cumsum(keep.sum(axis=0))])
    return offsets, steps[rows], *(level(rows, cols) for level in columns.values())


def _encoded(offsets: Array, steps: Array, n: int, **columns: Array) -> dict:
    """Kept points for the browser: offsets and steps as unsigned ints, columns as uint16."""
    packed = {"offsets": _b64(offsets, "<u4"), "steps": _b64(steps, "<u2" if n <= 65536 else "<u4")}
    packed.update({name: _b64(levels, "<u2") for name, levels in columns.items()})
    return packed


#: The logarithm of the loss gaps: the C library's in the compiled packing, numpy's here
#: (a test puts the C library's here to compare the two bit for bit on any processor).
_log10 = np.log10


def log_gaps(losses: Array, f_star: float) -> Array:
    """``log10(f - f*)``, floored at :data:`GAP_FLOOR` so that it is always finite."""
    return _log10(np.maximum(losses - f_star, GAP_FLOOR))


def start_gap_range(obj: Objective, start: tuple[float, float]) -> tuple[float, float]:
    """The loss axis range (log10 units) that no run decides: from :data:`GAP_FLOOR` to
    the start's gap, where every run begins (a room's question before its reveal: the
    runs' own lowest gap would tell whether the asked run gets there)."""
    lo = float(np.log10(GAP_FLOOR))
    top = float(log_gaps(np.array([obj.value(list(start))]), obj.f_star)[0])
    return lo, max(top, lo + 1)


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


#: Thinning of the parts seen only while scrubbing them (the pad, the start grid): a
#: coarser line, and at most :data:`COARSE_POINTS` points a run (a run that wanders over
#: the whole landscape, as on Rastrigin at a high learning rate, keeps every n-th point);
#: their loss curves keep their paths' points (no logarithm of every loss to thin them).
COARSE = {"turn": 4.0, "chord": 24.0}
COARSE_POINTS = 40
#: The grid of starts has a run per start and racer (3,362 at defaults): fewer.
START_POINTS = 24


def at_most(keep: Array, points: int) -> Array:
    """``keep`` with runs of more than ``points`` kept points cut to every n-th of them
    (n as small as makes them fit), their first and last always kept. Vectorised."""
    counts = keep.sum(axis=0)
    every = np.maximum(1, -(-counts // max(points - 1, 1)))  # ceil division
    rank = np.cumsum(keep, axis=0) - 1
    out = keep & (rank % every == 0)
    out[-1] |= keep[-1]
    return out


def packed(result: BatchResult, f_star: float, frame: Array, line: tuple, scales: Array) -> tuple:
    """The numpy form of :func:`momentum_core.kernels.packed` (the same arguments, the same
    arrays): every run's path and loss curve thinned to the screen and quantised."""
    turn, chord, most = line
    pos, n = result.positions, result.num_steps
    steps = np.arange(n + 1)
    path_keep = keep_xy((pos[..., 0] - frame[0]) * frame[1], (pos[..., 1] - frame[2]) * frame[3],
                        turn, chord)  # fmt: skip
    gaps = None  # every point's log gap: only a fine line is thinned on them
    if most:  # a coarse set: its loss curves keep its paths' points
        path_keep = loss_keep = at_most(path_keep, most)
    else:
        gaps = log_gaps(result.losses, f_star)
        curve_x = np.broadcast_to((steps * frame[5])[:, None], gaps.shape)
        loss_keep = keep_xy(curve_x, (gaps - frame[6]) * frame[7], turn, chord)
    # A divergence shows where it happened: the last finite point and the step after.
    for i in np.flatnonzero(result.diverged_step > 0):
        k = result.diverged_step[i]
        path_keep[k - 1 : k + 1, i] = loss_keep[k - 1 : k + 1, i] = True

    (xl, xs), (yl, ys), (gl, gs) = scales.reshape(3, 2)
    path = _kept(path_keep, steps, x=lambda r, c: _levels(pos[r, c, 0], xl, xs),
                 y=lambda r, c: _levels(pos[r, c, 1], yl, ys))  # fmt: skip

    def gap_levels(r: Array, c: Array) -> Array:  # the kept points' gaps (a coarse set's alone)
        kept = gaps[r, c] if gaps is not None else log_gaps(result.losses[r, c], f_star)
        return _levels(kept, gl, gs)

    loss = _kept(loss_keep, steps, gap=gap_levels)
    return *path, *loss


def runs_data(obj: Objective, result: BatchResult, screen: Screen, coarse: int = 0) -> dict:
    """Every run of a batch for the browser: its thinned path and loss curve as screen
    levels, and per run its divergence step, steps to tolerance and final gap. ``coarse``
    (points a run at most, 0 for none) thins coarsely, for sets seen while scrubbing."""
    n = result.num_steps
    kind, step = codes(obj, result)
    (x0, x1), (y0, y1) = obj.domain
    lo, hi = screen.gap
    thin = COARSE if coarse else {}
    # pixels of the path (x0, scale, y0, scale), then of the loss curve (steps, gaps)
    path = (x0, PATH_BOX[0] / (x1 - x0), y0, PATH_BOX[1] / (y1 - y0))
    frame = np.array([*path, 0.0, LOSS_BOX[0] / max(n, 1), lo, LOSS_BOX[1] / max(hi - lo, 1e-9)])
    line = (thin.get("turn", TURN_PX), thin.get("chord", CHORD_PX), coarse)
    kernels = engine.compiled()
    if kernels is not None:  # the same arrays, in one compiled pass a run
        # plain C arrays, the types it was compiled for (a view would compile anew)
        pos, losses = np.ascontiguousarray(result.positions), np.ascontiguousarray(result.losses)
        diverged = np.ascontiguousarray(result.diverged_step, dtype=np.int64)
        arrays = kernels.packed(pos, losses, float(obj.f_star), GAP_FLOOR, diverged, frame,
                                *line, screen.scales())  # fmt: skip
    else:
        arrays = packed(result, obj.f_star, frame, line, screen.scales())
    path_at, path_steps, xs, ys, loss_at, loss_steps, gaps = arrays
    return {
        "runs": int(result.positions.shape[1]),
        "path": _encoded(path_at, path_steps, n + 1, x=xs, y=ys),
        "loss": _encoded(loss_at, loss_steps, n + 1, gap=gaps),
        "diverged": _b64(result.diverged_step, "<i4"),
        "tolStep": _b64(result.tol_step, "<i4"),
        "finalGap": _b64(result.final_loss - obj.f_star, "<f8"),
        # what became of each run (momentum_core.outcome), for the readout's words
        "outcome": _b64(kind, "u1"),
        "outcomeStep": _b64(step, "<i4"),
        "minimum": _b64(result.nearest_minimum, "<u2"),
    }


def no_runs() -> dict:
    """A set whose runs were left out (a room's question before its reveal: their paths,
    ends and outcomes would answer it), in :func:`runs_data`'s shape: no run, no point."""
    none, start = "", _b64(np.zeros(1), "<u4")  # offsets: one more than the runs
    return {
        "runs": 0,
        "path": {"offsets": start, "steps": none, "x": none, "y": none},
        "loss": {"offsets": start, "steps": none, "gap": none},
        **dict.fromkeys(("diverged", "tolStep", "finalGap", "outcome", "outcomeStep",
                         "minimum"), none),
    }  # fmt: skip


def track_data(obj: Objective, track: Track, screen: Screen, runs: bool = True) -> dict:
    """One racer for the browser: its family of momenta (or its single run) as the set
    ``beta``; the other sets arrive as parts (:func:`part_data`). Without ``runs``, the set
    holds none (:func:`no_runs`)."""
    return {
        "name": track.name,
        "label": track.label,
        "color": track.color,
        "momentum": track.name in MOMENTUM_OPTIMIZERS,
        "sets": {"beta": runs_data(obj, track.family.result, screen) if runs else no_runs()},
    }


def race_data(
    obj: Objective,
    tracks: list[Track],
    figure: dict,
    log_range: tuple[float, float],
    tolerance: float,
    chosen: dict | None = None,
    map_spec: dict | None = None,
    runs: bool = True,
) -> str:
    """The whole race as the component's JSON: the still chart and every track.

    Args:
        obj: The function.
        tracks: The racers.
        figure: The still chart (:func:`momentum_app.race.figures.race_figure`).
        log_range: The loss axis range, :func:`gap_range`.
        tolerance: The tolerance on f - f* that the readout names.
        chosen: The race's own ``alpha`` (learning rate) and ``start``, when every racer
            shares them (the sliders and the start marker show them).
        map_spec: A page's (α, β) map to draw beside the race (its cells' runs arrive as
            a ``pad`` part), from :func:`momentum_app.race.runs.map_spec`.
        runs: Whether the tracks' runs go with it; without them (:func:`no_runs`) the
            chart is its landscape, start, racers and β slider, nothing a run did.

    Raises:
        ValueError: If a number is not finite (the runner never gives one; a guard).
    """
    momenta = next((t.family.momenta for t in tracks if t.family.momenta is not None), None)
    data = {
        "steps": tracks[0].family.result.num_steps,
        "tolerance": tolerance,
        # the outcomes' kinds and words (momentum_core.outcome), the readout fills them
        "outcomes": {
            "kinds": list(KINDS),
            "phrases": PHRASES,
            "minima": [[float(v) for v in point] for point in obj.minima],
            "gapFloor": GAP_FLOOR,
        },
        "gapRange": list(log_range),
        "screen": Screen.of(obj).as_json(),
        "betas": None if momenta is None else [float(m) for m in momenta],
        "chosen": chosen or {},
        "tracks": [track_data(obj, t, Screen.of(obj), runs) for t in tracks],
    }
    text = json.dumps(data, separators=(",", ":"), allow_nan=False)
    figure_text = pio.to_json(figure, validate=False, pretty=False)
    # Plotly's encoder writes a figure's numpy arrays (and any NaN as null).
    map_text = "null" if map_spec is None else pio.to_json(map_spec, validate=False, pretty=False)
    return '{"figure":' + figure_text + ',"map":' + map_text + "," + text[1:]


def part_data(
    obj: Objective,
    kind: str,
    results: dict[str, BatchResult],
    axes: dict,
    coarse: int = 0,
    runs: bool = True,
) -> str:
    """A set of runs that joins a race already drawn (the component's JSON).

    Args:
        obj: The function.
        kind: ``alpha`` (the learning-rate line), ``pad`` (the (alpha, beta) grid) or
            ``start`` (the grid of starts).
        results: Each racer's runs of this set, by optimizer name (racers without it are
            left out).
        axes: What the runs are indexed by (e.g. ``{"alphas": [...], "betas": [...]}``),
            and the settings the set was computed at.
        coarse: Thin the lines further (:data:`COARSE`), to at most this many points a run
            (0: the race's own thinning).
        runs: Whether the runs go with it; without them (:func:`no_runs`) it is its axes,
            and which racers it belongs to.
    """
    screen = Screen.of(obj)
    sets = {name: runs_data(obj, r, screen, coarse) if runs else no_runs()
            for name, r in results.items()}  # fmt: skip
    data = {"kind": kind, "axes": axes, "sets": sets}
    return json.dumps(data, separators=(",", ":"), allow_nan=False)
