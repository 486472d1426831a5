"""The batch runner: many runs at once, vectorised over runs, looping only over steps.

Each run has its own start point and hyperparameters (see :mod:`momentum_core.optimizers`).
A run that diverges is frozen at its last finite point, so no NaN or inf ever leaves the
runner and numpy prints no overflow warnings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from momentum_core import engine, jobs, specialised
from momentum_core.objectives import Objective
from momentum_core.optimizers import Optimizer, batch_size, take

Array = np.ndarray

#: Hard cap on the number of steps of one run, for the CLI and the pages.
MAX_STEPS = 100_000

#: Points per chunk of a summary run's buffers (see _chunk_steps).
CHUNK_POINTS = 50_000

#: A run whose coordinates leave [-bound, bound] counts as diverged.
DEFAULT_BOUND = 1e6


@dataclass(frozen=True, eq=False)
class BatchResult:
    """What :func:`run_batch` returns. Step 0 is the start; run ``i`` is column ``i``.

    Attributes:
        positions: ``(num_steps + 1, runs, d)`` (``d = objective.dim``, 2 for the test
            functions), or None in summary mode. From a run's
            divergence step on, it repeats the run's last finite point.
        losses: ``(num_steps + 1, runs)`` true (noise-free) loss, or None in summary mode.
        grad_norms: ``(num_steps + 1, runs)`` true gradient norms, or None.
        states: Optimizer state per step (each array field stacked along a new first
            axis), or None unless asked for.
        final_position: ``(runs, d)``, the last finite point of each run.
        final_loss: ``(runs,)``.
        diverged_step: ``(runs,)`` the step at which the run left the finite region, -1
            if it never did.
        converged_step: ``(runs,)`` the first step from which ``f - f*`` stays below
            ``loss_tol`` or the gradient norm stays below ``grad_tol`` to the end; -1 if
            none (always -1 for a diverged run).
        tol_step: ``(runs,)`` the same with only the ``f - f* < loss_tol`` criterion:
            the "steps to tolerance" reported on the pages; -1 if never.
        nearest_minimum: ``(runs,)`` index into ``objective.minima`` of the known
            minimiser nearest to the final point; -1 if the objective lists none (a
            network's loss).
        minimum_distance: ``(runs,)`` distance from the final point to that minimiser
            (inf if there is none).
        reached_global: ``(runs,)`` whether that minimiser is a global one.
        num_steps: The number of steps simulated.
    """

    positions: Array | None
    losses: Array | None
    grad_norms: Array | None
    states: Any
    final_position: Array
    final_loss: Array
    diverged_step: Array
    converged_step: Array
    tol_step: Array
    nearest_minimum: Array
    minimum_distance: Array
    reached_global: Array
    num_steps: int


def _norm(g: Array) -> Array:
    """Norms over the last axis of ``(..., d)``; in 2D from the two columns, ~10x faster
    than np.hypot on strided columns. Overflows to inf for huge gradients, which then
    count as not finite."""
    if g.shape[-1] != 2:
        return np.sqrt(np.einsum("...i,...i->...", g, g))
    gx, gy = g[..., 0], g[..., 1]
    return np.sqrt(gx * gx + gy * gy)


def _hot(objective: Objective) -> Callable[[Array], tuple[Array, Array]]:
    """``objective.value_and_gradient`` without the per-call ``np.errstate`` of each
    formula: the loop runs inside one ``errstate`` of its own."""
    fused = objective.fused
    if fused is not None:
        return getattr(fused, "__wrapped__", fused)
    value = getattr(objective.value, "__wrapped__", objective.value)
    gradient = getattr(objective.gradient, "__wrapped__", objective.gradient)
    return lambda p: (value(p), gradient(p))


def _chunk_steps(runs: int, summary_only: bool) -> int:
    """Steps per chunk: bookkeeping runs once a chunk, vectorised. Summary buffers hold
    about ``CHUNK_POINTS`` points, small enough to stay in cache for big sweeps."""
    return 256 if not summary_only else max(4, min(256, CHUNK_POINTS // runs))


class _Ledger:
    """Divergence and tolerance bookkeeping, done after each chunk of steps.

    The loop records points, losses and gradients for every run, diverged or not; here a
    run's first step with a non-finite loss or gradient norm, or a coordinate beyond the
    bound, becomes its divergence step, and that chunk's rows from then on (and every
    later chunk's) are overwritten with its last finite values. The latest step outside
    tolerance per run gives the convergence steps at the end.

    Its per-run arrays are in the chunks' column order: the runs :attr:`ids`. Summary
    mode drops diverged runs (:meth:`compact`), whose values then go to the results.
    """

    FIELDS = ("x", "loss", "gnorm", "diverged_step", "last_out", "last_out_loss")

    def __init__(self, runs: int, x: Array, loss: Array, gnorm: Array, limits: tuple) -> None:
        self.threshold, self.grad_tol, self.bound = limits
        self.ids = np.arange(runs)
        self.x, self.loss, self.gnorm = x.copy(), loss.copy(), gnorm.copy()
        self.diverged_step = np.full(runs, -1)
        self.last_out = np.full(runs, -1)
        self.last_out_loss = np.full(runs, -1)
        self._final = {name: np.empty_like(getattr(self, name)) for name in self.FIELDS}
        self._mark(0, loss[None], gnorm[None])

    @property
    def all_diverged(self) -> bool:
        return bool(np.all(self.diverged_step >= 0))

    def absorb(self, t0: int, xs: Array, losses: Array, gnorms: Array) -> None:
        """Take steps ``t0 .. t0 + len(xs) - 1`` (the arrays are edited in place: a
        diverged run's rows repeat its last finite values)."""
        c = len(xs)
        before = self.diverged_step >= 0
        if not before.any() and self._all_fine(xs, losses, gnorms):  # the common case
            self._carry(xs, losses, gnorms)
            self._mark(t0, losses, gnorms)
            return
        if xs.shape[-1] == 2:  # two columns compare faster than a reduction over them
            inside = (np.abs(xs[..., 0]) <= self.bound) & (np.abs(xs[..., 1]) <= self.bound)
        else:
            inside = np.all(np.abs(xs) <= self.bound, axis=-1)
        fine = np.isfinite(losses) & inside
        bad = ~(fine if gnorms is None else fine & np.isfinite(gnorms))
        # Each run's first row to freeze: 0 if it diverged earlier, c if it never did.
        # Mostly nothing is bad, and an argmax along the rows is slow: look only then.
        first = np.where(before, 0, c)
        if bad.any():
            hit = np.flatnonzero(bad.any(axis=0) & ~before)
            first[hit] = bad[:, hit].argmax(axis=0)
        cols = np.flatnonzero(first < c)
        if len(cols):
            f = first[cols]
            was = self.diverged_step[cols]
            self.diverged_step[cols] = np.where(was >= 0, was, t0 + f)
            # The last finite row: the chunk's row before the first bad one, or the carry.
            prev = np.maximum(f - 1, 0)
            from_chunk = f > 0
            keep_x = np.where(from_chunk[:, None], xs[prev, cols], self.x[cols])
            keep_l = np.where(from_chunk, losses[prev, cols], self.loss[cols])
            frozen = np.arange(c)[:, None] >= f[None, :]
            xs[:, cols] = np.where(frozen[..., None], keep_x[None], xs[:, cols])
            losses[:, cols] = np.where(frozen, keep_l[None], losses[:, cols])
            if gnorms is not None:
                keep_g = np.where(from_chunk, gnorms[prev, cols], self.gnorm[cols])
                gnorms[:, cols] = np.where(frozen, keep_g[None], gnorms[:, cols])
        self._carry(xs, losses, gnorms)
        self._mark(t0, losses, gnorms)

    def _all_fine(self, xs: Array, losses: Array, gnorms: Array | None) -> bool:
        """Whether every point is within the bound and every value finite, from a few
        whole-chunk reductions (NaN and inf carry through a max, a min and a sum)."""
        if not (-self.bound <= xs.min() and xs.max() <= self.bound):
            return False
        return bool(np.isfinite(losses.sum()) and (gnorms is None or np.isfinite(gnorms.sum())))

    def _carry(self, xs: Array, losses: Array, gnorms: Array | None) -> None:
        self.x, self.loss = xs[-1].copy(), losses[-1].copy()
        if gnorms is not None:
            self.gnorm = gnorms[-1].copy()

    def live(self) -> Array:
        """Column indices of the runs that have not diverged."""
        return np.flatnonzero(self.diverged_step < 0)

    def compact(self, keep: Array) -> None:
        """Keep only columns ``keep``; the other runs' values go to the results."""
        gone = np.ones(len(self.ids), dtype=bool)
        gone[keep] = False
        self._retire(gone)
        for name in self.FIELDS:
            setattr(self, name, getattr(self, name)[keep])
        self.ids = self.ids[keep]

    def results(self) -> dict[str, Array]:
        """Every run's values, in run order (after the last chunk)."""
        self._retire(slice(None))
        return self._final

    def _retire(self, cols: Array | slice) -> None:
        for name in self.FIELDS:
            self._final[name][self.ids[cols]] = getattr(self, name)[cols]

    def _mark(self, t0: int, losses: Array, gnorms: Array) -> None:
        """Record, per run, the latest of these steps at which it was outside tolerance
        (``f >= f* + loss_tol``; for ``last_out`` also ``|grad| >= grad_tol``)."""
        outside = losses >= self.threshold
        self.last_out_loss = _latest(outside, t0, self.last_out_loss)
        if self.grad_tol > 0:  # (gnorms are recorded whenever grad_tol is set)
            outside &= gnorms >= self.grad_tol
            self.last_out = _latest(outside, t0, self.last_out)
        else:  # the same flags from the start: the same steps
            self.last_out = self.last_out_loss


def _latest(flags: Array, t0: int, previous: Array) -> Array:
    """Per column, ``t0 +`` the last row index where ``flags`` holds, else ``previous``.

    Most columns are decided by the last row (a run still outside tolerance) or hold no
    flag at all (a run inside it); only the others need the slow argmax along the rows.
    """
    end = t0 + len(flags) - 1
    last = np.where(flags[-1], end, previous)
    mixed = np.flatnonzero(~flags[-1] & flags.any(axis=0))
    if len(mixed):
        last[mixed] = end - flags[::-1, mixed].argmax(axis=0)
    return last


def _freeze_states(states: Any, diverged_step: Array) -> Any:
    """Recorded states from each run's divergence step on repeat its last finite one."""
    arrays = [f for f in states if isinstance(f, np.ndarray)]
    if not arrays or not np.any(diverged_step >= 0):
        return states
    n = len(arrays[0])
    d = np.where(diverged_step >= 0, diverged_step, n)
    frozen = np.arange(n)[:, None] >= d[None, :]
    fields = []
    for f in states:
        if isinstance(f, np.ndarray) and f.ndim == 3 and f.shape[1] == len(d):
            last = f[np.maximum(d - 1, 0), np.arange(len(d))]
            f = np.where(frozen[..., None], last[None], f)
        fields.append(f)
    return type(states)(*fields)


def _stack_states(states: list[Any]) -> Any:
    """One state whose fields hold every step (a new first axis); the hyperparameters,
    the same at every step, stay as they are."""
    first = states[0]
    stacked = (np.stack([s[i] for s in states]) for i in range(len(first) - 1))
    return type(first)(*stacked, first.hyper)


def run_batch(
    objective: Objective,
    optimizer: Optimizer,
    x0: Array | tuple[float, ...],
    num_steps: int,
    *,
    noise: float | Array = 0.0,
    seed: int | None = 0,
    shared_noise: bool = False,
    loss_tol: float = 1e-6,
    grad_tol: float = 0.0,
    bound: float = DEFAULT_BOUND,
    summary_only: bool = False,
    record_state: bool = False,
    loop: str = "auto",
) -> BatchResult:
    """Simulate ``runs`` optimisation runs of ``num_steps`` steps each, all at once.

    The number of runs is the common length of ``x0`` (shape ``(runs, d)``, or ``(d,)``
    for one start shared by all, with ``d = objective.dim``: 2 for the test functions)
    and of the optimizer's per-run hyperparameters.

    The loop does only the update, the value and the gradient, and records them; a
    run's divergence and its convergence steps are worked out afterwards, vectorised,
    a chunk of steps at a time (so summary mode keeps its memory bounded).

    Args:
        objective: The function to minimise.
        optimizer: From :mod:`momentum_core.optimizers`, hyperparameters per run or shared.
        x0: Start points, ``(runs, d)`` or ``(d,)``.
        num_steps: Steps per run, 1 to :data:`MAX_STEPS`.
        noise: Standard deviation sigma of Gaussian noise added to every gradient the
            optimizer sees (scalar or per run); 0 for exact gradients.
        seed: Seed of the noise. The noise of run ``i`` at step ``t`` depends on the seed,
            ``t``, ``i`` and the number of runs, so two batches of the same shape and seed
            see the same noise (a fair race between optimizers).
        shared_noise: Every run sees the same noise sequence, the one a single run with
            this seed sees (a family of momenta racing on equal terms).
        loss_tol: Convergence tolerance on ``f - f*``.
        grad_tol: Convergence tolerance on the gradient norm (0 turns it off).
        bound: A run whose coordinates leave ``[-bound, bound]`` has diverged.
        summary_only: Keep only the per-run summary, not the trajectories (for sweeps).
        record_state: Also return the optimizer state at every step (not in summary mode).
        loop: ``"compiled"`` (:mod:`momentum_core.kernels`: a formula's landscape, not
            with ``record_state``; for a built-in landscape its straight-line loop,
            :mod:`momentum_core.specialised`, once that is loaded), ``"tape"`` (the
            compiled loop that reads the tape, never the straight-line one), ``"numpy"``,
            or ``"auto"``: compiled once it is loaded (:mod:`momentum_core.engine`), numpy
            until then and where it cannot run. All give the same numbers.

    Returns:
        A :class:`BatchResult`.

    Raises:
        ValueError: On a bad start point, step count, noise level or tolerance, or a
            compiled loop asked for where it cannot run.
    """
    if loop not in ("auto", "compiled", "tape", "numpy"):
        raise ValueError(f"loop must be auto, compiled, tape or numpy, got {loop!r}")
    num_steps = int(num_steps)
    if not 1 <= num_steps <= MAX_STEPS:
        raise ValueError(f"num_steps must be in [1, {MAX_STEPS}], got {num_steps}")
    x = np.array(x0, dtype=float)
    if x.ndim == 1:
        x = x[None, :]
    dim = objective.dim
    if x.ndim != 2 or x.shape[1] != dim:
        raise ValueError(f"x0 must have shape (runs, {dim}) or ({dim},), got {np.shape(x0)}")
    if not np.all(np.isfinite(x)) or np.any(np.abs(x) > bound):
        raise ValueError(f"start points must be finite and within +-{bound:g}")
    hyper_runs = batch_size(optimizer.init(x))
    runs = max(len(x), hyper_runs)
    if len(x) not in (1, runs) or hyper_runs not in (1, runs):
        raise ValueError(f"{len(x)} start points for {hyper_runs} hyperparameter sets")
    x = np.broadcast_to(x, (runs, dim)).copy()
    sigma = np.asarray(noise, dtype=float).reshape(-1, 1)
    if not np.all(np.isfinite(sigma)) or np.any(sigma < 0) or len(sigma) not in (1, runs):
        raise ValueError(f"noise must be >= 0 and finite (scalar or per run), got {noise}")
    if not (loss_tol >= 0 and grad_tol >= 0):
        raise ValueError("tolerances must be >= 0")
    noisy = bool(np.any(sigma > 0))
    draws, pick = ((1, dim) if shared_noise else (runs, dim)), None
    rng = np.random.default_rng(seed)
    record_state = record_state and not summary_only
    value_and_gradient = _hot(objective)
    # Sweeps need no gradient norms unless they test them. Without them a non-finite
    # gradient is caught one step later, as the non-finite point it leads to.
    need_norms = not summary_only or grad_tol > 0
    update = optimizer.update

    compilable = objective.tape is not None and optimizer.rule is not None and not record_state
    forced = loop in ("compiled", "tape")
    if forced and not compilable:
        raise ValueError("the compiled loop runs formula landscapes without recorded states")
    kernels = None
    if compilable and loop != "numpy":
        kernels = engine.for_loop(forced)
        if kernels is not None and loop != "tape" and objective.name != "custom":
            kernels = specialised.kernel_for(objective.tape) or kernels

    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        loss, grad = value_and_gradient(x)
        gnorm = _norm(grad)
        if not (np.all(np.isfinite(loss)) and np.all(np.isfinite(gnorm))):
            raise ValueError("the objective is not finite at a start point")
        limits = (objective.f_star + loss_tol, grad_tol, bound)
        if kernels is not None:
            return _run_compiled(
                kernels, objective, optimizer, x, (loss, grad, gnorm), num_steps, limits,
                (sigma if noisy else None, rng, draws), summary_only,
            )  # fmt: skip
        state = optimizer.init(x)
        ledger = _Ledger(runs, x, loss, gnorm, limits)
        chunk = _chunk_steps(runs, summary_only)
        grads = np.empty((chunk if need_norms else 0, runs, dim))
        if summary_only:
            xs_buffer, loss_buffer = np.empty((chunk, runs, dim)), np.empty((chunk, runs))
        else:
            positions = np.empty((num_steps + 1, runs, dim))
            losses = np.empty((num_steps + 1, runs))
            grad_norms = np.empty((num_steps + 1, runs))
            positions[0], losses[0], grad_norms[0] = x, loss, gnorm
        states = [state] if record_state else None

        t0 = 1
        while t0 <= num_steps:
            c = min(chunk, num_steps + 1 - t0)
            if summary_only:
                xs, ls = xs_buffer[:c], loss_buffer[:c]
            else:
                xs, ls = positions[t0 : t0 + c], losses[t0 : t0 + c]
            # The hot loop: update, value and gradient, recorded. Nothing else.
            for k in range(c):
                if noisy:  # drawn for every run: a run's noise ignores the others' fate
                    draw = rng.standard_normal(draws)
                    seen = grad + sigma * (draw if pick is None else draw[pick])
                else:
                    seen = grad
                step, state = update(seen, state)
                x = x + step
                loss, grad = value_and_gradient(x)
                xs[k], ls[k] = x, loss
                if need_norms:
                    grads[k] = grad
                if record_state:
                    states.append(state)
            gns = _norm(grads[:c]) if need_norms else None
            ledger.absorb(t0, xs, ls, gns)
            if not summary_only:
                grad_norms[t0 : t0 + c] = gns
            t0 += c
            jobs.checkpoint()  # the asker may have left, or another be waiting
            if summary_only and len(keep := ledger.live()) < len(x):
                # Sweeps lose many runs early: step only the live ones from here on.
                ledger.compact(keep)
                x, grad, state = x[keep], grad[keep], take(state, keep)
                sigma = sigma[keep] if len(sigma) > 1 else sigma
                if not shared_noise:
                    draws, pick = (runs, dim), ledger.ids
                # Fresh buffers (their rows are rewritten each chunk): a fancy index along
                # the runs would leave them strided, and every later step slower.
                xs_buffer = np.empty((chunk, len(x), dim))
                loss_buffer = np.empty((chunk, len(x)))
                grads = np.empty((len(grads), len(x), dim))
            if t0 <= num_steps and ledger.all_diverged:  # the rest repeats their ends
                if not summary_only:
                    positions[t0:], losses[t0:] = ledger.x, ledger.loss
                    grad_norms[t0:] = ledger.gnorm
                if record_state:
                    states += [states[-1]] * (num_steps + 1 - t0)
                break

    done = ledger.results()
    return _result(
        objective, num_steps, done["x"], done["loss"], done["diverged_step"], done["last_out"],
        done["last_out_loss"], None if summary_only else (positions, losses, grad_norms),
        _freeze_states(_stack_states(states), done["diverged_step"]) if record_state else None,
    )  # fmt: skip


def _result(
    objective: Objective,
    num_steps: int,
    final_x: Array,
    final_loss: Array,
    diverged_step: Array,
    last_out: Array,
    last_out_loss: Array,
    paths: tuple[Array, Array, Array] | None,
    states: Any,
) -> BatchResult:
    """The :class:`BatchResult` of finished runs: convergence steps from the last steps
    outside tolerance, and each final point's nearest known minimiser."""
    runs = len(final_x)
    diverged = diverged_step >= 0
    converged_step = np.where((last_out < num_steps) & ~diverged, last_out + 1, -1)
    tol_step = np.where((last_out_loss < num_steps) & ~diverged, last_out_loss + 1, -1)
    minima = objective.minima
    if len(minima):
        dist = np.linalg.norm(final_x[:, None, :] - minima[None, :, :], axis=-1)
        nearest = np.argmin(dist, axis=1)
        distance, reached = dist[np.arange(runs), nearest], objective.is_global[nearest]
    else:  # no known minimiser (a network's loss): nothing to be near
        nearest, distance = np.full(runs, -1), np.full(runs, np.inf)
        reached = np.zeros(runs, dtype=bool)
    positions, losses, grad_norms = paths if paths is not None else (None, None, None)
    return BatchResult(
        positions=positions,
        losses=losses,
        grad_norms=grad_norms,
        states=states,
        final_position=final_x,
        final_loss=final_loss,
        diverged_step=diverged_step,
        converged_step=converged_step,
        tol_step=tol_step,
        nearest_minimum=nearest,
        minimum_distance=distance,
        reached_global=reached,
        num_steps=num_steps,
    )


#: Noise drawn ahead for the compiled loop, at most this many numbers at a time.
NOISE_BLOCK = 1 << 21
#: Steps of runs the compiled loop takes between two :func:`~momentum_core.jobs.checkpoint`
#: calls (about 10-40 ms of a core).
CHECK_WORK = 1 << 20


def kernel_rule(optimizer: Optimizer, x: Array) -> tuple[Array, Array, Array]:
    """What a compiled loop takes of an optimizer with a ``rule``, for the runs ``x``:
    ``(hyper, flags, schedule)``, its hyperparameters ``(runs or 1, 4)`` in the rule's
    order (unused ones 0), ``[dampened, nesterov]``, and heavy ball's beta per step (empty
    without a schedule)."""
    rule = optimizer.rule
    hyper = optimizer.init(x).hyper
    columns = np.broadcast_arrays(*(hyper[name][:, 0] for name in rule.hyper))
    hyper_rows = np.zeros((len(columns[0]), 4))  # the kernel takes four, used or not
    hyper_rows[:, : len(columns)] = np.stack(columns, axis=1)
    damped = bool(np.any(hyper.get("dampening", 0.0)))
    flags = np.array([damped, rule.nesterov])
    schedule = np.empty(0) if rule.schedule is None else np.ascontiguousarray(rule.schedule)
    return hyper_rows, flags, schedule


def _run_compiled(
    kernels: Any,
    objective: Objective,
    optimizer: Optimizer,
    x: Array,
    start: tuple[Array, Array, Array],
    num_steps: int,
    limits: tuple[float, float, float],
    noise: tuple[Array | None, np.random.Generator, tuple[int, int]],
    summary_only: bool,
) -> BatchResult:
    """:func:`run_batch` by the compiled loop (its arguments, checked; see there).

    The noise is the numpy loop's: drawn from the same generator in the same order, a
    block of steps at a time, so both loops see the same gradients."""
    runs, dim = x.shape
    rule = optimizer.rule
    hyper_rows, flags, schedule = kernel_rule(optimizer, x)
    tape = objective.tape
    loss, grad, gnorm = (np.ascontiguousarray(a, dtype=float).copy() for a in start)
    x = np.ascontiguousarray(x).copy()
    threshold, grad_tol, _ = limits
    outside = loss >= threshold
    last_out_loss = np.where(outside, 0, -1)
    last_out = np.where(outside & (gnorm >= grad_tol), 0, -1) if grad_tol > 0 else last_out_loss
    last_out = last_out.copy()
    diverged = np.full(runs, -1)
    state = np.zeros((runs, 2, dim))
    sigma, rng, draws = noise
    check_grad = not summary_only or grad_tol > 0
    if summary_only:
        out_x, out_loss, out_gnorm = np.empty((0, 1, dim)), np.empty((0, 1)), np.empty((0, 1))
        positions = losses = grad_norms = None
    else:
        positions = np.empty((num_steps + 1, runs, dim))
        losses = np.empty((num_steps + 1, runs))
        grad_norms = np.empty((num_steps + 1, runs))
        positions[0], losses[0], grad_norms[0] = x, loss, gnorm
    block = max(1, min(num_steps, CHECK_WORK // runs))
    if sigma is not None:
        block = max(1, min(block, NOISE_BLOCK // (2 * draws[0])))
    sigmas = np.zeros(1) if sigma is None else np.ascontiguousarray(sigma[:, 0])
    t0 = 1
    while t0 <= num_steps:
        c = min(block, num_steps + 1 - t0)
        drawn = np.empty((0, 1, dim)) if sigma is None else rng.standard_normal((c, *draws))
        if not summary_only:
            out_x, out_loss = positions[t0 : t0 + c], losses[t0 : t0 + c]
            out_gnorm = grad_norms[t0 : t0 + c]
        kernels.advance(
            rule.code, flags, hyper_rows, schedule, state, t0, c, tape.op, tape.a, tape.b,
            tape.c, x, grad, loss, gnorm, drawn, sigmas, np.array(limits), check_grad,
            diverged, last_out, last_out_loss, out_x, out_loss, out_gnorm,
        )  # fmt: skip
        t0 += c
        jobs.checkpoint()
    return _result(
        objective, num_steps, x, loss, diverged, last_out, last_out_loss,
        None if summary_only else (positions, losses, grad_norms), None,
    )  # fmt: skip
