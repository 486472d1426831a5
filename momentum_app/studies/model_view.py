"""Numbers for the article's-model page: SGD against momentum on the network, over seeds.

Pure functions (no Streamlit). One :func:`model_race` call trains every seed at every
momentum of a small grid in one vectorised batch (β = 0 is SGD, the chosen β is on the
grid), so the verdict can say where momentum helps and where it does not from the same
runs; every sentence the page shows is built here from them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from momentum_core import BatchResult, Objective, heavy_ball
from momentum_core.model import (
    Model,
    glorot_params,
    loss_and_gradient,
    make_dataset,
    mean_squared_error,
    train_batch,
)

Array = np.ndarray

#: The momenta every model race trains (the chosen β is added): coarse, because a tanh
#: network costs ~8x the linear one per run and the page must answer in seconds.
MODEL_GRID = np.round(np.r_[np.arange(0, 0.95, 0.1), 0.95, 0.99], 2)
#: The band drawn around the median: these percentiles of the seeds.
BAND = (10, 90)
#: The target is this factor above the best median final training loss of the two racers.
TARGET_FACTOR = 1.1


def model_momenta(chosen: float) -> Array:
    """:data:`MODEL_GRID` with ``chosen`` added (sorted, no duplicates)."""
    return np.unique(np.append(MODEL_GRID, round(float(chosen), 4)))


@dataclass(frozen=True, eq=False)
class ModelRace:
    """Every seed trained at every momentum of :func:`model_momenta`, on one shuffle.

    Attributes:
        momenta: ``(m,)`` the grid; ``momenta[0]`` is 0, plain SGD.
        chosen: The index of the chosen β in ``momenta``.
        train: ``(epochs + 1, seeds, m)`` full training-set loss after each epoch; from a
            run's divergence epoch on, ``inf``.
        val: The same on the validation set.
        diverged: ``(seeds, m)`` whether the run diverged.
        lr: The learning rate.
    """

    momenta: Array
    chosen: int
    train: Array
    val: Array
    diverged: Array
    lr: float

    @property
    def seeds(self) -> int:
        return self.train.shape[1]

    def losses(self, which: str, index: int) -> Array:
        """``(epochs + 1, seeds)``: ``which`` ("train" or "val") loss at momentum ``index``."""
        return (self.train if which == "train" else self.val)[:, :, index]

    def index(self, momentum: float) -> int:
        """The index of the grid's momentum nearest to ``momentum``."""
        return int(np.abs(self.momenta - momentum).argmin())


def model_race(
    lr: float,
    momentum: float,
    batch_size: int,
    epochs: int,
    activation: str,
    seeds: int,
    data_seed: int,
) -> ModelRace:
    """Train seeds ``0 .. seeds - 1`` (Keras' initial weights) at every momentum of
    :func:`model_momenta` with heavy ball (PyTorch's SGD with momentum), on
    :func:`~momentum_core.model.make_dataset`'s set drawn with ``data_seed``; the
    per-epoch shuffle is seeded by ``data_seed`` too, and shared by every run."""
    momenta = model_momenta(momentum)
    model = Model(activation, make_dataset(data_seed))
    init = np.repeat(glorot_params(np.arange(seeds)), len(momenta), axis=0)
    result = train_batch(model, heavy_ball(lr, np.tile(momenta, seeds)), init, epochs,
                         batch_size, data_seed)  # fmt: skip
    shape = (epochs + 1, seeds, len(momenta))
    # A diverged run's later losses are those of its frozen weights: not a loss it reached.
    gone = np.arange(epochs + 1)[:, None] >= result.diverged_epoch[None, :]
    gone &= result.diverged_epoch[None, :] >= 0
    train = np.where(gone, np.inf, result.train_loss).reshape(shape)
    val = np.where(gone, np.inf, result.val_loss).reshape(shape)
    chosen = int(np.abs(momenta - momentum).argmin())
    diverged = (result.diverged_step >= 0).reshape(seeds, len(momenta))
    return ModelRace(momenta, chosen, train, val, diverged, float(lr))


