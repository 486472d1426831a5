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

from momentum_core import get_objective, sweep_grid

LRS = np.geomspace(1e-5, 3e-3, 100)
MOMENTA = np.linspace(0.0, 0.99, 100)


def python_loop(lr: float, mu: float, x0: tuple[float, float], steps: int) -> tuple[float, int]:
    """One Rosenbrock heavy-ball run in plain floats; returns (final loss, event step)."""
    a, b = 1.0, 100.0
    x, y = x0
    bx = by = 0.0
    last_out = -1
    loss = (a - x) ** 2 + b * (y - x * x) ** 2
    for t in range(1, steps + 1):
        gx = -2.0 * (a - x) - 4.0 * b * x * (y - x * x)
        gy = 2.0 * b * (y - x * x)
        if t == 1:
            bx, by = gx, gy
        else:
            bx, by = mu * bx + gx, mu * by + gy
        nx, ny = x - lr * bx, y - lr * by
        if not (abs(nx) <= 1e6 and abs(ny) <= 1e6):
            return loss, t
        x, y = nx, ny
        loss = (a - x) ** 2 + b * (y - x * x) ** 2
        if not math.isfinite(loss):
            return loss, t
        if loss >= 1e-6:
            last_out = t
    return loss, last_out + 1


def time_core(repeats: int) -> tuple[float, float]:
    rosen = get_objective("rosenbrock")
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        sweep_grid(rosen, "momentum", LRS, MOMENTA, 1000)
        times.append(time.perf_counter() - start)
    return statistics.median(times), LRS.size * MOMENTA.size * 1000


def time_python(repeats: int, sample: int) -> tuple[float, float]:
    rng = np.random.default_rng(0)
    cells = rng.choice(LRS.size * MOMENTA.size, size=sample, replace=False)
    pairs = [(float(LRS[c % LRS.size]), float(MOMENTA[c // LRS.size])) for c in cells]
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for lr, mu in pairs:
            python_loop(lr, mu, (-1.5, 2.0), 1000)
        times.append(time.perf_counter() - start)
    return statistics.median(times), sample * 1000


def peak_memory_big_sweep() -> tuple[float, float]:
    rosen = get_objective("rosenbrock")
    tracemalloc.start()
    start = time.perf_counter()
    sweep_grid(rosen, "momentum", np.geomspace(1e-5, 3e-3, 200), np.linspace(0, 0.99, 200), 2000)
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sample", type=int, default=300, help="runs in the pure-Python loop")
    args = parser.parse_args()

    core_s, core_work = time_core(args.repeats)
    py_s, py_work = time_python(args.repeats, args.sample)
    core_rate, py_rate = core_work / core_s, py_work / py_s
    print(f"core   100x100 sweep x 1000 steps: {core_s:.3f} s  {core_rate / 1e6:8.2f} M steps/s")
    print(
        f"python {args.sample} runs x 1000 steps:     {py_s:.3f} s  {py_rate / 1e6:8.2f} M steps/s"
    )
    print(f"ratio core / python: {core_rate / py_rate:.1f}x (median of {args.repeats})")
    peak_mb, big_s = peak_memory_big_sweep()
    print(f"200x200 x 2000 summary sweep: {big_s:.2f} s, peak traced memory {peak_mb:.1f} MB")


if __name__ == "__main__":
    main()
