"""Benchmark of the race GIF: time and size of the default race's GIF and of a big one.

Run: ``python benchmarks/bench_gif.py`` (``--repeats 9`` for steadier medians).

It prints the median seconds of :func:`momentum_app.race.gif_export.race_gif` (matplotlib's Agg
renderer, the moving parts blitted over a still picture) and the GIF's size for
  * the default race: Rosenbrock, SGD vs momentum, 1000 steps (100 frames, 720 x 480);
  * all 7 optimizers over 3000 steps at the default learning rate (one diverges, so its
    divergence step gets a frame too).
The runs are computed once, before the timing; one untimed GIF first warms matplotlib's
font and text caches, as a running server has them warm.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace

# One core, as the other benchmarks: keep BLAS and friends from spreading out.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from PIL import Image

from momentum_app.config.settings import OPTIMIZER_NAMES, default_settings
from momentum_app.race.gif_export import race_gif
from momentum_app.race.runs import race_runs, run_race


def races() -> dict[str, tuple]:
    """``(objective, runs)`` of the two races, by name."""
    default = default_settings("rosenbrock")
    big = replace(default, steps=3000, optimizers=tuple(OPTIMIZER_NAMES))
    return {
        "default race (2 optimizers x 1000 steps)": (
            default.objective,
            race_runs(default.objective, run_race(default)),
        ),
        "7 optimizers x 3000 steps": (big.objective, race_runs(big.objective, run_race(big))),
    }


def timed(draw: Callable[..., bytes], obj, runs, repeats: int) -> tuple[float, int, int]:
    """Median seconds of ``draw(obj, runs)`` over ``repeats`` calls, the GIF's bytes and
    its frame count."""
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        data = draw(obj, runs)
        seconds.append(time.perf_counter() - start)
    frames = Image.open(io.BytesIO(data)).n_frames
    return statistics.median(seconds), len(data), frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    cases = races()
    obj, runs = next(iter(cases.values()))
    race_gif(obj, runs)  # warm-up
    print(f"race_gif, 720 x 480, median of {args.repeats}:")
    for name, (obj, runs) in cases.items():
        seconds, size, frames = timed(race_gif, obj, runs, args.repeats)
        print(f"  {name}: {seconds:6.3f} s, {size / 1024:6.1f} KB, {frames} frames")


if __name__ == "__main__":
    main()
