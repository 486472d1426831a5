"""Benchmark: the compiled loop against numpy's, on what a visitor waits for.

Run: ``python benchmarks/bench_compiled.py`` (``--repeats 7`` for steadier medians).

Both loops run in this process, each timed the same way (median of the repeats), so the
ratios hold on a noisy machine. It prints, at the playground's defaults (Rosenbrock,
1,000 steps, SGD and momentum):

* each set a new setting computes (the race, the α line, the (α, β) pad, the grid of
  starts): the runs alone with each loop, and the whole set, runs and packing for the
  browser (thinning, screen levels), with each loop;
* a 100 x 100 (α, β) sweep x 1,000 steps, summary mode, with each loop (numpy, the
  compiled loop that reads the tape, the landscape's straight-line loop);
* the sweep page's own path for that sweep (``sweep_figures.sweep_rows`` over its slices
  of rows: the straight-line loop, a sweep's runs two at a time) and a plain numba loop
  over the same sweep (heavy ball on Rosenbrock written out, every rule and landscape
  inlined by hand), timed in turns, wall-clock and CPU: issue #24's target is the page's
  path at >= 0.8x the plain loop;
* the CPU time to build typed formulas that took 7 s to over 120 s before the tape;
* the step inspector's numbers for one 1,000-step run (a scene carries one per racer, the
  playground asks for those shown), by each loop.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import numpy as np
from bench_core import _median_seconds

from momentum_app.config.links import defaults
from momentum_app.config.settings import SweepSettings, default_settings
from momentum_app.race import runs
from momentum_app.studies import sweep_figures
from momentum_core import engine, make_optimizer, run_batch, specialised
from momentum_core.family import family_momenta
from momentum_core.spaces import (
    lr_line,
    pad_momenta,
    pad_rates,
    run_space,
    start_grid,
    start_runs,
)


def median_ms(fn, repeats: int) -> float:
    return 1e3 * _median_seconds(fn, repeats)


def interleaved_medians_ms(fns, repeats: int) -> list[tuple[float, float]]:
    """Each of ``fns`` timed ``repeats`` times, in turns (so that a change of the machine's
    load hits them alike): median wall-clock and CPU milliseconds of each (CPU of this
    thread, where the compiled loops run: the figure a loaded machine disturbs least)."""
    times = [([], []) for _ in fns]
    for _ in range(repeats):
        for fn, (wall, cpu) in zip(fns, times, strict=True):
            start, start_cpu = time.perf_counter(), time.thread_time()
            fn()
            cpu.append(time.thread_time() - start_cpu)
            wall.append(time.perf_counter() - start)
    return [(1e3 * statistics.median(w), 1e3 * statistics.median(c)) for w, c in times]


def with_loop(loop: str, fn):
    """``fn`` run with ``MOMENTUM_ENGINE`` set to ``loop``'s (auto = compiled, loaded)."""

    def run():
        os.environ["MOMENTUM_ENGINE"] = "numpy" if loop == "numpy" else ""
        try:
            return fn()
        finally:
            os.environ.pop("MOMENTUM_ENGINE", None)

    return run


def plain_loop():
    """Heavy ball on Rosenbrock, every position kept, written out for numba by hand."""
    from numba import njit

    @njit(cache=True, nogil=True, error_model="numpy")
    def sweep(lr, mu, x0, y0, steps, final):
        for i in range(len(lr)):
            x, y, bx, by = x0, y0, 0.0, 0.0
            for t in range(steps):
                r = y - x * x
                gx, gy = -2.0 * (1.0 - x) - 400.0 * x * r, 200.0 * r
                bx = gx if t == 0 else mu[i] * bx + gx
                by = gy if t == 0 else mu[i] * by + gy
                x, y = x - lr[i] * bx, y - lr[i] * by
                if not (abs(x) <= 1e6 and abs(y) <= 1e6):
                    break
            final[i, 0], final[i, 1] = x, y

    return sweep


