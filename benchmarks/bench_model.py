"""Benchmark of the network trainer: a family of momenta x seeds in one call.

Run: ``python benchmarks/bench_model.py`` (``--repeats 5`` for steadier medians).

It times :func:`momentum_core.model.train_batch` on 20 seeds x 101 momenta (2,020 runs) x
50 epochs of the default data set (256 training examples, batches of 32: 400 steps),
heavy ball at lr 0.01, for each activation (targets: <= 0.3 s linear, <= 1 s tanh), by
the compiled loop and by numpy's, against a minimal numpy loop over the same batches that
does only the forward pass, the backward pass and the heavy-ball update, with the same
algebra (for ``linear`` the network is the linear map ``[x, 1] @ v``) and nothing else: no
per-epoch training and validation losses, no divergence checks, no optimizer state
objects. Then the model page's own sets, compiled: its defaults (20 seeds x 12 momenta x
50 epochs, batches of 32) and its heaviest link (50 seeds x 13 momenta x 100 epochs,
batches of 8: 3,200 steps). All in the same process, one core, medians of the repeats;
wall-clock and CPU seconds (on a shared machine CPU time is the steadier of the two).
Last, the model page's path chart at ``/model?lr=0.05&momentum=0.99&act=...``: its 240 x
240 landscape of the network's loss, by the compiled loss and by numpy's, in turns
(``--landscape`` for that alone).
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import sys
import time

# One core, like bench_core: keep BLAS from spreading out.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import numpy as np

from momentum_core import engine, family_momenta, heavy_ball
from momentum_core.model import ACTIVATIONS, Model, epoch_orders, glorot_params, train_batch

SEEDS, EPOCHS, BATCH, LR = 20, 50, 32, 0.01


def minimal_loop(model: Model, params: np.ndarray, momenta: np.ndarray) -> np.ndarray:
    """Forward, backward and heavy-ball update over the trainer's batches, and nothing else."""
    data, act = model.data, model.activation
    n_train, runs = len(data.x_train), len(params)
    x1 = np.hstack([data.x_train, np.ones((n_train, 1))])
    mu = np.repeat(momenta[:, None], params.shape[1], axis=1)
    p, buf = params.copy(), None
    with np.errstate(all="ignore"):
        for order in epoch_orders(n_train, EPOCHS, 0):
            xs, ys = x1[order], data.y_train[order]
            for start in range(0, n_train, BATCH):
                xb, yb = xs[start : start + BATCH], ys[start : start + BATCH]
                n = len(xb)
                k = p[:, :60].reshape(runs, 6, 10).transpose(1, 0, 2)  # (6, runs, 10)
                w2 = p[:, 60:70]
                g = np.empty_like(p)
                if act == "linear":
                    err = xb @ np.einsum("irh,rh->ir", k, w2) + p[:, 70] - yb[:, None]
                    dout = err * (2.0 / n)
                    s = xb.T @ dout
                    g[:, 60:70] = np.einsum("ir,irh->rh", s, k)
                    gk = s[:, :, None] * w2
                else:
                    z = (xb @ k.reshape(6, runs * 10)).reshape(n, runs, 10)
                    a = np.tanh(z) if act == "tanh" else np.maximum(z, 0.0)
                    err = np.einsum("nrh,rh->nr", a, w2) + p[:, 70] - yb[:, None]
                    dout = err * (2.0 / n)
                    g[:, 60:70] = np.einsum("nr,nrh->rh", dout, a)
                    dz = dout[:, :, None] * w2
                    dz *= (1.0 - a * a) if act == "tanh" else (z > 0)
                    gk = (xb.T @ dz.reshape(n, runs * 10)).reshape(6, runs, 10)
                g[:, 70] = dout.sum(axis=0)
                g[:, :60] = gk.transpose(1, 0, 2).reshape(runs, 60)
                buf = g if buf is None else mu * buf + g
                p = p - LR * buf
    return p


def median_seconds(fns: list, repeats: int) -> list[tuple[float, float]]:
    """Median wall-clock and CPU seconds of each function, timed in turns: on a shared,
    noisy machine a slow spell then hits every side of a ratio alike."""
    times: list[list[tuple[float, float]]] = [[] for _ in fns]
    for _ in range(repeats):
        for fn, spent in zip(fns, times, strict=True):
            wall, cpu = time.perf_counter(), time.process_time()
            fn()
            spent.append((time.perf_counter() - wall, time.process_time() - cpu))
    return [tuple(statistics.median(t[k] for t in ts) for k in (0, 1)) for ts in times]


def _secs(both: tuple[float, float]) -> str:
    return f"{both[0]:.2f} s ({both[1]:.2f} s CPU)"