def race_for(s) -> ModelRace:
    """:func:`model_race` at a settings record's values (the page's ``ModelSettings``, or a
    model scene's)."""
    return model_race(s.lr, s.momentum, s.batch, s.epochs, s.activation, s.seeds, s.data_seed)


def bands_caption(race: ModelRace) -> str:
    """What the loss bands figure draws."""
    lower = " (of an even number, the lower of the two middle values)" * (race.seeds % 2 == 0)
    return (
        f"Lines: the median over {race.seeds} seeds{lower}; bands: the {BAND[0]}th to "
        f"{BAND[1]}th percentile. A diverged run counts as an infinite loss from the epoch it "
        "diverged in, so a band or median stops where too many seeds diverged."
    )


def band(losses: Array) -> tuple[Array, Array, Array]:
    """The median and the :data:`BAND` percentiles over seeds, each cut where it stops
    being finite (once more than half the seeds diverged, the median has no value).

    Percentiles are the seeds' own values (``inverted_cdf``): no interpolation with an
    ``inf``, so no NaN. Over an even number of seeds the median is therefore the lower of
    the two middle values, not their midpoint.

    Args:
        losses: ``(epochs + 1, seeds)``, ``inf`` after a divergence.

    Returns:
        ``(median, low, high)``, each of length up to ``epochs + 1`` (its epochs are
        ``0 .. len - 1``).
    """
    out = []
    for q in (50, *BAND):
        v = np.percentile(losses, q, axis=1, method="inverted_cdf")
        bad = ~np.isfinite(v)
        out.append(v[: int(bad.argmax())] if bad.any() else v)
    return tuple(out)


def median_final(race: ModelRace, index: int, which: str = "train") -> float:
    """The median over seeds of the last epoch's loss: a seed's own value, the lower
    middle one of an even number (``inf`` once more than half diverged)."""
    return float(np.percentile(race.losses(which, index)[-1], 50, method="inverted_cdf"))


def target_loss(race: ModelRace, indexes: Sequence[int] | None = None) -> float | None:
    """The target: :data:`TARGET_FACTOR` times the lowest median final training loss of the
    momenta at ``indexes`` (SGD's and the chosen β's if None); None if every one of them
    diverged on most seeds."""
    indexes = (0, race.chosen) if indexes is None else indexes
    best = min(median_final(race, i) for i in indexes)
    return None if not np.isfinite(best) else TARGET_FACTOR * best


def epochs_to(losses: Array, target: float) -> Array:
    """``(seeds,)`` the first epoch whose training loss is at or below ``target``;
    ``inf`` if never."""
    hit = losses <= target
    return np.where(hit.any(axis=0), hit.argmax(axis=0), np.inf)


def _median(values: Array) -> float:
    # The seeds' own middle value, the lower one of an even number: np.median's midpoint
    # would interpolate inf with inf into NaN.
    return float(np.percentile(values, 50, method="inverted_cdf"))


@dataclass(frozen=True, eq=False)
class SeedStats:
    """One momentum of a race against others, over seeds (see :func:`compare`).

    Attributes:
        epochs: ``(seeds,)`` epochs to the target, ``inf`` if never.
        median_epochs: Their median over seeds, the lower middle value of an even number
            (``inf`` if more than half never got there).
        first: On how many seeds it reached the target in an earlier epoch than every other.
        diverged: On how many seeds it diverged.
        final: Its median final training loss; ``val`` the validation one.
    """

    epochs: Array
    median_epochs: float
    first: int
    diverged: int
    final: float
    val: float


def compare(race: ModelRace, indexes: Sequence[int]) -> tuple[float | None, list[SeedStats]]:
    """The momenta at ``indexes`` raced against each other on their common target
    (:func:`target_loss` of them): per momentum, epochs to it and on how many seeds it won."""
    target = target_loss(race, indexes)
    never = np.full(race.seeds, np.inf)
    hits = [never if target is None else epochs_to(race.losses("train", i), target)
            for i in indexes]  # fmt: skip
    stats = []
    for k, i in enumerate(indexes):
        others = [h for j, h in enumerate(hits) if j != k]
        best_other = np.minimum.reduce(others) if others else never
        stats.append(SeedStats(
            epochs=hits[k], median_epochs=_median(hits[k]),
            first=int(np.sum(hits[k] < best_other)), diverged=int(race.diverged[:, i].sum()),
            final=median_final(race, i), val=median_final(race, i, "val"),
        ))  # fmt: skip
    return target, stats


