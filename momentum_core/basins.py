"""Where runs end: basin maps over a grid of starts, and success rates against momentum.

Each map or study is one :func:`~momentum_core.runner.run_batch` call: every start and
every (learning rate, momentum) pair is a run of the same batch, so the only Python loop
is the runner's loop over steps. alpha is the learning rate, beta the heavy-ball momentum.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from momentum_core.objectives import Objective
from momentum_core.optimizers import make_optimizer
from momentum_core.runner import run_batch

Array = np.ndarray

#: Most starts per axis of a basin map (so a map has at most MAX_BASIN_GRID**2 runs).
MAX_BASIN_GRID = 400
#: Most random starts of a success study (each is run at every (lr, momentum) pair).
MAX_STARTS = 5000
#: z of a two-sided 95 % normal interval.
Z95 = 1.959964


@dataclass(frozen=True, eq=False)
class BasinMap:
    """Which minimum each start of a grid ends nearest to.

    Attributes:
        xs: ``(grid,)`` start x, the cell centres of ``grid`` equal columns of the domain
            (so no start sits on the domain's edge).
        ys: ``(grid,)`` start y, likewise.
        ended: ``(grid, grid)`` index into ``objective.minima`` of the minimum run
            ``(row i, column j)``, started at ``(xs[j], ys[i])``, ended nearest to; -1 if
            it diverged.
        counts: ``(len(minima) + 1,)`` starts per minimum; the last entry counts the
            diverged ones. Sums to ``grid**2``.
        share_global: Fraction of starts ending at a global minimum (diverged runs count as
            failures).
    """

    xs: Array
    ys: Array
    ended: Array
    counts: Array
    share_global: float


@dataclass(frozen=True, eq=False)
class SuccessStudy:
    """Success rates (ending at a global minimum) from seeded random starts.

    Attributes:
        lrs: ``(n_lr,)`` learning rates alpha.
        momenta: ``(n_momentum,)`` momenta beta.
        n_starts: Starts per (lr, momentum) pair (the same starts for every pair).
        successes: ``(n_lr, n_momentum)`` counts of starts that ended at a global minimum
            without diverging.
        rate: ``successes / n_starts``.
        low: Lower end of the Wilson 95 % interval of each rate.
        high: Upper end.
    """

    lrs: Array
    momenta: Array
    n_starts: int
    successes: Array
    rate: Array
    low: Array
    high: Array


def _whole(name: str, value: int, low: int, high: int) -> int:
    """``value`` as an int after checking it is a whole number in ``[low, high]``."""
    try:
        ok = not isinstance(value, bool) and int(value) == value and low <= value <= high
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok:
        raise ValueError(f"{name} must be a whole number in [{low}, {high}], got {value!r}")
    return int(value)


def _values(name: str, values: float | Array) -> Array:
    """A non-empty 1-D float array (ranges are checked by the optimizer's factory)."""
    arr = np.atleast_1d(np.asarray(values, dtype=float))
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty list of numbers, got {values!r}")
    return arr


def _ended(nearest: Array, diverged_step: Array) -> Array:
    """Per run: its nearest minimum's index, or -1 if it diverged."""
    return np.where(diverged_step >= 0, -1, nearest)


def _grid(objective: Objective, grid: int) -> tuple[Array, Array, Array]:
    """``xs``, ``ys`` (the centres of ``grid`` equal cells along each axis of the domain)
    and the ``(grid**2, 2)`` starts, row-major: y outer, x inner."""
    grid = _whole("grid", grid, 2, MAX_BASIN_GRID)
    (x0, x1), (y0, y1) = objective.domain
    xs = x0 + (np.arange(grid) + 0.5) * (x1 - x0) / grid
    ys = y0 + (np.arange(grid) + 0.5) * (y1 - y0) / grid
    return xs, ys, np.stack(np.meshgrid(xs, ys), -1).reshape(-1, 2)


def _basin(objective: Objective, xs: Array, ys: Array, ended: Array) -> BasinMap:
    """The map of the runs that ``ended`` (per start, row-major) where they did."""
    n_minima = len(objective.minima)
    counts = np.bincount(np.where(ended < 0, n_minima, ended), minlength=n_minima + 1)
    share = float(counts[:n_minima][objective.is_global].sum() / len(ended))
    return BasinMap(xs, ys, ended.reshape(len(ys), len(xs)), counts, share)


def basin_map(
    objective: Objective,
    optimizer: str,
    lr: float,
    momentum: float,
    grid: int,
    num_steps: int,
    noise: float = 0.0,
    seed: int | None = 0,
    loop: str = "auto",
) -> BasinMap:
    """Run one optimizer from every start of a ``grid x grid`` lattice over the domain.

    The starts are the centres of ``grid x grid`` equal cells covering
    ``objective.domain``, so the map can be drawn as a heatmap with one cell per start.
    Where a run ends is judged by the nearest of ``objective.minima`` to its final point;
    a run still far from every minimum after ``num_steps`` counts for the nearest anyway.

    Args:
        objective: The landscape.
        optimizer: An optimizer name for :func:`~momentum_core.optimizers.make_optimizer`.
        lr: Learning rate alpha > 0.
        momentum: Momentum beta in [0, 1] (for the momentum optimizers).
        grid: Starts per axis, 2 to :data:`MAX_BASIN_GRID`.
        num_steps: Steps per run.
        noise: Gradient noise sigma (0: exact gradients).
        seed: Noise seed.
        loop: :func:`~momentum_core.runner.run_batch`'s (the same numbers either way).

    Returns:
        A :class:`BasinMap`.

    Raises:
        ValueError: On a grid size outside [2, MAX_BASIN_GRID], an unknown optimizer or an
            out-of-range learning rate, momentum, step count or noise.

    Example:
        >>> from momentum_core import get_objective
        >>> bowl = get_objective("quadratic")
        >>> basin_map(bowl, "momentum", 0.5, 0.5, grid=3, num_steps=200).counts.tolist()
        [9, 0]
    """
    xs, ys, starts = _grid(objective, grid)
    opt = make_optimizer(optimizer, lr, momentum)
    result = run_batch(objective, opt, starts, num_steps, noise=noise, seed=seed,
                       summary_only=True, loop=loop)  # fmt: skip
    return _basin(objective, xs, ys, _ended(result.nearest_minimum, result.diverged_step))


def basin_maps(
    objective: Objective,
    lr: float,
    momenta: float | Array,
    grid: int,
    num_steps: int,
    noise: float = 0.0,
    seed: int | None = 0,
    loop: str = "auto",
) -> dict[float, BasinMap]:
    """Heavy-ball basin maps at many momenta, each equal to :func:`basin_map`'s.

    Without noise, every start at every beta is one run of a single batch (per-run
    momenta): one call of the runner, whose compiled loop then takes every map's runs in
    each of its calls, and one job for whoever waits (see :mod:`momentum_core.jobs`). Each
    run's arithmetic is its own, so each map is the same numbers as :func:`basin_map`
    gives for its beta alone. With noise the maps are computed one beta at a time: a joint
    batch would draw different noise than :func:`basin_map` does for that beta alone, and
    the maps must be the same numbers.

    Args:
        objective: The landscape.
        lr: Learning rate alpha > 0.
        momenta: The betas, each in [0, 1]; 0 is plain gradient descent.
        grid: Starts per axis, 2 to :data:`MAX_BASIN_GRID`.
        num_steps: Steps per run.
        noise: Gradient noise sigma (0: exact gradients).
        seed: Noise seed.
        loop: :func:`~momentum_core.runner.run_batch`'s (the same numbers either way).

    Returns:
        ``{beta: BasinMap}`` in the order given (repeated betas once).

    Raises:
        ValueError: As :func:`basin_map`.
    """
    betas = list(dict.fromkeys(float(b) for b in _values("momenta", momenta)))
    if noise:
        return {b: basin_map(objective, "momentum", lr, b, grid, num_steps, noise, seed, loop)
                for b in betas}  # fmt: skip
    xs, ys, starts = _grid(objective, grid)
    per_run = np.repeat(np.asarray(betas), len(starts))  # beta outer, start inner
    opt = make_optimizer("momentum", lr, per_run)
    result = run_batch(objective, opt, np.tile(starts, (len(betas), 1)), num_steps, seed=seed,
                       summary_only=True, loop=loop)  # fmt: skip
    ended = _ended(result.nearest_minimum, result.diverged_step).reshape(len(betas), -1)
    return {b: _basin(objective, xs, ys, e) for b, e in zip(betas, ended, strict=True)}


def wilson(successes: Array, n: int, z: float = Z95) -> tuple[Array, Array]:
    r"""Wilson score interval of a binomial proportion (95 % for the default z).

    .. math::
        \frac{\hat p + z^2/2n \pm z \sqrt{\hat p (1 - \hat p)/n + z^2/4n^2}}{1 + z^2/n}

    Unlike the normal approximation it stays inside [0, 1] and is not empty at 0 or n
    successes, which matters here: success rates of a few percent are common.

    Args:
        successes: Counts, any shape.
        n: Trials per count, >= 1.
        z: The normal quantile (1.96 for 95 %).

    Returns:
        ``(low, high)``, each the shape of ``successes``.

    Raises:
        ValueError: If n < 1.

    Example:
        >>> low, high = wilson(0, 10)
        >>> float(low), round(float(high), 4)
        (0.0, 0.2775)
    """
    n = _whole("n", n, 1, np.iinfo(np.int64).max)
    p = np.asarray(successes, dtype=float) / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return np.maximum(centre - half, 0.0), np.minimum(centre + half, 1.0)


def random_starts(objective: Objective, n_starts: int, seed: int = 0) -> Array:
    """``n_starts`` points uniform over the domain, from ``np.random.default_rng(seed)``.

    Returns:
        Shape ``(n_starts, 2)``: all x draws come first from the generator, then all y.
    """
    (x0, x1), (y0, y1) = objective.domain
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.uniform(x0, x1, n_starts), rng.uniform(y0, y1, n_starts)])


