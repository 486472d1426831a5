"""Answer spaces: one optimizer over a whole set of settings, in one vectorised batch.

A page that lets a visitor scrub a setting in the browser (the learning rate, the (alpha,
beta) pad, the start point) needs every run the scrub can reach, computed once. Each space
here is one call of :func:`~momentum_core.runner.run_batch` with per-run hyperparameters or
start points, and every member equals the single run with its settings bit for bit (the
runner's arithmetic is elementwise over runs; noise, when asked for, is the sequence a
single run with that seed sees).

Example:
    >>> from momentum_core import get_objective
    >>> rosen = get_objective("rosenbrock")
    >>> lrs = lr_line(rosen, 1.5e-3)
    >>> len(lrs), bool(1.5e-3 in lrs)
    (122, True)
    >>> space = run_space(rosen, "momentum", lrs, 0.9, rosen.x0, 100)
    >>> space.positions.shape
    (101, 122, 2)
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from momentum_core.objectives import Objective
from momentum_core.optimizers import make_optimizer
from momentum_core.runner import BatchResult, run_batch

Array = np.ndarray

#: Learning rates on a line, log-spaced across the landscape's range (the chosen one joins).
LINE_POINTS = 121
#: The (alpha, beta) pad's learning rates: every n-th of the line's (every third), the same
#: numbers bit for bit, so an optimizer without momentum shows a cell's run from its line.
#: (LINE_POINTS - 1) must be a multiple of (PAD_RATES - 1).
PAD_RATES = 41
#: The (alpha, beta) pad's momenta: 0, 0.05, ..., 0.95, and 0.99 (the chosen one joins).
PAD_MOMENTA = np.round(np.append(np.arange(20) * 0.05, 0.99), 2)
#: Start points per axis of the start grid.
START_POINTS = 41


#: Significant digits of every value a space offers (rates, starts): the digits the pages
#: show and links carry, so that a value scrubbed to in the browser is the value that runs
#: when it is handed back (a link rounds to these digits).
DIGITS = 4


def significant(values: ArrayLike, low: float = -np.inf, high: float = np.inf) -> Array:
    """``values`` to :data:`DIGITS` significant digits, each the nearest such number; a value
    inside ``[low, high]`` stays inside: where the nearest lies beyond a bound (a bound with
    more digits, like a typed formula's largest learning rate), the nearest on the inside,
    with the digits of the value (``9.99996`` under a bound of ``9.99997`` is ``9.999``).
    Zero, infinities and NaN are left as they are. The one rounding of the app: spaces,
    links, widgets and parameters all take it (a scalar gives a 0-d array).

    >>> significant([0.00030638870628004047, 1.587878787878788, 12346.0]).tolist()
    [0.0003064, 1.588, 12350.0]
    >>> float(significant(9.99996, high=9.99997))
    9.999
    """
    given = np.asarray(values, dtype=float)
    flat = given.ravel()
    out = _nearest(flat)
    inside = (flat >= low) & (flat <= high)
    beyond = inside & ((out < low) | (out > high))
    for i in np.flatnonzero(beyond):
        v = float(flat[i])
        step = 10.0 ** (np.floor(np.log10(abs(v))) - DIGITS + 1)
        toward = np.floor if out[i] > high else np.ceil
        moved = float(_nearest(np.array([toward(v / step) * step]))[0])
        out[i] = moved if low <= moved <= high else v
    return out.reshape(given.shape)


def _nearest(values: Array) -> Array:
    """Each finite non-zero value to the nearest number of :data:`DIGITS` digits (decimal
    formatting rounds correctly, as a link writes it)."""
    return np.array(
        [float(f"{v:.{DIGITS - 1}e}") if np.isfinite(v) and v != 0 else v for v in values],
        dtype=float,
    )


def _with(values: Array, chosen: float) -> Array:
    return np.unique(np.append(values, float(chosen)))


def lr_line(objective: Objective, chosen: float, points: int = LINE_POINTS) -> Array:
    """``points`` learning rates log-spaced across ``objective.lr_range``, with ``chosen``
    added (sorted, no duplicates).

    Raises:
        ValueError: If ``chosen`` is not a positive finite number.
    """
    if not (np.isfinite(chosen) and chosen > 0):
        raise ValueError(f"learning rate must be positive and finite, got {chosen}")
    return _with(line_rates(objective, points), chosen)


def line_rates(objective: Objective, points: int = LINE_POINTS) -> Array:
    """``points`` learning rates log-spaced across ``objective.lr_range``, to
    :data:`DIGITS` significant digits (no chosen one)."""
    low, high = objective.lr_range
    return np.unique(significant(np.geomspace(low, high, points), low, high))


def pad_rates(objective: Objective, chosen: float) -> Array:
    """The pad's :data:`PAD_RATES` learning rates, every n-th of :func:`line_rates` (the
    same numbers), with ``chosen`` added (sorted, no duplicates).

    Raises:
        ValueError: If ``chosen`` is not a positive finite number.
    """
    if not (np.isfinite(chosen) and chosen > 0):
        raise ValueError(f"learning rate must be positive and finite, got {chosen}")
    return _with(pad_base(objective), chosen)


def pad_base(objective: Objective) -> Array:
    """The pad's learning rates without a chosen one: every n-th of the line's."""
    return line_rates(objective)[:: (LINE_POINTS - 1) // (PAD_RATES - 1)]


def pad_momenta(chosen: float) -> Array:
    """:data:`PAD_MOMENTA` with ``chosen`` added (sorted, no duplicates)."""
    if not 0 <= chosen <= 1:
        raise ValueError(f"momentum must be in [0, 1], got {chosen}")
    return _with(PAD_MOMENTA, chosen)


def start_grid(objective: Objective, points: int = START_POINTS) -> tuple[Array, Array]:
    """A ``points x points`` grid of start points over the domain (cell centres, to
    :data:`DIGITS` significant digits).

    Returns:
        ``(xs, ys)``, each of length ``points``; run ``j * points + i`` of
        :func:`run_starts` starts at ``(xs[i], ys[j])``.
    """
    (x0, x1), (y0, y1) = objective.domain
    offsets = (np.arange(points) + 0.5) / points
    return significant(x0 + offsets * (x1 - x0)), significant(y0 + offsets * (y1 - y0))


def run_space(
    objective: Objective,
    name: str,
    learning_rate: float | Array,
    momentum: float | Array,
    x0: Array | tuple[float, float],
    num_steps: int,
    **run_options,
) -> BatchResult:
    """Optimizer ``name`` at every learning rate, momentum and start given, in one batch.

    Arrays broadcast against each other run by run (a line of learning rates at one
    momentum, a grid flattened to runs, or a grid of starts at one setting). Every run sees
    the noise sequence of a single run with this seed, so a member equals that run.

    Args:
        objective: The function.
        name: An optimizer's CLI name (those without momentum ignore ``momentum``).
        learning_rate: Scalar or ``(runs,)``.
        momentum: Scalar or ``(runs,)``.
        x0: ``(2,)`` or ``(runs, 2)``.
        num_steps: Steps per run.
        **run_options: Passed to :func:`~momentum_core.runner.run_batch`.
    """
    lr = np.asarray(learning_rate, dtype=float)
    mu = np.asarray(momentum, dtype=float)
    starts = np.asarray(x0, dtype=float)
    runs = max(lr.size, mu.size, len(starts) if starts.ndim == 2 else 1)
    lr, mu = np.broadcast_to(lr, (runs,)).copy(), np.broadcast_to(mu, (runs,)).copy()
    optimizer = make_optimizer(name, lr, mu)
    return run_batch(objective, optimizer, starts, num_steps, shared_noise=True, **run_options)


def grid_runs(learning_rates: Array, momenta: Array) -> tuple[Array, Array]:
    """The (alpha, beta) grid as per-run arrays: run ``j * len(learning_rates) + i`` has
    ``learning_rates[i]`` and ``momenta[j]`` (momentum rows, as the sweep lays them)."""
    lr, mu = np.meshgrid(learning_rates, momenta)
    return lr.ravel(), mu.ravel()


def start_runs(xs: Array, ys: Array) -> Array:
    """The start grid as ``(len(xs) * len(ys), 2)`` points, rows of ``ys``."""
    gx, gy = np.meshgrid(xs, ys)
    return np.column_stack([gx.ravel(), gy.ravel()])
