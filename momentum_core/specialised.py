"""Straight-line compiled loops for the built-in landscapes.

The general compiled loop (:mod:`momentum_core.kernels`) reads a landscape's tape one
operation at a time. For a landscape that many visitors use, this module writes the tape
out as straight-line code, one line per operation with the same arithmetic, into a small
module of its own under :func:`cache_dir`, beside a copy of :func:`advance` (the loop,
one run at a time, the landscape inlined) and of :func:`sweep_pairs` (a sweep's case,
two runs at a time); numba compiles it once (in a child process) and keeps the machine
code on disk. Until it is loaded the general loop answers; all give the same bits (the
tests hold them to each other).

A module is named by a hash of the tape's operations and constant exponents (not its
other constants: Rosenbrock with any a and b shares one) and of this file and
:mod:`momentum_core.kernels`, so an edit of either writes new modules. Only the built-in
landscapes are specialised: a typed formula would cost every visitor who types one a
compile. Compiling takes 24-66 s of a core per
landscape (Rosenbrock, Goldstein-Price; 5-17 s without :func:`sweep_pairs`), in a child
process (see :mod:`momentum_core.engine`), one landscape at a time,
the first time it is used on a machine; ``MOMENTUM_SPECIALISE=0`` turns it off.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import inspect
import math
import os
import sys
import threading
import time
from pathlib import Path
from types import ModuleType

import numpy as np

from momentum_core import tape as T
from momentum_core.engine import compile_elsewhere, in_cache
from momentum_core.optimizers import HEAVY_BALL

_lock = threading.Lock()
_modules: dict[str, ModuleType | None] = {}  # None: being written and compiled
_failed: set[str] = set()  # modules that would not build: the tape loop answers for them
_queue: list[tuple[str, T.Tape]] = []
_worker: list[threading.Thread] = []


def cache_dir() -> Path:
    """Where the generated modules and their machine code live: ``$MOMENTUM_KERNEL_CACHE``,
    else ``~/.cache/momentum-playground/kernels``."""
    given = os.environ.get("MOMENTUM_KERNEL_CACHE")
    return Path(given) if given else Path.home() / ".cache" / "momentum-playground" / "kernels"


def point_source(tape: T.Tape) -> str:
    """The tape as a straight-line function ``point(c, x, y) -> (f, df/dx, df/dy)``: the
    general loop's rules (``kernels.landscape``), one operation a line."""
    lines = ["def point(c, x, y):"]
    for i, (op, a, b) in enumerate(zip(tape.op.tolist(), tape.a.tolist(), tape.b.tolist(),
                                       strict=True)):  # fmt: skip
        v, gx, gy = f"v{i}", f"x{i}", f"y{i}"
        va, xa, ya, vb, xb, yb = f"v{a}", f"x{a}", f"y{a}", f"v{b}", f"x{b}", f"y{b}"
        if op == T.CONST:
            body = [f"{v} = c[{i}]", f"{gx} = 0.0", f"{gy} = 0.0"]
        elif op in (T.X, T.Y):
            body = [f"{v} = {'x' if op == T.X else 'y'}", f"{gx} = {float(op == T.X)}",
                    f"{gy} = {float(op == T.Y)}"]  # fmt: skip
        elif op in (T.ADD, T.SUB):
            s = "+" if op == T.ADD else "-"
            body = [f"{v} = {va} {s} {vb}", f"{gx} = {xa} {s} {xb}", f"{gy} = {ya} {s} {yb}"]
        elif op == T.MUL:
            body = [f"{v} = {va} * {vb}", f"{gx} = {xa} * {vb} + {va} * {xb}",
                    f"{gy} = {ya} * {vb} + {va} * {yb}"]  # fmt: skip
        elif op == T.DIV:
            body = [f"{v} = {va} / {vb}", f"{gx} = ({xa} - {v} * {xb}) / {vb}",
                    f"{gy} = ({ya} - {v} * {yb}) / {vb}"]  # fmt: skip
        elif op == T.NEG:
            body = [f"{v} = -{va}", f"{gx} = -{xa}", f"{gy} = -{ya}"]
        elif op == T.POW:
            log_a = f"l{i}"
            body = [f"{v} = {va} ** {vb}",
                    f"{log_a} = math.log({va}) if {va} > 0.0 else "
                    f"(-math.inf if {va} == 0.0 else math.nan)",
                    f"{gx} = {v} * ({xb} * {log_a} + {vb} * {xa} / {va})",
                    f"{gy} = {v} * ({yb} * {log_a} + {vb} * {ya} / {va})"]  # fmt: skip
        else:  # a constant exponent is part of the shape: written in, its cases fold away
            const = repr(float(tape.c[i])) if op == T.POWC else f"c[{i}]"
            body = [f"{v}, d{i} = function({op}, {va}, {const})", f"{gx} = d{i} * {xa}",
                    f"{gy} = d{i} * {ya}"]  # fmt: skip
        lines += ["    " + line for line in body]
    n = len(tape) - 1
    lines.append(f"    return v{n}, x{n}, y{n}")
    return "\n".join(lines) + "\n"


