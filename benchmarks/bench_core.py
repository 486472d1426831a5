"""Benchmark of the core: a vectorised sweep against a pure-Python per-run loop.

Run: ``python benchmarks/bench_core.py`` (add ``--repeats 5`` for steadier medians).

It prints particle-steps per second for
  * the core: a 100 x 100 (lr x momentum) heavy-ball sweep x 1000 steps on Rosenbrock,
    summary mode, in one ``run_batch`` call;
  * a straightforward pure-Python loop on plain floats over a sample of the same runs,
    doing the same work per step (gradient, update, loss, divergence and tolerance checks);
their ratio (the target is >= 20x on one core), and the peak memory of a 200 x 200 x 2000
summary sweep (the target is < 300 MB).
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
import tracemalloc

# One core, as the target says: keep BLAS and friends from spreading out.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import numpy as np

from momentum_core import FAMILY_GRID, get_objective, run_family, sweep_grid

LRS = np.geomspace(1e-5, 3e-3, 100)
MOMENTA = np.linspace(0.0, 0.99, 100)


def rosenbrock(x: float, y: float, a: float = 1.0, b: float = 100.0) -> float:
    return (a - x) ** 2 + b * (y - x * x) ** 2


def rosenbrock_gradient(x: float, y: float, a: float = 1.0, b: float = 100.0):
    return -2.0 * (a - x) - 4.0 * b * x * (y - x * x), 2.0 * b * (y - x * x)


def python_loop(lr: float, mu: float, x0: tuple[float, float], steps: int) -> tuple[int, int]:
    """One heavy-ball run on Rosenbrock in plain floats, written the straightforward way
    (a function for f, one for its gradient), with the core's divergence and tolerance
    checks. Returns (steps simulated, event step)."""
    x, y = x0
    bx = by = 0.0
    last_out = -1
    for t in range(1, steps + 1):
        gx, gy = rosenbrock_gradient(x, y)
        if t == 1:
            bx, by = gx, gy
        else:
            bx, by = mu * bx + gx, mu * by + gy
        nx, ny = x - lr * bx, y - lr * by
        loss = rosenbrock(nx, ny)
        if not (abs(nx) <= 1e6 and abs(ny) <= 1e6 and math.isfinite(loss)):
            return t - 1, t
        x, y = nx, ny
        if loss >= 1e-6:
            last_out = t
    return steps, last_out + 1


def python_loop_inlined(lr: float, mu: float, x0: tuple[float, float], steps: int):
    """The same run with f and its gradient inlined by hand: the fastest plain Python."""
    x, y = x0
    bx = by = 0.0
    last_out = -1
    for t in range(1, steps + 1):
        r = y - x * x
        gx, gy = -2.0 * (1.0 - x) - 400.0 * x * r, 200.0 * r
        if t == 1:
            bx, by = gx, gy
        else:
            bx, by = mu * bx + gx, mu * by + gy
        nx, ny = x - lr * bx, y - lr * by
        loss = (1.0 - nx) ** 2 + 100.0 * (ny - nx * nx) ** 2
        if not (abs(nx) <= 1e6 and abs(ny) <= 1e6 and math.isfinite(loss)):
            return t - 1, t
        x, y = nx, ny
        if loss >= 1e-6:
            last_out = t
    return steps, last_out + 1


def time_core(repeats: int) -> tuple[float, float]:
    """Median seconds per run, and particle-steps simulated (a diverged run stops)."""
    rosen = get_objective("rosenbrock")
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = sweep_grid(rosen, "momentum", LRS, MOMENTA, 1000)
        times.append(time.perf_counter() - start)
    d = result.summary.diverged_step
    work = int(np.where(d >= 0, d - 1, 1000).sum())
    return statistics.median(times) / d.size, work / d.size


def time_python(repeats: int, sample: int, loop=python_loop) -> tuple[float, float]:
    """The same as :func:`time_core` for a seeded random sample of the grid's runs."""
    rng = np.random.default_rng(0)
    cells = rng.choice(LRS.size * MOMENTA.size, size=sample, replace=False)
    pairs = [(float(LRS[c % LRS.size]), float(MOMENTA[c // LRS.size])) for c in cells]
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work = sum(loop(lr, mu, (-1.5, 2.0), 1000)[0] for lr, mu in pairs)
        times.append(time.perf_counter() - start)
    return statistics.median(times) / sample, work / sample


def time_page_sweep(repeats: int) -> float:
    """The sweep page's default: 60 x 60 (lr x momentum) x 1000 steps on Rosenbrock."""
    rosen = get_objective("rosenbrock")
    lrs, momenta = np.geomspace(*rosen.lr_range, 60), np.linspace(0.0, 0.99, 60)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        sweep_grid(rosen, "momentum", lrs, momenta, 1000)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peak_memory_big_sweep() -> tuple[float, float]:
    rosen = get_objective("rosenbrock")
    tracemalloc.start()
    start = time.perf_counter()
    sweep_grid(rosen, "momentum", np.geomspace(1e-5, 3e-3, 200), np.linspace(0, 0.99, 200), 2000)
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20, seconds


def minimal_heavy_ball(lr: np.ndarray, mu: np.ndarray, x0, steps: int) -> np.ndarray:
    """The least a heavy-ball batch on Rosenbrock must do per step: the update, the
    value and the gradient, in numpy over the batch, with nothing recorded or checked."""
    x = np.broadcast_to(np.asarray(x0, dtype=float), (len(mu), 2)).copy()
    lr2, mu2 = np.repeat(lr[:, None], 2, axis=1), np.repeat(mu[:, None], 2, axis=1)
    b = None
    with np.errstate(all="ignore"):
        for _ in range(steps):
            r = x[:, 1] - x[:, 0] * x[:, 0]
            g = np.empty_like(x)
            g[:, 0], g[:, 1] = -2.0 * (1.0 - x[:, 0]) - 400.0 * x[:, 0] * r, 200.0 * r
            b = g if b is None else mu2 * b + g
            x = x - lr2 * b
            (1.0 - x[:, 0]) ** 2 + 100.0 * (x[:, 1] - x[:, 0] ** 2) ** 2
    return x


def _median_seconds(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def time_family_against_minimal(repeats: int) -> tuple[float, float]:
    """A family of 101 momenta x 1000 steps through the runner (trajectories kept, every
    check done) against the minimal loop over the same batch, in the same run."""
    rosen = get_objective("rosenbrock")
    momenta = np.append(FAMILY_GRID, 0.905)
    runner = _median_seconds(
        lambda: run_family(rosen, "momentum", 1.5e-3, 0.905, rosen.x0, 1000, grad_tol=1e-6),
        repeats,
    )
    lrs = np.full(len(momenta), 1.5e-3)
    minimal = _median_seconds(lambda: minimal_heavy_ball(lrs, momenta, rosen.x0, 1000), repeats)
    return runner, minimal


def time_sweep_against_minimal(repeats: int) -> tuple[float, float]:
    """The 100 x 100 x 1000 sweep (summary mode) against the minimal loop over its runs."""
    rosen = get_objective("rosenbrock")
    lr, mu = (a.ravel() for a in np.meshgrid(LRS, MOMENTA))
    runner = _median_seconds(lambda: sweep_grid(rosen, "momentum", LRS, MOMENTA, 1000), repeats)
    minimal = _median_seconds(lambda: minimal_heavy_ball(lr, mu, rosen.x0, 1000), repeats)
    return runner, minimal


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sample", type=int, default=300, help="runs in the pure-Python loop")
    args = parser.parse_args()

    core_s, core_work = time_core(args.repeats)
    rate = core_work / core_s
    print("particle-steps simulated per second (a diverged run stops there), medians:")
    print(f"  core, 100x100 grid x 1000 steps:   {rate / 1e6:6.2f} M/s  {core_s * 1e6:5.0f} us/run")
    for name, loop in (("plain Python", python_loop), ("inlined Python", python_loop_inlined)):
        py_s, py_work = time_python(args.repeats, args.sample, loop)
        py_rate = py_work / py_s
        print(
            f"  {name:>14}, {args.sample} of its runs: {py_rate / 1e6:6.2f} M/s  "
            f"{py_s * 1e6:5.0f} us/run  -> core is {rate / py_rate:.1f}x faster"
        )
    print(f"sweep page default, 60x60 x 1000 steps: {time_page_sweep(args.repeats):.2f} s (median)")
    runner, minimal = time_family_against_minimal(max(args.repeats, 5))
    print(
        f"family of 101 momenta x 1000 steps: runner {runner * 1e3:.1f} ms, minimal numpy "
        f"loop {minimal * 1e3:.1f} ms -> {runner / minimal:.2f}x (target <= 1.5x)"
    )
    runner, minimal = time_sweep_against_minimal(args.repeats)
    print(
        f"100x100 x 1000 sweep: runner {runner:.2f} s, minimal numpy loop {minimal:.2f} s "
        f"-> {runner / minimal:.2f}x"
    )
    peak_mb, big_s = peak_memory_big_sweep()
    print(f"200x200 x 2000 summary sweep: {big_s:.2f} s, peak traced memory {peak_mb:.1f} MB")


if __name__ == "__main__":
    main()