def page_sets(repeats: int, activations: list[str]) -> None:
    """The model page's default and heaviest sets (momentum_app.studies.model_view's grid
    with the chosen beta added), compiled."""
    grid = np.round(np.r_[np.arange(0, 0.95, 0.1), 0.95, 0.99], 2)
    sets = {"page default": (20, grid, 50, 32), "page heaviest": (50, np.r_[grid, 0.97], 100, 8)}
    for name, (seeds, momenta, epochs, batch) in sets.items():
        params = np.repeat(glorot_params(np.arange(seeds)), len(momenta), axis=0)
        mus = np.tile(momenta, seeds)
        fns = [functools.partial(train_batch, Model(act), heavy_ball(LR, mus), params, epochs,
                                 batch, 0, loop="compiled") for act in activations]  # fmt: skip
        times = median_seconds(fns, repeats)
        print(
            f"  {name} ({len(params)} runs x {epochs} epochs, batch {batch}), compiled: "
            + ", ".join(f"{a} {_secs(t)}" for a, t in zip(activations, times, strict=True))
        )


def path_landscape(repeats: int, activations: list[str]) -> None:
    """The path chart's 240 x 240 landscape (``landscape_values`` of the plane's
    objective) at ``/model?lr=0.05&momentum=0.99&act=...``, compiled and numpy in turns
    (the linear network's plane is a closed form, neither)."""
    from momentum_app.race.figures import landscape_values
    from momentum_app.studies.model_view import network_path

    def with_engine(name: str, obj) -> None:
        os.environ["MOMENTUM_ENGINE"] = name
        try:
            landscape_values(obj)
        finally:
            os.environ.pop("MOMENTUM_ENGINE", None)

    for act in (a for a in activations if a != "linear"):
        obj = network_path(0.05, 0.99, 32, 50, act, 0).objective
        turns = [functools.partial(with_engine, name, obj) for name in ("", "numpy")]
        fast, slow = median_seconds(turns, repeats)
        print(f"  path chart's 240 x 240 landscape, {act}: compiled {_secs(fast)}, numpy "
              f"{_secs(slow)} -> {slow[1] / fast[1]:.1f}x less CPU")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--activation", choices=ACTIVATIONS, action="append")
    parser.add_argument("--landscape", action="store_true", help="the path chart's landscape only")
    args = parser.parse_args()

    start = time.perf_counter()
    assert engine.warm(wait=True) is not None, engine.failure()
    print(f"compiled loop loaded in {time.perf_counter() - start:.1f} s")
    if args.landscape:
        path_landscape(args.repeats, args.activation or list(ACTIVATIONS))
        return
    momenta = family_momenta(0.905)  # 101 momenta, like the app's families
    params = np.repeat(glorot_params(np.arange(SEEDS)), len(momenta), axis=0)
    mus = np.tile(momenta, SEEDS)
    runs = len(params)
    print(f"{SEEDS} seeds x {len(momenta)} momenta = {runs} runs x {EPOCHS} epochs, batch "
          f"{BATCH}, lr {LR}; medians of {args.repeats}")  # fmt: skip
    activations = args.activation or list(ACTIVATIONS)
    for act in activations:
        model = Model(act)
        result = train_batch(model, heavy_ball(LR, mus), params, EPOCHS, BATCH, 0, loop="numpy")
        compiled = train_batch(model, heavy_ball(LR, mus), params, EPOCHS, BATCH, 0,
                               loop="compiled")  # fmt: skip
        want = minimal_loop(model, params, mus)
        ok = result.diverged_step < 0
        # Same batches, same arithmetic: the same weights (diverged runs aside).
        agree = np.allclose(result.final_params[ok], want[ok], rtol=1e-9, atol=1e-12)
        # Sums in another order than BLAS's: the same weights to rounding, which a run at
        # beta = 0.99 grows over 400 steps (to ~2e-11 of the run's largest weight).
        gap = np.abs(compiled.final_params - result.final_params)[ok].max(axis=1)
        worst = float(np.max(gap / np.abs(result.final_params[ok]).max(axis=1)))
        fast, trainer, minimal = median_seconds(
            [
                lambda m=model: train_batch(m, heavy_ball(LR, mus), params, EPOCHS, BATCH, 0,
                                            loop="compiled"),
                lambda m=model: train_batch(m, heavy_ball(LR, mus), params, EPOCHS, BATCH, 0,
                                            loop="numpy"),
                lambda m=model: minimal_loop(m, params, mus),
            ],
            args.repeats,
        )  # fmt: skip
        print(
            f"  {act:>6}: compiled {_secs(fast)}, numpy {_secs(trainer)}, minimal numpy loop "
            f"{_secs(minimal)} -> numpy / compiled {trainer[0] / fast[0]:.1f}x "
            f"({trainer[1] / fast[1]:.1f}x CPU), numpy / minimal {trainer[0] / minimal[0]:.2f}x "
            f"({result.num_steps} steps, {int((~ok).sum())} runs diverged, same weights as "
            f"the minimal loop: {agree}; compiled and numpy apart by {worst:.1e} of a run's "
            "largest weight)"
        )
    page_sets(args.repeats, activations)
    path_landscape(args.repeats, activations)


if __name__ == "__main__":
    main()