def success_rates(
    objective: Objective,
    lrs: float | list[float] | Array,
    momenta: float | list[float] | Array,
    n_starts: int,
    num_steps: int,
    noise: float = 0.0,
    seed: int = 0,
) -> SuccessStudy:
    """The share of seeded random starts that end at a global minimum, per (lr, momentum).

    Uses PyTorch's heavy ball (momentum 0 is plain gradient descent). The same
    :func:`random_starts` serve every pair, and all ``n_lr * n_momentum * n_starts`` runs
    go in one batch. A run succeeds when it does not diverge and ends nearest a global
    minimum.

    Args:
        objective: The landscape.
        lrs: Learning rates alpha > 0, shape ``(n_lr,)``.
        momenta: Momenta beta in [0, 1], shape ``(n_momentum,)``.
        n_starts: Random starts, 1 to :data:`MAX_STARTS`.
        num_steps: Steps per run.
        noise: Gradient noise sigma (0: exact gradients).
        seed: Seeds the starts and, independently of them, the noise.

    Returns:
        A :class:`SuccessStudy`.

    Raises:
        ValueError: On an empty or out-of-range list of learning rates or momenta, or
            ``n_starts`` outside [1, MAX_STARTS].
    """
    n_starts = _whole("n_starts", n_starts, 1, MAX_STARTS)
    lrs, momenta = _values("lrs", lrs), _values("momenta", momenta)
    starts = random_starts(objective, n_starts, seed)
    # The noise gets its own stream: drawn from the same generator state as the starts it
    # would be a deterministic function of them.
    noise_seed = int(np.random.default_rng([seed, 1]).integers(2**63))
    lr, mu, _ = np.meshgrid(lrs, momenta, np.arange(n_starts), indexing="ij")
    all_starts = np.broadcast_to(starts, (*lr.shape, 2)).reshape(-1, 2)
    opt = make_optimizer("momentum", lr.ravel(), mu.ravel())
    result = run_batch(
        objective, opt, all_starts, num_steps, noise=noise, seed=noise_seed, summary_only=True
    )
    ended = _ended(result.nearest_minimum, result.diverged_step)
    good = (ended >= 0) & objective.is_global[np.maximum(ended, 0)]
    successes = good.reshape(lr.shape).sum(axis=-1)
    low, high = wilson(successes, n_starts)
    return SuccessStudy(lrs, momenta, n_starts, successes, successes / n_starts, low, high)