def _median_epochs(epochs: Array) -> str:
    m = _median(epochs)
    return "never (median)" if not np.isfinite(m) else f"{m:.0f}"


def _loss(value: float) -> str:
    return f"{value:.4g}" if np.isfinite(value) else "none (most seeds diverged)"


def _betas(values) -> str:
    return ", ".join(f"{b:g}" for b in values)


def _where_not(race: ModelRace, target: float, sgd_median: float, sgd_diverged: int) -> list[str]:
    """Where momentum does not help: every β > 0 of the grid that diverged on a seed, and
    every one that reached ``target`` later than SGD (median) or, on most seeds, never.
    β = 0 is SGD, the baseline: its own divergences are said as such."""
    n, lr = race.seeds, race.lr
    diverging, later, never = [], [], []
    for i, b in enumerate(race.momenta[1:], 1):
        if k := int(race.diverged[:, i].sum()):
            diverging.append(f"β = {b:g} on {k} of {n}")
        m = _median(epochs_to(race.losses("train", i), target))
        if not np.isfinite(m) and np.isfinite(sgd_median):
            never.append(b)
        elif m > sgd_median:
            later.append(f"{b:g} ({m:.0f})")
    sgd_too = f"; SGD itself (β = 0) diverged on {sgd_diverged} of {n}" if sgd_diverged else ""
    lines = []
    if diverging:
        lines.append(f"Where it does not help: at α = {lr:g} momentum runs diverged at "
                     f"{', '.join(diverging)} seeds{sgd_too} (a curve stops where its seeds "
                     "diverged).")  # fmt: skip
    elif sgd_too:
        lines.append(f"At α = {lr:g} no momentum run diverged{sgd_too}.")
    slow = []
    if later:
        slow.append(f"Later than SGD to the target (median epochs; SGD {sgd_median:.0f}) at "
                    f"β = {', '.join(later)}.")  # fmt: skip
    if never:
        slow.append(f"Most seeds never reached it at β = {_betas(never)}.")
    if slow:
        lines.append(" ".join(slow))
    if not diverging and not slow:
        lines.append(f"At α = {lr:g} every β of the grid ({_betas(race.momenta[1:])}) did "
                     "at least as well as SGD without diverging: raise the learning rate to "
                     "find where momentum fails.")  # fmt: skip
    return lines


def verdict(race: ModelRace) -> list[str]:
    """The page's sentences: epochs to the target, how often momentum wins, where not."""
    beta, n = race.momenta[race.chosen], race.seeds
    if race.chosen == 0:
        return ["β = 0 is plain SGD: pick a momentum above 0 to race it."]
    target, (plain, heavy) = compare(race, (0, race.chosen))
    if target is None:
        return [f"Both SGD and momentum β = {beta:g} diverged on most of the {n} seeds "
                f"at α = {race.lr:g}: lower the learning rate."]  # fmt: skip
    sgd, mom = plain.epochs, heavy.epochs
    ties = int(np.sum((mom == sgd) & np.isfinite(sgd)))
    neither = int(np.sum(~np.isfinite(mom) & ~np.isfinite(sgd)))
    lines = [
        f"Target: training loss ≤ {target:.4g} ({TARGET_FACTOR:g} × the lower of the two "
        f"median final losses). Median epochs to reach it: SGD {_median_epochs(sgd)}, "
        f"momentum (β = {beta:g}) {_median_epochs(mom)}.",
        f"Momentum reached it first on **{heavy.first} of {n}** seeds, SGD first on "
        f"{plain.first}, both in the same epoch on {ties}"
        + (f", neither on {neither}" if neither else "")
        + f". Median final validation loss: SGD {_loss(plain.val)}, momentum {_loss(heavy.val)}.",
    ]
    lines += _where_not(race, target, _median(sgd), int(race.diverged[:, 0].sum()))
    return lines


