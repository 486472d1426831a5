"""The compiled hot loop: every optimizer's rule on every landscape, a step at a time, as
the equations read.

This module imports numba; :mod:`momentum_core.engine` imports it in the background so that
nobody waits for the compiler. Each update rule is written here as a plain scalar function
(one coordinate of one run), the transcription of ``torch.optim``'s loop that
:mod:`momentum_core.optimizers` vectorises with numpy: the two are the rule's two
formulations and the tests hold them to each other bit for bit. The landscape is a tape
(:mod:`momentum_core.tape`), read here an operation at a time for a block of runs
(:func:`advance`); :mod:`momentum_core.specialised` writes a built-in's tape out as
straight-line code instead. Also here: the race's runs thinned and quantised for the
screen (:func:`packed`).

Compiled with ``cache=True`` (the machine code is kept beside this file and loaded in
well under a second next time), ``nogil=True`` (threads share the cores) and numpy's
error model (a division by zero gives inf, as in numpy, and the run is then found
diverged). The landscapes' loop and the packing never use ``fastmath``: their bits
must match numpy's. The network's forward and backward passes allow one flag,
``contract`` (a multiply and an add become one fused instruction, rounded once), not its
update rules: numpy's form of the network sums through BLAS in its own order anyway,
and the two are held within 1e-12 of each other (and to torch within 1e-10).
"""

from __future__ import annotations

import math

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

from momentum_core import tape as T
from momentum_core.optimizers import ADAGRAD, ADAM, HEAVY_BALL, KERAS, RMSPROP, SGD

_JIT = {"cache": True, "nogil": True, "error_model": "numpy"}
# The pieces are inlined into the loop: called, each costs ~15-30 ns a step (arguments
# and reference counts), more than the arithmetic they do.
_PIECE = {**_JIT, "inline": "always"}
#: Runs per block: each operation of the landscape is decided once for a block.
BLOCK = 64
#: Runs per block of the packing: three rows of float32 each, ~0.4 MB at 1,000 steps.
PACK_BLOCK = 32


WHOLE_POWER = T.WHOLE_POWER


@njit(**_PIECE)
def power(v: float, c: float) -> float:
    """``v ** c`` for a constant ``c``, as :func:`momentum_core.tape._power` (whole powers
    up to ``WHOLE_POWER`` as products)."""
    if c == 0.5:
        return math.sqrt(v)
    if c == 0.0:
        return 1.0
    if abs(c) <= WHOLE_POWER and c == int(c):
        r = v
        for _ in range(int(abs(c)) - 1):
            r = r * v
        return 1.0 / r if c < 0 else r
    return v**c


@njit(**_PIECE)
def landscape(op, a, b, c, px, py, m, v, gx, gy):
    """The tape's values and gradients at the ``m`` points ``(px[r], py[r])``: row ``i`` of
    ``v``, ``gx``, ``gy`` (scratch, as many rows as the tape has operations) gets operation
    ``i`` at every point, and the last row is the formula's. Each operation is decided
    once for all the points (the rules are the table of :mod:`momentum_core.tape`)."""
    for i in range(len(op)):
        k, ia, ib, ci = op[i], a[i], b[i], c[i]
        if k == T.CONST:
            for r in range(m):
                v[i, r], gx[i, r], gy[i, r] = ci, 0.0, 0.0
        elif k == T.X:
            for r in range(m):
                v[i, r], gx[i, r], gy[i, r] = px[r], 1.0, 0.0
        elif k == T.Y:
            for r in range(m):
                v[i, r], gx[i, r], gy[i, r] = py[r], 0.0, 1.0
        elif k == T.ADD:
            for r in range(m):
                v[i, r] = v[ia, r] + v[ib, r]
                gx[i, r] = gx[ia, r] + gx[ib, r]
                gy[i, r] = gy[ia, r] + gy[ib, r]
        elif k == T.SUB:
            for r in range(m):
                v[i, r] = v[ia, r] - v[ib, r]
                gx[i, r] = gx[ia, r] - gx[ib, r]
                gy[i, r] = gy[ia, r] - gy[ib, r]
        elif k == T.MUL:
            for r in range(m):
                va, vb = v[ia, r], v[ib, r]
                v[i, r] = va * vb
                gx[i, r] = gx[ia, r] * vb + va * gx[ib, r]
                gy[i, r] = gy[ia, r] * vb + va * gy[ib, r]
        elif k == T.DIV:
            for r in range(m):
                vb = v[ib, r]
                q = v[ia, r] / vb
                v[i, r] = q
                gx[i, r] = (gx[ia, r] - q * gx[ib, r]) / vb
                gy[i, r] = (gy[ia, r] - q * gy[ib, r]) / vb
        elif k == T.NEG:
            for r in range(m):
                v[i, r], gx[i, r], gy[i, r] = -v[ia, r], -gx[ia, r], -gy[ia, r]
        elif k == T.POW:
            for r in range(m):
                va, vb = v[ia, r], v[ib, r]
                q = va**vb
                log_a = math.log(va) if va > 0.0 else (-math.inf if va == 0.0 else math.nan)
                v[i, r] = q
                gx[i, r] = q * (gx[ib, r] * log_a + vb * gx[ia, r] / va)
                gy[i, r] = q * (gy[ib, r] * log_a + vb * gy[ia, r] / va)
        else:  # a function of one operand: its derivative d times the operand's
            for r in range(m):
                va = v[ia, r]
                q, d = function(k, va, ci)
                v[i, r], gx[i, r], gy[i, r] = q, d * gx[ia, r], d * gy[ia, r]


@njit(**_PIECE)
def function(k, va, c):
    """A one-operand operation's value at ``va`` and its derivative there."""
    if k == T.POWC:
        d = 0.0 if (c < 1.0 and va == 0.0) else c * power(va, c - 1.0)
        return power(va, c), d
    if k == T.SIN:
        return math.sin(va), math.cos(va)
    if k == T.COS:
        return math.cos(va), -math.sin(va)
    if k == T.TAN:
        q = math.tan(va)
        return q, 1.0 + q * q
    if k == T.EXP:
        q = math.exp(va)
        return q, q
    if k == T.LOG:
        q = math.log(va) if va > 0.0 else (-math.inf if va == 0.0 else math.nan)
        return q, 1.0 / va
    if k == T.SQRT:
        q = math.sqrt(va) if va >= 0.0 else math.nan
        return q, (0.0 if q == 0.0 else 0.5 / q)
    if k == T.ABS:
        return abs(va), (1.0 if va > 0.0 else (-1.0 if va < 0.0 else (0.0 if va == 0.0 else va)))
    if k == T.TANH:
        q = math.tanh(va)
        return q, 1.0 - q * q
    if k == T.SINH:
        return math.sinh(va), math.cosh(va)
    if k == T.COSH:
        return math.cosh(va), math.sinh(va)
    return math.atan(va), 1.0 / (1.0 + va * va)  # ARCTAN