def _pct(p: float) -> str:
    return f"{100 * p:.1f}%"


def _with_interval(study: SuccessStudy, i: int, k: int) -> str:
    return f"{_pct(study.rate[i, k])} ({_pct(study.low[i, k])}–{_pct(study.high[i, k])})"


def _verdict(study: SuccessStudy, i: int, k: int, zero: int) -> str:
    """Momentum ``k`` against ``zero`` at learning rate ``i``: a difference only counts
    when the two 95 % intervals do not overlap (a conservative test)."""
    if study.low[i, k] > study.high[i, zero]:
        return "helps"
    if study.high[i, k] < study.low[i, zero]:
        return "hurts"
    return "makes no clear difference"


def describe_effect(study: SuccessStudy, usual: float = 0.9) -> list[str]:
    """One sentence per learning rate on what momentum did to the success rate.

    Compares plain gradient descent (momentum 0) with the momentum closest to ``usual``
    and with the best momentum of the study. It says "helps" or "hurts" only where the
    Wilson 95 % intervals do not overlap; otherwise "makes no clear difference". The best
    momentum is picked after the fact from many, which flatters it; the sentence says so.

    Args:
        study: From :func:`success_rates`; its momenta must include 0.
        usual: The customary momentum to compare with.

    Returns:
        One sentence per learning rate, in the study's order.

    Raises:
        ValueError: If momentum 0 is not among the study's momenta.
    """
    zeros = np.flatnonzero(study.momenta == 0)
    if not len(zeros):
        raise ValueError(
            f"describe_effect needs momentum 0 among the momenta, got {study.momenta.tolist()}"
        )
    zero = int(zeros[0])
    near = int(np.argmin(np.abs(study.momenta - usual)))
    n = len(study.momenta)
    sentences = []
    for i, lr in enumerate(study.lrs):
        head = f"At α = {lr:.3g}"
        base = f"{_with_interval(study, i, zero)} with plain gradient descent (β = 0)"
        if n == 1:
            sentences.append(f"{head}, only β = 0 was run: {base} reach the global minimum.")
            continue
        beta = study.momenta[near]
        sentence = (
            f"{head}, momentum β = {beta:.2f} {_verdict(study, i, near, zero)}: "
            f"{_with_interval(study, i, near)} of starts reach the global minimum, against {base}."
        )
        # Ties go to beta = 0, then to the momentum listed first.
        rates = np.where(np.arange(n) == zero, study.rate[i] + 1e-12, study.rate[i])
        best = int(np.argmax(rates))
        if best == zero:
            sentence += " No momentum in the study does better than β = 0."
        elif best == near:
            sentence += f" β = {beta:.2f} is also the best of the {n} momenta studied."
        else:
            sentence += (
                f" The best of the {n} momenta studied (picked after the fact), "
                f"β = {study.momenta[best]:.2f} with {_with_interval(study, i, best)}, "
                f"{_verdict(study, i, best, zero)}."
            )
        sentences.append(sentence)
    return sentences
