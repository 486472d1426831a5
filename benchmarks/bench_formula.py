"""Benchmark of typed formulas: the runner on a typed Rosenbrock against the built-in one.

Run: ``python benchmarks/bench_formula.py`` (``--repeats 9`` for steadier medians).

It prints, for a 100-run heavy-ball batch of 1000 steps (``run_batch``, full trajectories)
from the built-in Rosenbrock's start with its default learning rate, the median seconds of
the built-in ``get_objective("rosenbrock")`` and of ``custom_objective`` on the same
formula typed in, and their ratio: the target is that the typed one runs at >= 0.5x the
built-in's speed. It also prints how long building a custom objective takes (parse,
differentiate, compile, search for minima), cold and cached.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

# One core, as the other benchmarks: keep BLAS and friends from spreading out.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import numpy as np

from momentum_core import get_objective, heavy_ball, run_batch
from momentum_core.formula import custom_objective

TYPED_ROSENBROCK = "(1 - x)^2 + 100*(y - x^2)^2"
RUNS, STEPS = 100, 1000


def batch_seconds(objective) -> float:
    """Wall time of one 100-run, 1000-step heavy-ball batch on ``objective``."""
    builtin = get_objective("rosenbrock")
    rng = np.random.default_rng(0)
    # Starts scattered around the built-in's default, all on the same (stable) lr.
    starts = np.array(builtin.x0) + 0.1 * rng.standard_normal((RUNS, 2))
    optimizer = heavy_ball(np.full(RUNS, builtin.lr_default), 0.9)
    run_batch(objective, optimizer, starts, 10)  # warm-up
    start = time.perf_counter()
    run_batch(objective, optimizer, starts, STEPS)
    return time.perf_counter() - start


def build_seconds(formula: str, domain) -> tuple[float, float]:
    """Seconds to build a custom objective the first time and from the cache."""
    start = time.perf_counter()
    custom_objective(formula, domain)
    cold = time.perf_counter() - start
    start = time.perf_counter()
    custom_objective(formula, domain)
    return cold, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    builtin = get_objective("rosenbrock")
    start = time.perf_counter()
    typed = custom_objective(TYPED_ROSENBROCK, builtin.domain)  # the first build
    first = time.perf_counter() - start
    points = np.random.default_rng(1).uniform(-2, 2, (1000, 2))
    assert np.allclose(typed.value(points), builtin.value(points), rtol=1e-12)

    # Alternate the two so that a busy machine slows both alike.
    builtin_s, typed_s = [], []
    for _ in range(args.repeats):
        builtin_s.append(batch_seconds(builtin))
        typed_s.append(batch_seconds(typed))
    b, t = statistics.median(builtin_s), statistics.median(typed_s)
    print(f"heavy ball, {RUNS} runs x {STEPS} steps, median of {args.repeats}:")
    print(f"  built-in Rosenbrock: {b * 1e3:7.1f} ms")
    print(f"  typed {TYPED_ROSENBROCK!r}: {t * 1e3:7.1f} ms")
    print(f"  typed speed / built-in speed: {b / t:.2f}x (target >= 0.5x)")
    print(f"building a custom objective (the first one): {first:.2f} s")
    for formula in ("(x^2 + y - 11)^2 + (x + y^2 - 7)^2", "x^2 + 10*sin(y)"):
        cold, cached = build_seconds(formula, ((-5.0, 5.0), (-5.0, 5.0)))
        print(f"  {formula!r}: {cold * 1e3:.0f} ms, cached {cached * 1e6:.0f} us")


if __name__ == "__main__":
    main()