def point(c, x, y):  # pragma: no cover - the generated modules define their own
    """Stands for the generated ``point`` in :func:`advance`'s source."""
    raise NotImplementedError


def advance(rule, flags, hyper, schedule, state, t0, steps, op, a, b, c, x, g, loss, gnorm,
            noise, sigma, limits, check_grad, diverged, last_out, last_out_loss,
            out_x, out_loss, out_gnorm):  # fmt: skip
    """``kernels.advance`` one run at a time with the landscape's ``point`` inlined (its
    arguments and effects are the same; ``op``, ``a``, ``b`` are not read), a sweep's
    runs by :func:`sweep_pairs`. Compiled only as a copy in a generated module, never
    here."""
    threshold, grad_tol, bound = limits[0], limits[1], limits[2]
    damped, nesterov = flags[0], flags[1]
    record = out_x.shape[0] > 0
    noisy = noise.shape[0] > 0
    shared = noisy and noise.shape[1] == 1
    if (rule == HEAVY_BALL and not (damped or nesterov or noisy or record or check_grad)
            and grad_tol <= 0.0 and len(schedule) == 0):  # fmt: skip
        sweep_pairs(hyper, t0, steps, c, x, g, loss, gnorm, state, limits, diverged, last_out,
                    last_out_loss)  # fmt: skip
        return
    for i in range(len(x)):
        row = i if len(hyper) > 1 else 0
        h0, h1, h2, h3 = hyper[row, 0], hyper[row, 1], hyper[row, 2], hyper[row, 3]
        sx0, sx1, sy0, sy1 = state[i, 0, 0], state[i, 1, 0], state[i, 0, 1], state[i, 1, 1]
        p0, p1, g0, g1, f, gn = x[i, 0], x[i, 1], g[i, 0], g[i, 1], loss[i], gnorm[i]
        k = 0
        if diverged[i] < 0:
            for k in range(steps):
                t = t0 + k
                if len(schedule) > 0:  # heavy ball's beta at step t
                    h1 = schedule[min(t - 1, len(schedule) - 1)]
                e0, e1 = g0, g1
                if noisy:
                    s_i, j = sigma[i if len(sigma) > 1 else 0], 0 if shared else i
                    e0 = e0 + s_i * noise[k, j, 0]
                    e1 = e1 + s_i * noise[k, j, 1]
                d0, sx0, sx1 = step(rule, damped, nesterov, h0, h1, h2, h3, t, e0, sx0, sx1)
                d1, sy0, sy1 = step(rule, damped, nesterov, h0, h1, h2, h3, t, e1, sy0, sy1)
                n0, n1 = p0 + d0, p1 + d1
                nf, f0, f1 = point(c, n0, n1)
                ngn = math.sqrt(f0 * f0 + f1 * f1)
                inside = abs(n0) <= bound and abs(n1) <= bound
                if not (inside and math.isfinite(nf) and (math.isfinite(ngn) or not check_grad)):
                    diverged[i] = t
                    break
                p0, p1, g0, g1, f, gn = n0, n1, f0, f1, nf, ngn
                if record:
                    out_x[k, i, 0], out_x[k, i, 1] = p0, p1
                    out_loss[k, i], out_gnorm[k, i] = f, gn
                if f >= threshold:
                    last_out_loss[i] = t
                    if grad_tol <= 0.0 or gn >= grad_tol:
                        last_out[i] = t
            else:
                k = steps
        x[i, 0], x[i, 1], g[i, 0], g[i, 1], loss[i], gnorm[i] = p0, p1, g0, g1, f, gn
        state[i, 0, 0], state[i, 1, 0], state[i, 0, 1], state[i, 1, 1] = sx0, sx1, sy0, sy1
        if record:  # a diverged run repeats its last finite point
            for r in range(k, steps):
                out_x[r, i, 0], out_x[r, i, 1] = p0, p1
                out_loss[r, i], out_gnorm[r, i] = f, gn