def plain_positions():
    """The floor for a set: heavy ball on Rosenbrock over runs ``(lr[i], mu[i], x0[i])``,
    every position kept, written out for numba by hand."""
    from numba import njit

    @njit(cache=True, nogil=True, error_model="numpy")
    def loop(lr, mu, x0, steps, out):
        for i in range(len(lr)):
            x, y, bx, by = x0[i, 0], x0[i, 1], 0.0, 0.0
            out[0, i, 0], out[0, i, 1] = x, y
            for t in range(steps):
                r = y - x * x
                gx, gy = -2.0 * (1.0 - x) - 400.0 * x * r, 200.0 * r
                bx = gx if t == 0 else mu[i] * bx + gx
                by = gy if t == 0 else mu[i] * by + gy
                x, y = x - lr[i] * bx, y - lr[i] * by
                out[t + 1, i, 0], out[t + 1, i, 1] = x, y

    return loop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    r = args.repeats
    assert engine.warm(wait=True) is not None, engine.failure()
    s = default_settings()
    obj = s.objective
    # "compiled" is what a warm server runs: the landscape's straight-line loop
    assert specialised.kernel_for(obj.tape, wait=True) is not None
    print(f"New playground setting ({obj.title}, {s.steps} steps, {', '.join(s.optimizers)}), "
          f"median of {r}, ms:")  # fmt: skip
    print(f"{'set':<12}{'runs':>8}{'numpy':>10}{'compiled':>10}{'set numpy':>11}"
          f"{'compiled':>10}{'plain':>9}{'set/plain':>10}")  # fmt: skip
    lrs, momenta = lr_line(obj, s.lr), pad_momenta(s.momentum)
    pad_lrs = pad_rates(obj, s.lr)
    xs, ys = start_grid(obj, runs.start_points(len(s.optimizers)))
    starts = start_runs(xs, ys)
    opts = runs._options(s)
    family = family_momenta(s.momentum)  # the β family (SGD is its β = 0 member)
    # Each set: its runs as (learning rates, momenta, starts) for the plain loop, its runs
    # alone with the core's loop, and the whole set (runs and packing), as the app makes it.
    sets = {
        "race": ((s.lr, family, s.start), lambda: runs.race_families(s),
                 lambda: runs.race_view(s)),
        "α line": ((np.tile(lrs, 2), np.repeat([s.momentum, 0.0], len(lrs)), s.start),
                   lambda: [run_space(obj, n, lrs, s.momentum, s.start, s.steps, **opts)
                            for n in s.optimizers],
                   lambda: runs.line_part(s)),
        "pad": ((np.repeat(pad_lrs, len(momenta)), np.tile(momenta, len(pad_lrs)), s.start),
                lambda: runs.grid_result(obj, "momentum", pad_lrs, momenta, s.start, s.steps,
                                         **opts),
                lambda: runs.pad_part(s)),
        "starts": ((s.lr, np.repeat([s.momentum, 0.0], len(starts)), np.tile(starts, (2, 1))),
                   lambda: [run_space(obj, n, s.lr, s.momentum, starts, s.steps, **opts)
                            for n in s.optimizers],
                   lambda: runs.start_part(s)),
    }  # fmt: skip
    plain = plain_positions()
    totals = np.zeros(5)
    for name, ((lr, mu, x0), bare, whole) in sets.items():
        mu = np.asarray(mu, dtype=float)
        lr = np.broadcast_to(np.asarray(lr, dtype=float), mu.shape).copy()
        x0 = np.broadcast_to(np.asarray(x0, dtype=float), (len(mu), 2)).copy()
        out = np.empty((s.steps + 1, len(mu), 2))
        row = [median_ms(with_loop(loop, fn), r) for fn in (bare, whole)
               for loop in ("numpy", "compiled")]  # fmt: skip
        row.append(median_ms(lambda: plain(lr, mu, x0, s.steps, out), r))  # noqa: B023
        totals += row
        print(f"{name:<12}{len(mu):>8}" + "".join(f"{v:>10.1f}" for v in row[:4])
              + f"{row[4]:>9.1f}{row[3] / row[4]:>9.1f}x")  # fmt: skip
    print(f"{'all four':<20}" + "".join(f"{v:>10.1f}" for v in totals[:4])
          + f"{totals[4]:>9.1f}{totals[3] / totals[4]:>9.1f}x   (target: <= 4x)")  # fmt: skip
    print("  plain: heavy ball (β = 0 for SGD) on Rosenbrock written out by hand, every")
    print("  position kept; no checks, no losses, no packing.")

    print("\n100 x 100 (α, β) sweep x 1,000 steps on Rosenbrock, summary mode, ms:")
    grid_lr = np.repeat(np.geomspace(1e-5, 3e-3, 100), 100)
    grid_mu = np.tile(np.linspace(0.0, 0.99, 100), 100)
    optimizer = make_optimizer("momentum", grid_lr, grid_mu)
    for loop in ("numpy", "tape", "compiled"):
        ms = median_ms(lambda loop=loop: run_batch(obj, optimizer, obj.x0, 1000, loop=loop,
                                                   summary_only=True), max(1, r // 2))  # fmt: skip
        print(f"  run_batch, {loop} loop: {ms:.0f}")
    sweep = plain_loop()
    final = np.empty((len(grid_lr), 2))
    sweep(grid_lr, grid_mu, *obj.x0, 1000, final)
    page = dataclasses.replace(defaults(SweepSettings), fn=obj.name, grid=100, steps=1000)
    slices = sweep_figures.row_slices(page.grid)
    assert specialised.kernel_for(page.objective.tape, wait=True) is not None
    (page_wall, page_cpu), (hand_wall, hand_cpu) = interleaved_medians_ms(
        [lambda: [sweep_figures.sweep_rows(page, rows) for rows in slices],
         lambda: sweep(grid_lr, grid_mu, *obj.x0, 1000, final)], r)  # fmt: skip
    print(f"  the sweep page's own path (sweep_rows, {len(slices)} slices of rows): "
          f"{page_wall:.0f} (CPU {page_cpu:.0f})")  # fmt: skip
    print(f"  a plain numba loop (Rosenbrock and heavy ball by hand): {hand_wall:.0f} "
          f"(CPU {hand_cpu:.0f})")  # fmt: skip
    print(f"  the page's path against the plain loop: {hand_wall / page_wall:.2f}x wall, "
          f"{hand_cpu / page_cpu:.2f}x CPU (target >= 0.8x); load average "
          f"{', '.join(f'{v:.1f}' for v in os.getloadavg())}")  # fmt: skip

    from momentum_core.formula import custom_objective

    print("\nTyped formulas, CPU seconds to build (parse, derivatives, minima, defaults):")
    custom_objective("x^2 + y^2")  # SymPy imported once, outside the timings
    formulas = {
        "20 sines of x + k y": "*".join(f"sin(x+{k}*y)" for k in range(1, 21)),
        "a chain of 38 quotients": "/".join(f"(x+{k}*y)" for k in range(1, 39)),
        "42 cosines": "*".join(f"cos(x+{k}*y)" for k in range(1, 43)),
    }
    for name, text in formulas.items():
        start = time.process_time()
        try:
            custom_objective(text)
            said = "built"
        except ValueError as err:
            said = f"refused: {err}"
        print(f"  {name} ({len(text)} chars): {time.process_time() - start:.2f} s, {said}")

    print("\nThe step inspector, one 1,000-step run with noise, ms (median):")
    from momentum_core import get_objective
    from momentum_core.inspector import inspect_run

    for function in ("rosenbrock", "rastrigin"):
        obj = get_objective(function)
        specialised.kernel_for(obj.tape, wait=True)
        for name in ("momentum", "adam"):
            row = []
            for loop in ("numpy", "compiled"):

                def inspect(loop=loop, obj=obj, name=name):
                    return inspect_run(obj, name, 1e-3, 0.9, obj.x0, 1000, noise=0.1, loop=loop)

                inspect()
                row.append(median_ms(inspect, args.repeats))
            print(f"  {obj.title}, {name}: numpy {row[0]:.1f}, compiled {row[1]:.2f} "
                  f"({row[0] / row[1]:.0f}x)")  # fmt: skip


if __name__ == "__main__":
    main()