@njit(**_JIT)
def evaluate(op, a, b, c, px, py):
    """The tape's values and gradients at points ``(px, py)`` (1-D arrays), as the loop
    computes them: the step inspector's gradients at a run's points, and the tests that hold
    it to :func:`momentum_core.tape.evaluate`."""
    n, m = len(op), len(px)
    v, gx, gy = np.empty((n, m)), np.empty((n, m)), np.empty((n, m))
    landscape(op, a, b, c, px, py, m, v, gx, gy)
    return v[n - 1].copy(), gx[n - 1].copy(), gy[n - 1].copy()


# --- the rules: one coordinate of one run, torch.optim's loop written out --------------


@njit(**_PIECE)
def gradient_descent(g, lr):
    """x_t = x_{t-1} - alpha g_t."""
    return -(lr * g)


@njit(**_PIECE)
def heavy_ball(g, buf, t, lr, mu, tau, damped, nesterov):
    """torch.optim.SGD: b_1 = g_1, b_t = beta b_{t-1} + (1 - tau) g_t; the direction is
    g_t + beta b_t with Nesterov, else b_t; beta = 0 under dampening is plain descent."""
    if t == 1:
        buf = g
    elif damped:
        buf = mu * buf + (1.0 - tau) * g
    else:
        buf = mu * buf + g
    direction = g + mu * buf if nesterov else buf
    if damped and mu == 0.0:
        direction = g
    return -(lr * direction), buf


@njit(**_PIECE)
def keras_momentum(g, vel, lr, mu, nesterov):
    """Keras: v_t = beta v_{t-1} - alpha g_t; the step is v_t, or beta v_t - alpha g_t."""
    vel = mu * vel - lr * g
    return (mu * vel - lr * g if nesterov else vel), vel


@njit(**_PIECE)
def adam(g, m, s, t, lr, b1, b2, eps):
    """torch.optim.Adam: m and s the moments, bias-corrected by 1 - beta^t."""
    m = b1 * m + (1.0 - b1) * g
    s = b2 * s + (1.0 - b2) * g * g
    m_hat = m / (1.0 - b1 ** float(t))  # the C library's pow, as torch's Python float
    v_hat = s / (1.0 - b2 ** float(t))
    return -lr * m_hat / (math.sqrt(v_hat) + eps), m, s


@njit(**_PIECE)
def rmsprop(g, sq, buf, lr, a, eps, mu):
    """torch.optim.RMSprop: v_t = a v + (1 - a) g^2, b_t = beta b + g / (sqrt(v_t) + eps)."""
    sq = a * sq + (1.0 - a) * g * g
    buf = mu * buf + g / (math.sqrt(sq) + eps)
    return -lr * buf, sq, buf


@njit(**_PIECE)
def adagrad(g, s, lr, eps):
    """torch.optim.Adagrad: s_t = s + g^2, step -alpha g / (sqrt(s_t) + eps)."""
    s = s + g * g
    return -lr * g / (math.sqrt(s) + eps), s


@njit(**_PIECE)
def step(rule, damped, nesterov, h0, h1, h2, h3, t, g, s0, s1):
    """One step of a run's rule for one coordinate: ``h0..h3`` its hyperparameters, ``g``
    the gradient it sees, ``s0``, ``s1`` its two state slots; returns the step to add and
    the new slots."""
    if rule == SGD:
        return gradient_descent(g, h0), s0, s1
    if rule == HEAVY_BALL:
        d, s0 = heavy_ball(g, s0, t, h0, h1, h2, damped, nesterov)
        return d, s0, s1
    if rule == KERAS:
        d, s0 = keras_momentum(g, s0, h0, h1, nesterov)
        return d, s0, s1
    if rule == ADAM:
        return adam(g, s0, s1, t, h0, h1, h2, h3)
    if rule == RMSPROP:
        return rmsprop(g, s0, s1, h0, h1, h2, h3)
    d, s0 = adagrad(g, s0, h0, h1)
    return d, s0, s1


@njit(**_PIECE)
def hyper_at(hyper, schedule, i, t):
    """Run ``i``'s four hyperparameters at step ``t``: row ``i`` of ``hyper`` (row 0 when
    all runs share one), with heavy ball's beta from ``schedule`` when it is not empty."""
    row = i if len(hyper) > 1 else 0
    h0, h1, h2, h3 = hyper[row, 0], hyper[row, 1], hyper[row, 2], hyper[row, 3]
    if len(schedule) > 0:
        h1 = schedule[min(t - 1, len(schedule) - 1)]
    return h0, h1, h2, h3