def sweep_pairs(hyper, t0, steps, c, x, g, loss, gnorm, state, limits, diverged, last_out,
                last_out_loss):  # fmt: skip
    """:func:`advance` in a sweep's case: heavy ball (``kernels.heavy_ball``, no
    dampening, no Nesterov, a constant beta), exact gradients, no paths kept and no
    gradient norm wanted until the end. Its effects are :func:`advance`'s; two runs go
    side by side (each step of a run waits on its last all the way through; two runs
    keep the processor's units busy), each in local variables. About twice as fast as
    :func:`advance`, whose every step decides the rule, noise and records (measured:
    benchmarks/bench_compiled.py)."""
    runs = len(x)
    for i in range(0, runs, 2):
        j = min(i + 1, runs - 1)  # an odd last run goes beside itself, its copy unused
        a, b = run_of(i, x, g, loss, state), run_of(j, x, g, loss, state)
        out_a, out_b = last_out_loss[i], last_out_loss[j]
        ha, hb = hyper_of(hyper, i), hyper_of(hyper, j)
        live_a, live_b = diverged[i] < 0, j > i and diverged[j] < 0
        for k in range(steps):
            if not (live_a or live_b):
                break
            t = t0 + k
            if live_a:
                live_a, a, out_a = ball_step(c, t, ha, a, out_a, limits)
                if not live_a:
                    diverged[i] = t
            if live_b:
                live_b, b, out_b = ball_step(c, t, hb, b, out_b, limits)
                if not live_b:
                    diverged[j] = t
        if j > i:
            put_run(j, b, out_b, x, g, loss, gnorm, state, last_out, last_out_loss)
        put_run(i, a, out_a, x, g, loss, gnorm, state, last_out, last_out_loss)


def run_of(i, x, g, loss, state):
    """Run ``i``'s point, gradient, value and heavy ball's two buffers, as local values."""
    return x[i, 0], x[i, 1], g[i, 0], g[i, 1], loss[i], state[i, 0, 0], state[i, 0, 1]


def hyper_of(hyper, i):
    """Run ``i``'s learning rate and momentum (row 0 when all runs share them)."""
    row = i if len(hyper) > 1 else 0
    return hyper[row, 0], hyper[row, 1]


def ball_step(c, t, h, run, out, limits):
    """Step ``t`` of a run (:func:`run_of`) by heavy ball: whether its new point is
    within the bound with a finite value, the run after the step (unchanged if not), and
    its last step with ``f >= limits[0]``."""
    p0, p1, g0, g1, _, b0, b1 = run
    d0, b0 = heavy_ball(g0, b0, t, h[0], h[1], 0.0, False, False)
    d1, b1 = heavy_ball(g1, b1, t, h[0], h[1], 0.0, False, False)
    n0, n1 = p0 + d0, p1 + d1
    nf, f0, f1 = point(c, n0, n1)
    if not (abs(n0) <= limits[2] and abs(n1) <= limits[2] and math.isfinite(nf)):
        return False, run, out
    return True, (n0, n1, f0, f1, nf, b0, b1), (t if nf >= limits[0] else out)


def put_run(i, run, out, x, g, loss, gnorm, state, last_out, last_out_loss):
    """Run ``i``'s local values back into the arrays, its gradient norm computed here
    (without a gradient tolerance, ``last_out`` moves with ``last_out_loss``)."""
    p0, p1, g0, g1, f, b0, b1 = run
    x[i, 0], x[i, 1], g[i, 0], g[i, 1], loss[i] = p0, p1, g0, g1, f
    gnorm[i] = math.sqrt(g0 * g0 + g1 * g1)
    state[i, 0, 0], state[i, 0, 1] = b0, b1
    if out != last_out_loss[i]:
        last_out[i] = last_out_loss[i] = out


def step(*args):  # pragma: no cover - the generated modules import kernels.step
    raise NotImplementedError


def heavy_ball(*args):  # pragma: no cover - the generated modules import kernels.heavy_ball
    raise NotImplementedError


def function(*args):  # pragma: no cover - the generated modules import kernels.function
    raise NotImplementedError


@functools.cache
def _sources() -> bytes:
    """A digest of this file and of kernels.py, read once a process."""
    digest = hashlib.sha256()
    for path in (__file__, Path(__file__).with_name("kernels.py")):
        digest.update(Path(path).read_bytes())
    return digest.digest()