#: The seed whose run the path section draws.
PATH_SEED = 0
#: The margin around the projected paths, as a share of their extent.
PATH_MARGIN = 0.15
#: "Converged" in the path's readout: training loss within this share above f*.
PATH_TOL_SHARE = 0.05


@dataclass(frozen=True, eq=False)
class NetworkPath:
    """One seed's training at every β, projected on a plane (Li et al. 2018).

    Attributes:
        objective: The 2-D slice of the training loss through ``centre`` spanned by the
            first two principal directions of the paths (``value`` at ``(x, y)`` is the
            loss at ``centre + x d1 + y d2``); its ``f_star`` is just under (by 1 % of
            ``tolerance``) the lowest training loss any run reached on its true 71-D path.
        sgd: The SGD run (β = 0) as a batch of one: projected weights per step, and the
            full training loss at the true weights.
        family: Every β of :func:`model_momenta`, the same way (the in-chart β scrub).
        momenta: The β of each member of ``family``.
        explained: The share of the paths' variance (about their mean) the plane holds.
        tolerance: ``f - f*`` under which the readout calls a run there.
        target: The verdict's target, when the path was told it: then a run is there
            from the first step its training loss is at or under it (``f* + tolerance``
            is the target), as the verdict counts epochs to it.
        steps_per_epoch: Optimizer steps (mini-batches) in an epoch.
    """

    objective: Objective
    sgd: BatchResult
    family: BatchResult
    momenta: Array
    explained: float
    tolerance: float
    target: float | None
    steps_per_epoch: int

    @property
    def start(self) -> tuple[float, float]:
        """The initial weights on the plane (every β starts from them)."""
        return tuple(float(v) for v in self.family.positions[0, 0])


def _linear_plane_loss(model: Model, centre: Array, d: Array) -> Callable[[Array], Array]:
    """The linear network's loss on the plane, for any number of points at the cost of a
    7 x 7 quadratic form each (the landscape is 240 x 240 points, drawn twice).

    With a linear hidden layer the output is ``[x, 1, 1] . u`` with ``u = (K w2, b2)``,
    where ``K`` is the hidden kernel with its bias row; along the plane ``K`` and ``w2`` are
    affine in ``(x, y)``, so ``u`` is a quadratic polynomial in them and the mean squared
    error a quadratic form in ``u``: exact, not an approximation.
    """
    basis = np.stack([centre, d[0], d[1]])  # (3, 71): the constant, x and y parts
    k, w2, b2 = basis[:, :60].reshape(3, 6, 10), basis[:, 60:70], basis[:, 70]
    kw = np.einsum("aih,bh->abi", k, w2)  # (3, 3, 6): K_a w2_b
    v = np.stack([kw[0, 0], kw[1, 0] + kw[0, 1], kw[2, 0] + kw[0, 2], kw[1, 1],
                  kw[1, 2] + kw[2, 1], kw[2, 2]])  # fmt: skip
    b = np.array([b2[0], b2[1], b2[2], 0, 0, 0])
    coeffs = np.hstack([v, b[:, None]])  # (6 monomials, 7)
    data = model.data
    z = np.hstack([data.x_train, np.ones((len(data.x_train), 2))])
    n = len(z)
    gram, zy, yy = z.T @ z / n, z.T @ data.y_train / n, data.y_train @ data.y_train / n

    def value(p: Array) -> Array:
        p = np.asarray(p, dtype=float)
        x, y = p[..., 0], p[..., 1]
        u = np.stack([np.ones_like(x), x, y, x * x, x * y, y * y], axis=-1) @ coeffs
        return np.einsum("...i,ij,...j->...", u, gram, u) - 2 * u @ zy + yy

    return value


#: Points of the plane evaluated at once by the network (memory: ~3 x 256 x 10 x 8 bytes each).
_CHUNK = 1024