@njit(**_JIT)
def advance(rule, flags, hyper, schedule, state, t0, steps, op, a, b, c, x, g, loss, gnorm,
            noise, sigma, limits, check_grad, diverged, last_out, last_out_loss,
            out_x, out_loss, out_gnorm):  # fmt: skip
    """Steps ``t0 .. t0 + steps - 1`` of every run, in place.

    Per run ``i``: ``x[i]``, ``g[i]``, ``loss[i]``, ``gnorm[i]`` the last point, its
    gradient, value and gradient norm; ``state[i]`` the optimizer's ``(2 slots, 2
    coordinates)``; ``hyper[i or 0]`` its four hyperparameters; ``schedule``, if not
    empty, beta per step (heavy ball). The gradient the rule sees is ``g + sigma * noise[k,
    i or 0]`` (``noise`` is empty for exact gradients). A run whose point leaves
    ``[-bound, bound]`` or whose value (or, with ``check_grad``, gradient norm) is not
    finite diverges: ``diverged[i]`` takes the step and the run stays at its last finite
    point. ``last_out_loss[i]`` (and ``last_out[i]``) take the latest step with
    ``f >= limits[0]`` (and ``|g| >= limits[1]`` when that is > 0). When ``out_x`` has
    rows, row ``k`` gets step ``t0 + k``'s point, value and gradient norm.

    Runs go in blocks of :data:`BLOCK`, each block a step at a time: the rule per run,
    then the landscape at the block's new points, then per run the checks.
    """
    threshold, grad_tol, bound = limits[0], limits[1], limits[2]
    damped, nesterov = flags[0], flags[1]
    runs, n = len(x), len(op)
    width = min(runs, BLOCK)
    v, gx, gy = np.empty((n, width)), np.empty((n, width)), np.empty((n, width))
    px, py = np.empty(width), np.empty(width)
    record = out_x.shape[0] > 0
    noisy = noise.shape[0] > 0
    shared = noisy and noise.shape[1] == 1
    for start in range(0, runs, width):
        m = min(width, runs - start)
        live = 0
        for r in range(m):
            live += diverged[start + r] < 0
        for k in range(steps):
            if live == 0:
                break
            t = t0 + k
            for r in range(m):
                i = start + r
                if diverged[i] >= 0:
                    px[r], py[r] = x[i, 0], x[i, 1]
                    continue
                h0, h1, h2, h3 = hyper_at(hyper, schedule, i, t)
                g0, g1 = g[i, 0], g[i, 1]
                if noisy:
                    s_i, j = sigma[i if len(sigma) > 1 else 0], 0 if shared else i
                    g0 = g0 + s_i * noise[k, j, 0]
                    g1 = g1 + s_i * noise[k, j, 1]
                st = state[i]
                d0, st[0, 0], st[1, 0] = step(rule, damped, nesterov, h0, h1, h2, h3, t, g0,
                                              st[0, 0], st[1, 0])  # fmt: skip
                d1, st[0, 1], st[1, 1] = step(rule, damped, nesterov, h0, h1, h2, h3, t, g1,
                                              st[0, 1], st[1, 1])  # fmt: skip
                px[r], py[r] = x[i, 0] + d0, x[i, 1] + d1
            landscape(op, a, b, c, px, py, m, v, gx, gy)
            for r in range(m):
                i = start + r
                if diverged[i] < 0:
                    f, f0, f1, x0, x1 = v[n - 1, r], gx[n - 1, r], gy[n - 1, r], px[r], py[r]
                    gn = math.sqrt(f0 * f0 + f1 * f1)
                    inside = abs(x0) <= bound and abs(x1) <= bound
                    if inside and math.isfinite(f) and (math.isfinite(gn) or not check_grad):
                        x[i, 0], x[i, 1], g[i, 0], g[i, 1] = x0, x1, f0, f1
                        loss[i], gnorm[i] = f, gn
                        if f >= threshold:
                            last_out_loss[i] = t
                            if grad_tol <= 0.0 or gn >= grad_tol:
                                last_out[i] = t
                    else:
                        diverged[i] = t
                        live -= 1
                if record:  # a diverged run repeats its last finite point
                    out_x[k, i, 0], out_x[k, i, 1] = x[i, 0], x[i, 1]
                    out_loss[k, i], out_gnorm[k, i] = loss[i], gnorm[i]
        if record and live == 0:  # the block's runs all diverged: the rest repeats too
            for k in range(steps):
                for r in range(m):
                    i = start + r
                    if diverged[i] >= 0 and diverged[i] < t0 + k + 1:
                        out_x[k, i, 0], out_x[k, i, 1] = x[i, 0], x[i, 1]
                        out_loss[k, i], out_gnorm[k, i] = loss[i], gnorm[i]


@njit(**_JIT)
def replay(rule, flags, hyper, schedule, seen, steps, states, betas):
    """One run's updates again, from the gradient each one saw (``seen[t - 1]`` for update
    ``t``, the landscape's at the point the run left plus its noise): ``steps[t - 1]`` gets
    the step the rule returned, ``states[t]`` its two state slots after it (``states[0]``,
    the start, zeros), ``betas[t - 1]`` its second hyperparameter (heavy ball's and Keras'
    beta, from the schedule when there is one). The step inspector's numbers
    (:mod:`momentum_core.inspector`): the same :func:`step` as :func:`advance` takes, in the
    same order, so the steps are the run's own."""
    damped, nesterov = flags[0], flags[1]
    for k in range(len(seen)):
        t = k + 1
        h0, h1, h2, h3 = hyper_at(hyper, schedule, 0, t)
        for j in range(seen.shape[1]):
            steps[k, j], states[t, 0, j], states[t, 1, j] = step(
                rule, damped, nesterov, h0, h1, h2, h3, t, seen[k, j], states[k, 0, j],
                states[k, 1, j])  # fmt: skip
        betas[k] = h1


# --- the race's runs packed for the screen ----------------------------------------------


