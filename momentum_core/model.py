"""The article's network, trained by the core: ``dense(10, inputShape [5])`` then ``dense(1)``.

The seed article trains this TensorFlow.js model with SGD and momentum 0.9; here it is
trained by the same optimizers as the 2D functions, many runs at once (one set of 71
weights per run), on real mini-batches, so "SGD" is stochastic because of sampling.

The network: 5 inputs -> 10 hidden units (activation ``linear``, the article's, ``tanh``
or ``relu``) -> 1 output, mean squared error. Its 71 parameters are one flat vector per
run, in Keras' order::

    [0:50]   kernel of the hidden layer, (5, 10) row-major: W1[i, h] = p[10 i + h]
    [50:60]  bias of the hidden layer, (10,)
    [60:70]  kernel of the output layer, (10, 1)
    [70]     bias of the output layer

(``torch.nn.Linear`` stores its weight transposed, ``(out, in)``: ``W1.T``.) The value
and gradient are written out by hand and vectorised over runs: the hidden layer of every
run is one matrix product ``[x, 1] (n, 6) @ [W1; b1] (6, runs * 10)``, and so is the
gradient of the hidden weights. With the ``linear`` activation the whole network is the
linear map ``[x, 1] @ v + b2``, ``v = [W1; b1] @ w2``, which the code uses to skip the
hidden layer (the same numbers to rounding; checked against torch to 1e-10).

The data (:func:`make_dataset`, all seeded, offline): inputs ``x ~ N(0, I_5)``; targets
from a fixed teacher network of the same shape with tanh hidden units, Glorot-uniform
weights and biases ``U(-0.1, 0.1)`` drawn from ``teacher_seed``, plus Gaussian noise of
standard deviation ``noise`` (default 0.1); 256 training and 128 validation examples.

Example:
    >>> from momentum_core import heavy_ball
    >>> model = Model()
    >>> result = train_batch(model, heavy_ball(0.05, 0.9), glorot_params([0, 1]), 5, 32)
    >>> result.train_loss.shape, result.final_params.shape
    ((6, 2), (2, 71))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from types import ModuleType

import numpy as np

from momentum_core import engine, jobs
from momentum_core.objectives import Objective
from momentum_core.optimizers import Optimizer
from momentum_core.runner import DEFAULT_BOUND, batch_starts, check_loop, freeze, kernel_rule

Array = np.ndarray

__all__ = [
    "ACTIVATIONS",
    "HIDDEN",
    "INPUTS",
    "NUM_PARAMS",
    "Dataset",
    "Model",
    "TrainResult",
    "epoch_orders",
    "glorot_params",
    "loss_and_gradient",
    "make_dataset",
    "mean_squared_error",
    "model_objective",
    "predict",
    "train_batch",
]

#: Input features, hidden units and weights of the article's network.
INPUTS, HIDDEN = 5, 10
NUM_PARAMS = INPUTS * HIDDEN + HIDDEN + HIDDEN + 1
ACTIVATIONS = ("linear", "tanh", "relu")
#: Limits of :func:`train_batch`, so that a typed CLI value cannot ask for hours.
MAX_EPOCHS = 10_000
_W1, _B1, _W2, _B2 = slice(0, 50), slice(50, 60), slice(60, 70), 70


@dataclass(frozen=True, eq=False)
class Dataset:
    """A regression set split into training and validation examples.

    Attributes:
        x_train: ``(n_train, 5)`` inputs.
        y_train: ``(n_train,)`` targets.
        x_val: ``(n_val, 5)``.
        y_val: ``(n_val,)``.
    """

    x_train: Array
    y_train: Array
    x_val: Array
    y_val: Array


def glorot_params(seeds: int | Sequence[int] | Array) -> Array:
    """Initial weights as Keras' ``dense`` makes them, one set per seed.

    Kernels are Glorot-uniform, ``U(-l, l)`` with ``l = sqrt(6 / (fan_in + fan_out))``
    (Keras' default ``kernel_initializer``), biases zero. Seed ``s`` always gives the same
    weights, whatever the other seeds of the call.

    Args:
        seeds: One seed or a sequence of them (non-negative integers).

    Returns:
        ``(len(seeds), 71)`` parameters (``(1, 71)`` for one seed), in the layout of the
        module docstring.

    Raises:
        ValueError: On a negative or non-integer seed.
    """
    seeds = np.atleast_1d(np.asarray(seeds))
    if seeds.ndim != 1 or not np.issubdtype(seeds.dtype, np.integer) or np.any(seeds < 0):
        raise ValueError(f"seeds must be non-negative integers, got {seeds.tolist()}")
    out = np.zeros((len(seeds), NUM_PARAMS))
    l1, l2 = np.sqrt(6 / (INPUTS + HIDDEN)), np.sqrt(6 / (HIDDEN + 1))
    for i, seed in enumerate(seeds):  # per seed, not per run: a handful of draws each
        rng = np.random.default_rng(int(seed))
        out[i, _W1] = rng.uniform(-l1, l1, INPUTS * HIDDEN)
        out[i, _W2] = rng.uniform(-l2, l2, HIDDEN)
    return out


def make_dataset(
    seed: int = 0,
    n_train: int = 256,
    n_val: int = 128,
    noise: float = 0.1,
    teacher_seed: int = 1234,
) -> Dataset:
    """The synthetic regression set the network learns (see the module docstring).

    Args:
        seed: Seed of the inputs and the noise.
        n_train: Training examples, >= 1.
        n_val: Validation examples, >= 1.
        noise: Standard deviation of the Gaussian noise on the targets, >= 0.
        teacher_seed: Seed of the teacher network's weights.

    Returns:
        The :class:`Dataset`.

    Raises:
        ValueError: On a size below 1 or a negative noise level.
    """
    if n_train < 1 or n_val < 1:
        raise ValueError(f"n_train and n_val must be >= 1, got {n_train} and {n_val}")
    if not (np.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be >= 0, got {noise}")
    teacher = glorot_params(teacher_seed)
    teacher[:, _B1] = np.random.default_rng(teacher_seed + 1).uniform(-0.1, 0.1, HIDDEN)
    teacher[:, _B2] = 0.1
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n_train + n_val, INPUTS))
    y = predict(teacher, x, "tanh")[0] + noise * rng.standard_normal(n_train + n_val)
    return Dataset(x[:n_train], y[:n_train], x[n_train:], y[n_train:])


@dataclass(frozen=True, eq=False)
class Model:
    """The network to train: its activation and its data.

    Attributes:
        activation: ``"linear"`` (the article's), ``"tanh"`` or ``"relu"``.
        data: The data set; :func:`make_dataset`'s default if not given.
    """

    activation: str = "linear"
    data: Dataset = field(default_factory=make_dataset)

    def __post_init__(self) -> None:
        if self.activation not in ACTIVATIONS:
            raise ValueError(
                f"unknown activation {self.activation!r}; choose one of: {', '.join(ACTIVATIONS)}"
            )

    @property
    def dim(self) -> int:
        """The number of parameters, 71."""
        return NUM_PARAMS


def _with_ones(x: Array) -> Array:
    """``[x, 1]``, ``(n, 6)``: the hidden bias rides in the matrix product as a sixth input
    (the layout stores it right after the kernel, so kernel and bias are one ``(6, 10)``)."""
    return np.hstack([np.asarray(x, dtype=float), np.ones((len(x), 1))])


class _Workspace:
    """Buffers of the hot loop, ``(n, runs, 10)`` each, reused from step to step: a fresh
    array of this size every step costs more in page faults than the arithmetic on it."""

    def __init__(self, n: int, runs: int) -> None:
        self.shape = (n, runs, HIDDEN)
        self.kernels = np.empty((INPUTS + 1, runs, HIDDEN))
        self.z, self.a, self.dz = (np.empty(self.shape) for _ in range(3))
        self.mask = np.empty(self.shape, dtype=bool)

    def fits(self, n: int, runs: int) -> bool:
        return n <= self.shape[0] and runs == self.shape[1]


def _hidden(params: Array, x1: Array, activation: str, work: _Workspace) -> tuple[Array, Array]:
    """Pre-activations and activations of the hidden layer, both ``(n, runs, 10)`` views
    of ``work``. One matrix product for every run: ``[x, 1] (n, 6) @ (6, runs * 10)``."""
    runs, n = len(params), len(x1)
    np.copyto(work.kernels, _kernels(params))
    z = work.z[:n]
    np.matmul(x1, work.kernels.reshape(INPUTS + 1, runs * HIDDEN), out=z.reshape(n, -1))
    if activation == "tanh":
        return z, np.tanh(z, out=work.a[:n])
    if activation == "relu":
        return z, np.maximum(z, 0.0, out=work.a[:n])
    return z, z


def predict(params: Array, x: Array, activation: str = "linear") -> Array:
    """The network's outputs.

    Args:
        params: ``(runs, 71)``.
        x: ``(n, 5)`` inputs.
        activation: One of :data:`ACTIVATIONS`.

    Returns:
        ``(runs, n)``.
    """
    params = np.atleast_2d(np.asarray(params, dtype=float))
    _, a = _hidden(params, _with_ones(x), activation, _Workspace(len(x), len(params)))
    return (np.einsum("nrh,rh->nr", a, params[:, _W2]) + params[:, _B2]).T


def loss_and_gradient(
    params: Array, x: Array, y: Array, activation: str = "linear"
) -> tuple[Array, Array]:
    """Mean squared error of every run on examples ``(x, y)`` and its gradient.

    ``L = mean_n (out_n - y_n)^2`` (``torch.nn.MSELoss()``), back-propagated by hand; relu's
    derivative at 0 is 0, as in torch.

    Args:
        params: ``(runs, 71)``.
        x: ``(n, 5)``.
        y: ``(n,)``.
        activation: One of :data:`ACTIVATIONS`.

    Returns:
        ``(loss (runs,), gradient (runs, 71))``. Huge weights overflow to inf or nan
        (with numpy's warnings unless the caller silences them; the trainer does).
    """
    params = np.atleast_2d(np.asarray(params, dtype=float))
    work = _Workspace(len(x), len(params))
    return _loss_and_gradient(params, _with_ones(x), np.asarray(y, dtype=float), activation, work)


#: Runs whose loss :func:`mean_squared_error` computes at once: the hidden layer of 256
#: examples is then 20 MB, not the gigabytes of every recorded step of a long path.
LOSS_CHUNK = 1024


def mean_squared_error(
    params: Array, x: Array, y: Array, activation: str = "linear", loop: str = "auto"
) -> Array:
    """The loss alone of every run on examples ``(x, y)``, ``(runs,)``: the value of
    :func:`loss_and_gradient` (the same to rounding), without the gradient, a chunk of
    :data:`LOSS_CHUNK` runs at a time.

    ``loop``: ``"compiled"`` (``momentum_core.kernels.net_losses``, the training loop's
    own loss: its sums in their order, its tanh), ``"numpy"`` (matrix products through
    BLAS), or ``"auto"``: compiled once it is loaded (:mod:`momentum_core.engine`), numpy
    until then. The two agree within 1e-12 of each loss."""
    check_loop(loop, ("auto", "compiled", "numpy"))
    params = np.atleast_2d(np.asarray(params, dtype=float))
    x1, y = _with_ones(x), np.asarray(y, dtype=float)
    out = np.empty(len(params))
    kernels = engine.for_loop(loop == "compiled") if loop != "numpy" else None
    if kernels is not None:
        # Contiguous arrays of the types warm_up compiled for (no compile in a request).
        xs, ys = np.ascontiguousarray(x1), np.ascontiguousarray(y)
        act = ACTIVATIONS.index(activation)
        for i in range(0, len(params), LOSS_CHUNK):
            part = np.ascontiguousarray(params[i : i + LOSS_CHUNK])
            kernels.net_losses(act, part, xs, ys, out[i : i + len(part)])
            jobs.checkpoint()
        return out
    work = _Workspace(len(x1), min(len(params), LOSS_CHUNK))
    for i in range(0, len(params), LOSS_CHUNK):
        part = params[i : i + LOSS_CHUNK]
        if not work.fits(len(x1), len(part)):
            work = _Workspace(len(x1), len(part))
        out[i : i + len(part)] = _loss(part, x1, y, activation, work)
        jobs.checkpoint()
    return out


def _kernels(params: Array) -> Array:
    """Every run's hidden kernel with its bias row, ``(6, runs, 10)`` (a view)."""
    return params[:, :60].reshape(len(params), INPUTS + 1, HIDDEN).transpose(1, 0, 2)


def _errors(params: Array, x1: Array, y: Array, activation: str, work: _Workspace) -> tuple:
    """``(out - y (n, runs), z, a)``; for ``linear`` no hidden layer is formed (z, a None):
    the network is then the linear map ``x1 @ v + b2`` with ``v = [W1; b1] @ w2``, ``(6,)``
    per run, and costs 6 instead of ~10 x 10 operations per example and run."""
    w2 = params[:, _W2]
    if activation == "linear":
        err = x1 @ np.einsum("irh,rh->ir", _kernels(params), w2)
        z = a = None
    else:
        z, a = _hidden(params, x1, activation, work)
        err = np.einsum("nrh,rh->nr", a, w2)
    err += params[:, _B2]  # in place, no (n, runs) temporaries: this runs every step
    err -= y[:, None]
    return err, z, a


def _loss(params: Array, x1: Array, y: Array, activation: str, work: _Workspace) -> Array:
    """The loss alone, ``(runs,)``, for ``x1 = [x, 1]``."""
    err = _errors(params, x1, y, activation, work)[0]
    return np.einsum("nr,nr->r", err, err) / len(x1)


def _loss_and_gradient(
    params: Array, x1: Array, y: Array, activation: str, work: _Workspace
) -> tuple[Array, Array]:
    """:func:`loss_and_gradient` for ``x1 = [x, 1]``, in the buffers of ``work``."""
    runs, n = len(params), len(x1)
    err, z, a = _errors(params, x1, y, activation, work)
    w2 = params[:, _W2]
    loss = np.einsum("nr,nr->r", err, err) / n
    dout = err * (2.0 / n)  # dL/d out, (n, runs)
    grad = np.empty((runs, NUM_PARAMS))
    grad[:, _B2] = dout.sum(axis=0)
    if activation == "linear":
        # a = x1 K and dL/dz = dout w2 are linear per run: sum over the examples first,
        # s = x1^T dout (6, runs), and never form an (n, runs, 10) array.
        s = x1.T @ dout
        grad[:, _W2] = np.einsum("ir,irh->rh", s, _kernels(params))
        gk = s[:, :, None] * w2
    else:
        grad[:, _W2] = np.einsum("nr,nrh->rh", dout, a)
        dz = np.multiply(dout[:, :, None], w2, out=work.dz[:n])  # dL/d a
        if activation == "tanh":  # tanh' = 1 - a^2
            slope = np.multiply(a, a, out=z)  # z is no longer needed
            np.subtract(1.0, slope, out=slope)
            dz *= slope
        else:  # relu' = [z > 0]
            dz *= np.greater(z, 0.0, out=work.mask[:n])
        gk = (x1.T @ dz.reshape(n, runs * HIDDEN)).reshape(INPUTS + 1, runs, HIDDEN)
    # (6, runs, 10) -> per run: the kernel's five rows, then the bias row.
    grad[:, :60] = gk.transpose(1, 0, 2).reshape(runs, 60)
    return loss, grad


def model_objective(model: Model) -> Objective:
    """The full-batch training loss as an :class:`~momentum_core.objectives.Objective` of
    71 coordinates, for :func:`~momentum_core.runner.run_batch` (plain gradient descent
    on it is :func:`train_batch` with one batch per epoch).

    Its minima are unknown (none are listed); ``f_star`` is 0, a lower bound; the Hessian
    is the central difference of the exact gradient (step 1e-5), for inspection only.

    Args:
        model: The network and its data.

    Returns:
        The objective, named ``"network-<activation>"``.
    """
    x, y, act = model.data.x_train, model.data.y_train, model.activation

    def flat(p: Array) -> Array:
        p = np.asarray(p, dtype=float)
        return p.reshape(-1, NUM_PARAMS)

    def value(p: Array) -> Array:
        return loss_and_gradient(flat(p), x, y, act)[0].reshape(np.shape(p)[:-1])

    def gradient(p: Array) -> Array:
        return loss_and_gradient(flat(p), x, y, act)[1].reshape(np.shape(p))

    def fused(p: Array) -> tuple[Array, Array]:
        loss, grad = loss_and_gradient(flat(p), x, y, act)
        return loss.reshape(np.shape(p)[:-1]), grad.reshape(np.shape(p))

    def hessian(p: Array) -> Array:
        q = flat(p)
        h = 1e-5
        eye = np.eye(NUM_PARAMS) * h
        plus = gradient(q[:, None, :] + eye).reshape(len(q), NUM_PARAMS, NUM_PARAMS)
        minus = gradient(q[:, None, :] - eye).reshape(len(q), NUM_PARAMS, NUM_PARAMS)
        hess = (plus - minus) / (2 * h)
        return (0.5 * (hess + hess.transpose(0, 2, 1))).reshape(
            *np.shape(p)[:-1], NUM_PARAMS, NUM_PARAMS
        )

    return Objective(
        name=f"network-{act}",
        title=f"Network 5-10-1 ({act})",
        formula="mean squared error of dense(10) -> dense(1) on the training set",
        latex=r"\frac1n \sum_i (f_w(x_i) - y_i)^2",
        code="",
        value=value,
        gradient=gradient,
        hessian=hessian,
        domain=((-DEFAULT_BOUND, DEFAULT_BOUND),) * NUM_PARAMS,
        global_minima=np.zeros((0, NUM_PARAMS)),
        f_star=0.0,
        local_minima=np.zeros((0, NUM_PARAMS)),
        x0=tuple(glorot_params(0)[0]),
        lr_range=(1e-4, 0.3),
        lr_default=0.01,
        fused=fused,
        dim=NUM_PARAMS,
    )


@dataclass(frozen=True, eq=False)
class TrainResult:
    """What :func:`train_batch` returns; run ``i`` is column ``i``.

    Attributes:
        train_loss: ``(epochs + 1, runs)`` loss on the whole training set after each
            epoch (row 0: the initial weights).
        val_loss: ``(epochs + 1, runs)`` the same on the validation set.
        batch_loss: ``(num_steps, runs)`` the loss on step ``t + 1``'s mini-batch at the
            weights that step started from (what the optimizer saw).
        params: ``(num_steps + 1, runs, 71)`` the weights after every step (row 0 the
            start), or None unless asked for.
        final_params: ``(runs, 71)``.
        diverged_step: ``(runs,)`` the step whose weights were no longer finite or left
            ``[-bound, bound]`` (the run is frozen at the weights before it); -1 if never.
        order: ``(epochs, n_train)`` the example order of each epoch, shared by all runs.
        batch_size: Examples per step (the last batch of an epoch may be smaller).
        steps_per_epoch: ``ceil(n_train / batch_size)``.
    """

    train_loss: Array
    val_loss: Array
    batch_loss: Array
    params: Array | None
    final_params: Array
    diverged_step: Array
    order: Array
    batch_size: int
    steps_per_epoch: int

    @property
    def num_steps(self) -> int:
        """Optimizer steps taken per run."""
        return len(self.batch_loss)

    @property
    def diverged_epoch(self) -> Array:
        """``(runs,)`` the epoch (1-based) in which each run diverged, -1 if never."""
        d = self.diverged_step
        return np.where(d >= 0, (d - 1) // self.steps_per_epoch + 1, -1)


def epoch_orders(n_train: int, epochs: int, shuffle_seed: int | None) -> Array:
    """The example order of every epoch: a seeded permutation per epoch, or the data's own
    order for ``shuffle_seed`` None. Shared by every run of a batch (a fair race).

    Returns:
        ``(epochs, n_train)`` indices.
    """
    if shuffle_seed is None:
        return np.tile(np.arange(n_train), (epochs, 1))
    rng = np.random.default_rng(shuffle_seed)
    return np.stack([rng.permutation(n_train) for _ in range(epochs)])


def train_batch(
    model: Model,
    optimizer: Optimizer,
    init_params: Array,
    epochs: int,
    batch_size: int | None = 32,
    shuffle_seed: int | None = 0,
    *,
    record_params: bool = False,
    bound: float = DEFAULT_BOUND,
    loop: str = "auto",
) -> TrainResult:
    """Train ``runs`` copies of the network at once, each with its own weights and
    hyperparameters, on the same mini-batches.

    Each epoch visits the training set in one order (:func:`epoch_orders`) shared by all
    runs, in batches of ``batch_size`` (the last one smaller if it does not divide), one
    optimizer step per batch on the batch's mean squared error: ``batch_size`` None or
    ``>= n_train`` is full-batch gradient descent. A run whose weights stop being finite or
    leave ``[-bound, bound]`` is frozen at its last weights and flagged with that step, so
    no NaN or inf leaves this function (its later losses are those of the frozen weights).

    Args:
        model: The network and data.
        optimizer: From :mod:`momentum_core.optimizers`, hyperparameters scalar or per run.
        init_params: ``(runs, 71)`` or ``(71,)`` starting weights (see :func:`glorot_params`).
        epochs: Passes over the training set, 1 to :data:`MAX_EPOCHS`.
        batch_size: Examples per step, >= 1; None for the full batch.
        shuffle_seed: Seed of the per-epoch shuffle; None keeps the data's order.
        record_params: Also return the weights after every step (``8 * 71 * runs *
            (num_steps + 1)`` bytes: 460 MB for 2,020 runs x 400 steps, so for a few
            runs).
        bound: The divergence bound on every weight, in (0, 1e6]. Within it every loss
            and gradient of the network on data like :func:`make_dataset`'s is finite
            (outputs below ~1e15), so a frozen run's later losses are finite too.
        loop: ``"compiled"`` (``momentum_core.kernels.train``, a block of runs' whole
            training per call; an optimizer with a compiled rule), ``"numpy"``, or ``"auto"``:
            compiled once it is loaded (:mod:`momentum_core.engine`), numpy until then.
            Both give the same numbers to rounding (the compiled loop sums in its own
            order, numpy's through BLAS): within 1e-12.

    Returns:
        A :class:`TrainResult`.

    Raises:
        ValueError: On bad weights, epochs, batch size or a runs mismatch.
    """
    check_loop(loop, ("auto", "compiled", "numpy"))
    n_train = len(model.data.x_train)
    epochs = int(epochs)
    if not 1 <= epochs <= MAX_EPOCHS:
        raise ValueError(f"epochs must be in [1, {MAX_EPOCHS}], got {epochs}")
    if batch_size is None:
        batch_size = n_train
    if int(batch_size) != batch_size or batch_size < 1:
        raise ValueError(f"batch size must be a whole number >= 1, got {batch_size}")
    batch_size = min(int(batch_size), n_train)
    if not 0 < bound <= DEFAULT_BOUND:
        raise ValueError(f"bound must be in (0, {DEFAULT_BOUND:g}], got {bound}")
    x = batch_starts(init_params, NUM_PARAMS, bound, optimizer, "init_params", "initial weights")
    runs = len(x)

    order = epoch_orders(n_train, epochs, shuffle_seed)
    per_epoch = -(-n_train // batch_size)
    num_steps = epochs * per_epoch
    curves = _Curves(
        train_loss=np.empty((epochs + 1, runs)),
        val_loss=np.empty((epochs + 1, runs)),
        batch_loss=np.empty((num_steps, runs)),
        params=np.empty((num_steps + 1, runs, NUM_PARAMS)) if record_params else None,
        diverged=np.full(runs, -1),
    )
    compilable = optimizer.rule is not None and loop != "numpy"
    if loop == "compiled" and optimizer.rule is None:
        raise ValueError(f"the compiled loop has no rule for {optimizer.name}")
    kernels = engine.for_loop(loop == "compiled") if compilable else None
    if kernels is not None:
        x = _train_compiled(kernels, model, optimizer, x, order, batch_size, bound, curves)
    else:
        x = _train_numpy(model, optimizer, x, order, batch_size, bound, curves)
    return TrainResult(
        train_loss=curves.train_loss,
        val_loss=curves.val_loss,
        batch_loss=curves.batch_loss,
        params=curves.params,
        final_params=x,
        diverged_step=curves.diverged,
        order=order,
        batch_size=batch_size,
        steps_per_epoch=per_epoch,
    )


@dataclass(frozen=True, eq=False)
class _Curves:
    """What the training loops fill in (see :class:`TrainResult`)."""

    train_loss: Array
    val_loss: Array
    batch_loss: Array
    params: Array | None
    diverged: Array


def _train_compiled(
    kernels: ModuleType,
    model: Model,
    optimizer: Optimizer,
    x: Array,
    order: Array,
    batch_size: int,
    bound: float,
    out: _Curves,
) -> Array:
    """:func:`train_batch` by the compiled loop (``kernels.train``); returns the final
    weights."""
    data = model.data
    hyper, flags, schedule = kernel_rule(optimizer, x)
    x = np.ascontiguousarray(x).copy()
    record = out.params if out.params is not None else np.empty((0, 1, NUM_PARAMS))
    # Contiguous arrays of the types warm_up compiled for: anything else would make numba
    # compile another version, in the visitor's request.
    xs, xv = (np.ascontiguousarray(_with_ones(x)) for x in (data.x_train, data.x_val))
    ys, yv = (np.ascontiguousarray(y, dtype=float) for y in (data.y_train, data.y_val))
    order = np.ascontiguousarray(order, dtype=np.int64)
    # A block of the loop's runs per call (the loop trains each block on its own, so the
    # numbers are those of one call), and between calls the asker may leave or yield.
    runs, block = len(x), kernels.NET_BLOCK
    for lo in range(0, runs, block):
        part = slice(lo, min(runs, lo + block))
        width = part.stop - lo
        curves = [np.empty((len(c), width)) for c in (out.train_loss, out.val_loss,
                                                       out.batch_loss)]  # fmt: skip
        diverged = out.diverged[part].copy()
        steps = record if len(record) == 0 else np.empty((len(record), width, NUM_PARAMS))
        kernels.train(
            optimizer.rule.code, flags, hyper if len(hyper) == 1 else hyper[part].copy(),
            schedule, ACTIVATIONS.index(model.activation), x[part], xs, ys, order, batch_size,
            xv, yv, float(bound), *curves, diverged, steps,
        )  # fmt: skip
        for whole, piece in zip((out.train_loss, out.val_loss, out.batch_loss), curves,
                                strict=True):  # fmt: skip
            whole[:, part] = piece
        out.diverged[part] = diverged
        if len(record):
            record[:, part] = steps
        jobs.checkpoint()
    return x


def _train_numpy(
    model: Model,
    optimizer: Optimizer,
    x: Array,
    order: Array,
    batch_size: int,
    bound: float,
    out: _Curves,
) -> Array:
    """:func:`train_batch` by numpy, all runs a step at a time; returns the final weights."""
    data = model.data
    n_train, runs = len(data.x_train), len(x)
    act, update = model.activation, optimizer.update
    train_loss, val_loss, batch_loss = out.train_loss, out.val_loss, out.batch_loss
    params, diverged = out.params, out.diverged
    record_params = params is not None
    frozen = False  # whether some run has diverged

    x1_train, x1_val = _with_ones(data.x_train), _with_ones(data.x_val)
    work = _Workspace(max(n_train, len(x1_val)), runs)

    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        state = optimizer.init(x)
        train_loss[0] = _loss(x, x1_train, data.y_train, act, work)
        val_loss[0] = _loss(x, x1_val, data.y_val, act, work)
        if record_params:
            params[0] = x
        t = 0
        for epoch in range(len(order)):
            xs_epoch, ys_epoch = x1_train[order[epoch]], data.y_train[order[epoch]]
            for start in range(0, n_train, batch_size):
                # The hot loop: forward, backward, update; checks only when something broke.
                stop = start + batch_size
                xb, yb = xs_epoch[start:stop], ys_epoch[start:stop]
                loss, grad = _loss_and_gradient(x, xb, yb, act, work)
                batch_loss[t] = loss
                step, state = update(grad, state)
                new = x + step
                t += 1
                if frozen or not (-bound <= new.min() and new.max() <= bound):
                    fine = (diverged < 0) & np.all(np.abs(new) <= bound, axis=1)
                    (new,) = freeze(fine, diverged, t, (new,), (x,))
                    frozen = True
                x = new
                if record_params:
                    params[t] = x
            train_loss[epoch + 1] = _loss(x, x1_train, data.y_train, act, work)
            val_loss[epoch + 1] = _loss(x, x1_val, data.y_val, act, work)
            jobs.checkpoint()  # the asker may have left, or another be waiting
    return x