def _plane_objective(
    model: Model, centre: Array, d: Array, domain: tuple, f_star: float, title: str
) -> Objective:
    """The training loss on the plane ``centre + x d1 + y d2`` as a 2-D objective."""
    x, y, act = model.data.x_train, model.data.y_train, model.activation

    def fused(p: Array) -> tuple[Array, Array]:
        p = np.asarray(p, dtype=float)
        flat = p.reshape(-1, 2)
        loss, grad = np.empty(len(flat)), np.empty((len(flat), 2))
        # In chunks: a hidden layer for 240 x 240 points at once would take gigabytes.
        for i in range(0, len(flat), _CHUNK):
            with np.errstate(over="ignore", invalid="ignore"):
                part = loss_and_gradient(centre + flat[i : i + _CHUNK] @ d, x, y, act)
            loss[i : i + _CHUNK], grad[i : i + _CHUNK] = part[0], part[1] @ d.T
        return loss.reshape(p.shape[:-1]), grad.reshape(p.shape)

    def loss_only(p: Array) -> Array:
        p = np.asarray(p, dtype=float)
        flat, out = p.reshape(-1, 2), np.empty(int(np.prod(p.shape[:-1])))
        # The forward pass alone (half the work), compiled once the loop is loaded: the
        # chart's 240 x 240 points took 1.3 s of numpy.
        for i in range(0, len(flat), _CHUNK):
            with np.errstate(over="ignore", invalid="ignore"):
                part = mean_squared_error(centre + flat[i : i + _CHUNK] @ d, x, y, act)
            out[i : i + _CHUNK] = part
        return out.reshape(p.shape[:-1])

    value = _linear_plane_loss(model, centre, d) if act == "linear" else loss_only
    # The Hessian is a placeholder (zeros): the race never asks for it, and nothing on the
    # page claims a curvature of this slice.
    return Objective(
        name=f"network-plane-{act}", title=title,
        formula="training loss at centre + x·d1 + y·d2", latex=r"L(w^* + x d_1 + y d_2)",
        code="", value=value, gradient=lambda p: fused(p)[1],
        hessian=lambda p: np.zeros((*np.shape(p), 2)), domain=domain,
        global_minima=np.zeros((0, 2)), f_star=f_star, local_minima=np.zeros((0, 2)),
        x0=(0.0, 0.0), lr_range=(1e-4, 0.3), lr_default=0.01, log_scale=True, fused=fused,
    )  # fmt: skip


def _batch(
    positions: Array,
    losses: Array,
    diverged: Array,
    f_star: float,
    tol: float,
    target: float | None = None,
) -> BatchResult:
    """The race component's view of projected runs (a :class:`BatchResult`)."""
    runs = positions.shape[1]
    if target is None:
        below = losses - f_star < tol
        # The first step from which a run stays within the tolerance to the end.
        there = np.flip(np.logical_and.accumulate(np.flip(below, 0), 0), 0)
    else:  # the verdict's finish line, as it counts it: the first time at or under it
        there = losses <= target
    tol_step = np.where(there.any(0), there.argmax(0), -1)
    minus = np.full(runs, -1)
    return BatchResult(
        positions=positions, losses=losses, grad_norms=None, states=None,
        final_position=positions[-1], final_loss=losses[-1], diverged_step=diverged,
        converged_step=np.where(diverged >= 0, -1, tol_step), tol_step=tol_step,
        nearest_minimum=minus, minimum_distance=np.full(runs, np.inf),
        reached_global=np.zeros(runs, bool), num_steps=len(losses) - 1,
    )  # fmt: skip


def _round_up(value: float, digits: int = 3) -> float:
    """``value`` > 0 rounded up to ``digits`` significant digits (the readout prints a
    tolerance in full)."""
    exponent = int(np.floor(np.log10(value))) - digits + 1
    # (1 - 1e-12): 0.5 / 1000 is 0.0005000000000000001 in binary, not a reason for 0.000501
    return float(f"{int(np.ceil(value / 10.0**exponent * (1 - 1e-12)))}e{exponent}")