@njit(**_PIECE)
def keep_line(x, y, turn, chord, most, diverged, keep):
    """Which points of one line ``(x[k], y[k])`` (pixels, float32) to keep, into ``keep``
    (all False on entry): the compiled form of ``momentum_app.race.race_data``'s thinning
    (``keep_xy``, ``at_most`` and the divergence marks), which the tests hold it to bit
    for bit. A point is kept where it lies more than ``turn`` off its neighbours'
    midpoint, where the distance travelled crosses a multiple of ``chord`` (summed in
    float64), and at the ends; with ``most`` > 0, a line keeping more is cut to every n-th
    of its kept points; a run diverged at step ``d > 0`` keeps steps ``d - 1`` and ``d``.
    Returns how many points it keeps."""
    n = len(x)
    limit = np.float32((2.0 * turn) ** 2)
    two = np.float32(2.0)
    keep[0] = keep[n - 1] = True
    for k in range(1, n - 1):
        bx = (x[k + 1] + x[k - 1]) - two * x[k]
        by = (y[k + 1] + y[k - 1]) - two * y[k]
        if bx * bx + by * by > limit:
            keep[k] = True
    travelled, lap = 0.0, 0.0
    for k in range(1, n):
        dx, dy = x[k] - x[k - 1], y[k] - y[k - 1]
        travelled += np.float64(np.sqrt(dx * dx + dy * dy))
        now = np.floor(travelled / chord)
        if (k == 1 and now > 0) or (k > 1 and now != lap):
            keep[k] = True
        lap = now
    if most > 0:
        count = 0
        for k in range(n):
            count += keep[k]
        every = max(1, -(-count // max(most - 1, 1)))
        last, rank = keep[n - 1], -1
        for k in range(n):
            if keep[k]:
                rank += 1
                keep[k] = rank % every == 0
        keep[n - 1] |= last
    if diverged > 0:
        keep[diverged - 1] = True
        if diverged < n:
            keep[diverged] = True
    count = 0
    for k in range(n):
        count += keep[k]
    return count


@njit(**_PIECE)
def log_gap(loss, f_star, floor):
    """``log10(f - f*)`` floored at ``floor``, as ``race_data.log_gaps`` (NaN stays NaN)."""
    gap = loss - f_star
    return np.log10(gap if not gap < floor else floor)


@njit(**_PIECE)
def level(value, lo, scale):
    """``value`` as a 16-bit screen level, as ``race_data.Screen.quantised``."""
    q = np.rint((value - lo) * scale)
    return np.uint16(0.0 if q < 0.0 else (65535.0 if q > 65535.0 else q))


@njit(**_PIECE)
def offsets_of(counts):
    out = np.zeros(len(counts) + 1, dtype=np.int64)
    for i in range(len(counts)):
        out[i + 1] = out[i] + counts[i]
    return out


@njit(**_JIT)
def packed(pos, losses, f_star, floor, diverged, frame, turn, chord, most, screen):
    """Every run of a batch thinned to the screen and quantised, in one pass a run: the
    compiled form of ``momentum_app.race.race_data.runs_data``'s packing.

    Run ``i``'s path is ``((pos[k, i, 0] - frame[0]) frame[1], (pos[k, i, 1] - frame[2])
    frame[3])`` in pixels, its loss curve ``(k frame[5], (log_gap(losses[k, i]) - frame[6])
    frame[7])``, each as float32 and thinned by :func:`keep_line`; with ``most`` > 0 (a
    coarse set) the loss curve keeps the path's points. Kept points are quantised with
    ``screen`` = (x lo, x scale, y lo, y scale, gap lo, gap scale).

    Returns:
        ``(path offsets, path steps, x levels, y levels, loss offsets, loss steps, gap
        levels)``, run after run (offsets: each run's first kept point, and the total).
    """
    n, runs = losses.shape
    shared = most > 0  # a coarse set: its loss curves keep its paths' points (no logarithm
    # of every loss, no second thinning)
    path_keep = np.zeros((runs, n), dtype=np.bool_)
    loss_keep = path_keep if shared else np.zeros((runs, n), dtype=np.bool_)
    path_count = np.zeros(runs, dtype=np.int64)
    loss_count = np.zeros(runs, dtype=np.int64)
    along = np.empty(n, dtype=np.float32)  # the loss curve's x: the same for every run
    for k in range(n):
        along[k] = np.float32(k * frame[5])
    # A block of runs at a time, read step by step into rows (the arrays are step-major:
    # reading one run down its steps would touch a new page at every step).
    width = min(runs, PACK_BLOCK)
    x, y = np.empty((width, n), dtype=np.float32), np.empty((width, n), dtype=np.float32)
    gap = np.empty((width, n), dtype=np.float32)
    for start in range(0, runs, width):
        m = min(width, runs - start)
        for k in range(n):
            for r in range(m):
                i = start + r
                x[r, k] = np.float32((pos[k, i, 0] - frame[0]) * frame[1])
                y[r, k] = np.float32((pos[k, i, 1] - frame[2]) * frame[3])
                if not shared:
                    g = (log_gap(losses[k, i], f_star, floor) - frame[6]) * frame[7]
                    gap[r, k] = np.float32(g)
        for r in range(m):
            i = start + r
            path_count[i] = keep_line(x[r], y[r], turn, chord, most, diverged[i], path_keep[i])
            if shared:
                loss_count[i] = path_count[i]
            else:
                loss_count[i] = keep_line(along, gap[r], turn, chord, most, diverged[i],
                                          loss_keep[i])  # fmt: skip
    path_at, loss_at = offsets_of(path_count), offsets_of(loss_count)
    path_steps = np.empty(path_at[runs], dtype=np.int64)
    xs = np.empty(path_at[runs], dtype=np.uint16)
    ys = np.empty(path_at[runs], dtype=np.uint16)
    loss_steps = np.empty(loss_at[runs], dtype=np.int64)
    gaps = np.empty(loss_at[runs], dtype=np.uint16)
    for i in range(runs):
        j, m = path_at[i], loss_at[i]
        for k in range(n):
            if path_keep[i, k]:
                path_steps[j] = k
                xs[j] = level(pos[k, i, 0], screen[0], screen[1])
                ys[j] = level(pos[k, i, 1], screen[2], screen[3])
                j += 1
            if loss_keep[i, k]:
                loss_steps[m] = k
                gaps[m] = level(log_gap(losses[k, i], f_star, floor), screen[4], screen[5])
                m += 1
    return path_at, path_steps, xs, ys, loss_at, loss_steps, gaps


# --- the article's network (momentum_core.model): every run's training -----------------

#: The network's activations, coded as their places in ``momentum_core.model.ACTIVATIONS``.
LINEAR, TANH, RELU = 0, 1, 2
#: Hidden units; inputs with the bias's 1; where the output layer's weights and bias sit
#: in a run's 71 (``momentum_core.model``'s layout: hidden kernel ``K[i, h] = p[10 i + h]``,
#: its bias the row ``i = 5``).
_H, _I, _W2, _B2, _P = 10, 6, 60, 70, 71
#: Runs per block of the network's loop: a block's weights, gradients and optimizer state
#: stay in the processor's cache through all its steps.
NET_BLOCK = 128
#: Examples the network's loop takes at once: each run's weights are read once for four.
GROUP = 4
#: The network's forward and backward passes: multiply-adds fused (see the module's
#: docstring), in functions of their own (not inlined) so that the update rules stay
#: exact: a step's arithmetic is torch's, rounding for rounding.
_NET = {**_JIT, "fastmath": {"contract"}}
_NET_PIECE = {**_PIECE, "fastmath": {"contract"}}
#: ln 2 in two parts (the first with trailing zero bits, so that ``k * _LN2_HI`` is exact).
_LN2_HI, _LN2_LO, _INV_LN2 = 6.93147180369123816490e-01, 1.90821492927058770002e-10, 1 / math.log(2)
#: The Padé approximant of degree (7, 7) of ``exp(r) = P(r) / P(-r)``, ``P(r) = E(r^2) +
#: r O(r^2)``: its coefficients ``(14 - j)! 7! / (14! j! (7 - j)!)``, below 1e-18 off on
#: ``[0, ln 2)``.
_E0, _O1, _E2, _O3, _E4, _O5, _E6, _O7 = (
    math.factorial(14 - j) * math.factorial(7) / (math.factorial(14) * math.factorial(j)
                                                  * math.factorial(7 - j))
    for j in range(8)
)  # fmt: skip


@intrinsic
def _two_to(typingctx, k):
    """``2.0 ** k`` for a whole ``k`` in [-1022, 1023], made from its bits (exponent
    ``k + 1023``, mantissa 0): vector code, where a table would be a gather per lane."""

    def codegen(context, builder, signature, args):
        exponent = builder.add(args[0], ir.Constant(ir.IntType(64), 1023))
        bits = builder.shl(exponent, ir.Constant(ir.IntType(64), 52))
        return builder.bitcast(bits, ir.DoubleType())

    return types.float64(types.int64), codegen


@njit(**_NET_PIECE)
def tanh(z):
    """``tanh(z)`` by arithmetic alone, so that a loop over runs becomes vector code (the C
    library's is a call per value, several times slower). With ``2 |z| = k ln 2 + r``,
    ``0 <= r < ln 2``, ``exp(2 |z|) = 2^k P(r) / P(-r)`` (:data:`_E0`...), and then
    ``tanh |z| = ((s - 1) E + (s + 1) r O) / ((s + 1) E + (s - 1) r O)``, ``s = 2^k``:
    terms of one sign, no cancellation. Its multiply-adds fused, within a few ulps of the
    exact value (a test holds it there); ``tanh(20)`` and beyond is 1, NaN stays NaN, -0
    stays -0."""
    u = abs(z)
    x = 2.0 * (20.0 if u > 20.0 else u)
    k = math.floor(x * _INV_LN2)
    r = (x - k * _LN2_HI) - k * _LN2_LO
    q = r * r
    e = ((_E6 * q + _E4) * q + _E2) * q + _E0
    o = r * (((_O7 * q + _O5) * q + _O3) * q + _O1)
    s = _two_to(int(k) if k == k else 0)  # k in [0, 57]; NaN: any k, the result is NaN
    return math.copysign(((s - 1.0) * e + (s + 1.0) * o) / ((s + 1.0) * e + (s - 1.0) * o), z)


@njit(**_NET_PIECE)
def net_errors(act, p, x, y, m, a, v, err):
    """``err[r]``: run ``r``'s output on the example ``x = [x, 1]`` ``(6,)`` minus its
    target ``y``, for the block's ``m`` runs (weights ``p``, ``(71, block)``, a run a
    column). The hidden layer's activations go to ``a`` ``(10, block)``; the linear
    network takes ``v`` (:func:`net_folded`) instead."""
    if act == LINEAR:
        for r in range(m):
            out = x[0] * v[0, r]
            for i in range(1, _I):
                out += x[i] * v[i, r]
            err[r] = (out + p[_B2, r]) - y
        return
    for h in range(_H):
        for r in range(m):
            s = x[0] * p[h, r]
            for i in range(1, _I):
                s += x[i] * p[_H * i + h, r]
            a[h, r] = activation(act, s)
    for r in range(m):
        out = a[0, r] * p[_W2, r]
        for h in range(1, _H):
            out += a[h, r] * p[_W2 + h, r]
        err[r] = (out + p[_B2, r]) - y


@njit(**_NET_PIECE)
def net_folded(p, m, v):
    """For the linear network: ``v[i, r] = sum_h K[i, h] w2[h]`` of run ``r``, the whole
    network being then the linear map ``[x, 1] . v + b2``."""
    for i in range(_I):
        for r in range(m):
            s = p[_H * i, r] * p[_W2, r]
            for h in range(1, _H):
                s += p[_H * i + h, r] * p[_W2 + h, r]
            v[i, r] = s


@njit(**_NET_PIECE)
def activation(act, s):
    """The hidden unit's activation of its pre-activation ``s`` (relu as numpy's maximum:
    -0 and NaN stay)."""
    if act == TANH:
        return tanh(s)
    return 0.0 if s < 0.0 else s


@njit(**_NET_PIECE)
def inputs_of(xs, n):
    """Example ``n``'s six inputs (with the bias's 1) as a tuple: values the compiler keeps
    in registers through a loop that writes arrays (it cannot tell that those are not
    ``xs``)."""
    return xs[n, 0], xs[n, 1], xs[n, 2], xs[n, 3], xs[n, 4], xs[n, 5]


@njit(**_NET_PIECE)
def dot(x, w0, w1, w2, w3, w4, w5):
    """``x . w`` summed from the first term on, as :func:`net_errors` sums."""
    return x[0] * w0 + x[1] * w1 + x[2] * w2 + x[3] * w3 + x[4] * w4 + x[5] * w5


@njit(**_NET_PIECE)
def net_outputs(act, p, x0, x1, x2, x3, m, a, out):
    """The block's runs on the four examples ``x0..x3`` at once (each run's hidden weights
    read once for the four): example ``e``'s pre-activations and activations to rows ``e
    _H + h`` of ``a``, its output less the bias ``b2`` to ``out[e]``, the sums in
    :func:`net_errors`'s order."""
    out[:GROUP, :m] = 0.0
    for h in range(_H):
        for r in range(m):
            w0, w1, w2 = p[h, r], p[_H + h, r], p[2 * _H + h, r]
            w3, w4, w5 = p[3 * _H + h, r], p[4 * _H + h, r], p[5 * _H + h, r]
            u = p[_W2 + h, r]
            s0, s1 = dot(x0, w0, w1, w2, w3, w4, w5), dot(x1, w0, w1, w2, w3, w4, w5)
            s2, s3 = dot(x2, w0, w1, w2, w3, w4, w5), dot(x3, w0, w1, w2, w3, w4, w5)
            a0, a1, a2, a3 = (
                activation(act, s0),
                activation(act, s1),
                activation(act, s2),
                activation(act, s3),
            )
            a[h, r], a[_H + h, r], a[2 * _H + h, r], a[3 * _H + h, r] = a0, a1, a2, a3
            out[0, r] += a0 * u
            out[1, r] += a1 * u
            out[2, r] += a2 * u
            out[3, r] += a3 * u


@njit(**_NET)
def net_loss(act, p, xs, ys, m, a, v, err, out):
    """``out[r]``: the mean squared error of the block's runs on all the examples
    ``(xs, ys)``; the activation a constant in each call below, so that the compiler
    writes a loop per activation (vector code, no test inside)."""
    if act == TANH:
        net_loss_of(TANH, p, xs, ys, m, a, v, err, out)
    elif act == RELU:
        net_loss_of(RELU, p, xs, ys, m, a, v, err, out)
    else:
        net_loss_of(LINEAR, p, xs, ys, m, a, v, err, out)


@njit(**_NET_PIECE)
def net_loss_of(act, p, xs, ys, m, a, v, err, out):
    """:func:`net_loss` for one activation: four examples at a time
    (:func:`net_outputs`), the rest one at a time."""
    n = len(ys)
    grouped = 0 if act == LINEAR else n - n % GROUP
    if act == LINEAR:
        net_folded(p, m, v)
    out[:m] = 0.0
    for k in range(0, grouped, GROUP):
        net_outputs(act, p, inputs_of(xs, k), inputs_of(xs, k + 1), inputs_of(xs, k + 2),
                    inputs_of(xs, k + 3), m, a, err)  # fmt: skip
        for e in range(GROUP):
            y = ys[k + e]
            for r in range(m):
                d = (err[e, r] + p[_B2, r]) - y
                out[r] += d * d
    for k in range(grouped, n):
        net_errors(act, p, xs[k], ys[k], m, a, v, err[0])
        for r in range(m):
            out[r] += err[0, r] * err[0, r]
    for r in range(m):
        out[r] = out[r] / n


@njit(**_NET)
def net_gradient(act, p, xs, ys, batch, m, a, v, s, err, g, loss):
    """The mean squared error ``loss[r]`` of the block's runs on the examples ``batch``
    (indices into ``xs``, ``ys``) and its gradient ``g`` ``(71, block)``; the activation a
    constant in each call below (as in :func:`net_loss`)."""
    if act == TANH:
        net_gradient_of(TANH, p, xs, ys, batch, m, a, v, s, err, g, loss, loss)
    elif act == RELU:
        net_gradient_of(RELU, p, xs, ys, batch, m, a, v, s, err, g, loss, loss)
    else:
        net_gradient_of(LINEAR, p, xs, ys, batch, m, a, v, s, err, g, loss, loss)


@njit(**_NET)
def net_epoch_start(act, p, xs, ys, examples, batch, m, a, v, s, err, g, first, out):
    """At the weights an epoch starts from: the gradient ``g`` and the loss ``first`` of its
    first batch ``examples[:batch]`` (as :func:`net_gradient`), and ``out``, the mean
    squared error over all of ``examples``, the first batch's forward pass serving both
    (its examples then the rest, four at a time: the sum in the epoch's order). The
    activation a constant in each call below (as in :func:`net_loss`)."""
    if act == TANH:
        net_epoch_start_of(TANH, p, xs, ys, examples, batch, m, a, v, s, err, g, first, out)
    elif act == RELU:
        net_epoch_start_of(RELU, p, xs, ys, examples, batch, m, a, v, s, err, g, first, out)
    else:
        net_epoch_start_of(LINEAR, p, xs, ys, examples, batch, m, a, v, s, err, g, first, out)


@njit(**_NET_PIECE)
def net_epoch_start_of(act, p, xs, ys, examples, batch, m, a, v, s, err, g, first, out):
    """:func:`net_epoch_start` for one activation."""
    n = len(examples)
    net_gradient_of(act, p, xs, ys, examples[:batch], m, a, v, s, err, g, first, out)
    lo = min(batch, n)
    grouped = lo if act == LINEAR else lo + (n - lo) - (n - lo) % GROUP
    if act == LINEAR:
        net_folded(p, m, v)
    for k in range(lo, grouped, GROUP):
        net_outputs(act, p, inputs_of(xs, examples[k]), inputs_of(xs, examples[k + 1]),
                    inputs_of(xs, examples[k + 2]), inputs_of(xs, examples[k + 3]), m, a,
                    err)  # fmt: skip
        for e in range(GROUP):
            y = ys[examples[k + e]]
            for r in range(m):
                d = (err[e, r] + p[_B2, r]) - y
                out[r] += d * d
    for k in range(grouped, n):
        net_errors(act, p, xs[examples[k]], ys[examples[k]], m, a, v, err[0])
        for r in range(m):
            out[r] += err[0, r] * err[0, r]
    for r in range(m):
        out[r] = out[r] / n


@njit(**_NET_PIECE)
def slope(act, e, u, a):
    """dL/dz of a hidden unit of activation ``a``: ``dL/d out`` ``e`` times its weight
    ``u`` in the output, times ``1 - a^2`` (tanh) or ``[z > 0]``, which is ``[a > 0]``
    (relu)."""
    dz = e * u
    if act == TANH:
        return dz * (1.0 - a * a)
    return dz * (1.0 if a > 0.0 else 0.0)


@njit(**_NET_PIECE)
def added(t, c0, c1, c2, c3, d0, d1, d2, d3):
    """``t + c0 d0 + c1 d1 + c2 d2 + c3 d3``, summed from the left."""
    return (((t + c0 * d0) + c1 * d1) + c2 * d2) + c3 * d3


@njit(**_NET_PIECE)
def net_back(act, p, x0, x1, x2, x3, m, a, err, g):
    """Adds the four examples' terms to the gradient ``g``, example after example in each
    sum (as one example at a time would): ``dL/dw2 += dL/d out a``, ``dL/dK += x dL/dz``;
    ``err[e]`` is example ``e``'s ``dL/d out``."""
    for h in range(_H):
        for r in range(m):
            u = p[_W2 + h, r]
            e0, e1, e2, e3 = err[0, r], err[1, r], err[2, r], err[3, r]
            a0, a1, a2, a3 = a[h, r], a[_H + h, r], a[2 * _H + h, r], a[3 * _H + h, r]
            g[_W2 + h, r] = added(g[_W2 + h, r], e0, e1, e2, e3, a0, a1, a2, a3)
            d0, d1 = slope(act, e0, u, a0), slope(act, e1, u, a1)
            d2, d3 = slope(act, e2, u, a2), slope(act, e3, u, a3)
            g[h, r] = added(g[h, r], x0[0], x1[0], x2[0], x3[0], d0, d1, d2, d3)
            q = _H + h
            g[q, r] = added(g[q, r], x0[1], x1[1], x2[1], x3[1], d0, d1, d2, d3)
            q = 2 * _H + h
            g[q, r] = added(g[q, r], x0[2], x1[2], x2[2], x3[2], d0, d1, d2, d3)
            q = 3 * _H + h
            g[q, r] = added(g[q, r], x0[3], x1[3], x2[3], x3[3], d0, d1, d2, d3)
            q = 4 * _H + h
            g[q, r] = added(g[q, r], x0[4], x1[4], x2[4], x3[4], d0, d1, d2, d3)
            q = 5 * _H + h
            g[q, r] = added(g[q, r], x0[5], x1[5], x2[5], x3[5], d0, d1, d2, d3)


@njit(**_NET_PIECE)
def net_gradient_of(act, p, xs, ys, batch, m, a, v, s, err, g, loss, total):
    """:func:`net_gradient` for one activation, back-propagated four examples at a time
    (:func:`net_outputs`, :func:`net_back`), the rest one at a time: ``dL/d out = 2 err /
    n``; ``dL/dz = dL/d out w2``, times ``1 - a^2`` (tanh) or ``[z > 0]`` (relu). The
    linear network sums ``s = [x, 1]^T dL/d out`` over the batch first, as numpy's form
    does: then ``dL/dK = s w2^T``, ``dL/dw2 = K^T s``."""
    n = len(batch)
    scale = 2.0 / n
    grouped = 0 if act == LINEAR else n - n % GROUP
    if act == LINEAR:
        net_folded(p, m, v)
        s[:, :m] = 0.0
    g[:, :m] = 0.0
    loss[:m] = 0.0
    for k in range(0, grouped, GROUP):
        x0, x1 = inputs_of(xs, batch[k]), inputs_of(xs, batch[k + 1])
        x2, x3 = inputs_of(xs, batch[k + 2]), inputs_of(xs, batch[k + 3])
        net_outputs(act, p, x0, x1, x2, x3, m, a, err)
        for e in range(GROUP):
            y = ys[batch[k + e]]
            for r in range(m):
                d = (err[e, r] + p[_B2, r]) - y
                loss[r] += d * d
                err[e, r] = d * scale  # dL/d out from here on
                g[_B2, r] += err[e, r]
        net_back(act, p, x0, x1, x2, x3, m, a, err, g)
    for k in range(grouped, n):
        x = xs[batch[k]]
        one = err[0]
        net_errors(act, p, x, ys[batch[k]], m, a, v, one)
        for r in range(m):
            loss[r] += one[r] * one[r]
            one[r] = one[r] * scale  # dL/d out from here on
            g[_B2, r] += one[r]
        if act == LINEAR:
            for r in range(m):
                for i in range(_I):
                    s[i, r] += x[i] * one[r]
            continue
        for h in range(_H):
            for r in range(m):
                g[_W2 + h, r] += one[r] * a[h, r]
                dz = slope(act, one[r], p[_W2 + h, r], a[h, r])
                for i in range(_I):
                    g[_H * i + h, r] += x[i] * dz
    for r in range(m):
        total[r] = loss[r]  # the sum, to which net_epoch_start adds the other examples
        loss[r] = loss[r] / n
    if act == LINEAR:
        for h in range(_H):
            for r in range(m):
                w = s[0, r] * p[h, r]
                for i in range(_I):
                    g[_H * i + h, r] = s[i, r] * p[_W2 + h, r]
                    if i > 0:
                        w += s[i, r] * p[_H * i + h, r]
                g[_W2 + h, r] = w


@njit(**_PIECE)
def net_steps(rule, flags, t, m, p, g, state, hs, new, bound):
    """``new = p + step`` for every coordinate of the block's runs, by their rule (:func:`step`,
    hyperparameters ``hs[:4]``); ``hs[4, r]`` becomes 0 where run ``r`` left the bound.

    Each coordinate's runs are rows (views) and the bound is checked in a pass of its own:
    with every array indexed in one loop, and ``hs[4]`` read and written in it, the
    compiler could not rule out that the arrays overlap and left the loop scalar (2.6x
    slower; the same arithmetic either way)."""
    damped, nesterov = flags[0], flags[1]
    h0, h1, h2, h3 = hs[0], hs[1], hs[2], hs[3]
    for q in range(_P):
        gq, pq, nq, s0, s1 = g[q], p[q], new[q], state[0, q], state[1, q]
        for r in range(m):
            d, s0[r], s1[r] = step(rule, damped, nesterov, h0[r], h1[r], h2[r], h3[r], t, gq[r],
                                   s0[r], s1[r])  # fmt: skip
            nq[r] = pq[r] + d
    inside = hs[4]
    for q in range(_P):
        nq = new[q]
        for r in range(m):
            inside[r] = inside[r] if abs(nq[r]) <= bound else 0.0


@njit(**_PIECE)
def net_update(rule, flags, hyper, schedule, t, start, m, p, g, state, hs, new, bound,
               diverged):  # fmt: skip
    """Step ``t`` of the block's runs by their rule; a run whose new weights are not all
    within ``[-bound, bound]`` (or not finite) keeps the weights it had, and ``diverged``
    takes the step."""
    for r in range(m):
        hs[0, r], hs[1, r], hs[2, r], hs[3, r] = hyper_at(hyper, schedule, start + r, t)
        hs[4, r] = 1.0  # inside the bound so far
    if rule == HEAVY_BALL:  # the model page's rule as a constant: its loop is vector code
        net_steps(HEAVY_BALL, flags, t, m, p, g, state, hs, new, bound)
    else:
        net_steps(rule, flags, t, m, p, g, state, hs, new, bound)
    for r in range(m):
        if diverged[start + r] < 0 and hs[4, r] == 0.0:
            diverged[start + r] = t
        hs[4, r] = 1.0 if diverged[start + r] < 0 else 0.0  # whether the run moves
    for q in range(_P):
        for r in range(m):
            p[q, r] = new[q, r] if hs[4, r] == 1.0 else p[q, r]


@njit(**_JIT)
def train(rule, flags, hyper, schedule, act, params, xs, ys, order, batch, xv, yv, bound,
          train_loss, val_loss, batch_loss, diverged, out_params):  # fmt: skip
    """Train every run of the network on the same mini-batches, in place.

    ``params`` ``(runs, 71)``: the starting weights, then the final ones; ``rule``,
    ``flags``, ``hyper`` and ``schedule`` as in :func:`advance`; ``act`` the activation's
    code; ``xs`` ``(n, 6)`` the training inputs with a column of ones, ``ys`` ``(n,)``
    their targets, ``xv``, ``yv`` the validation set's; ``order`` ``(epochs, n)`` the
    examples of each epoch, cut in batches of ``batch``. Out: ``train_loss`` and
    ``val_loss`` ``(epochs + 1, runs)`` after each epoch, ``batch_loss`` ``(steps, runs)``
    on each step's batch before the step, ``diverged`` (-1 on the way in) the step at
    which a run's weights left ``[-bound, bound]`` (it keeps its last weights), and,
    when it has rows, ``out_params`` ``(steps + 1, runs, 71)`` the weights after every
    step. Runs go in blocks of :data:`NET_BLOCK`, each through all its steps.
    """
    runs, n, epochs = len(params), len(ys), order.shape[0]
    width = min(runs, NET_BLOCK)
    p, g, new = np.empty((_P, width)), np.empty((_P, width)), np.empty((_P, width))
    state, hs = np.empty((2, _P, width)), np.empty((5, width))
    a = np.empty((GROUP * _H, width))
    v, s = np.empty((_I, width)), np.empty((_I, width))
    err, loss, first = np.empty((GROUP, width)), np.empty(width), np.empty(width)
    record = out_params.shape[0] > 0
    for start in range(0, runs, width):
        m = min(width, runs - start)
        p[:, :m] = params[start : start + m].T
        if record:
            out_params[0, start : start + m] = params[start : start + m]
        state[:] = 0.0
        t = 0
        for e in range(epochs + 1):
            if e > 0:
                for lo in range(0, n, batch):
                    if lo == 0:  # its gradient came with the training loss, below
                        batch_loss[t, start : start + m] = first[:m]
                    else:
                        net_gradient(act, p, xs, ys, order[e - 1, lo : lo + batch], m, a, v,
                                     s, err, g, loss)  # fmt: skip
                        batch_loss[t, start : start + m] = loss[:m]
                    t += 1
                    net_update(rule, flags, hyper, schedule, t, start, m, p, g, state, hs,
                               new, bound, diverged)  # fmt: skip
                    if record:
                        out_params[t, start : start + m] = p[:, :m].T
            if e < epochs:  # the next epoch's first batch is among the examples
                net_epoch_start(act, p, xs, ys, order[e], batch, m, a, v, s, err, g, first,
                                loss)  # fmt: skip
            else:
                net_loss(act, p, xs, ys, m, a, v, err, loss)
            train_loss[e, start : start + m] = loss[:m]
            net_loss(act, p, xv, yv, m, a, v, err, loss)
            val_loss[e, start : start + m] = loss[:m]
        params[start : start + m] = p[:, :m].T


@njit(**_JIT)
def net_losses(act, params, xs, ys, out):
    """``out[r]``: the mean squared error of the weights ``params[r]`` ``(runs, 71)`` on
    the examples ``(xs, ys)`` (``xs`` with its column of ones), by :func:`net_loss`, a
    block of :data:`NET_BLOCK` runs at a time (the model page's landscape: a point of the
    plane a run)."""
    runs = len(params)
    width = min(runs, NET_BLOCK)
    p, a = np.empty((_P, width)), np.empty((GROUP * _H, width))
    v, err, loss = np.empty((_I, width)), np.empty((GROUP, width)), np.empty(width)
    for start in range(0, runs, width):
        m = min(width, runs - start)
        p[:, :m] = params[start : start + m].T
        net_loss(act, p, xs, ys, m, a, v, err, loss)
        out[start : start + m] = loss[:m]


def warm_up() -> None:
    """Compile the loop (or load it from the disk cache): one tiny run, every rule."""
    tape = T.tape_of("x^2 + sin(y)")
    evaluate(tape.op, tape.a, tape.b, tape.c, np.zeros(1), np.zeros(1))
    for rule in (SGD, HEAVY_BALL, KERAS, ADAM, RMSPROP, ADAGRAD):
        x = np.zeros((1, 2))
        ints = np.full(1, -1, dtype=np.int64)
        advance(rule, np.zeros(2, dtype=np.bool_), np.full((1, 4), 0.1), np.empty(0),
                np.zeros((1, 2, 2)), 1, 1, tape.op, tape.a, tape.b, tape.c, x,
                np.zeros((1, 2)), np.zeros(1), np.zeros(1), np.empty((0, 1, 2)), np.zeros(1),
                np.array([1e-6, 0.0, 1e6]), True, ints, ints.copy(), ints.copy(),
                np.empty((0, 1, 2)), np.empty((0, 1)), np.empty((0, 1)))  # fmt: skip
        replay(rule, np.zeros(2, dtype=np.bool_), np.full((1, 4), 0.1), np.empty(0),
               np.ones((1, 2)), np.zeros((1, 2)), np.zeros((2, 2, 2)), np.zeros(1))  # fmt: skip
    frame = np.ones(8)
    packed(np.zeros((3, 1, 2)), np.ones((3, 1)), 0.0, 1e-16, np.full(1, -1, dtype=np.int64),
           frame, 0.5, 12.0, 0, frame[:6].copy())  # fmt: skip
    xs, ys, losses = np.ones((2, _I)), np.zeros(2), np.zeros((2, 1))
    train(HEAVY_BALL, np.zeros(2, dtype=np.bool_), np.full((1, 4), 0.1), np.empty(0), TANH,
          np.zeros((1, _P)), xs, ys, np.zeros((1, 2), dtype=np.int64), 2, xs, ys, 1e6, losses,
          losses.copy(), np.zeros((1, 1)), np.full(1, -1, dtype=np.int64),
          np.empty((0, 1, _P)))  # fmt: skip
    net_losses(TANH, np.zeros((1, _P)), xs, ys, np.zeros(1))