@functools.lru_cache(maxsize=256)  # a tape is hashed by identity: the records are cached
def _name(tape: T.Tape) -> str:
    """The module's name: a hash of the tape's operations and exponents and of the two
    source files."""
    digest = hashlib.sha256(_sources())
    for array in (tape.op, tape.a, tape.b):
        digest.update(np.ascontiguousarray(array, dtype=np.int64).tobytes())
    digest.update(np.ascontiguousarray(tape.c[tape.op == T.POWC]).tobytes())  # exponents
    return "landscape_" + digest.hexdigest()[:20]


def module_source(tape: T.Tape) -> str:
    """The generated module: the straight-line ``point`` and copies of :func:`advance` and
    :func:`sweep_pairs` with its pieces."""
    pieces = [f"@njit(**_PIECE)\n{inspect.getsource(f)}" for f in (run_of, hyper_of, ball_step,
                                                                    put_run)]  # fmt: skip
    return "\n".join([
        f'"""Generated by momentum_core.specialised for {tape.text!r}; do not edit."""',
        "import math",
        "",
        "from numba import njit",
        "",
        "from momentum_core.kernels import _JIT, _PIECE, function, heavy_ball, step",
        "from momentum_core.optimizers import HEAVY_BALL",
        "",
        "",
        "@njit(**_PIECE)",
        point_source(tape),
        *pieces,
        "@njit(**_JIT)",
        inspect.getsource(sweep_pairs),
        "",
        "@njit(**_JIT)",
        inspect.getsource(advance),
    ])  # fmt: skip


def _build(name: str, tape: T.Tape, here: bool = False) -> ModuleType:
    """Write (if missing), compile (in a child process, unless ``here``) and import the
    module ``name``."""
    folder = cache_dir()
    path = folder / f"{name}.py"
    if not here and not (path.exists() and in_cache(path, ("advance",))):
        compile_elsewhere(f"from momentum_core import specialised as s, tape as t; "
                          f"s._build({name!r}, t.tape_of({tape.text!r}), here=True)",
                          folder / f"{name}.compile.lock")  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    if not path.exists():  # written whole, then renamed: other processes build it too
        scratch = folder / f".{name}.{os.getpid()}.{threading.get_ident()}.tmp"
        scratch.write_text(module_source(tape), encoding="utf-8")
        os.replace(scratch, path)
    spec = importlib.util.spec_from_file_location(f"momentum_core._generated.{name}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    _warm(module, tape)
    return module


def _warm(module: ModuleType, tape: T.Tape) -> None:
    """One tiny run: numba compiles (or loads from its cache) the types the runner uses."""
    one, none = np.full(1, -1, dtype=np.int64), np.empty((0, 1))
    module.advance(0, np.zeros(2, dtype=np.bool_), np.full((1, 4), 0.1), np.empty(0),
                   np.zeros((1, 2, 2)), 1, 1, tape.op, tape.a, tape.b, tape.c, np.zeros((1, 2)),
                   np.zeros((1, 2)), np.zeros(1), np.zeros(1), np.empty((0, 1, 2)), np.zeros(1),
                   np.array([1e-6, 0.0, 1e6]), True, one, one.copy(), one.copy(),
                   np.empty((0, 1, 2)), none, none.copy())  # fmt: skip


def _work() -> None:
    """The background builder: one module at a time, so that compiling never takes more
    than one core from the visitors."""
    while True:
        with _lock:
            if not _queue:
                _worker.clear()
                return
            name, tape = _queue.pop(0)
        try:
            module = _build(name, tape)
        except Exception:  # a module that will not build: the general loop goes on
            module = None
        with _lock:
            if module is None:
                _modules.pop(name, None)
                _failed.add(name)
            else:
                _modules[name] = module


def kernel_for(tape: T.Tape, wait: bool = False) -> ModuleType | None:
    """The straight-line loop for ``tape`` if it is loaded, else None (and it is queued
    to be built in the background; with ``wait``, built now)."""
    if os.environ.get("MOMENTUM_SPECIALISE", "") == "0":
        return None
    name = _name(tape)
    with _lock:
        module = _modules.get(name)
        if module is not None or name in _failed:
            return module
        queued = name in _modules
        if not queued:
            _modules[name] = None
            if not wait:
                _queue.append((name, tape))
                if not _worker:
                    _worker.append(threading.Thread(target=_work, name="momentum-specialise",
                                                    daemon=True))  # fmt: skip
                    _worker[0].start()
    if not wait:
        return None
    if not queued:
        module = _build(name, tape)
        with _lock:
            _modules[name] = module
        return module
    while (module := _modules.get(name)) is None and name not in _failed:
        time.sleep(0.05)  # the background builder has it
    return module