def network_path(lr: float, momentum: float, batch_size: int, epochs: int, activation: str,
                 data_seed: int, target: float | None = None) -> NetworkPath:  # fmt: skip
    """Seed :data:`PATH_SEED` trained at every β of :func:`model_momenta` (one batch,
    weights recorded), projected on the plane through the chosen run's final weights
    (SGD's, if the chosen run diverged) spanned by the first two principal directions of
    the SGD and chosen-β paths (about their mean), after Li et al. 2018.

    ``target`` is the verdict's (:func:`target_loss`): the chart's finish line is then
    that training loss, not a share above the lowest loss seed 0 reached."""
    momenta = model_momenta(momentum)
    chosen = int(np.abs(momenta - momentum).argmin())
    model = Model(activation, make_dataset(data_seed))
    result = train_batch(model, heavy_ball(lr, momenta), glorot_params(PATH_SEED), epochs,
                         batch_size, data_seed, record_params=True)  # fmt: skip
    params, diverged = result.params, result.diverged_step
    centre_run = chosen if diverged[chosen] < 0 else 0
    centre = params[-1, centre_run]
    fit = [i for i in dict.fromkeys((0, chosen)) if diverged[i] < 0] or [0]
    diffs = (params[:, fit] - centre).reshape(-1, params.shape[-1])
    # Principal directions of the points about their mean: uncentred, the mean's offset
    # from the centre counted as variance the plane holds (99.7 % shown as "100 %").
    # The 71 x 71 scatter matrix's eigenvectors, not an SVD of the points: OpenBLAS'
    # gesdd gave up ("SVD did not converge") on the finite centred points of lr = 0.3.
    centred = diffs - diffs.mean(axis=0)
    variances, vectors = np.linalg.eigh(centred.T @ centred)
    variances = np.clip(variances[::-1], 0.0, None)  # largest first; no rounding below 0
    d = vectors[:, ::-1][:, :2].T
    explained = float(np.sum(variances[:2]) / max(np.sum(variances), 1e-300))
    positions = (params - centre) @ d.T
    steps = params.shape[0]
    data = model.data
    # The true loss of the true 71-D weights (within train_batch's bound it is finite).
    losses = mean_squared_error(params.reshape(-1, params.shape[-1]), data.x_train,
                                data.y_train, activation).reshape(steps, -1)  # fmt: skip
    kept = diverged < 0
    shown = positions[:, kept] if kept.any() else positions[:, :1]
    low, high = shown.min(axis=(0, 1)), shown.max(axis=(0, 1))
    pad = PATH_MARGIN * np.maximum(high - low, 1e-6)
    domain = tuple((float(a), float(b)) for a, b in zip(low - pad, high + pad, strict=True))
    lowest = float(losses[:, kept].min()) if kept.any() else float(losses.min())
    # f* just under the lowest loss: at f* itself the run that got there would have a gap
    # of 0, and the log loss axis would run down to its floor, 1e-16.
    if target is None:
        tol = float(f"{PATH_TOL_SHARE * lowest:.2g}")  # the readout prints it as it is
        f_star = lowest - tol / 100
    else:  # f* + tol is the target, and f* is under the lowest loss and the target both
        tol = _round_up(max(target - lowest, 0.0) + target / 1000)
        f_star = target - tol
    obj = _plane_objective(model, centre, d, domain, f_star,
                           f"Training loss on the plane of the paths ({activation})")  # fmt: skip
    sgd = _batch(positions[:, :1], losses[:, :1], diverged[:1], f_star, tol, target)
    family = _batch(positions, losses, diverged, f_star, tol, target)
    return NetworkPath(obj, sgd, family, momenta, explained, tol, target,
                       (steps - 1) // epochs)  # fmt: skip


def path_for(s, target: float | None = None) -> NetworkPath:
    """:func:`network_path` at a settings record's values (see :func:`race_for`)."""
    return network_path(s.lr, s.momentum, s.batch, s.epochs, s.activation, s.data_seed,
                        target)  # fmt: skip


def finish_line(race: ModelRace) -> float | None:
    """The target the verdict races to (None where it races to none: β = 0 chosen, or
    both racers diverged on most seeds), for the path chart to use the same one."""
    return target_loss(race) if race.chosen else None


#: Labelled epochs on the path chart's clock axis: at most this many.
PATH_EPOCH_TICKS = 6


def _steps(n: int) -> str:
    return f"{n:,} step" + ("" if n == 1 else "s")


def path_axes(path: NetworkPath) -> dict:
    """The path chart's axes named for what they show: the plane's two principal
    directions, and the clock in epochs (the verdict's unit) at the steps that end them."""
    per, steps = path.steps_per_epoch, path.family.num_steps
    epochs = steps // per
    every = next(k for k in (1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000)
                 if epochs / k <= PATH_EPOCH_TICKS - 1)  # fmt: skip
    ticks = np.arange(0, epochs + 1, every)
    return {
        "xaxis": {"title": {"text": "1st principal direction of the paths"}},
        "yaxis": {"title": {"text": "2nd principal direction"}},
        "xaxis2": {"title": {"text": f"epoch ({_steps(per)} each)"}, "tickmode": "array",
                   "tickvals": (ticks * per).tolist(), "ticktext": [str(t) for t in ticks]},
        "yaxis2": {"title": {"text": "training loss − f*  (log scale)"}},
    }  # fmt: skip


def share_down(share: float) -> str:
    """A share as a percentage to one decimal, rounded down: 99.96 % is "99.9%", and only
    the whole is "100%"."""
    return f"{np.floor(share * 1000) / 10:.1f}%".replace(".0%", "%")


def _reached(path: NetworkPath, index: int, label: str) -> str:
    """When seed :data:`PATH_SEED`'s run at ``path.momenta[index]`` reached the finish
    line, in steps and in the epoch that step falls in."""
    step, gone = int(path.family.tol_step[index]), int(path.family.diverged_step[index])
    if step >= 0:
        return f"{label} at step {step:,} (during epoch {-(-step // path.steps_per_epoch)})"
    return f"{label} never" + (f" (it diverged at step {gone:,})" if gone >= 0 else "")


def path_caption(path: NetworkPath, momentum: float | None = None) -> str:
    """What the path chart shows, and what it does not; ``momentum`` the page's β, whose
    run (with SGD's) the caption follows to the finish line."""
    per = path.steps_per_epoch
    head = (
        f"Seed {PATH_SEED}'s weights, step by step, projected on the plane of the first two "
        "principal directions of the SGD and momentum paths, through the momentum run's "
        "final weights (SGD's if it diverged; Li et al., 2018): the chart's two axes. The "
        f"plane holds {share_down(path.explained)} of the paths' variance. It is a "
        "projection: the true paths move in 71 dimensions, and the landscape is a slice of "
        "the training loss through those final weights, not the loss the paths feel. The "
        "loss panel is the true training loss of the true weights minus "
        f"f* = {path.objective.f_star:.4g}; its axis counts epochs, the verdict's unit, while "
        f"the chart plays and reads out optimizer steps ({_steps(per)} an epoch, one a "
        "mini-batch). "
    )
    if path.target is None:
        share, tol = f"{PATH_TOL_SHARE:.0%}", f"{path.tolerance:.2g}"
        finish = (f"f* is just under the lowest loss any run reached; a run counts as there "
                  f"once f − f* < {tol} ({share} of f*). ")  # fmt: skip
    else:
        finish = (
            f"The finish line is the verdict's target, training loss ≤ {path.target:.4g} "
            f"(f − f* < {path.tolerance:g} in the readout): a run is there from the first step "
            "at or under it."
        )
        if momentum is not None:
            i = int(np.abs(path.momenta - momentum).argmin())
            finish += (f" Seed {PATH_SEED} got there: {_reached(path, 0, 'SGD')}; "
                       f"{_reached(path, i, f'momentum β = {path.momenta[i]:g}')}.")  # fmt: skip
        finish += " "
    return (head + finish + "Slide β in the chart to see every momentum of the grid "
            f"({_betas(path.momenta)}) on the same plane.")  # fmt: skip
